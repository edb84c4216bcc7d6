import { describe, expect, it } from 'vitest';
import { SyncMisuseError, WaitGroup } from '@gocsp/sync';
import { delay, runWorker } from './util.js';

describe('WaitGroup', () => {
  it('wait resolves at once on a zero counter', async () => {
    await new WaitGroup().wait();
  });

  it('throws on a negative counter and leaves the counter unchanged', () => {
    const wg = new WaitGroup();
    wg.add(2);
    expect(() => wg.add(-3)).toThrow(SyncMisuseError);
    expect(() => wg.add(-3)).toThrow('sync: negative WaitGroup counter');
    expect(wg.count).toBe(2);
    expect(() => wg.add(1.5)).toThrow(TypeError);
    wg.add(-2);
    expect(() => wg.done()).toThrow('sync: negative WaitGroup counter');
    expect(wg.count).toBe(0);
  });

  it('releases waiters on main and on workers (blocking form) when done() comes from workers', async () => {
    const wg = new WaitGroup();
    const n = 1000;
    wg.add(3 * n);
    const waiters = [runWorker('wgWaitSync', { wg }), runWorker('wgWaitSync', { wg })];
    let released = false;
    const mainWait = wg.wait().then(() => (released = true));
    await delay(20);
    expect(released).toBe(false);
    const doers = [0, 1, 2].map(() => runWorker('wgDone', { wg, n }));
    await Promise.all(doers.map((d) => d.result));
    await mainWait;
    expect(await Promise.all(waiters.map((w) => w.result))).toEqual(['released', 'released']);
    expect(wg.count).toBe(0);
  });

  it('can be reused after reaching zero', async () => {
    const wg = new WaitGroup();
    for (let round = 0; round < 3; round++) {
      wg.add(1);
      setTimeout(() => wg.done(), 2);
      await wg.wait();
    }
  });
});
