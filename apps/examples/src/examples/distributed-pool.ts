// distributed-pool: Go's worker pool, spread over three processes with
// @gocsp/nats. Each worker process serves a task module (serveTasks); the
// main process sends the jobs through an ordinary pipeline whose stage is a
// remote task function (called here, 12 at a time; the calls run there as
// goroutines). One worker process is SIGKILLed mid-run: the jobs it
// held run again on the others (at-least-once execution) and every job's
// result still arrives exactly once (the caller settles each call once).
//
// It needs a NATS server with JetStream: NATS_URL, or a `nats-server` binary
// (then it starts its own on a free port of 127.0.0.1). With neither it says
// how to get one and skips.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { taskModule } from '@gocsp/core';
import { fromIterable, pipeline, stage } from '@gocsp/patterns';
import { remoteTasks, serveTasks } from '@gocsp/nats';
import { println } from '../lib/print.js';
import { INSTALL_HINT, findNatsServer, startNatsServer } from '../../../../tools/nats-server.mjs';

type Tasks = typeof import('../tasks/distributed-pool.js');
const SERVICE = 'tour-pool';
const WORKERS = 3;
const JOBS = 24;

if (process.argv[2] === '--serve') {
  // A worker process: serve the task module until killed.
  const [url, n] = process.argv.slice(3);
  const nc = await connect({ servers: url });
  const tasks = taskModule<Tasks>(new URL('../tasks/distributed-pool.js', import.meta.url));
  await serveTasks(nc, SERVICE, tasks, { concurrency: 4 });
  println(`worker ${n} ready (pid ${process.pid}, serving '${SERVICE}', 4 calls at a time)`);
  process.once('SIGTERM', () => void nc.close().then(() => process.exit(0)));
} else {
  await main();
}

async function main(): Promise<void> {
  const server = await natsServer();
  if (server === undefined) return;
  const children: ChildProcess[] = [];
  const nc = await connect({ servers: server.url });
  try {
    // Three worker processes; each prints "worker <n> ready" once reachable.
    const pids: number[] = [];
    const runs = new Map<number, number>(); // job id -> times started, over all processes
    for (let n = 1; n <= WORKERS; n++) {
      const child = spawn(
        process.execPath,
        [fileURLToPath(import.meta.url), '--serve', server.url, String(n)],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      children.push(child);
      pids.push(await readLines(child, runs));
    }
    println(`${WORKERS} worker processes serve '${SERVICE}': pids ${pids.join(', ')}`);

    // The jobs go through a pipeline whose stage is the remote task function:
    // 12 calls in flight, spread by NATS over the worker processes.
    const remote = remoteTasks<Tasks>(nc, SERVICE);
    const out = pipeline(
      fromIterable(Array.from({ length: JOBS }, (_, i) => i)),
      stage(remote.square, { concurrency: 12, ordered: false }),
    );
    const results: Awaited<ReturnType<Tasks['square']>>[] = [];
    for await (const r of out) {
      results.push(r);
      if (results.length === 6) {
        children[1]!.kill('SIGKILL');
        println(`killed worker 2 (pid ${pids[1]}) with SIGKILL after ${results.length} results`);
      }
    }

    const ids = results.map((r) => r.id).sort((a, b) => a - b);
    const once = ids.length === JOBS && ids.every((id, i) => id === i);
    println(
      `results: ${results.length}/${JOBS}${once ? ', each exactly once' : ', NOT each once'}`,
    );
    const byPid = new Map<number, number>();
    for (const r of results) byPid.set(r.pid, (byPid.get(r.pid) ?? 0) + 1);
    println(`results by process: ${[...byPid].map(([pid, k]) => `pid ${pid}: ${k}`).join(', ')}`);
    const rerun = [...runs.values()].filter((k) => k > 1).length;
    println(
      `jobs started twice (the killed worker held them; at-least-once execution, one result each): ${rerun}`,
    );
    println(
      `sum of squares: ${results.reduce((s, r) => s + r.square, 0)} (expected ${sumSquares(JOBS)})`,
    );
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await nc.close();
    await server.stop();
  }
}

/** Counts a worker process's "job <id> started" lines; resolves with its pid once it is ready. */
function readLines(child: ChildProcess, runs: Map<number, number>): Promise<number> {
  return new Promise((resolve, reject) => {
    let buf = '';
    child.once('exit', (code) => reject(new Error(`a worker process exited early (${code})`)));
    child.stdout!.on('data', (b: Buffer) => {
      buf += b.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const job = /job (\d+) started/.exec(line);
        if (job) runs.set(Number(job[1]), (runs.get(Number(job[1])) ?? 0) + 1);
        const ready = /^worker \d+ ready \(pid (\d+)/.exec(line);
        if (ready) {
          println(line);
          resolve(Number(ready[1]));
        }
      }
    });
  });
}

function sumSquares(n: number): number {
  return ((n - 1) * n * (2 * n - 1)) / 6;
}

/** NATS_URL, or a nats-server of our own on a free port; undefined (after saying why) if neither. */
async function natsServer(): Promise<{ url: string; stop(): Promise<void> } | undefined> {
  if (process.env.NATS_URL) {
    println(`using the NATS server at NATS_URL (${process.env.NATS_URL})`);
    return { url: process.env.NATS_URL, stop: async () => {} };
  }
  // GOCSP_NATS_SERVER names the binary, or `none` to act as if there were none.
  const bin = findNatsServer();
  if (bin === undefined) {
    println(
      `skipped: no nats-server found and NATS_URL is not set. To run this example, ${INSTALL_HINT} (nats-server -js).`,
    );
    return undefined;
  }
  const server = await startNatsServer(bin);
  println(
    `started nats-server (${bin}) on 127.0.0.1:${server.port}, JetStream store in a temp dir`,
  );
  return { url: server.url, stop: () => server.dispose() };
}
