// serveTasks / remoteTasks against a real nats-server: typed calls run as
// goroutines on the serving process, errors that keep their shape, no
// server = NoRespondersError at once, cancellation reaching the remote
// goroutine, deadlines, the concurrency bound, and a serving process
// SIGKILLed mid-call (the call runs again elsewhere, the caller settles once).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { taskModule } from '@gocsp/core';
import { chan } from '@gocsp/channels';
import { DeadlineExceededError } from '@gocsp/patterns';
import { NoRespondersError, remoteTasks, serveTasks, type Server } from '@gocsp/nats';
import { startProc, type Proc } from './procs.js';
import { conn, natsUrl, noServer, rng, scale, uniq, within } from './util.js';

type Tasks = typeof import('./fixtures/tasks.mjs');
const tasks = taskModule<Tasks>(new URL('./fixtures/tasks.mjs', import.meta.url));

describe.skipIf(noServer)('serveTasks / remoteTasks', () => {
  let nc: NatsConnection;
  let callerNc: NatsConnection;
  let server: Server;
  const service = uniq('svc');
  beforeAll(async () => {
    nc = await conn();
    callerNc = await conn();
    server = await serveTasks(nc, service, tasks, { concurrency: 4 });
  });
  afterAll(async () => {
    await server?.stop();
    await nc?.close();
    await callerNc?.close();
  });

  it('calls run remotely and resolve with the typed result', async () => {
    const remote = remoteTasks<Tasks>(callerNc, service);
    const sum: number = await remote.add(2, 3);
    expect(sum).toBe(5);
    expect(await remote.slow(10, { deep: [1, new Map([[1, 2]])] })).toEqual({
      deep: [1, new Map([[1, 2]])],
    });
    // Awaiting the refs object itself is harmless (not a thenable).
    expect(await Promise.resolve(remote)).toBe(remote);
    expect(server.stats().completed).toBeGreaterThanOrEqual(2);
  });

  it('errors keep name, message, stack, cause and code', async () => {
    const remote = remoteTasks<Tasks>(callerNc, service);
    const err = (await remote.fail('boom').catch((e: unknown) => e)) as Error & {
      code?: string;
    };
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('JobError');
    expect(err.message).toBe('boom');
    expect(err.code).toBe('E_JOB');
    expect(err.stack).toMatch(/tasks\.mjs/);
    expect(err.cause).toBeInstanceOf(RangeError);
    expect((err.cause as Error).message).toBe('the root cause');
    // Unknown task: a TypeError from the server, named.
    const unknown = remoteTasks<{ nope(): void }>(callerNc, service);
    await expect(unknown.nope()).rejects.toThrow(/nope/);
  });

  it('bad input: uncloneable arguments fail at the call site, an unsendable result comes back as a TypeError', async () => {
    const remote = remoteTasks<Tasks>(callerNc, service);
    const before = server.stats().received;
    await expect(remote.slow(0, () => 1)).rejects.toThrow(TypeError);
    await expect(remote.slow(0, chan() as never)).rejects.toThrow(/network/);
    expect(server.stats().received).toBe(before); // nothing was sent
    await expect(remote.unsendable()).rejects.toThrow(TypeError);
    await expect(remote.add.with({ timeoutMs: -1 })(1, 2)).rejects.toThrow(RangeError);
  });

  it('no server for a service: NoRespondersError at once, never a hang', async () => {
    const remote = remoteTasks<Tasks>(callerNc, uniq('nobody'));
    const e = await within(
      remote.add(1, 2).catch((x: unknown) => x),
      5000,
      'call',
    );
    expect(e).toBeInstanceOf(NoRespondersError);
    expect((e as Error).message).toMatch(/serveTasks/);
  });

  it("the caller's signal cancels the remote goroutine (its spawnWith signal aborts)", async () => {
    const remote = remoteTasks<Tasks>(callerNc, service);
    const before = server.stats().cancelled;
    const ac = new AbortController();
    const p = remote.slow.with({ signal: ac.signal })(5000, 'late');
    await new Promise((r) => setTimeout(r, 200));
    ac.abort(new Error('changed my mind'));
    await expect(p).rejects.toThrow('changed my mind');
    for (let i = 0; i < 100 && server.stats().cancelled === before; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(server.stats().cancelled).toBe(before + 1);
    // The slot is free again: a call goes through.
    expect(await remote.add(1, 1)).toBe(2);
  });

  it('timeoutMs is an overall deadline: DeadlineExceededError, and the remote goroutine is cancelled', async () => {
    const remote = remoteTasks<Tasks>(callerNc, service);
    const before = server.stats().cancelled;
    await expect(remote.slow.with({ timeoutMs: 200 })(5000, 'x')).rejects.toThrow(
      DeadlineExceededError,
    );
    for (let i = 0; i < 100 && server.stats().cancelled === before; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(server.stats().cancelled).toBe(before + 1);
  });

  it('concurrency bounds each server; the rest wait there in order', async () => {
    const svc = uniq('bounded');
    const s = await serveTasks(nc, svc, tasks, { concurrency: 2 });
    try {
      const remote = remoteTasks<Tasks>(callerNc, svc);
      let maxRunning = 0;
      const sampler = setInterval(() => {
        maxRunning = Math.max(maxRunning, s.stats().running);
      }, 5);
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => remote.slow(50, i)));
      clearInterval(sampler);
      expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(maxRunning).toBe(2);
    } finally {
      await s.stop();
    }
  });

  it('a closed caller connection rejects pending calls with ConnectionClosedError', async () => {
    const own = await conn();
    const remote = remoteTasks<Tasks>(own, service);
    const p = remote.slow(2000, 1);
    await new Promise((r) => setTimeout(r, 50));
    await own.close();
    await expect(within(p, 5000, 'call')).rejects.toThrow(/connection/i);
  });
});

