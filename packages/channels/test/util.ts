/**
 * Test kit: seeded randomness, stress scaling, and hand-made worker threads
 * running named scenarios from fixtures/scenarios.mjs against the built dist.
 *
 * GOCSP_SEED=<n> replays a run; GOCSP_STRESS=<factor> (e.g. 20) multiplies
 * iteration counts.
 */
import { Worker } from 'node:worker_threads';
import { toShared } from '@gocsp/channels';

export const SEED = Number(process.env.GOCSP_SEED ?? 0x5eed) >>> 0;
export const STRESS = Math.max(1, Number(process.env.GOCSP_STRESS ?? 1) || 1);

/** Scales an iteration count by the stress factor. */
export const scale = (n: number): number => Math.round(n * STRESS);

/** mulberry32: small, fast, seeded PRNG returning floats in [0, 1). */
export function rng(seed = SEED): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORKER = new URL('./fixtures/worker.mjs', import.meta.url);

/** A hand-made worker running one scenario; `result` settles with its return value. */
export interface Running {
  worker: Worker;
  result: Promise<unknown>;
  /** Messages the scenario posted with `report(x)`. */
  messages: unknown[];
  next(): Promise<unknown>;
}

/** Starts a worker thread running `scenario(args)`; fails if it takes longer than `timeoutMs`. */
export function runWorker(scenario: string, args: unknown, timeoutMs = 30_000): Running {
  const worker = new Worker(WORKER, { workerData: { scenario, args: toShared(args), seed: SEED } });
  const messages: unknown[] = [];
  const waiting: ((v: unknown) => void)[] = [];
  const result = new Promise<unknown>((resolve, reject) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`scenario ${scenario} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    worker.on('message', (m: { kind: string; value?: unknown; error?: unknown }) => {
      if (m.kind === 'report') {
        const w = waiting.shift();
        if (w) w(m.value);
        else messages.push(m.value);
      } else if (m.kind === 'done') {
        clearTimeout(timer);
        resolve(m.value);
      } else if (m.kind === 'error') {
        clearTimeout(timer);
        reject(m.error instanceof Error ? m.error : new Error(String(m.error)));
      }
    });
    worker.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    worker.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker for ${scenario} exited (code ${code}) before finishing`));
    });
  });
  result.catch(() => {}); // observed by the test when it awaits it
  return {
    worker,
    result,
    messages,
    next: () =>
      messages.length > 0
        ? Promise.resolve(messages.shift())
        : new Promise((resolve) => waiting.push(resolve)),
  };
}

/** Resolves after `ms` milliseconds. */
export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
