/**
 * Test kit of this package: the shared one (tools/testkit.mjs) and the task
 * module fixture. GOCSP_SEED replays a run; GOCSP_STRESS scales it.
 */
import { afterAll, afterEach, expect } from 'vitest';
import { runtime, taskModule } from '@gocsp/core';
import type { Clock } from '@gocsp/channels';

export { SEED, STRESS, scale, rng, delay } from '../../../tools/testkit.mjs';

/** The task module the goroutines of these tests run. */
export const tasks = taskModule<typeof import('./fixtures/tasks.mjs')>(
  new URL('./fixtures/tasks.mjs', import.meta.url),
);

/** 0, 1, ..., n - 1. */
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * For a suite on the worker runtime: fails each test after which an
 * unhandled rejection was seen, and shuts the runtime down after the file.
 */
export function guardRuntimeSuite(): void {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown): void => void unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  afterEach(() => {
    expect(unhandled).toEqual([]);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await runtime.shutdown();
  });
}

/** Resolves with `p`'s outcome, or 'pending' if it has not settled after `ms`. */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<'pending'>((r) => (timer = setTimeout(() => r('pending'), ms)));
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

/** A virtual clock for `setClock`: timers fire when `advance` passes them. */
export function virtualClock(): Clock & { advance(ms: number): void; live(): number } {
  let now = 1_000_000;
  let id = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      timers.set(++id, { at: now + ms, fn });
      return id;
    },
    clearTimeout(h) {
      timers.delete(h as number);
    },
    setInterval: () => 0,
    clearInterval: () => {},
    advance(ms) {
      now += ms;
      for (const [k, t] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
        if (t.at <= now) {
          timers.delete(k);
          t.fn();
        }
      }
    },
    live: () => timers.size,
  };
}
