/**
 * Cases of the reference floors (workers/floors.ts) for the channel suites:
 * what a per-value lock-free MPMC ring and a minimal rendezvous cost on this
 * machine without any channel machinery, beside the raw SPSC ring and the raw
 * ping-pong, so a channel's distance to its baseline splits into the price of
 * the protocol itself and the price of the implementation.
 */
import type { BenchCase } from '../harness.js';
import { expectEqual, perSecond, sumOfRange, warmupSize } from '../lib/measure.js';
import { timePingPong, type PingPongRun } from '../lib/pingpong.js';
import { withWorkers } from '../lib/threads.js';
import { SPIN_LOADS } from '../shm/park.js';
import { allocCounters, allocMpmc, allocRendezvous, type FloorWorkerData } from '../shm/floors.js';
import { RING_SPIN } from './sab-ring.js';

/** The Vyukov MPMC ring, one producer and one consumer worker: msg/s. */
export function mpmcRingCase(): BenchCase {
  return {
    name: 'raw MPMC ring (Vyukov: stamp per slot, CAS, flag notify)',
    n: 6_000_000,
    quickN: 300_000,
    note: `reference: the least a lock-free multi-producer multi-consumer channel does per value (load the slot's stamp, CAS the index, store the stamp, read the peer's waiter flag), no channel code; ${RING_SPIN.spins} paused polls before parking, as the raw ring`,
    run: ({ n, signal }) =>
      withWorkers(signal, async (spawn) => {
        const sab = allocMpmc();
        const url = new URL('./workers/floors.js', import.meta.url);
        const data = (role: FloorWorkerData['role']): FloorWorkerData => ({
          kind: 'mpmc',
          role,
          sab,
          ...RING_SPIN,
        });
        const [consumer, producer] = await Promise.all([
          spawn(url, 'mpmc consumer', data('consumer')),
          spawn(url, 'mpmc producer', data('producer')),
        ]);
        let moved = 0;
        const pass = async (count: number): Promise<number> => {
          const t0 = performance.now();
          consumer.post({ type: 'run', n: count });
          producer.post({ type: 'run', n: count });
          const [done] = await Promise.all([consumer.next('done'), producer.next('done')]);
          const ms = performance.now() - t0;
          expectEqual('mpmc consumer checksum', done.sum, sumOfRange(moved, count));
          moved += count;
          return ms;
        };
        await pass(warmupSize(n));
        return perSecond(n, await pass(n));
      }),
  };
}

/**
 * A ping-pong floor: two workers of workers/floors.ts play `kind` over the
 * buffer `alloc` makes, waiting as the baseline does; us per round trip.
 */
function floorPingPongCase(o: {
  name: string;
  note: string;
  kind: 'rendezvous' | 'counters';
  alloc: () => SharedArrayBuffer;
  /** Names the workers in errors: `${what} ping`, `${what} pong`. */
  what: string;
  check: PingPongRun['check'];
}): BenchCase {
  return {
    name: o.name,
    n: 1_000_000,
    quickN: 50_000,
    note: o.note,
    run: ({ n, signal }) =>
      withWorkers(signal, (spawn) => {
        const sab = o.alloc();
        return timePingPong({
          spawn,
          url: new URL('./workers/floors.js', import.meta.url),
          n,
          label: (role) => `${o.what} ${role}`,
          data: (role): FloorWorkerData => ({
            kind: o.kind,
            role,
            sab,
            spins: SPIN_LOADS,
            pause: 100,
          }),
          check: o.check,
        });
      }),
  };
}

/** The minimal rendezvous ping-pong over two one-pair channels: us per round trip. */
export function rendezvousCase(): BenchCase {
  return floorPingPongCase({
    name: 'raw rendezvous ping-pong (two one-pair channels, CAS to announce)',
    note: `reference: the least an unbuffered channel does per hop when either side may come first (the first announces itself with a CAS, the second completes with a store), for one pair only (no queue, FIFO, select, close or abort); ${SPIN_LOADS} polls with cpuRelax(100) before parking, as the baseline`,
    kind: 'rendezvous',
    alloc: allocRendezvous,
    what: 'rendezvous',
    check: (donePing, donePong, trips) => {
      expectEqual('rendezvous ping trips', donePing.trips, trips);
      expectEqual('rendezvous pong trips', donePong.trips, trips);
    },
  });
}

/** The waitgroup-wake ping-pong on two bare counters: us per round trip. */
export function counterPingPongCase(): BenchCase {
  return floorPingPongCase({
    name: 'raw counter ping-pong (CAS 1->0 to pass, poll for 0, CAS 0->1 to re-arm, ball checked)',
    note: `reference: the shared actions of the WaitGroup case without a WaitGroup (done() a CAS on the peer's counter, waitSync() polls its own, add(1) a CAS, the ball word stored and checked); ${SPIN_LOADS} polls with cpuRelax(100) before parking, as the baseline`,
    kind: 'counters',
    alloc: allocCounters,
    what: 'counter',
    check: (donePing, donePong, trips) => {
      expectEqual('counter ping: ball', donePing.seq, 2 * trips);
      expectEqual('counter pong: ball', donePong.seq, 2 * trips);
    },
  });
}
