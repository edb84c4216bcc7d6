/**
 * This thread's role in the goroutine runtime, kept in core's per-thread state
 * (env.ts) so that every copy of @gocsp/core loaded in the thread (ESM and
 * CJS) agrees: the sched it uses, and whether it is an M or the host.
 */
import { threadState } from '../internal/env.js';
import type { Sched } from './sched.js';

/** What an M exposes to the rest of its thread. */
export interface MRole {
  readonly sc: Sched;
  /** Address of this M's P record. */
  readonly p: number;
  readonly index: number;
  /** False once the P retires: new goroutines go to the global queue. */
  active(): boolean;
  /** Wakes this M if it is parked idle (same thread: no Atomics). */
  localWake(): void;
  /** Takes this M's P out of the idle set (a goroutine of ours is running). */
  claimSelf(): void;
  /** Id of the goroutine whose synchronous part is running now, 0 if none. */
  current: number;
  /** Trace events of this thread while tracing. */
  trace: unknown[] | undefined;
  /** Table index of the goroutine function a stack frame is in, or -1 (runtime/diag.ts). */
  fnOfFrame(file: string | undefined, line: number, name: string | null): number;
}

export interface HostRole {
  readonly sc: Sched;
  readonly index: number;
  trace: unknown[] | undefined;
  resize(n: number): void;
  shutdown(): Promise<void>;
  startTrace(): void;
  stopTrace(): Promise<import('./trace.js').Trace>;
}

export interface Role {
  sc: Sched | undefined;
  m: MRole | undefined;
  host: HostRole | undefined;
}

export function role(): Role {
  const st = threadState();
  if (st.runtime === undefined) st.runtime = { sc: undefined, m: undefined, host: undefined };
  return st.runtime as Role;
}
