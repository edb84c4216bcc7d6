/**
 * @gocsp/nats against hand-written NATS code, same run, same nats-server
 * (lib/nats.ts starts one per run on 127.0.0.1):
 *
 * - nats-tasks: remote task calls (serveTasks / remoteTasks, each call a
 *   goroutine in the serving process) against hand-written request/reply
 *   workers (a queue subscription answering inline). One serving process
 *   each; the caller keeps 64 calls in flight.
 * - nats-chan: a buffered remote channel stream (send with 64 in flight,
 *   `for await` receive) against raw JetStream (publish with 64 in flight into
 *   a work-queue stream, pull `consume()` with an ack per message).
 * - nats-io-scale: I/O-bound calls (10 ms each) served by 1, 2 and 4
 *   processes (8 calls at a time each, GOMAXPROCS=1), the caller keeping 64
 *   in flight: the distributed speedup.
 *
 * The caller runs in this process; serving processes are child processes. On
 * a 2-core machine the caller, the servers and nats-server share the cores.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  DiscardPolicy,
  RetentionPolicy,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { deleteRemoteChan, remoteChan, remoteTasks } from '@gocsp/nats';
import type { BenchCase, BenchSuite } from '../harness.js';
import { expectEqual, perSecond, warmupSize } from '../lib/measure.js';
import { natsUrl, startServing, windowed } from '../lib/nats.js';

type Tasks = typeof import('../workers/nats-tasks.js');
const WINDOW = 64;
const enc = new TextEncoder();
const dec = new TextDecoder();

/** A case with a caller connection and serving processes made in setup, closed in teardown. */
function servedCase(opts: {
  name: string;
  baseline?: boolean;
  goal?: string;
  note: string;
  n: number;
  quickN: number;
  serve: (url: string, service: string) => Promise<Array<{ stop(): Promise<void> }>>;
  call: (nc: NatsConnection, service: string) => (i: number) => Promise<number>;
  expected: (i: number) => number;
}): BenchCase {
  let nc: NatsConnection | undefined;
  let procs: Array<{ stop(): Promise<void> }> = [];
  const service = `bench-${Math.random().toString(36).slice(2, 8)}`;
  return {
    name: opts.name,
    baseline: opts.baseline,
    goal: opts.goal,
    note: opts.note,
    n: opts.n,
    quickN: opts.quickN,
    async setup() {
      const url = await natsUrl();
      procs = await opts.serve(url, service);
      nc = await connect({ servers: url, name: 'bench-caller' });
    },
    async run({ n }) {
      const call = opts.call(nc!, service);
      let want = 0;
      const w = warmupSize(n);
      for (let i = 0; i < w; i++) want += opts.expected(i);
      expectEqual(`${opts.name} (warm-up)`, await windowed(w, WINDOW, call), want);
      want = 0;
      for (let i = 0; i < n; i++) want += opts.expected(i);
      const t0 = performance.now();
      const sum = await windowed(n, WINDOW, call);
      const ms = performance.now() - t0;
      expectEqual(opts.name, sum, want);
      return perSecond(n, ms);
    },
    async teardown() {
      await nc?.close();
      await Promise.all(procs.map((p) => p.stop()));
    },
  };
}

export function natsTasksSuite(): BenchSuite {
  return {
    name: 'nats-tasks',
    title: 'Remote task calls over NATS: serveTasks/remoteTasks vs hand-written request/reply',
    description:
      'Calls of a tiny task (add) from this process to one serving process, 64 in flight. Baseline: a hand-written queue subscription that answers inline on its main thread (JSON); gocsp: remoteTasks -> serveTasks, each call run as a goroutine (spawnWith) on the serving process runtime, with call ids, heartbeats and the structured codec.',
    metric: { kind: 'rate', unit: 'calls/s' },
    timeoutMs: 60_000,
    cases: [
      servedCase({
        name: 'hand-written request/reply worker',
        baseline: true,
        note: 'nc.request(subject, JSON) -> queue subscription, m.respond(JSON) inline',
        n: 4000,
        quickN: 200,
        serve: async (url, service) => [await startServing(['raw', url, service])],
        call: (nc, service) => async (i) =>
          JSON.parse(
            dec.decode(
              (await nc.request(service, enc.encode(JSON.stringify([i, 1])), { timeout: 10_000 }))
                .data,
            ),
          ) as number,
        expected: (i) => i + 1,
      }),
      servedCase({
        name: 'gocsp remoteTasks -> serveTasks (a goroutine per call)',
        goal: '>= 0.8x baseline',
        note: 'serveTasks concurrency 64, GOMAXPROCS=1 in the serving process',
        n: 4000,
        quickN: 200,
        serve: async (url, service) => [await startServing(['gocsp', url, service, '64'])],
        call: (nc, service) => {
          const remote = remoteTasks<Tasks>(nc, service);
          return (i) => remote.add(i, 1);
        },
        expected: (i) => i + 1,
      }),
    ],
  };
}

