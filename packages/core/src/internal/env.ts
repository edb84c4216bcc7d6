/**
 * Per-thread state of @gocsp/core, kept on `globalThis` under a registered
 * symbol. Why not module-level variables: a program may load both the ESM and
 * the CJS build of this package in one thread (the dual-package hazard); with
 * module state each copy would register the thread twice and keep its own
 * registry of shared types. With one record per thread they agree.
 */
export interface ThreadState {
  /** Layout version of this record; a mismatch means two incompatible gocsp copies. */
  version: number;
  /** World id -> World (world.ts). */
  worlds: Map<number, unknown>;
  defaultWorld: unknown;
  /** World id -> Parker (park.ts). */
  parkers: Map<number, unknown>;
  /** Shared type id -> reviver (shared.ts). */
  types: Map<number, unknown>;
  /** world id -> address -> WeakRef of the live object (shared.ts). */
  revived: Map<number, Map<number, WeakRef<object>>>;
  deathWatch: boolean;
  /** Shared type id -> clean-up run before its block is freed (object.ts). */
  freeHooks: Map<number, unknown>;
  /** gocsp timers pending in this thread (after, tick: unref'd, so invisible to getActiveResourcesInfo). */
  timers: number;
  /** Shared type id -> its name and defining file, for the types this thread registered (types.ts). */
  typeFiles: Map<number, unknown>;
  /** SharedArrayBuffers this thread sent or was announced (sabs.ts), created on first use. */
  sabs?: unknown;
  /** This thread's goroutine runtime role (runtime/*.ts): host, M, or none. */
  runtime: unknown;
}

const KEY = Symbol.for('gocsp.core.thread-state');
const STATE_VERSION = 5;

/** The calling thread's gocsp state, created on first use. */
export function threadState(): ThreadState {
  const g = globalThis as unknown as Record<symbol, ThreadState | undefined>;
  let st = g[KEY];
  if (st === undefined) {
    st = {
      version: STATE_VERSION,
      worlds: new Map(),
      defaultWorld: undefined,
      parkers: new Map(),
      types: new Map(),
      revived: new Map(),
      deathWatch: false,
      freeHooks: new Map(),
      runtime: undefined,
      typeFiles: new Map(),
      timers: 0,
    };
    Object.defineProperty(g, KEY, { value: st, enumerable: false });
  } else if (st.version !== STATE_VERSION) {
    throw new Error(
      `two incompatible versions of @gocsp/core are loaded in one thread (state ${st.version} and ${STATE_VERSION}); dedupe your dependencies`,
    );
  }
  return st;
}
