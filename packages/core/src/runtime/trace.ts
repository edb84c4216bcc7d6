/**
 * The trace recorder: scheduling events in the Chrome trace-event format
 * (https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU),
 * which Perfetto (ui.perfetto.dev) and chrome://tracing open. One track
 * (`tid`) per P, plus one for the host thread.
 *
 * Each M buffers its own events (no shared memory, no messages while
 * recording); `runtime.stopTrace()` collects them with one message per worker.
 * Times are microseconds on a clock shared by every thread
 * (performance.timeOrigin + performance.now()).
 */
import { performance } from 'node:perf_hooks';

/** One Chrome trace event. */
export interface TraceEvent {
  name: string;
  /** X = a slice with `dur`, i = an instant, M = metadata. */
  ph: 'X' | 'i' | 'M';
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  s?: 't';
  args?: Record<string, unknown>;
}

/** A recorded trace: `JSON.stringify` it to a file and open it in Perfetto. */
export interface Trace {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
}

const us = (ms: number): number => (performance.timeOrigin + ms) * 1000;

/** Thread id the host's events use (Ps use their index). */
export const HOST_TID = 1000;

interface Recorder {
  index: number;
  trace: unknown[] | undefined;
}

/** Records one event of an M (or the host, index HOST_TID). */
export function traceEvent(r: Recorder, kind: string, a: Record<string, unknown>): void {
  const t = r.trace;
  if (t === undefined) return;
  if (kind === 'run') {
    const { ts, dur, ...rest } = a as { ts: number; dur: number; goid: number; fn: string };
    t.push({
      name: `G${rest.goid} ${rest.fn}`,
      ph: 'X',
      ts: us(ts),
      dur: Math.max(dur * 1000, 0.1),
      pid: 1,
      tid: r.index,
      args: rest,
    } satisfies TraceEvent);
    return;
  }
  t.push({
    name: kind,
    ph: 'i',
    s: 't',
    ts: us(performance.now()),
    pid: 1,
    tid: r.index,
    args: a,
  } satisfies TraceEvent);
}

/** Metadata naming the tracks. */
export function trackNames(ps: number[]): TraceEvent[] {
  const out: TraceEvent[] = [
    { name: 'process_name', ph: 'M', ts: 0, pid: 1, tid: 0, args: { name: 'gocsp runtime' } },
    { name: 'thread_name', ph: 'M', ts: 0, pid: 1, tid: HOST_TID, args: { name: 'host (main)' } },
  ];
  for (const i of ps) {
    out.push({ name: 'thread_name', ph: 'M', ts: 0, pid: 1, tid: i, args: { name: `P${i}` } });
  }
  return out;
}
