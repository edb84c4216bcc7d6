import { describe, expect, it } from 'vitest';
import { bounded, BenchTimeoutError } from '../src/harness.js';
import { liveWorkerCount, withWorkers } from '../src/lib/threads.js';

const fixture = new URL('./fixtures/misbehave.mjs', import.meta.url);

async function misbehave(how: string, timeoutMs = 10_000): Promise<unknown> {
  return bounded(`fixture ${how}`, timeoutMs, (signal) =>
    withWorkers(signal, async (spawn) => {
      const w = await spawn(fixture, `misbehave (${how})`, how);
      w.post({ type: 'run', n: 1 });
      return w.next('done');
    }),
  );
}

async function noWorkersLeft(): Promise<void> {
  for (let i = 0; i < 200 && liveWorkerCount() > 0; i++)
    await new Promise((r) => setTimeout(r, 10));
  expect(liveWorkerCount()).toBe(0);
}

describe('benchmark workers', () => {
  it('terminates a worker hung in Atomics.wait when the call times out', async () => {
    await expect(misbehave('hang', 300)).rejects.toBeInstanceOf(BenchTimeoutError);
    await noWorkersLeft();
  });
  it('turns a worker exception into a rejection naming the worker', async () => {
    await expect(misbehave('throw')).rejects.toThrow(
      /worker misbehave \(throw\) threw: fixture exploded/,
    );
    await noWorkersLeft();
  });
  it('turns an early exit into a rejection with the exit code', async () => {
    await expect(misbehave('exit')).rejects.toThrow(
      /exited with code 3 before the benchmark ended/,
    );
    await noWorkersLeft();
  });
});
