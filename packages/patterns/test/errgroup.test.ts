// ErrGroup: golang.org/x/sync/errgroup/errgroup_test.go, goroutines on real workers.
import { afterAll, describe, expect, it } from 'vitest';
import { runtime } from '@gocsp/core';
import { AtomicInt32 } from '@gocsp/sync';
import { Canceled, ErrGroup, background, cause, withCancel, type Context } from '@gocsp/patterns';
import { delay, tasks } from './util.js';

afterAll(async () => {
  await runtime.shutdown();
});

describe('errgroup_test.go', () => {
  it('TestZeroGroup: after each go, wait returns the first error so far', async () => {
    const cases: string[][] = [[], [''], ['err1'], ['err1', ''], ['', 'err1', 'err2']];
    for (const errs of cases) {
      const g = new ErrGroup();
      let firstErr: string | undefined;
      for (const e of errs) {
        g.go(async (msg: string) => {
          if (msg !== '') throw new Error(msg);
        }, e);
        if (firstErr === undefined && e !== '') firstErr = e;
        const got = await g.wait().then(
          () => undefined,
          (x: unknown) => (x as Error).message,
        );
        expect(got).toBe(firstErr);
      }
    }
  });

  it('TestWithContext: the first error cancels ctx, and is its cause', async () => {
    const cases: string[][] = [[], [''], ['err1'], ['err1', ''], ['', 'err1', 'err2']];
    for (const errs of cases) {
      const [g, ctx] = ErrGroup.withContext(background());
      for (const e of errs) {
        g.go(async (msg: string) => {
          if (msg !== '') throw new Error(msg);
        }, e);
      }
      let got: Error | undefined;
      try {
        await g.wait();
      } catch (x) {
        got = x as Error;
      }
      const want = errs.filter((e) => e !== '');
      if (want.length === 0) expect(got).toBeUndefined();
      else expect(want).toContain(got!.message);
      // After wait, the derived context is always done.
      expect(ctx.err()).toBe(Canceled);
      if (got !== undefined) expect(cause(ctx)).toBe(got);
    }
  });

  it('the first error stops the others through ctx (they return early)', async () => {
    const [g, ctx] = ErrGroup.withContext(background());
    const t0 = Date.now();
    for (let i = 0; i < 4; i++) g.go(tasks.failAfter, ctx, 10_000, 'never');
    g.go(tasks.failAfter, ctx, 20, 'boom');
    await expect(g.wait()).rejects.toMatchObject({
      name: 'JobError',
      message: 'boom',
      code: 'E_FAIL',
    });
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(ctx.err()).toBe(Canceled);
  });

  it('a cancelled parent context reaches the group', async () => {
    const [parent, cancel] = withCancel(background());
    const g = new ErrGroup(parent);
    g.go(tasks.failAfter, g.ctx, 10_000, 'never');
    await delay(20);
    cancel(new Error('shutdown'));
    await g.wait();
    expect((cause(g.ctx) as Error).message).toBe('shutdown');
  });

  it('TestGoLimit: never more than the limit active', async () => {
    const limit = 3;
    const g = new ErrGroup();
    g.setLimit(limit);
    const active = new AtomicInt32();
    const max = new AtomicInt32();
    for (let i = 0; i < 30; i++) g.go(tasks.countActive, active, max, 2);
    await g.wait();
    expect(max.load()).toBeLessThanOrEqual(limit);
    expect(max.load()).toBeGreaterThan(0);
    expect(active.load()).toBe(0);
  });

  it('TestTryGo: starts only under the limit', async () => {
    const g = new ErrGroup();
    const n = 4;
    g.setLimit(n);
    const gate = new AtomicInt32();
    const blocker = async (gate: AtomicInt32): Promise<void> => {
      while (gate.load() === 0) await new Promise((r) => setTimeout(r, 1));
    };
    for (let i = 0; i < n; i++) expect(g.tryGo(blocker, gate)).toBe(true);
    expect(g.tryGo(blocker, gate)).toBe(false);
    gate.store(1);
    await g.wait();
    // Now a failing one and nothing else: its error is the group's.
    g.setLimit(1);
    expect(
      g.tryGo(async () => {
        throw new Error('tryGo failed');
      }),
    ).toBe(true);
    await expect(g.wait()).rejects.toThrow('tryGo failed');
    // Limit 0: nothing starts.
    const g0 = new ErrGroup();
    g0.setLimit(0);
    expect(g0.tryGo(async () => {})).toBe(false);
  });

  it('setLimit while goroutines are active throws, as Go panics', async () => {
    const g = new ErrGroup();
    g.go(tasks.countActive, new AtomicInt32(), new AtomicInt32(), 30);
    expect(() => g.setLimit(2)).toThrow(/modify limit while 1 goroutines/);
    await g.wait();
    g.setLimit(2);
  });

  it('functions queued past the limit are not started after the first error', async () => {
    const g = new ErrGroup();
    g.setLimit(1);
    const started = new AtomicInt32();
    g.go(async (s: AtomicInt32) => {
      s.add(1);
      throw new RangeError('first');
    }, started);
    for (let i = 0; i < 5; i++) g.go(async (s: AtomicInt32) => void s.add(1), started);
    await expect(g.wait()).rejects.toBeInstanceOf(RangeError);
    expect(started.load()).toBe(1);
  });

  it('goLocal runs on this thread, under the same limit and error rules', async () => {
    const g = new ErrGroup();
    g.setLimit(2);
    let active = 0;
    let max = 0;
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) {
      g.goLocal(async () => {
        max = Math.max(max, ++active);
        await delay(5);
        seen.push(i);
        active--;
      });
    }
    await g.wait();
    expect(max).toBe(2);
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const ctxs: Context[] = [];
    const h = new ErrGroup();
    h.goLocal(() => {
      ctxs.push(h.ctx);
      throw new Error('local');
    });
    await expect(h.wait()).rejects.toThrow('local');
    expect(ctxs[0]!.err()).toBe(Canceled);
  });

  it('errors keep their class, message and properties across threads', async () => {
    const g = new ErrGroup();
    g.go(tasks.doubleOrFail, { v: 3, bad: [3] });
    const e = await g.wait().catch((x: unknown) => x as Error & { code?: string });
    expect(e).toBeInstanceOf(Error);
    expect(e!.name).toBe('JobError');
    expect(e!.constructor.name).toBe('JobError');
    expect(e!.code).toBe('E_BAD');
  });
});
