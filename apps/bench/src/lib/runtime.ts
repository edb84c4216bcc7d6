/**
 * The gocsp goroutine runtime inside a benchmark case: every case that runs
 * goroutines starts a fresh runtime with the number of Ps it wants and ends it
 * before it returns, so no M worker outlives its case (see withRuntime).
 */
import { gomaxprocs, runtime } from '@gocsp/core';

/** Options of {@link withRuntime}. */
export interface RuntimeOptions {
  /** gomaxprocs: the number of Ps (M worker threads) the runtime starts with. */
  readonly procs: number;
  /**
   * Environment variables for the M workers (e.g. `GOCSP_STEAL: '0'`): set in
   * process.env before the runtime starts (workers copy process.env when they
   * are created) and restored after it ended.
   */
  readonly env?: Readonly<Record<string, string>>;
}

/** Polls until `done()` or `ms` have passed; true if `done()` came true. */
export async function pollUntil(done: () => boolean, ms: number, everyMs = 1): Promise<boolean> {
  const end = performance.now() + ms;
  while (!done()) {
    if (performance.now() > end) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return true;
}

/** Goroutines started on any P and not finished (runtime.stats). */
export function liveGoroutines(): number {
  return runtime.stats().ps.reduce((sum, p) => sum + p.live, 0);
}

/**
 * Runs `fn` with a fresh gocsp runtime of `procs` Ps: `gomaxprocs(procs)`
 * before `fn`'s first spawn sets the size the runtime starts with. Afterwards
 * (also on error, and at once when `signal` aborts) the runtime is shut down,
 * once its goroutines have finished (up to 5 s): shutting down with
 * goroutines still finishing makes core warn about "lost" goroutines.
 */
export async function withRuntime<T>(
  signal: AbortSignal,
  options: RuntimeOptions,
  fn: () => Promise<T>,
): Promise<T> {
  signal.throwIfAborted();
  if (runtime.stats().running) await runtime.shutdown(); // left over by a failed case
  const saved = new Map<string, string | undefined>();
  for (const [k, v] of Object.entries(options.env ?? {})) {
    saved.set(k, process.env[k]);
    process.env[k] = v;
  }
  const onAbort = (): void => void runtime.shutdown();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    gomaxprocs(options.procs);
    return await fn();
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (!signal.aborted && runtime.stats().running) {
      await pollUntil(() => runtime.stats().goroutines <= 1, 5000);
    }
    await runtime.shutdown();
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
