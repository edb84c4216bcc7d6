// Stress test of the array flavor's lock-free ring (src/internal/flavors/array.ts)
// across real worker threads: 4 producers x 4 consumers use every form of
// send and receive at random (blocking, async, with random aborts, try,
// batches, select with and without default), on rings from 1 to 1024 slots,
// while the main thread closes the channel at a random moment. Every id a
// producer reports sent must be received exactly once, and every consumer
// must see each producer's ids in order. Seeded: GOCSP_SEED replays a run;
// GOCSP_STRESS multiplies the values (and the time bound with them).
import { describe, expect, it } from 'vitest';
import { chan, codecs, type Channel } from '@gocsp/channels';
import { workerRunner } from '../../../tools/testkit.mjs';
import { SEED, STRESS, delay, rng, scale } from './util.js';

const runRing = workerRunner(new URL('./fixtures/ring.mjs', import.meta.url));

interface Produced {
  sent: Uint8Array;
  ops: Record<string, number>;
}
interface Consumed {
  got: Uint8Array;
  ops: Record<string, number>;
}

const PRODUCERS = 4;
const CONSUMERS = 4;
const CAPS = [1, 2, 7, 64, 1024];

describe('array flavor under stress (GOCSP_SEED replays, GOCSP_STRESS scales)', () => {
  it(`4 producers x 4 consumers, ${scale(1_000_000)} values over rounds, close racing, random aborts: exactly once, in order per producer (seed ${SEED})`, async () => {
    const r = rng(SEED);
    const rounds = 5;
    const per = Math.floor(scale(1_000_000) / (rounds * PRODUCERS));
    const bound = 240_000 * STRESS; // per worker: generous, for a loaded 2-core machine
    for (let round = 0; round < rounds; round++) {
      const cap = CAPS[round % CAPS.length]!;
      const ch: Channel<number> =
        round % 2 === 0 ? chan<number>(cap, { codec: codecs.int32 }) : chan<number>(cap);
      const total = per * PRODUCERS;
      // Values received so far, counted by the consumers.
      const progress = new SharedArrayBuffer(4);
      const consumers = Array.from({ length: CONSUMERS }, () =>
        runRing('consume', { ch, total, per, progress, seed: (r() * 2 ** 32) >>> 0 }, bound),
      );
      const producers = Array.from({ length: PRODUCERS }, (_, p) =>
        runRing('produce', { ch, from: p * per, n: per, seed: (r() * 2 ** 32) >>> 0 }, bound),
      );
      // Round 0 closes after every producer is done; the others close at a
      // random point of the traffic, racing the sends (those then fail with
      // ClosedChannelError), or when the producers are done if that comes first.
      const allSent = Promise.all(producers.map((w) => w.result));
      if (round > 0) {
        const at = Math.floor((0.05 + 0.8 * r()) * total);
        let done = false;
        void allSent.then(
          () => (done = true),
          () => (done = true),
        );
        while (!done && Atomics.load(new Int32Array(progress), 0) < at) await delay(1);
      } else await allSent;
      ch.close();
      const made = (await Promise.all(producers.map((w) => w.result))) as Produced[];
      const taken = (await Promise.all(consumers.map((w) => w.result))) as Consumed[];
      const wrong: string[] = [];
      let delivered = 0;
      for (let id = 0; id < total; id++) {
        const sent = made[Math.floor(id / per)]!.sent[id % per]!;
        let got = 0;
        for (const c of taken) got += c.got[id]!;
        delivered += got;
        if (got !== sent && wrong.length < 5) wrong.push(`id ${id}: sent ${sent}, received ${got}`);
      }
      expect(wrong, `round ${round} (cap ${cap}, seed ${SEED})`).toEqual([]);
      expect(ch.len).toBe(0);
      if (round === 0) expect(delivered).toBeGreaterThan(0.5 * total); // try/abort skip some ids
    }
  });
});
