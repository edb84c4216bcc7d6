// The examples of the tour, in the order `npm start` runs them: the seed
// programs (goroutines, concurrency versus parallelism, the scheduler), then
// the Go classics, then what it is all built on. Each entry is a file
// src/examples/<name>.ts, built to dist/examples/<name>.js and run as its own
// node process.

/** One example of the tour. */
export interface Example {
  /** File name under src/examples, without extension; what `npm start -- <name>` takes. */
  name: string;
  /** The one-line header printed before it runs: what it shows. */
  title: string;
  /** Longest run allowed before the tour kills it (ms). */
  timeoutMs: number;
}

/** Every example, in tour order. */
export const EXAMPLES: readonly Example[] = [
  {
    name: 'concurrency',
    title:
      'GOMAXPROCS(1): three goroutines take turns on one thread, their output interleaves (the classic Go concurrency demo)',
    timeoutMs: 30_000,
  },
  {
    name: 'parallelism',
    title: "heavyWork on every core: each worker's time, the total, and the speedup against one P",
    timeoutMs: 60_000,
  },
  {
    name: 'gomaxprocs',
    title: 'runtime.NumCPU and GOMAXPROCS: inspecting and setting how many threads run goroutines',
    timeoutMs: 30_000,
  },
  {
    name: 'waitgroup',
    title: 'sync.WaitGroup: main waits until every goroutine has called Done',
    timeoutMs: 30_000,
  },
  {
    name: 'web-requests',
    title:
      'concurrent HTTP requests to a local server on one P: the total is about the slowest, not the sum',
    timeoutMs: 30_000,
  },
  {
    name: 'atomic-counter',
    title: '4 goroutines x 10,000,000 atomic adds = 40,000,000, timed on NumCPU Ps and on one P',
    timeoutMs: 60_000,
  },
  {
    name: 'loop-variable',
    title: 'goroutines get values as arguments; captured variables cannot cross threads',
    timeoutMs: 30_000,
  },
  {
    name: 'main-returns',
    title:
      'main returning ends the program while goroutines still run; a WaitGroup lets them finish',
    timeoutMs: 30_000,
  },
  {
    name: 'work-stealing',
    title:
      'an imbalanced workload: idle Ps steal queued goroutines (runtime.stats, a trace drawn as an SVG timeline)',
    timeoutMs: 60_000,
  },
  {
    name: 'prime-sieve',
    title: "Go's concurrent prime sieve: a daisy chain of goroutines and channels across threads",
    timeoutMs: 30_000,
  },
  {
    name: 'worker-pool',
    title: "Go's worker pool: workers share a jobs channel; then workerPool() with CPU-bound jobs",
    timeoutMs: 60_000,
  },
  {
    name: 'pipeline',
    title:
      'pipeline stages connected by channels, fan-out and fan-in; then pipeline() with a CPU-heavy stage',
    timeoutMs: 60_000,
  },
  {
    name: 'select-timeout',
    title: 'select: the first ready channel wins; timeouts with after(), default, and a ticker',
    timeoutMs: 30_000,
  },
  {
    name: 'deadlock',
    title:
      "a deadlock and a hang, diagnosed: Go's goroutine dump (DeadlockError, SIGQUIT) names every goroutine, what it waits on and the line",
    timeoutMs: 30_000,
  },
  {
    name: 'context-cancel',
    title: 'context cancellation and deadlines reaching goroutines on other threads; ErrGroup',
    timeoutMs: 30_000,
  },
  {
    name: 'rxjs',
    title: 'the RxJS bridge: fromChannel, parallelMap (the main thread stays free), toChannel',
    timeoutMs: 60_000,
  },
  {
    name: 'distributed-pool',
    title:
      'a worker pool over 3 processes with @gocsp/nats: one is SIGKILLed mid-run, every result still arrives exactly once',
    timeoutMs: 60_000,
  },
  {
    name: 'io-vs-cpu',
    title:
      "Go's rule of thumb, measured: I/O-bound, CPU-bound and mixed work on 1 P and on NumCPU Ps",
    timeoutMs: 60_000,
  },
  {
    name: 'shared-memory',
    title:
      'the main thread and a worker_threads Worker share one SharedArrayBuffer: Atomics.add, Atomics.waitAsync, Atomics.notify',
    timeoutMs: 30_000,
  },
];

/**
 * Looks an example up by name.
 *
 * @example
 * ```ts
 * findExample('shared-memory')?.title; // 'the main thread and a worker_threads Worker share ...'
 * findExample('nope'); // undefined
 * ```
 */
export function findExample(name: string): Example | undefined {
  return EXAMPLES.find((e) => e.name === name);
}
