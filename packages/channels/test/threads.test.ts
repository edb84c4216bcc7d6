// Channels between real threads: hand-made worker_threads and the main thread.
import { describe, expect, it } from 'vitest';
import { chan, codecs, onDefault, onRecv, onSend, select, type Channel } from '@gocsp/channels';
import { delay, rng, runWorker, scale } from './util.js';

describe('across threads', () => {
  it('4 producers x 4 consumers (2 of them blocking) move 1M values, each exactly once', async () => {
    const per = scale(250_000); // 1M values in all
    const producers = 4;
    const ch = chan<number>(256, { codec: codecs.int32 });
    const consumers = [0, 1, 2, 3].map((i) =>
      runWorker('consume', { ch, sync: i % 2 === 0, producers, per }, 120_000),
    );
    const prods = [0, 1, 2, 3].map((p) =>
      runWorker('produce', { ch, from: p * per, n: per, sync: p % 2 === 1 }, 120_000),
    );
    await Promise.all(prods.map((p) => p.result));
    ch.close();
    const results = (await Promise.all(consumers.map((c) => c.result))) as {
      count: number;
      sum: number;
    }[];
    const total = producers * per;
    expect(results.reduce((a, r) => a + r.count, 0)).toBe(total);
    expect(results.reduce((a, r) => a + r.sum, 0)).toBe((total * (total - 1)) / 2);
  });

  it('select-sends from 3 threads into one receiver: no duplicates, none lost', async () => {
    const n = scale(3_000);
    const a = chan<number>();
    const b = chan<number>(4);
    const ws = [0, 1, 2].map((k) => runWorker('selectSend', { a, b, from: k * n, n }));
    const seen = new Set<number>();
    while (seen.size < 3 * n) {
      const v = await select([onRecv(a, (v) => v!), onRecv(b, (v) => v!)]);
      expect(seen.has(v)).toBe(false);
      seen.add(v);
    }
    await Promise.all(ws.map((w) => w.result));
    expect(b.len + (a.tryRecv() ? 1 : 0)).toBe(0);
  });

  it('close races with senders and receivers blocked on other threads', async () => {
    for (let round = 0; round < 3; round++) {
      const ch = chan<number>(round);
      const senders = [runWorker('sendUntilClosed', { ch }), runWorker('sendUntilClosed', { ch })];
      const recvCh = chan<number>();
      const receivers = [
        runWorker('recvUntilClosed', { ch: recvCh }),
        runWorker('recvUntilClosed', { ch: recvCh }),
      ];
      for (const s of [...senders, ...receivers]) await s.next();
      await new Promise((r) => setTimeout(r, 10));
      ch.close();
      recvCh.close();
      expect(await Promise.all(senders.map((s) => s.result))).toEqual([
        'ClosedChannelError',
        'ClosedChannelError',
      ]);
      expect(await Promise.all(receivers.map((r) => r.result))).toEqual([0, 0]);
    }
  });

  it('a send that fails to encode leaves no parked receiver asleep: the next send goes through', async () => {
    // An array passes the check before the reservation; the function deep in
    // it fails the encoding after it, so the slot holds a hole. Only a
    // receiver frees a hole's slot: one left asleep held the only room of
    // this channel for good (found through an ordered worker pool).
    // (Unbuffered as well: there the value goes to the parked receiver's node.)
    for (const [how, cap] of [
      ['send', 1],
      ['trySend', 1],
      ['select', 1],
      ['send', 0],
      ['trySend', 0],
      ['select', 0],
    ] as const) {
      const ch = chan<unknown>(cap);
      const w = runWorker('recvValues', { ch });
      await w.next();
      await delay(20); // parked in recv by now
      const bad = [1, (): number => 0];
      if (how === 'send') await expect(ch.send(bad)).rejects.toThrow(TypeError);
      else if (how === 'trySend') expect(() => ch.trySend(bad)).toThrow(TypeError);
      else await expect(select([onSend(ch, bad, () => 0)])).rejects.toThrow(TypeError);
      const sent = await Promise.race([ch.send(2).then(() => 'sent'), delay(5_000)]);
      expect(sent).toBe('sent');
      ch.close();
      expect(await w.result).toEqual([2]);
    }
  });

  describe('every parked peer that can go is woken', () => {
    const settled = <T>(p: Promise<T>, ms = 3_000): Promise<T | 'timeout'> =>
      Promise.race([p, delay(ms).then(() => 'timeout' as const)]);
    /** Holds this thread (no event-loop turn) while another thread acts: wakes queue up meanwhile. */
    const hold = (ms: number): void => {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    };

    it('a run of sends wakes one parked receiver per value', async () => {
      const ch = chan<number>(4);
      const ctl = chan<number>(1);
      const w = runWorker('sendAfterGo', { ch, ctl, values: [1, 2], many: true });
      await w.next();
      const got = [ch.recv(), ch.recv()];
      await delay(20);
      await ctl.send(1);
      expect(await settled(Promise.all(got))).toEqual([1, 2]);
      expect(await w.result).toBe(2);
    });

    it('a run of receives serves one parked sender per slot it frees', async () => {
      const ch = chan<number>(2);
      await ch.send(1);
      await ch.send(2);
      const w = runWorker('sendAllAtOnce', { ch, values: [3, 4] });
      await w.next();
      await delay(50); // both sends parked: the ring is full
      expect(await ch.recvMany(2)).toEqual([1, 2]);
      expect(await settled(w.next())).toBe('sent');
      expect(await ch.recvMany(2)).toEqual([3, 4]);
      expect(await w.result).toBe(2);
    });

    it('a receiver aborted after its wake passes the wake on', async () => {
      const ch = chan<number>(1);
      const ctl = chan<number>(1);
      const w = runWorker('sendAfterGo', { ch, ctl, values: [7] });
      await w.next();
      const ac = new AbortController();
      const first = ch.recv({ signal: ac.signal }).catch(() => 'aborted');
      const second = ch.recv();
      await delay(20);
      await ctl.send(1);
      hold(300); // the worker sends and wakes `first`; that wake waits for this thread
      ac.abort(); // comes after the wake: `first` will not take the value
      expect(await first).toBe('aborted');
      expect(await settled(second)).toBe(7);
      await w.result;
    });

    it('a select woken for one channel that fires another passes the wake on', async () => {
      for (let round = 0; round < scale(10); round++) {
        const a = chan<number>(1);
        const b = chan<number>(1);
        const ctl = chan<number>(1);
        const w = runWorker('sendAfterGo', { ch: a, ctl, values: [5] });
        await w.next();
        const sel = select([onRecv(a, (v) => `a${String(v)}`), onRecv(b, (v) => `b${String(v)}`)]);
        const plain = a.recv();
        await delay(20);
        await ctl.send(1);
        hold(200); // the worker sends on `a` and wakes the select (queued first)
        b.trySend(9); // ready too when the select looks again: it may fire either case
        const fired = await settled(sel);
        if (fired === 'a5') {
          expect(await settled(b.recv())).toBe(9);
          plain.catch(() => {});
          a.close();
          expect(await settled(plain)).toBe(undefined);
        } else {
          expect(fired).toBe('b9');
          expect(await settled(plain)).toBe(5);
        }
        await w.result;
      }
    });
  });

  // runtime/chan_test.go TestNonblockSelectRace and TestNonblockSelectRace2,
  // with the goroutine on another thread: while main races to fill c2 (or
  // close it) and drain c1, the worker's non-blocking select must always find
  // one of them ready.
  for (const variant of ['send', 'close'] as const) {
    it(`non-blocking select race across threads (${variant === 'send' ? 'Race' : 'Race2'})`, async () => {
      const n = scale(2_000);
      const jobs = chan<{ c1: Channel<number>; c2: Channel<number> }>();
      const done = chan<boolean>(1);
      const w = runWorker('nonblockSelect', { jobs, done }, 120_000);
      for (let i = 0; i < n; i++) {
        const c1 = chan<number>(1);
        const c2 = chan<number>(1);
        c1.trySend(1);
        await jobs.send({ c1, c2 });
        if (variant === 'send') c2.trySend(1);
        else c2.close();
        await select([onRecv(c1), onDefault()]);
        expect(await done.recv()).toBe(true); // "no chan is ready"
      }
      jobs.close();
      expect(await w.result).toBe(n);
    });
  }

  it("an async receive parked just before a blocking one is woken (the thread's async wait is armed late)", async () => {
    // A thread arms its async wait at the end of its burst of work; here it
    // blocks in recvSync first, and the wake for the parked recv() arrives
    // during the block, or after it while nothing is armed yet, or once the
    // wait is armed: it must never be lost.
    const rounds = scale(200);
    const random = rng();
    const a = chan<number>();
    const b = chan<number>();
    const ready = chan<number>(1);
    const w = runWorker('asyncThenBlock', { a, b, ready, rounds }, 120_000);
    for (let r = 0; r < rounds; r++) {
      expect(await ready.recv()).toBe(r);
      const when = Math.floor(random() * 3);
      if (random() < 0.5) {
        // a's wake comes while the worker blocks in b.recvSync()
        if (when === 1) await delay(1);
        await a.send(r);
        if (when === 2) await delay(1);
        await b.send(0);
      } else {
        // a's wake comes after the block, before or after the worker armed its wait
        await b.send(0);
        if (when === 1) await delay(1);
        else if (when === 2) await new Promise((ok) => setImmediate(ok));
        await a.send(r);
      }
    }
    expect(await w.result).toBe((rounds * (rounds - 1)) / 2);
  });

  it('unbuffered: blocking, async, select and try forms on 5 threads move every value exactly once (seeded)', async () => {
    // Blocking operations that find nobody wait in the channel's inline
    // slot; the others queue behind it. 3 sending workers, 2 receiving ones
    // and main receiving async, each picking a form per value from its seed.
    const per = scale(4_000);
    const producers = 3;
    const random = rng();
    const seed = () => Math.floor(random() * 2 ** 31);
    const ch = chan<number>(0, { codec: codecs.int32 });
    const receivers = [0, 1].map(() =>
      runWorker('zeroRecv', { ch, per, producers, seed: seed() }, 120_000),
    );
    const senders = [0, 1, 2].map((p) =>
      runWorker('zeroSend', { ch, from: p * per, n: per, seed: seed() }, 120_000),
    );
    let mainCount = 0;
    let mainSum = 0;
    const mainRecv = (async () => {
      for (;;) {
        const [v, ok] = await ch.recvOk();
        if (!ok) return;
        mainCount++;
        mainSum += v;
      }
    })();
    await Promise.all(senders.map((s) => s.result));
    ch.close();
    await mainRecv;
    const results = (await Promise.all(receivers.map((r) => r.result))) as {
      count: number;
      sum: number;
    }[];
    const total = producers * per;
    expect(results.reduce((a, r) => a + r.count, mainCount)).toBe(total);
    expect(results.reduce((a, r) => a + r.sum, mainSum)).toBe((total * (total - 1)) / 2);
  });

  it('unbuffered: close reaches a blocked sender or receiver while it spins and after it parked (seeded)', async () => {
    // A blocking operation alone on the channel spins in the inline slot for
    // ~100 us, then parks as a queued node: close comes at seeded moments
    // on either side of that.
    const rounds = scale(60);
    const random = rng();
    const jobs = chan<{ ch: Channel<number>; send: boolean }>();
    const ended = chan<string>();
    const w = runWorker('blockUntilClosed', { jobs, ended }, 120_000);
    for (let r = 0; r < rounds; r++) {
      const ch = chan<number>();
      const send = random() < 0.5;
      await jobs.send({ ch, send });
      const wait = random();
      if (wait < 0.4) {
        const until = performance.now() + random() * 0.3;
        while (performance.now() < until); // close within the spin, or before it
      } else if (wait < 0.7) await delay(1);
      else await new Promise((ok) => setImmediate(ok));
      ch.close();
      expect(await ended.recv()).toBe(send ? 'ClosedChannelError' : 'closed');
    }
    jobs.close();
    expect(await w.result).toBe(rounds);
  });

  it('a channel of channels works across threads (reply channels made per request)', async () => {
    const requests = chan<{ n: number; reply: Channel<number> }>();
    const server = runWorker('replyServer', { requests });
    for (let i = 0; i < 50; i++) {
      const reply = chan<number>();
      await requests.send({ n: i, reply });
      expect(await reply.recv()).toBe(i * 2);
    }
    requests.close();
    expect(await server.result).toBe(50);
  });
});
