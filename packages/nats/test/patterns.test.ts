// Patterns accept remote channels and remote task functions: a RemoteChannel
// as a pipeline's source and in merge, collect and fromChannel; remote task
// functions in stage(...) and parallelMap(...) (called on this thread, which
// holds the connection; concurrency kept).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstValueFrom, from, take, toArray } from 'rxjs';
import type { NatsConnection } from '@nats-io/transport-node';
import { taskModule } from '@gocsp/core';
import { chan } from '@gocsp/channels';
import { collect, merge, pipeline, stage } from '@gocsp/patterns';
import { fromChannel, parallelMap } from '@gocsp/patterns/rxjs';
import { deleteRemoteChan, remoteChan, remoteTasks, serveTasks, type Server } from '@gocsp/nats';
import { conn, noServer, uniq, within } from './util.js';

type Tasks = typeof import('./fixtures/tasks.mjs');
const tasks = taskModule<Tasks>(new URL('./fixtures/tasks.mjs', import.meta.url));

describe.skipIf(noServer)('patterns with remote channels and remote tasks', () => {
  let nc: NatsConnection;
  let server: Server;
  const service = uniq('pat');
  const made: string[] = [];
  beforeAll(async () => {
    nc = await conn();
    server = await serveTasks(nc, service, tasks, { concurrency: 8 });
  });
  afterAll(async () => {
    for (const name of made) await deleteRemoteChan(nc, name);
    await server?.stop();
    await nc?.close();
  });

  async function filled(values: number[], close = true) {
    const ch = await remoteChan<number>(nc, uniq('pat'), { capacity: 64 });
    made.push(ch.name);
    for (const v of values) await ch.send(v);
    if (close) await ch.close();
    return ch;
  }

  it('collect and pipeline read a remote channel; stage() calls a remote task', async () => {
    expect(await collect(await filled([1, 2, 3]))).toEqual([1, 2, 3]);
    const remote = remoteTasks<Tasks>(nc, service);
    const out = pipeline(
      await filled([1, 2, 3, 4, 5]),
      stage((x: number) => x + 1),
      stage(remote.double, { concurrency: 3 }),
      stage(remote.double.with({ timeoutMs: 10_000 }), { ordered: false }),
    );
    const got = await within(collect(out), 20_000, 'pipeline');
    expect([...got].sort((a, b) => a - b)).toEqual([8, 12, 16, 20, 24]);
  });

  it('merge takes remote channels beside local ones', async () => {
    const local = chan<number>(8);
    for (const v of [100, 101]) await local.send(v);
    local.close();
    const all = await within(
      collect(merge(await filled([1, 2]), local, await filled([3]))),
      20_000,
      'merge',
    );
    expect([...all].sort((a, b) => a - b)).toEqual([1, 2, 3, 100, 101]);
  });

  it('fromChannel emits a remote channel; unsubscribing loses no value', async () => {
    const ch = await filled([1, 2, 3, 4, 5], false);
    expect(
      await within(firstValueFrom(fromChannel(ch).pipe(take(2), toArray())), 20_000, 'rx'),
    ).toEqual([1, 2]);
    await ch.close();
    expect(await within(firstValueFrom(fromChannel(ch).pipe(toArray())), 20_000, 'rx')).toEqual([
      3, 4, 5,
    ]);
  });

  it('parallelMap calls a remote task, ordered, concurrency bounded', async () => {
    const remote = remoteTasks<Tasks>(nc, service);
    const out = await within(
      firstValueFrom(
        from([1, 2, 3, 4, 5, 6]).pipe(parallelMap(remote.double, { concurrency: 2 }), toArray()),
      ),
      20_000,
      'parallelMap',
    );
    expect(out).toEqual([2, 4, 6, 8, 10, 12]);
  });
});
