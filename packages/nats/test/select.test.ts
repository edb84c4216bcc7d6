// A remote channel's receive as a select case beside local channels
// (@gocsp/channels' select sources): a value fetched for a case that lost is
// given back, never lost, and one receiver still sees FIFO order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { after, chan, onDefault, onRecv, onSend, select } from '@gocsp/channels';
import { deleteRemoteChan, remoteChan } from '@gocsp/nats';
import { conn, noServer, rng, scale, uniq, within } from './util.js';

describe.skipIf(noServer)('select with a remote receive case', () => {
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

  it('fires on a remote value, on a local value, and on close', async () => {
    const name = uniq('sel');
    const remote = await remoteChan<number>(nc, name, { capacity: 4 });
    const local = chan<number>();
    const p = select([onRecv(remote, (v) => ['remote', v]), onRecv(local, (v) => ['local', v])]);
    const sender = await remoteChan<number>(nc2, name);
    await sender.send(1);
    expect(await within(p, 10_000, 'select')).toEqual(['remote', 1]);
    const q = select([onRecv(remote, (v) => ['remote', v]), onRecv(local, (v) => ['local', v])]);
    await local.send(2);
    expect(await q).toEqual(['local', 2]);
    await sender.close();
    expect(await within(select([onRecv(remote, (v, ok) => ok)]), 10_000, 'closed')).toBe(false);
    await deleteRemoteChan(nc, name);
  });

  it('with a default: never waits for the network, and sees what arrived', async () => {
    const name = uniq('seldef');
    const remote = await remoteChan<number>(nc, name, { capacity: 4 });
    expect(await select([onRecv(remote), onDefault(() => 'empty')])).toBe('empty');
    const sender = await remoteChan<number>(nc2, name);
    await sender.send(5);
    let got: unknown = 'empty';
    for (let i = 0; i < 200 && got === 'empty'; i++) {
      got = await select([onRecv(remote), onDefault(() => 'empty')]);
      if (got === 'empty') await new Promise((r) => setTimeout(r, 10));
    }
    expect(got).toBe(5);
    await deleteRemoteChan(nc, name);
  });

  it('a timeout case that wins leaves the remote value in the channel', async () => {
    const name = uniq('seltime');
    const remote = await remoteChan<number>(nc, name, { capacity: 4 });
    expect(await select([onRecv(remote), onRecv(after(50), () => 'timeout')])).toBe('timeout');
    const sender = await remoteChan<number>(nc2, name);
    await sender.send(9);
    expect(await within(sender.recv(), 10_000, 'recv elsewhere')).toBe(9);
    await deleteRemoteChan(nc, name);
  });

  it('loses nothing and keeps FIFO under racing local values (seeded)', async () => {
    for (const capacity of [16, 0]) {
      const name = uniq(`selrace${capacity}`);
      const remote = await remoteChan<number>(nc, name, { capacity });
      const sender = await remoteChan<number>(nc2, name);
      const local = chan<number>();
      const r = rng();
      const n = scale(capacity === 0 ? 40 : 150);
      const producer = (async () => {
        for (let i = 0; i < n; i++) await sender.send(i);
        await sender.close();
      })();
      let stopLocal = false;
      const localProducer = (async () => {
        while (!stopLocal) {
          await new Promise((res) => setTimeout(res, Math.floor(r() * 3)));
          await select([onSend(local, -1), onRecv(after(20))]);
        }
      })();
      const got: number[] = [];
      let locals = 0;
      for (;;) {
        const v = await within(
          select([onRecv(remote, (x, ok) => (ok ? x! : null)), onRecv(local, () => -1)]),
          20_000,
          'select',
        );
        if (v === null) break;
        if (v === -1) locals++;
        else got.push(v);
      }
      stopLocal = true;
      await producer;
      await localProducer;
      expect(got).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(locals).toBeGreaterThan(0);
      await deleteRemoteChan(nc, name);
    }
  });
});
