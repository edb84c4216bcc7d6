// Receive ends that are not local Channels (a stand-in for @gocsp/nats'
// RemoteChannel: a select source with recvOk and for await) in merge,
// collect, fromChannel and as a pipeline's source; local tasks
// (Symbol.for('gocsp.localTask'), as remote task functions are marked) in
// stage() and parallelMap(), called on this thread.
import { describe, expect, it } from 'vitest';
import { firstValueFrom, from, take, toArray } from 'rxjs';
import { chan, selectSource, type SelectSource, type SelectWaiter } from '@gocsp/channels';
import { collect, merge, pipeline, stage, type RecvChannel } from '@gocsp/patterns';
import { fromChannel, parallelMap } from '@gocsp/patterns/rxjs';

/** A queue on this thread with a remote channel's receive surface. */
class FakeRemote<T> implements RecvChannel<T> {
  private items: T[] = [];
  private closed = false;
  private waiters: SelectWaiter<T>[] = [];
  readonly [selectSource]: SelectSource<T> = {
    poll: () => {
      if (this.items.length > 0) return [this.items.shift()!, true];
      return this.closed ? [undefined, false] : undefined;
    },
    arm: (w) => {
      this.waiters.push(w);
      return () => (this.waiters = this.waiters.filter((x) => x !== w));
    },
  };
  constructor(values: T[], close = true) {
    for (const v of values) this.push(v);
    if (close) this.close();
  }
  push(v: T): void {
    this.items.push(v);
    this.offer();
  }
  close(): void {
    this.closed = true;
    this.offer();
  }
  private offer(): void {
    while (this.waiters.length > 0 && (this.items.length > 0 || this.closed)) {
      const w = this.waiters.shift()!;
      if (!w.claim()) continue;
      if (this.items.length > 0) w.fire(this.items.shift(), true);
      else w.fire(undefined, false);
    }
  }
  recvOk(opts: { signal?: AbortSignal } = {}): Promise<[T, true] | [undefined, false]> {
    const r = this[selectSource].poll();
    if (r !== undefined) return Promise.resolve(r);
    return new Promise((resolve, reject) => {
      let disarm = (): void => {};
      const w: SelectWaiter<T> = {
        claim: () => !opts.signal?.aborted,
        fire: (v, ok) => resolve(ok ? ([v, true] as [T, true]) : [undefined, false]),
        fail: reject,
      };
      disarm = this[selectSource].arm(w);
      opts.signal?.addEventListener('abort', () => {
        disarm();
        reject(opts.signal!.reason as Error);
      });
    });
  }
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const [v, ok] = await this.recvOk();
      if (!ok) return;
      yield v;
    }
  }
}

/** A function marked local, as @gocsp/nats marks remote task functions. */
function local<A, R>(fn: (a: A) => Promise<R>): (a: A) => Promise<R> {
  Object.defineProperty(fn, Symbol.for('gocsp.localTask'), { value: true });
  return fn;
}

describe('receive ends that are not local Channels', () => {
  it('collect, merge and a pipeline source take them', async () => {
    expect(await collect(new FakeRemote([1, 2, 3]))).toEqual([1, 2, 3]);
    const c = chan<number>(4);
    await c.send(10);
    c.close();
    const all = await collect(merge(new FakeRemote([1, 2]), c));
    expect([...all].sort((a, b) => a - b)).toEqual([1, 2, 10]);
    expect(
      await collect(
        pipeline(
          new FakeRemote([1, 2, 3]),
          stage((x: number) => x * 2),
        ),
      ),
    ).toEqual([2, 4, 6]);
  });

  it('fromChannel emits them; unsubscribing leaves the rest', async () => {
    const r = new FakeRemote([1, 2, 3, 4]);
    expect(await firstValueFrom(fromChannel(r).pipe(take(2), toArray()))).toEqual([1, 2]);
    expect(await firstValueFrom(fromChannel(r).pipe(toArray()))).toEqual([3, 4]);
  });

  it('anything else is refused with a TypeError', () => {
    expect(() => merge({ recvOk: 1 } as never, chan<number>())).toThrow(TypeError);
  });
});

describe('local tasks (Symbol.for("gocsp.localTask"))', () => {
  it('stage() calls them on this thread, keeping order and concurrency', async () => {
    let running = 0;
    let max = 0;
    const f = local(async (x: number) => {
      running++;
      max = Math.max(max, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return x + 1;
    });
    const out = await collect(pipeline([1, 2, 3, 4, 5, 6], stage(f, { concurrency: 2 })));
    expect(out).toEqual([2, 3, 4, 5, 6, 7]);
    expect(max).toBe(2);
  });

  it('parallelMap calls them on this thread, ordered or not, errors error the output', async () => {
    const f = local(async (x: number) => {
      await new Promise((r) => setTimeout(r, (7 - x) * 2));
      return x * x;
    });
    expect(
      await firstValueFrom(from([1, 2, 3, 4]).pipe(parallelMap(f, { concurrency: 3 }), toArray())),
    ).toEqual([1, 4, 9, 16]);
    const unordered = await firstValueFrom(
      from([1, 2, 3, 4]).pipe(parallelMap(f, { concurrency: 4, ordered: false }), toArray()),
    );
    expect([...unordered].sort((a, b) => a - b)).toEqual([1, 4, 9, 16]);
    const bad = local(async (x: number) => {
      if (x === 2) throw new RangeError('two');
      return x;
    });
    await expect(firstValueFrom(from([1, 2, 3]).pipe(parallelMap(bad), toArray()))).rejects.toThrow(
      'two',
    );
  });
});
