// An ordered stage's dispatcher and collector (src/internal/routines.ts) with
// two workers of unequal speed, all run on this thread: the order is kept,
// every value comes out once, and the faster worker takes more pieces than a
// fixed round-robin would give it. Cancellation ends every loop. The same
// for an ordered worker pool's (one job a piece).
// The one test of this package that imports src rather than the built dist:
// the loops it drives are internal, and run here without the worker runtime
// (the same code runs on real threads in pipeline.test.ts).
import { describe, expect, it } from 'vitest';
import { chan, type Channel } from '@gocsp/channels';
import { WaitGroup } from '@gocsp/sync';
import { background, withCancel, type Context } from '../src/context.js';
import type { Link } from '../src/internal/link.js';
import { resultCodec } from '../src/internal/result-codec.js';
import {
  POOL,
  STAGE,
  collector,
  dispatcher,
  orderedLinks,
  orderedPoolLinks,
  work,
  type PoolRecord,
} from '../src/internal/routines.js';
import { delay, range, rng, scale, within } from './util.js';

type Fn = (v: unknown) => unknown;

/**
 * Feeds `values` through a dispatcher, one worker per fn and a collector,
 * wired as pipeline.ts wires an ordered stage (`orderedLinks`, for the
 * default `buffer`), or as pool.ts wires an ordered pool (`pool`:
 * `orderedPoolLinks`, workers in pool mode, values as [index, job]). The
 * output channel, and the group the loops belong to.
 */
function ordered(
  values: unknown[],
  fns: Fn[],
  ctx: Context,
  pool = false,
): { out: Channel<unknown>; wg: WaitGroup } {
  const n = fns.length;
  const input: Link = { ch: chan<unknown>(16), batch: 0 };
  const { ins, outs, order } = pool ? orderedPoolLinks(n, resultCodec) : orderedLinks(256, n);
  const output: Link = { ch: chan<unknown>(16), batch: 0 };
  const wg = new WaitGroup();
  wg.add(n + 2);
  fns.forEach((fn, k) => {
    void work(fn, undefined, pool ? POOL : STAGE, ins[k]!, outs[k]!, ctx, !pool).finally(() => {
      outs[k]!.ch.close();
      wg.done();
    });
  });
  void dispatcher(input, ins, order, ctx, wg);
  void collector(outs, output, ctx, wg, order);
  void (async () => {
    for (const v of values) await input.ch.send(v);
    input.ch.close();
  })();
  return { out: output.ch, wg };
}

async function drain(ch: Channel<unknown>): Promise<unknown[]> {
  const got: unknown[] = [];
  for (;;) {
    const [v, ok] = await ch.recvOk();
    if (!ok) return got;
    got.push(v);
  }
}

describe('ordered stage: dispatcher and collector', () => {
  it('a slow worker gets fewer pieces than a fast one; order and values kept', async () => {
    const n = scale(400);
    const took = [0, 0];
    const slow: Fn = async (v) => {
      took[0]!++;
      await delay(2);
      return (v as number) * 2;
    };
    const fast: Fn = (v) => {
      took[1]!++;
      return (v as number) * 2;
    };
    const { out, wg } = ordered(range(n), [slow, fast], background());
    expect(await drain(out)).toEqual(range(n).map((i) => i * 2));
    expect(await within(wg.wait(), 5_000)).toBeUndefined();
    expect(took[0]! + took[1]!).toBe(n);
    // A fixed round-robin gives each worker half. The fast worker can run
    // ahead of the collector only by what the channels hold (a few pieces
    // per slow piece), so the slow one still takes some.
    expect(took[0]!).toBeGreaterThan(0);
    expect(took[0]!).toBeLessThan(n * 0.35);
  });

  it('workers of random speeds: every value once, in order', async () => {
    const r = rng();
    const n = scale(600);
    const ms = range(n).map(() => (r() < 0.2 ? Math.floor(r() * 3) : 0));
    const fns: Fn[] = [0, 1, 2].map(() => async (v) => {
      const d = ms[v as number]!;
      if (d > 0) await delay(d);
      return -(v as number);
    });
    const { out, wg } = ordered(range(n), fns, background());
    expect(await drain(out)).toEqual(range(n).map((i) => -i));
    expect(await within(wg.wait(), 5_000)).toBeUndefined();
  });

  it('cancelled in the middle: every loop ends, the output closes', async () => {
    const [ctx, cancel] = withCancel(background());
    const slow: Fn = async (v) => {
      await delay(1);
      return v;
    };
    const { out, wg } = ordered(range(scale(1_000)), [slow, slow], ctx);
    const first: unknown[] = [];
    for (let i = 0; i < 20; i++) first.push((await out.recvOk())[0]);
    expect(first).toEqual(range(20));
    cancel();
    const rest = await within(drain(out), 5_000);
    expect(rest).not.toBe('pending');
    expect(await within(wg.wait(), 5_000)).toBeUndefined();
  });
});

describe('ordered pool: dispatcher and collector', () => {
  it('a slow worker takes fewer jobs than a fast one; results in index order, errors kept', async () => {
    const n = scale(200);
    const took = [0, 0];
    const job =
      (k: number, ms: number): Fn =>
      async (v) => {
        took[k]!++;
        if (ms > 0) await delay(ms);
        if ((v as number) % 7 === 3) throw new RangeError(`bad ${String(v)}`);
        return (v as number) * 2;
      };
    const { out, wg } = ordered(
      range(n).map((i) => [i, i]),
      [job(0, 2), job(1, 0)],
      background(),
      true,
    );
    const rs = (await drain(out)) as PoolRecord[];
    expect(await within(wg.wait(), 5_000)).toBeUndefined();
    expect(rs.map((r) => r.index)).toEqual(range(n));
    for (const r of rs) {
      if (r.index % 7 === 3) {
        expect(r.ok).toBe(false);
        expect(r.ok ? null : r.error).toBeInstanceOf(RangeError);
      } else expect(r).toEqual({ index: r.index, ok: true, value: r.index * 2 });
    }
    expect(took[0]! + took[1]!).toBe(n);
    // Job i to worker i mod 2 would give each half.
    expect(took[0]!).toBeGreaterThan(0);
    expect(took[0]!).toBeLessThan(n * 0.35);
  });
});
