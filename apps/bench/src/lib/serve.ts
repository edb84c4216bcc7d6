/**
 * Worker-thread side of the benchmark protocol (see threads.ts): post
 * `{ type: 'ready' }`, then answer each `{ type: 'run', n }` with
 * `{ type: 'done', ...result }`. A thrown error becomes the worker's `error`
 * event on the main thread, which fails the benchmark with its message.
 */
import { parentPort } from 'node:worker_threads';

/** A run command from the main thread. */
export interface RunCommand {
  readonly type: 'run';
  readonly n: number;
}

/**
 * Serves `run` commands on this worker's parent port with `run`, which works
 * synchronously (blocking the thread is the point) and returns extra fields
 * for the `done` reply.
 */
export function serveRuns(what: string, run: (n: number) => Record<string, unknown>): void {
  const port = parentPort;
  if (!port) throw new Error(`${what}: must run as a worker thread`);
  port.on('message', (m: unknown) => {
    const cmd = m as Partial<RunCommand> | null;
    if (cmd?.type !== 'run' || !Number.isSafeInteger(cmd.n) || cmd.n! < 0) {
      throw new Error(`${what}: expected { type: 'run', n }, got ${JSON.stringify(m)}`);
    }
    port.postMessage({ type: 'done', ...run(cmd.n!) });
  });
  port.postMessage({ type: 'ready' });
}