describe.skipIf(noServer)('remote tasks across processes (fault tests)', () => {
  let callerNc: NatsConnection;
  let dir: string;
  const procs: Proc[] = [];
  beforeAll(async () => {
    callerNc = await conn();
    dir = mkdtempSync(path.join(tmpdir(), 'gocsp-nats-runs-'));
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    await callerNc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a serving process SIGKILLed mid-call: its calls run again on another, every caller settles once', async () => {
    const service = uniq('fault');
    for (let i = 0; i < 2; i++) {
      const p = startProc('serve.mjs', [natsUrl, service, '4']);
      procs.push(p);
      await p.waitLine(/^ready \d+/);
    }
    const remote = remoteTasks<Tasks>(callerNc, service);
    const r = rng();
    const n = scale(24);
    let settled = 0;
    const calls = Array.from({ length: n }, (_, id) =>
      remote.record(dir, id, 200 + Math.floor(r() * 300)).then((v) => {
        settled++;
        return v;
      }),
    );
    // Kill one server while calls run on it (it logged a run, which is not finished).
    const victim = procs[0]!;
    const victimLog = path.join(dir, `${victim.pid}.log`);
    for (let i = 0; i < 400 && !existsSync(victimLog); i++) {
      await new Promise((res) => setTimeout(res, 25));
    }
    expect(existsSync(victimLog)).toBe(true);
    await victim.kill('SIGKILL');
    const results = await within(Promise.all(calls), 45_000, 'the calls');
    expect(settled).toBe(n);
    expect(results.map((x) => x.id)).toEqual(Array.from({ length: n }, (_, i) => i));
    // Every call ran at least once; the victim's unfinished ones ran again on the survivor.
    const runs = new Map<number, number>();
    for (const f of readdirSync(dir)) {
      for (const line of readFileSync(path.join(dir, f), 'utf8').split('\n')) {
        if (line) runs.set(Number(line), (runs.get(Number(line)) ?? 0) + 1);
      }
    }
    for (let id = 0; id < n; id++) expect(runs.get(id) ?? 0).toBeGreaterThanOrEqual(1);
    expect(results.every((x) => x.pid === procs[1]!.pid || x.pid === victim.pid)).toBe(true);
    const rerun = [...runs.values()].filter((k) => k > 1).length;
    expect(rerun).toBeGreaterThan(0); // the kill hit calls in flight
  });

  it('stop(): queued calls go to another server at once, running ones finish', async () => {
    const service = uniq('stop');
    const local = await conn();
    const tasksHere = await serveTasks(local, service, tasks, { concurrency: 1 });
    const p = startProc('serve.mjs', [natsUrl, service, '4']);
    procs.push(p);
    await p.waitLine(/^ready \d+/);
    const remote = remoteTasks<Tasks>(callerNc, service);
    const calls = Array.from({ length: 8 }, (_, i) => remote.slow(100, i));
    await new Promise((r) => setTimeout(r, 30));
    await tasksHere.stop();
    expect(await within(Promise.all(calls), 20_000, 'calls')).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    await local.close();
  });
});
