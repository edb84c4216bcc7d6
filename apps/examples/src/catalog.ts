// The examples of the tour, in the order `npm start` runs them. Each entry is a
// file src/examples/<name>.ts, built to dist/examples/<name>.js and run as its
// own node process.

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
