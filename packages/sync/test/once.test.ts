import { describe, expect, it } from 'vitest';
import { AtomicInt32, Once } from '@gocsp/sync';
import { runWorker } from './util.js';

describe('Once', () => {
  it('runs the function exactly once across 4 threads; the others wait for it', async () => {
    for (let round = 0; round < 5; round++) {
      const once = new Once();
      const runs = new AtomicInt32();
      const started = new AtomicInt32();
      const ws = [0, 1, 2].map(() => runWorker('onceDo', { once, runs, started }));
      started.add(1);
      while (started.load() < 4) await new Promise((r) => setImmediate(r));
      await once.do(async () => {
        runs.add(1);
        await new Promise((r) => setTimeout(r, 20));
      });
      // Every caller saw the run finished (runs == 1) when its do() returned.
      expect(await Promise.all(ws.map((w) => w.result))).toEqual([1, 1, 1]);
      expect(runs.load()).toBe(1);
      expect(once.done).toBe(true);
    }
  });

  it('counts a throw as done: the thrower rejects, later calls do nothing', async () => {
    const once = new Once();
    await expect(
      once.do(() => {
        throw new Error('init failed');
      }),
    ).rejects.toThrow('init failed');
    let ran = false;
    await once.do(() => (ran = true));
    expect(ran).toBe(false);
  });

  it('makes concurrent same-thread callers wait for the running function', async () => {
    const once = new Once();
    const log: string[] = [];
    const a = once.do(async () => {
      await new Promise((r) => setTimeout(r, 10));
      log.push('fn');
    });
    const b = once.do(() => log.push('never')).then(() => log.push('b'));
    await Promise.all([a, b]);
    expect(log).toEqual(['fn', 'b']);
  });
});
