// A channel lives in this thread's heap until something could see it from
// another thread (internal/local.ts); then it moves to shared memory with its
// buffer, its waiters and its closed state. These tests check both modes
// agree and that the move loses nothing.
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ClosedChannelError, chan, onRecv, select, toShared } from '@gocsp/channels';
import { runWorker } from './util.js';
import { childEnv } from '../../../tools/testkit.mjs';

const pending = Symbol('pending');
async function state(p: Promise<unknown>): Promise<unknown> {
  return Promise.race([p, new Promise((r) => setTimeout(() => r(pending), 20))]);
}

function runScript(
  script: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      { timeout: 20_000, env: childEnv(env) },
      (e, stdout, stderr) =>
        resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr }),
    );
  });
}

describe('local channels', () => {
  it('copy values (structured clone) while local, like shared ones', async () => {
    const c = chan<{ n: number[] }>(1);
    const v = { n: [1, 2] };
    await c.send(v);
    v.n.push(3); // a send copies: the receiver must not see this
    const got = await c.recv();
    expect(got).toEqual({ n: [1, 2] });
    expect(got).not.toBe(v);
    await expect(c.send((() => 1) as never)).rejects.toThrow(TypeError);
    expect(c.len).toBe(0);
  });

  it('move buffered values, blocked senders and the closed state to shared memory in order', async () => {
    const c = chan<number>(2);
    await c.send(1);
    await c.send(2);
    const s3 = c.send(3); // blocks: buffer full
    const s4 = c.send(4);
    expect(await state(s3)).toBe(pending);
    toShared(c); // promotion
    expect(c.len).toBe(2);
    const got: number[] = [];
    for (let i = 0; i < 4; i++) got.push((await c.recv())!);
    expect(got).toEqual([1, 2, 3, 4]);
    await s3;
    await s4;
    c.close();
    expect(await c.recvOk()).toEqual([undefined, false]);
  });

  it('move blocked receivers (recv and recvOk) to shared memory; a worker then serves them', async () => {
    const c = chan<string>();
    const r1 = c.recv();
    const r2 = c.recvOk();
    expect(await state(r1)).toBe(pending);
    const w = runWorker('sendStrings', { ch: toShared(c), values: ['a', 'b'] });
    expect(await r1).toBe('a');
    expect(await r2).toEqual(['b', true]);
    await w.result;
  });

  it('an aborted local wait had no effect, before and after promotion', async () => {
    const c = chan<number>();
    const ac = new AbortController();
    const s = c.send(7, { signal: ac.signal });
    ac.abort(new Error('stop'));
    await expect(s).rejects.toThrow('stop');
    expect(c.tryRecv()).toBeUndefined(); // nothing was delivered
    const ac2 = new AbortController();
    const r = c.recv({ signal: ac2.signal });
    toShared(c);
    ac2.abort(new Error('late'));
    await expect(r).rejects.toThrow('late');
    expect(c.trySend(1)).toBe(false); // no receiver left queued
  });

  it('close wakes local waiters per Go; double close throws', async () => {
    const c = chan<number>();
    const r = c.recvOk();
    const s = chan<number>();
    const blockedSend = s.send(1);
    c.close();
    s.close();
    expect(await r).toEqual([undefined, false]);
    await expect(blockedSend).rejects.toBeInstanceOf(ClosedChannelError);
    expect(() => c.close()).toThrow(ClosedChannelError);
    await expect(c.send(1)).rejects.toBeInstanceOf(ClosedChannelError);
  });

  it('select promotes the channels it uses and keeps local waiters in FIFO order', async () => {
    const c = chan<number>();
    const first = c.recv(); // local waiter, queued before the select's
    const sel = select([onRecv(c, (v) => v)]);
    await c.send(1);
    await c.send(2);
    expect(await first).toBe(1);
    expect(await sel).toBe(2);
  });

  it('a main thread blocked on a local channel stays alive and gets DeadlockError', async () => {
    const r = await runScript(`
      import { chan } from '@gocsp/channels';
      const c = chan();
      try { await c.recv(); } catch (e) { console.log(e.name, e.message.split('\\n')[0]); }`);
    expect(r.out.trim()).toBe('DeadlockError all goroutines are asleep - deadlock!');
  });

  it('a wait on after() or select with a timeout is not a deadlock (gocsp timers count as pending work)', async () => {
    const r = await runScript(`
      import { after, chan, onRecv, select } from '@gocsp/channels';
      const t = await after(300).recv();
      const v = await select([onRecv(chan(), () => 'chan'), onRecv(after(300), () => 'timeout')]);
      console.log(typeof t, v);`);
    expect(r.out.trim()).toBe('number timeout');
  });

  it('a timer keeps a local wait from being called a deadlock', async () => {
    const r = await runScript(`
      import { chan } from '@gocsp/channels';
      const c = chan();
      setTimeout(() => c.send(5), 400);
      console.log(await c.recv());`);
    expect(r.out.trim()).toBe('5');
  });
});
