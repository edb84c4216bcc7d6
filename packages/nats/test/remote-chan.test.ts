// remoteChan against a real nats-server: Go's channel semantics where the
// network allows them (send/recv, close, range, len/cap, codecs, blocking at
// capacity, rendezvous), and typed errors for bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { ClosedChannelError, chan, codecs } from '@gocsp/channels';
import {
  ConnectionClosedError,
  RemoteChannelError,
  deleteRemoteChan,
  remoteChan,
} from '@gocsp/nats';
import { conn, noServer, pending, uniq, within } from './util.js';

describe.skipIf(noServer)('remoteChan', () => {
  let nc: NatsConnection;
  let nc2: NatsConnection;
  beforeAll(async () => {
    nc = await conn();
    nc2 = await conn();
  });
  afterAll(async () => {
    await nc?.close();
    await nc2?.close();
  });

  it('buffered: FIFO between two connections, len and cap, close then drain', async () => {
    const name = uniq('fifo');
    const a = await remoteChan<number>(nc, name, { capacity: 8 });
    const b = await remoteChan<number>(nc2, name);
    expect(b.cap).toBe(8);
    for (let i = 0; i < 5; i++) await a.send(i);
    await a.close();
    const got: number[] = [];
    for await (const v of b) got.push(v);
    expect(got).toEqual([0, 1, 2, 3, 4]);
    expect(await b.recvOk()).toEqual([undefined, false]);
    await expect(a.send(9)).rejects.toThrow(ClosedChannelError);
    await expect(b.close()).rejects.toThrow(ClosedChannelError);
    await deleteRemoteChan(nc, name);
  });

  it('buffered: send blocks at capacity until a receiver takes a value (backpressure)', async () => {
    const name = uniq('bp');
    const ch = await remoteChan<string>(nc, name, { capacity: 2 });
    await ch.send('a');
    await ch.send('b');
    expect(await ch.trySend('x')).toBe(false);
    const third = ch.send('c');
    expect(await pending(third)).toBe(true);
    const other = await remoteChan<string>(nc2, name);
    expect(await other.recv()).toBe('a');
    await within(third, 10_000, 'the blocked send');
    expect(await other.recv()).toBe('b');
    expect(await other.recv()).toBe('c');
    await deleteRemoteChan(nc, name);
  });

  it('an aborted blocked send delivers nothing', async () => {
    const name = uniq('abort');
    const ch = await remoteChan<number>(nc, name, { capacity: 1 });
    await ch.send(1);
    const ac = new AbortController();
    const p = ch.send(2, { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 100));
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    expect(await ch.recv()).toBe(1);
    expect(await ch.tryRecv()).toBeUndefined();
    await deleteRemoteChan(nc, name);
  });

  it('an aborted receive takes nothing', async () => {
    const name = uniq('abortrecv');
    const ch = await remoteChan<number>(nc, name, { capacity: 4 });
    const ac = new AbortController();
    const p = ch.recv({ signal: ac.signal });
    await new Promise((r) => setTimeout(r, 100));
    ac.abort(new Error('enough'));
    await expect(p).rejects.toThrow('enough');
    const other = await remoteChan<number>(nc2, name);
    await other.send(7);
    expect(await other.recv()).toBe(7);
    await deleteRemoteChan(nc, name);
  });

  it('unbuffered: send resolves only once a receiver took the value', async () => {
    const name = uniq('rv');
    const tx = await remoteChan<string>(nc, name);
    const rx = await remoteChan<string>(nc2, name);
    expect(tx.cap).toBe(0);
    const sent = tx.send('hello');
    expect(await pending(sent)).toBe(true);
    expect(await within(rx.recv(), 10_000, 'recv')).toBe('hello');
    await within(sent, 10_000, 'send');
    // A receiver first, then a sender.
    const r = rx.recv();
    await new Promise((res) => setTimeout(res, 50));
    await within(tx.send('world'), 10_000, 'send');
    expect(await r).toBe('world');
    await deleteRemoteChan(nc, name);
  });

  it('unbuffered: close fails blocked senders and ends receivers', async () => {
    const name = uniq('rvclose');
    const tx = await remoteChan<number>(nc, name);
    const rx = await remoteChan<number>(nc2, name);
    const blocked = tx.send(1);
    expect(await pending(blocked)).toBe(true);
    await rx.close();
    await expect(within(blocked, 10_000, 'blocked send')).rejects.toThrow(ClosedChannelError);
    expect(await within(rx.recvOk(), 10_000, 'recv')).toEqual([undefined, false]);
    await deleteRemoteChan(nc, name);
  });

  it('codecs: json and string codecs; other options than the channel has are refused', async () => {
    const name = uniq('codec');
    const ch = await remoteChan<string>(nc, name, { capacity: 4, codec: codecs.string });
    await ch.send('héllo');
    expect(await ch.recv()).toBe('héllo');
    await expect(remoteChan(nc2, name, { capacity: 4 })).rejects.toThrow(RemoteChannelError);
    await expect(remoteChan(nc2, name, { capacity: 5, codec: codecs.string })).rejects.toThrow(
      RemoteChannelError,
    );
    const rich = await remoteChan<unknown>(nc, uniq('rich'), { capacity: 4 });
    const v = { m: new Map([[1, 'a']]), d: new Date(5), big: 10n, u: new Uint8Array([1, 2]) };
    await rich.send(v);
    expect(await rich.recv()).toEqual(v);
    await deleteRemoteChan(nc, name);
    await deleteRemoteChan(nc, rich.name);
  });

  it('bad input: uncloneable values, shared objects, bad names and capacities give typed errors; nothing is sent', async () => {
    const ch = await remoteChan<unknown>(nc, uniq('bad'), { capacity: 4 });
    await expect(ch.send(() => 1)).rejects.toThrow(TypeError);
    await expect(ch.send({ ch: chan() })).rejects.toThrow(/network/);
    await expect(ch.send(new SharedArrayBuffer(8))).rejects.toThrow(/network/);
    await expect(remoteChan(nc, 'no spaces')).rejects.toThrow(TypeError);
    await expect(remoteChan(nc, uniq('c'), { capacity: -1 })).rejects.toThrow(RangeError);
    await expect(remoteChan({} as NatsConnection, 'x')).rejects.toThrow(TypeError);
    expect(await ch.tryRecv()).toBeUndefined();
    await deleteRemoteChan(nc, ch.name);
  });

  it('a closed connection fails pending and later operations with ConnectionClosedError', async () => {
    const own = await conn();
    const ch = await remoteChan<number>(own, uniq('cc'), { capacity: 2 });
    const p = ch.recv();
    await new Promise((r) => setTimeout(r, 50));
    await own.close();
    await expect(within(p, 5000, 'recv')).rejects.toThrow(ConnectionClosedError);
    await expect(ch.send(1)).rejects.toThrow(ConnectionClosedError);
    await deleteRemoteChan(nc, ch.name);
  });

  it('trySend and tryRecv: never wait for a value or a partner (buffered and unbuffered)', async () => {
    const name = uniq('try');
    const ch = await remoteChan<number>(nc, name, { capacity: 1 });
    expect(await ch.tryRecv()).toBeUndefined();
    expect(await ch.trySend(1)).toBe(true);
    expect(await ch.trySend(2)).toBe(false);
    expect(await ch.tryRecv()).toEqual([1, true]);
    await ch.close();
    expect(await ch.tryRecv()).toEqual([undefined, false]);
    await expect(ch.trySend(3)).rejects.toThrow(ClosedChannelError);
    await deleteRemoteChan(nc, name);

    const rvName = uniq('tryrv');
    const tx = await remoteChan<number>(nc, rvName);
    const rx = await remoteChan<number>(nc2, rvName);
    expect(await tx.trySend(1)).toBe(false); // nobody receives
    const r = rx.recv();
    let sent = false;
    for (let i = 0; i < 50 && !sent; i++) {
      sent = await tx.trySend(2); // true once the receiver's pull is waiting
      if (!sent) await new Promise((res) => setTimeout(res, 20));
    }
    expect(sent).toBe(true);
    expect(await within(r, 10_000, 'recv')).toBe(2);
    await deleteRemoteChan(nc, rvName);
  });

  it('len is a recent count; cap is exact', async () => {
    const ch = await remoteChan<number>(nc, uniq('len'), { capacity: 10 });
    for (let i = 0; i < 3; i++) await ch.send(i);
    // Each read may start a refresh; a recent count gets there.
    for (let i = 0; i < 100 && ch.len !== 3; i++) await new Promise((r) => setTimeout(r, 50));
    expect(ch.len).toBe(3);
    expect(ch.cap).toBe(10);
    await deleteRemoteChan(nc, ch.name);
  });
});
