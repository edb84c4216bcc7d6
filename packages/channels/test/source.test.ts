// Select sources (src/source.ts): a receive from outside shared memory as a
// select case beside local channels. A queue on this thread stands in for a
// remote channel; it follows the protocol as a remote one does: claim before
// taking, keep the value at the front when the claim is lost.
import { describe, expect, it } from 'vitest';
import {
  chan,
  onDefault,
  onRecv,
  onSend,
  select,
  selectSource,
  type SelectSource,
  type SelectWaiter,
} from '@gocsp/channels';
import { rng, scale } from './util.js';

class Queue<T> {
  readonly items: T[] = [];
  closed = false;
  armed = new Set<SelectWaiter<T>>();
  claimsLost = 0;
  readonly [selectSource]: SelectSource<T> = {
    poll: () => {
      if (this.items.length > 0) return [this.items.shift()!, true];
      return this.closed ? [undefined, false] : undefined;
    },
    arm: (w) => {
      this.armed.add(w);
      return () => this.armed.delete(w);
    },
  };

  /** Delivers to one armed waiter if any claims; otherwise the value stays queued. */
  push(v: T): void {
    this.items.push(v);
    this.offer();
  }

  close(): void {
    this.closed = true;
    this.offer();
  }

  private offer(): void {
    for (const w of [...this.armed]) {
      if (this.items.length === 0 && !this.closed) return;
      if (!w.claim()) {
        this.claimsLost++;
        this.armed.delete(w);
        continue;
      }
      this.armed.delete(w);
      if (this.items.length > 0) w.fire(this.items.shift(), true);
      else w.fire(undefined, false);
    }
  }
}

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('select sources (Symbol.for("gocsp.selectSource"))', () => {
  it('a ready source is taken in pass 1; with a default, an empty one is not waited for', async () => {
    const q = new Queue<number>();
    expect(await select([onRecv(q), onDefault(() => 'empty')])).toBe('empty');
    q.items.push(7);
    expect(await select([onRecv(q, (v, ok) => [v, ok]), onDefault(() => 'empty')])).toEqual([
      7,
      true,
    ]);
    q.closed = true;
    expect(await select([onRecv(q, (v, ok) => [v, ok])])).toEqual([undefined, false]);
  });

  it('a parked select fires from an armed source, alone or beside local channels', async () => {
    const q = new Queue<string>();
    const p = select([onRecv(q, (v) => `remote ${v}`)]);
    await tick();
    expect(q.armed.size).toBe(1);
    q.push('a');
    expect(await p).toBe('remote a');
    expect(q.armed.size).toBe(0);

    const local = chan<string>();
    const p2 = select([onRecv(local, (v) => `local ${v}`), onRecv(q, (v) => `remote ${v}`)]);
    await tick();
    q.push('b');
    expect(await p2).toBe('remote b');
    // The local case's node left its queue: a send now finds no receiver.
    expect(local.trySend('x')).toBe(false);
  });

  it('a local case that wins disarms the source; a late claim fails and the value stays', async () => {
    const q = new Queue<number>();
    const local = chan<number>();
    const p = select([onRecv(local, (v) => ['local', v]), onRecv(q, (v) => ['remote', v])]);
    await tick();
    await local.send(1);
    expect(await p).toEqual(['local', 1]);
    expect(q.armed.size).toBe(0);
    q.push(2);
    expect(q.items).toEqual([2]);
  });

  it('a claim lost to a local case keeps the value, in order, for the next receive', async () => {
    const q = new Queue<number>();
    const local = chan<number>(1);
    let waiter: SelectWaiter<number> | undefined;
    const src = q[selectSource];
    // Capture the waiter so that we can claim after the local case fired.
    const spy: SelectSource<number> = {
      poll: () => src.poll(),
      arm: (w) => {
        waiter = w;
        return src.arm(w);
      },
    };
    const p = select([onRecv(local), onRecv({ [selectSource]: spy })]);
    await tick();
    await local.send(5);
    expect(await p).toBe(5);
    expect(waiter!.claim()).toBe(false); // disarmed: no touch of the freed group word
    q.items.push(1, 2);
    expect(await select([onRecv(q)])).toBe(1);
    expect(await select([onRecv(q)])).toBe(2);
  });

  it('a source may reject the select after winning its claim', async () => {
    const q = new Queue<number>();
    const p = select([onRecv(q), onRecv(chan<number>())]);
    await tick();
    const [w] = [...q.armed];
    expect(w!.claim()).toBe(true);
    w!.fail(new Error('connection closed'));
    await expect(p).rejects.toThrow('connection closed');
  });

  it('picks uniformly among a ready source and a ready local channel', async () => {
    const q = new Queue<number>();
    const local = chan<number>(1);
    const n = scale(400);
    let remote = 0;
    for (let i = 0; i < n; i++) {
      q.items.push(i);
      local.trySend(i);
      const r = await select([onRecv(q, () => 'r'), onRecv(local, () => 'l')]);
      if (r === 'r') remote++;
      // Put the other side back to one value each.
      if (r === 'r') local.tryRecv();
      else q.items.shift();
    }
    expect(remote).toBeGreaterThan(n * 0.3);
    expect(remote).toBeLessThan(n * 0.7);
  });

  it('loses nothing and keeps FIFO order under races with local senders (seeded)', async () => {
    const r = rng();
    const q = new Queue<number>();
    const local = chan<number>();
    const n = scale(300);
    const got: number[] = [];
    const pushed: number[] = [];
    const producer = (async () => {
      for (let i = 0; i < n; i++) {
        if (r() < 0.5) {
          pushed.push(i);
          q.push(i);
        } else await local.send(-1);
        if (r() < 0.3) await tick();
      }
      q.close();
    })();
    for (;;) {
      const v = await select([onRecv(q, (x, ok) => (ok ? x! : null)), onRecv(local, () => -1)]);
      if (v === null) break;
      if (v >= 0) got.push(v);
    }
    await producer;
    expect(got).toEqual(pushed); // each once, in order
    expect(q.items).toEqual([]);
  });

  it('onSend refuses a select source', () => {
    const q = new Queue<number>();
    expect(() => onSend(q as never, 1)).toThrow(TypeError);
  });
});