export function natsIoScaleSuite(): BenchSuite {
  const scale = (procs: number, goal?: string): BenchCase =>
    servedCase({
      name: `${procs} serving process${procs > 1 ? 'es' : ''}`,
      baseline: procs === 1,
      goal,
      note: `serveTasks concurrency 8 per process; caller: 64 calls of io(10) in flight`,
      n: procs === 1 ? 400 : 400 * procs,
      quickN: 40,
      serve: async (url, service) =>
        Promise.all(
          Array.from({ length: procs }, () => startServing(['gocsp', url, service, '8'])),
        ),
      call: (nc, service) => {
        const remote = remoteTasks<Tasks>(nc, service);
        return () => remote.io(10);
      },
      expected: () => 10,
    });
  return {
    name: 'nats-io-scale',
    title: 'I/O-bound remote tasks (10 ms each) served by 1, 2 and 4 processes',
    description:
      'Each call waits 10 ms in its goroutine (sleep: I/O, not CPU). Every serving process runs 8 calls at a time, so one process tops out near 800 calls/s; more processes on the same NATS server should add throughput in proportion (the caller keeps 64 calls in flight).',
    metric: { kind: 'rate', unit: 'calls/s' },
    timeoutMs: 60_000,
    cases: [scale(1), scale(2, '>= 1.8x baseline'), scale(4, '>= 3.2x baseline')],
  };
}

/** A stream of n numbers through a fresh stream/channel: sender with 64 in flight, one receiver. */
function streamCase(opts: {
  name: string;
  baseline?: boolean;
  goal?: string;
  note: string;
  stream: (nc: NatsConnection, n: number, tag: string) => Promise<number>;
}): BenchCase {
  let nc: NatsConnection | undefined;
  let k = 0;
  return {
    name: opts.name,
    baseline: opts.baseline,
    goal: opts.goal,
    note: opts.note,
    n: 5000,
    quickN: 200,
    async setup() {
      nc = await connect({ servers: await natsUrl(), name: 'bench-stream' });
    },
    async run({ n }) {
      const sum = (m: number): number => (m * (m - 1)) / 2;
      const w = warmupSize(n);
      expectEqual(`${opts.name} (warm-up)`, await opts.stream(nc!, w, `w${k++}`), sum(w));
      const t0 = performance.now();
      const got = await opts.stream(nc!, n, `r${k++}`);
      const ms = performance.now() - t0;
      expectEqual(opts.name, got, sum(n));
      return perSecond(n, ms);
    },
    async teardown() {
      await nc?.close();
    },
  };
}

export function natsChanSuite(): BenchSuite {
  return {
    name: 'nats-chan',
    title: 'A remote channel stream vs raw JetStream publish + pull consume',
    description:
      'n numbers through a work-queue stream on the same server: one sender keeping 64 publishes in flight, one receiver in the same process. Stream / channel creation is outside the timing (a fresh one per pass, deleted after).',
    metric: { kind: 'rate', unit: 'msg/s' },
    timeoutMs: 60_000,
    cases: [
      streamCase({
        name: 'raw JetStream: js.publish + consumer.consume() + ack',
        baseline: true,
        note: 'work-queue stream, durable pull consumer, consume({ max_messages: 64 }), m.ack() per message, JSON numbers',
        stream: async (nc, n, tag) => {
          const jsm = await jetstreamManager(nc);
          const js = jetstream(nc);
          const name = `BENCH_RAW_${tag}_${process.pid}`;
          await jsm.streams.add({
            name,
            subjects: [`bench.raw.${tag}.${process.pid}`],
            retention: RetentionPolicy.Workqueue,
            discard: DiscardPolicy.New,
            max_msgs: n + 1,
          });
          await jsm.consumers.add(name, { durable_name: 'c', ack_policy: AckPolicy.Explicit });
          try {
            const consumer = await js.consumers.get(name, 'c');
            const received = (async () => {
              const msgs = await consumer.consume({ max_messages: 64 });
              let sum = 0;
              let count = 0;
              for await (const m of msgs) {
                sum += JSON.parse(dec.decode(m.data)) as number;
                m.ack();
                if (++count === n) break;
              }
              await msgs.close();
              return sum;
            })();
            await windowed(n, WINDOW, async (i) => {
              await js.publish(`bench.raw.${tag}.${process.pid}`, enc.encode(JSON.stringify(i)));
              return 0;
            });
            return await received;
          } finally {
            await jsm.streams.delete(name);
          }
        },
      }),
      streamCase({
        name: 'gocsp remoteChan: send + for await',
        goal: '>= 0.8x baseline',
        note: 'remoteChan(nc, name, { capacity: n + 1 }): send() with a msgID (dedupe), for await with readAhead 64, an ack per value',
        stream: async (nc, n, tag) => {
          const name = `bench-${tag}-${process.pid}`;
          const ch = await remoteChan<number>(nc, name, { capacity: n + 1 });
          try {
            const received = (async () => {
              let sum = 0;
              let count = 0;
              for await (const v of ch) {
                sum += v;
                if (++count === n) break;
              }
              return sum;
            })();
            await windowed(n, WINDOW, async (i) => {
              await ch.send(i);
              return 0;
            });
            return await received;
          } finally {
            await deleteRemoteChan(nc, name);
          }
        },
      }),
    ],
  };
}
