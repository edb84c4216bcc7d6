/**
 * Same-thread unbuffered channel ping-pong on the main thread (two async
 * functions), against the same ping-pong through bare promises.
 */
import { chan, codecs } from '@gocsp/channels';
import type { BenchCase, BenchSuite } from '../harness.js';
import { expectEqual, microsPer, warmupSize } from '../lib/measure.js';

/** One direction of a ping-pong: `put` hands a value to whoever `take`s it. */
interface Pipe {
  put(v: number): void | Promise<void>;
  take(): Promise<number | undefined>;
}

/**
 * The raw baseline: a one-value mailbox of bare promises. `take` returns a
 * resolved promise if a value waits, else a promise that the next `put`
 * resolves. What two async functions minimally need to hand a value over.
 */
function promiseMailbox(): Pipe {
  let waiter: ((v: number) => void) | null = null;
  let value = 0;
  let full = false;
  return {
    put(v) {
      if (waiter) {
        const w = waiter;
        waiter = null;
        w(v);
      } else {
        if (full) throw new Error('promise mailbox: put on a full mailbox');
        value = v;
        full = true;
      }
    },
    take() {
      if (full) {
        full = false;
        return Promise.resolve(value);
      }
      return new Promise<number>((resolve) => (waiter = resolve));
    },
  };
}

/** An unbuffered gocsp channel as a pipe: `await send`, `await recv`. */
function channelPipe(): Pipe {
  const ch = chan<number>(0, { codec: codecs.int32 });
  return { put: (v) => ch.send(v), take: () => ch.recv() };
}

/**
 * A case running `n` round trips between two async functions on the main
 * thread, after a warm-up of n/10 on the same pipes; each side checks every
 * value it gets.
 */
function localPingPongCase(
  name: string,
  make: () => Pipe,
  extra: Pick<BenchCase, 'n' | 'quickN' | 'baseline' | 'goal' | 'note'>,
): BenchCase {
  return {
    name,
    ...extra,
    run: async ({ n, signal }) => {
      const there = make();
      const back = make();
      let next = 0;
      const pinger = async (count: number): Promise<number> => {
        let v = next;
        for (let i = 0; i < count; i++) {
          await there.put(v);
          const got = await back.take();
          if (got !== v) throw new Error(`${name}: sent ${v}, got ${String(got)} back`);
          v++;
        }
        return v;
      };
      const ponger = async (count: number): Promise<number> => {
        let v = next;
        for (let i = 0; i < count; i++) {
          const got = await there.take();
          if (got !== v) throw new Error(`${name}: expected ${v}, got ${String(got)}`);
          await back.put(got);
          v++;
        }
        return v;
      };
      const pass = async (count: number): Promise<number> => {
        const t0 = performance.now();
        const [a, b] = await Promise.all([ponger(count), pinger(count)]);
        const ms = performance.now() - t0;
        next += count;
        expectEqual(`${name}: pinger's round trips`, a, next);
        expectEqual(`${name}: ponger's round trips`, b, next);
        return ms;
      };
      await pass(warmupSize(n));
      signal.throwIfAborted();
      return microsPer(n, await pass(n));
    },
  };
}

/** The same-thread channel ping-pong suite. */
export function chanPingPongLocalSuite(): BenchSuite {
  return {
    name: 'chan-pingpong-local',
    title: 'Unbuffered channel ping-pong on one thread (main)',
    description:
      'Two async functions on the main thread bounce a counter N times over two pipes, one each way; each ' +
      'side checks every value. gocsp: two unbuffered channels, `await ch.send(i)` / `await ch.recv()`. ' +
      'Baseline: the same two functions handing the value over through bare promises (a one-value ' +
      'mailbox: `take` returns a promise that the next `put` resolves), the floor for a same-thread ' +
      'hand-off. Microseconds per round trip, after a warm-up of N/10.',
    metric: { kind: 'latency', unit: 'us', per: 'round trip' },
    cases: [
      localPingPongCase('raw promise ping-pong (one-value mailboxes)', promiseMailbox, {
        n: 1_000_000,
        quickN: 50_000,
        baseline: true,
        note: 'put resolves the waiting take (or stores the value); no channel, no shared memory',
      }),
      localPingPongCase('gocsp unbuffered chan ping-pong (await send/recv)', channelPipe, {
        n: 80_000,
        quickN: 5_000,
        goal: '<= 2x baseline',
        note: 'chan<number>(0, { codec: codecs.int32 }) each way; a same-thread hand-off must not touch Atomics.notify or waitAsync',
      }),
    ],
  };
}
