import { describe, expect, it } from 'vitest';
import { SyncMisuseError, WaitGroup } from '@gocsp/sync';
import { delay, lastJson, runNode, runWorker, scale, SEED } from './util.js';

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

  it('never loses a wake in a ping-pong between two workers (spin, node spin and park paths)', async () => {
    // Seeded (GOCSP_SEED), longer under GOCSP_STRESS; a lost wake hangs the
    // pair and the scenario's timeout fails the test.
    const toPing = new WaitGroup();
    const toPong = new WaitGroup();
    toPing.add(1);
    toPong.add(1);
    const ball = new SharedArrayBuffer(16);
    const n = scale(3000);
    const args = { toPing, toPong, ball, n };
    const pong = runWorker('wgPingPong', { ...args, role: 'pong' }, 60_000);
    const ping = runWorker('wgPingPong', { ...args, role: 'ping' }, 60_000);
    const results = await Promise.all([ping.result, pong.result]);
    expect(results, `seed ${SEED}`).toEqual([2 * n, 2 * n]);
    expect(toPing.count).toBe(1);
    expect(toPong.count).toBe(1);
  });

  it('a blocking waiter that outwaits its spins stays queued (counted) until done(), then is released', async () => {
    const wg = new WaitGroup();
    wg.add(1);
    const w = runWorker('wgWaitSync', { wg });
    // The worker starts, spins out (well under a millisecond) and queues itself.
    for (let i = 0; i < 500 && wg.toJSON().waiters === 0; i++) await delay(10);
    await delay(20); // past its node spin too: parked in the kernel
    expect(wg.toJSON()).toMatchObject({ count: 1, waiters: 1 });
    wg.done();
    expect(await w.result).toBe('released');
    expect(wg.toJSON()).toMatchObject({ count: 0, waiters: 0 });
  });

  it('counts up to 2^30 - 1 and refuses more with a RangeError, changing nothing', async () => {
    const wg = new WaitGroup();
    wg.add(2 ** 30 - 2);
    wg.add(1);
    expect(wg.count).toBe(2 ** 30 - 1);
    expect(() => wg.add(1)).toThrow(RangeError);
    expect(() => wg.add(1)).toThrow('2^30 - 1');
    expect(wg.count).toBe(2 ** 30 - 1);
    // A queued waiter (the group's flag bit set) changes neither the count nor the range.
    const released = wg.wait();
    expect(wg.toJSON()).toMatchObject({ count: 2 ** 30 - 1, waiters: 1 });
    expect(() => wg.add(1)).toThrow(RangeError);
    wg.add(-(2 ** 30 - 2));
    expect(wg.count).toBe(1);
    wg.done();
    await released;
    expect(wg.toJSON()).toMatchObject({ count: 0, waiters: 0 });
    expect(() => wg.done()).toThrow(SyncMisuseError);
  });

  it('a wait the deadlock detector cancels leaves the waiter count, and the group works on (child process)', async () => {
    const r = await runNode('deadlock-wait.mjs');
    expect(r.code, r.stderr).toBe(0);
    const out = lastJson<{
      name: string;
      after: { count: number; waiters: number };
      end: { count: number; waiters: number };
    }>(r);
    expect(out.name).toBe('DeadlockError');
    expect(out.after).toMatchObject({ count: 1, waiters: 0 });
    expect(out.end).toMatchObject({ count: 0, waiters: 0 });
  });
});
