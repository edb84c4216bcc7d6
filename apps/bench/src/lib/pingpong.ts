/**
 * The timed part that every worker-to-worker ping-pong case shares: start a
 * pong and a ping worker, run a warm-up pass of N/10 round trips and then the
 * timed pass of N (both workers told `run` at once, both answering `done`),
 * check what each worker reports after every pass, and give microseconds per
 * round trip.
 */
import { microsPer, warmupSize } from './measure.js';
import type { SpawnFn, WorkerMessage } from './threads.js';

/** A ping-pong worker's role. */
export type PingPongRole = 'ping' | 'pong';

/** How to start the two workers of a ping-pong, and what to check after each pass. */
export interface PingPongRun {
  readonly spawn: SpawnFn;
  readonly url: URL;
  /** Round trips of the timed pass. */
  readonly n: number;
  /** Names a worker in errors. */
  readonly label: (role: PingPongRole) => string;
  readonly data: (role: PingPongRole) => unknown;
  /** Checks the workers' `done` messages, `trips` round trips in so far (warm-up included). */
  readonly check: (ping: WorkerMessage, pong: WorkerMessage, trips: number) => void;
}

/** Runs a ping-pong (see the file header): microseconds per round trip of the timed pass. */
export async function timePingPong(o: PingPongRun): Promise<number> {
  const [pong, ping] = await Promise.all([
    o.spawn(o.url, o.label('pong'), o.data('pong')),
    o.spawn(o.url, o.label('ping'), o.data('ping')),
  ]);
  let trips = 0;
  const pass = async (count: number): Promise<number> => {
    const t0 = performance.now();
    pong.post({ type: 'run', n: count });
    ping.post({ type: 'run', n: count });
    const [donePing, donePong] = await Promise.all([ping.next('done'), pong.next('done')]);
    const ms = performance.now() - t0;
    trips += count;
    o.check(donePing, donePong, trips);
    return ms;
  };
  await pass(warmupSize(o.n));
  return microsPer(o.n, await pass(o.n));
}
