// Timers through the swappable clock: virtual time, no real waiting.
import { afterEach, describe, expect, it } from 'vitest';
import {
  after,
  chan,
  onRecv,
  realClock,
  select,
  setClock,
  tick,
  type Clock,
} from '@gocsp/channels';

/** A virtual clock: time moves only when `advance` is called. */
function virtualClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  let seq = 0;
  const timers = new Map<number, { at: number; every: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout: (fn, ms) => (timers.set(++seq, { at: now + ms, every: 0, fn }), seq),
    clearTimeout: (h) => void timers.delete(h as number),
    setInterval: (fn, ms) => (timers.set(++seq, { at: now + ms, every: ms, fn }), seq),
    clearInterval: (h) => void timers.delete(h as number),
    advance(ms) {
      const until = now + ms;
      for (;;) {
        let next: [number, { at: number; every: number; fn: () => void }] | undefined;
        for (const e of timers) if (e[1].at <= until && (!next || e[1].at < next[1].at)) next = e;
        if (!next) break;
        const [id, t] = next;
        now = t.at;
        if (t.every > 0) t.at += t.every;
        else timers.delete(id);
        t.fn();
      }
      now = until;
    },
  };
}

afterEach(() => {
  setClock(realClock);
});

describe('timers on a virtual clock', () => {
  it('after(ms) fires once, at virtual time ms, and select sees the timeout', async () => {
    const clock = virtualClock();
    setClock(clock);
    const t = after(1000);
    const c = chan<number>();
    const r = select([onRecv(c, () => 'value'), onRecv(t, (at) => `timeout at ${at}`)]);
    clock.advance(999);
    expect(t.len).toBe(0);
    clock.advance(1);
    expect(await r).toBe('timeout at 1000');
    clock.advance(5000);
    expect(t.tryRecv()).toBeUndefined(); // once only
  });

  it('tick(ms) delivers ticks, drops them for a slow reader (buffer of one), and stops', async () => {
    const clock = virtualClock();
    setClock(clock);
    const t = tick(100);
    clock.advance(100);
    expect(await t.c.recv()).toBe(100);
    clock.advance(350); // ticks at 200, 300, 400: only the first fits
    expect(await t.c.recv()).toBe(200);
    expect(t.c.tryRecv()).toBeUndefined();
    t.stop();
    clock.advance(1000);
    expect(t.c.tryRecv()).toBeUndefined();
  });

  it('rejects bad durations', () => {
    expect(() => after(-1)).toThrow(RangeError);
    expect(() => tick(0)).toThrow(RangeError);
  });
});

describe('same-thread hand-offs', () => {
  it('never call Atomics.notify', async () => {
    const notify = Atomics.notify;
    let calls = 0;
    Atomics.notify = ((...args: Parameters<typeof Atomics.notify>) => {
      calls++;
      return notify(...args);
    }) as typeof Atomics.notify;
    try {
      const x = chan<number>();
      const y = chan<number>();
      const pong = (async () => {
        for (let i = 0; i < 1000; i++) await y.send((await x.recv())!);
      })();
      for (let i = 0; i < 1000; i++) {
        await x.send(i);
        expect(await y.recv()).toBe(i);
      }
      await pong;
    } finally {
      Atomics.notify = notify;
    }
    expect(calls).toBe(0);
  });
});
