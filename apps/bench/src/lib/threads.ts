/**
 * Main-thread side of benchmark workers: start, talk to, and always end them.
 *
 * Protocol: a worker posts `{ type: 'ready' }` once it is set up, then answers
 * commands with messages that all carry a string `type`. {@link BenchWorker.next}
 * takes messages in order and names the one it expects, so a protocol slip
 * fails loudly instead of being read as a figure.
 *
 * Ending: {@link withWorkers} terminates every worker it started when its
 * callback settles and when its AbortSignal fires (the harness aborts on a
 * timeout). `worker.terminate()` also interrupts a thread blocked in
 * `Atomics.wait`, so a hung worker cannot keep the process alive.
 * {@link terminateAllWorkers} is the last-resort sweep for run.ts.
 */
import { Worker } from 'node:worker_threads';

/** A message from a benchmark worker. */
export interface WorkerMessage {
  readonly type: string;
  readonly [key: string]: unknown;
}

const live = new Set<BenchWorker>();

/** A started worker thread with an ordered, typed message inbox. */
export class BenchWorker {
  readonly label: string;
  readonly #worker: Worker;
  readonly #inbox: WorkerMessage[] = [];
  readonly #waiters: { resolve: (m: WorkerMessage) => void; reject: (e: Error) => void }[] = [];
  #failure: Error | null = null;
  #terminating = false;
  #exited: Promise<void>;

  /** Starts `url` with `workerData`; `label` names it in errors. */
  constructor(url: URL, label: string, workerData?: unknown) {
    this.label = label;
    this.#worker = new Worker(url, { workerData });
    live.add(this);
    this.#worker.on('message', (data: unknown) => this.#receive(data));
    this.#worker.on('messageerror', (err: Error) =>
      this.#fail(new Error(`${label}: ${err.message}`)),
    );
    this.#worker.on('error', (err: Error) =>
      this.#fail(new Error(`worker ${label} threw: ${err.message}`)),
    );
    this.#exited = new Promise((resolve) => {
      this.#worker.once('exit', (code: number) => {
        live.delete(this);
        this.#fail(
          new Error(
            this.#terminating
              ? `worker ${label} was terminated`
              : `worker ${label} exited with code ${code} before the benchmark ended`,
          ),
        );
        resolve();
      });
    });
  }

  /** Posts `message` to the worker. */
  post(message: unknown): void {
    this.#worker.postMessage(message);
  }

  /**
   * The next message, which must have type `type`; rejects if it has another
   * type, or once the worker has failed, exited or been terminated.
   */
  async next(type: string): Promise<WorkerMessage> {
    const m =
      this.#inbox.shift() ??
      (this.#failure
        ? Promise.reject(this.#failure)
        : new Promise<WorkerMessage>((resolve, reject) => this.#waiters.push({ resolve, reject })));
    const msg = await m;
    if (msg.type !== type) {
      throw new Error(`worker ${this.label}: expected a "${type}" message, got "${msg.type}"`);
    }
    return msg;
  }

  /** Terminates the worker (idempotent) and resolves once it has exited. */
  terminate(): Promise<void> {
    if (!this.#terminating) {
      this.#terminating = true;
      void this.#worker.terminate();
    }
    return this.#exited;
  }

  #receive(data: unknown): void {
    if (
      typeof data !== 'object' ||
      data === null ||
      typeof (data as { type?: unknown }).type !== 'string'
    ) {
      this.#fail(new Error(`worker ${this.label} posted a message without a string "type"`));
      return;
    }
    const msg = data as WorkerMessage;
    const w = this.#waiters.shift();
    if (w) w.resolve(msg);
    else this.#inbox.push(msg);
  }

  #fail(err: Error): void {
    this.#failure ??= err;
    for (const w of this.#waiters.splice(0)) w.reject(this.#failure);
  }
}

/** Starts a worker and waits for its `ready` message. */
export type SpawnFn = (url: URL, label: string, workerData?: unknown) => Promise<BenchWorker>;

/**
 * Runs `fn` with a `spawn` function whose workers are all terminated when `fn`
 * settles or `signal` aborts, whichever comes first. Resolves to `fn`'s value
 * only after those workers have exited.
 */
export async function withWorkers<T>(
  signal: AbortSignal,
  fn: (spawn: SpawnFn) => Promise<T>,
): Promise<T> {
  const mine: BenchWorker[] = [];
  const endAll = () => Promise.all(mine.map((w) => w.terminate()));
  const onAbort = () => void endAll();
  signal.throwIfAborted();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await fn(async (url, label, workerData) => {
      signal.throwIfAborted();
      const w = new BenchWorker(url, label, workerData);
      mine.push(w);
      await w.next('ready');
      return w;
    });
  } finally {
    signal.removeEventListener('abort', onAbort);
    await endAll();
  }
}

/** Workers started and not yet exited, across the process. */
export function liveWorkerCount(): number {
  return live.size;
}

/** Terminates every live benchmark worker; resolves to how many there were. */
export async function terminateAllWorkers(): Promise<number> {
  const all = [...live];
  await Promise.all(all.map((w) => w.terminate()));
  return all.length;
}
