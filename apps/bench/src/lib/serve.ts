/**
 * Worker-thread side of the benchmark protocol (see threads.ts): post
 * `{ type: 'ready' }`, then answer each `{ type: 'run', n }` with
 * `{ type: 'done', ...result }`. A thrown error (or a rejection of an async
 * `run`) becomes the worker's `error` event on the main thread, which fails
 * the benchmark with its message.
 */
import { parentPort } from 'node:worker_threads';

/** A run command from the main thread. */
export interface RunCommand {
  readonly type: 'run';
  readonly n: number;
}

/** What a `run` function returns: extra fields for the `done` reply, now or later. */
export type RunResult = Record<string, unknown> | Promise<Record<string, unknown>>;

/**
 * Serves `run` commands on this worker's parent port with `run`, which works
 * synchronously (blocking the thread is the point) or returns a promise (for
 * benchmarks of async operations), and returns extra fields for the `done`
 * reply. The main thread sends the next command only after the `done` reply.
 */
export function serveRuns(what: string, run: (n: number) => RunResult): void {
  const port = parentPort;
  if (!port) throw new Error(`${what}: must run as a worker thread`);
  port.on('message', (m: unknown) => {
    const cmd = m as Partial<RunCommand> | null;
    if (cmd?.type !== 'run' || !Number.isSafeInteger(cmd.n) || cmd.n! < 0) {
      throw new Error(`${what}: expected { type: 'run', n }, got ${JSON.stringify(m)}`);
    }
    const result = run(cmd.n!);
    if (result instanceof Promise) {
      result.then(
        (r) => port.postMessage({ type: 'done', ...r }),
        (e: unknown) => {
          // Rethrown outside the promise chain: an uncaught exception, i.e. the worker's `error` event.
          process.nextTick(() => {
            throw e;
          });
        },
      );
    } else {
      port.postMessage({ type: 'done', ...result });
    }
  });
  port.postMessage({ type: 'ready' });
}
