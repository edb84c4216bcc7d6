// select conformance: test/chan/select3.go, select6.go, select7.go,
// doubleselect.go, sieve1.go, and runtime/chan_test.go's TestSelectFairness
// and nonblocking-select tests, ported. Each block cites its Go source.
import { describe, expect, it } from 'vitest';
import {
  ClosedChannelError,
  after,
  chan,
  onDefault,
  onRecv,
  onSend,
  select,
  type Channel,
} from '@gocsp/channels';
import { rng, scale } from './util.js';

async function blocks(p: Promise<unknown>, ms = 20): Promise<boolean> {
  const timeout = Symbol('timeout');
  const r = await Promise.race([p, new Promise((res) => setTimeout(() => res(timeout), ms))]);
  return r === timeout;
}

describe('test/chan/select3.go', () => {
  it('nil channels never become ready; closed channels are always ready', async () => {
    const nil = null as Channel<number> | null;
    expect(await blocks(select([onRecv(nil)]))).toBe(true);
    expect(await blocks(select([onSend(nil, 1)]))).toBe(true);
    expect(await blocks(select([]))).toBe(true); // select {} blocks forever
    const closed = chan<number>();
    closed.close();
    expect(await select([onRecv(nil, () => 'nil'), onRecv(closed, (_v, ok) => ok)])).toBe(false);
    await expect(select([onSend(closed, 1)])).rejects.toThrow(ClosedChannelError);
    // A select with a default never blocks, even on nil channels.
    expect(await select([onRecv(nil), onDefault(() => 'd')])).toBe('d');
  });

  it('a blocked select is released by a send, a receive or a close', async () => {
    const c = chan<number>();
    const p = select([onRecv(c, (v) => v)]);
    expect(await blocks(p, 5)).toBe(true);
    await c.send(3);
    expect(await p).toBe(3);
    const q = select([onSend(c, 4, () => 'sent')]);
    expect(await blocks(q, 5)).toBe(true);
    expect(await c.recv()).toBe(4);
    expect(await q).toBe('sent');
    const r = select([onRecv(c, (_v, ok) => ok)]);
    c.close();
    expect(await r).toBe(false);
  });
});

describe('test/chan/select6.go (issue 2075)', () => {
  it('a fired select leaves no stale receiver behind on its other channels', async () => {
    const c1 = chan<boolean>();
    const c2 = chan<boolean>();
    const c3 = chan<boolean>();
    const a = c1.recv();
    const b = (async () => {
      await select([
        onRecv(c1, () => {
          throw new Error('dummy: the stale select case received');
        }),
        onRecv(c2, async () => c3.send(true)),
      ]);
      await c1.recv();
    })();
    await new Promise((r) => setTimeout(r, 1));
    await c2.send(true);
    await c3.recv();
    await c1.send(true);
    await c1.send(true);
    await Promise.all([a, b]);
  });
});

describe('test/chan/select7.go', () => {
  it('receives in select forms complete once a sender arrives', async () => {
    for (const form of [
      (c: Channel<number>) => c.recv(),
      (c: Channel<number>) => select([onRecv(c, (v) => v)]),
      (c: Channel<number>) => select([onRecv(c, (v) => v), onRecv(chan<number>(), () => -1)]),
      (c: Channel<number>) => select([onRecv(c, (v) => v), onRecv(null, () => -1)]),
    ]) {
      const c = chan<number>();
      const p = form(c);
      await new Promise((r) => setTimeout(r, 1));
      await c.send(1);
      expect(await p).toBe(1);
    }
  });
});

describe('test/chan/doubleselect.go', () => {
  it('select-senders over several channels deliver each value exactly once', async () => {
    const n = scale(5_000);
    const [c1, c2, c3, c4] = [chan<number>(), chan<number>(), chan<number>(), chan<number>()];
    const sender = (async () => {
      for (let i = 1; i <= n; i++)
        await select([onSend(c1, i), onSend(c2, i), onSend(c3, i), onSend(c4, i)]);
      for (const c of [c1, c2, c3, c4]) c.close();
    })();
    const seen = new Set<number>();
    const mux = chan<number>();
    const recvs = [c1, c2, c3, c4].map(async (c) => {
      for await (const v of c) await mux.send(v);
    });
    const all = Promise.all(recvs).then(() => mux.close());
    for await (const v of mux) {
      expect(seen.has(v)).toBe(false);
      seen.add(v);
    }
    await Promise.all([sender, all]);
    expect(seen.size).toBe(n);
  });
});

describe('test/chan/sieve1.go', () => {
  it('the concurrent prime sieve yields the first 100 primes', async () => {
    const generate = async (ch: Channel<number>) => {
      for (let i = 2; ; i++) await ch.send(i);
    };
    const filter = async (inp: Channel<number>, out: Channel<number>, prime: number) => {
      for (;;) {
        const i = (await inp.recv())!;
        if (i % prime !== 0) await out.send(i);
      }
    };
    let ch = chan<number>();
    void generate(ch);
    const primes: number[] = [];
    for (let i = 0; i < 100; i++) {
      const prime = (await ch.recv())!;
      primes.push(prime);
      const ch1 = chan<number>();
      void filter(ch, ch1, prime);
      ch = ch1;
    }
    expect(primes.slice(0, 10)).toEqual([2, 3, 5, 7, 11, 13, 17, 19, 23, 29]);
    expect(primes[99]).toBe(541);
  });
});

describe('runtime/chan_test.go', () => {
  it('TestSelectFairness: ready cases are chosen uniformly', async () => {
    const trials = scale(10_000);
    const c1 = chan<number>(trials + 1);
    const c2 = chan<number>(trials + 1);
    for (let i = 0; i < trials + 1; i++) {
      await c1.send(1);
      await c2.send(2);
    }
    let cnt1 = 0;
    let cnt2 = 0;
    for (let i = 0; i < trials; i++) {
      const v = await select([onRecv(c1, (v) => v), onRecv(c2, (v) => v)]);
      if (v === 1) cnt1++;
      else cnt2++;
    }
    // Go's bounds: each side within 48%..52%: a fair coin is outside them with p < 1e-4.
    expect(cnt1).toBeGreaterThan(0.48 * trials);
    expect(cnt2).toBeGreaterThan(0.48 * trials);
  });

  it('non-blocking select never takes default while a case is ready', async () => {
    const r = rng();
    for (let i = 0; i < scale(2_000); i++) {
      const cap = Math.floor(r() * 3);
      const c = chan<number>(cap);
      const ready = r() < 0.5;
      let waiting: Promise<unknown> | undefined;
      if (ready) {
        if (cap > 0) await c.send(i);
        else waiting = c.send(i);
      }
      const got = await select([onRecv(c, (v) => v), onDefault(() => 'default')]);
      expect(got).toBe(ready ? i : 'default');
      await waiting;
    }
  });

  it('the same channel may appear in several cases', async () => {
    const c = chan<number>(1);
    await c.send(5);
    const got = await select([onRecv(c, (v) => `a${v}`), onRecv(c, (v) => `b${v}`), onSend(c, 9)]);
    expect(['a5', 'b5']).toContain(got);
    expect(c.len).toBe(0);
  });

  it('select with a timeout', async () => {
    const c = chan<number>();
    expect(await select([onRecv(c), onRecv(after(10), () => 'timeout')])).toBe('timeout');
  });
});
