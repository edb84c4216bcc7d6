// Context: Go's context tests (src/context/x_test.go, context_test.go), then
// what gocsp adds: the same context live on every thread.
import { inspect } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runtime, spawn } from '@gocsp/core';
import {
  after,
  chan,
  onDefault,
  onRecv,
  select,
  setClock as setChannelsClock,
  type Channel,
  type Clock,
} from '@gocsp/channels';
import { AtomicInt32 } from '@gocsp/sync';
import {
  Canceled,
  CanceledError,
  Context,
  DeadlineExceeded,
  DeadlineExceededError,
  background,
  cause,
  realClock,
  setClock,
  todo,
  withCancel,
  withCancelCause,
  withDeadline,
  withDeadlineCause,
  withTimeout,
  withTimeoutCause,
  withValue,
} from '@gocsp/patterns';
import { delay, tasks, virtualClock, within } from './util.js';

afterAll(async () => {
  await runtime.shutdown();
});

/** True if `ch` is closed now (Go's `select { case <-c.Done(): default: }`). */
async function isDone(ctx: Context): Promise<boolean> {
  return select([onRecv(ctx.done(), () => true), onDefault(() => false)]);
}

describe('Go context_test.go', () => {
  it('TestBackground / TestTODO: never done, named', async () => {
    const c = background();
    expect(c).toBe(background());
    expect(await isDone(c)).toBe(false);
    expect(c.err()).toBeUndefined();
    expect(c.deadline()).toBeUndefined();
    expect(String(c)).toBe('context.Background');
    expect(String(todo())).toBe('context.TODO');
    expect(await isDone(todo())).toBe(false);
  });

  it('TestWithCancel: cancel closes done for the context and its descendants', async () => {
    const [c1, cancel] = withCancel(background());
    expect(String(c1)).toBe('context.Background.WithCancel');
    const o = withValue(c1, 'k', 'v'); // Go's otherContext: a context of another kind in between
    const [c2] = withCancel(o);
    const all = [c1, o, c2];
    for (const c of all) {
      expect(await isDone(c)).toBe(false);
      expect(c.err()).toBeUndefined();
    }
    cancel();
    for (const c of all) {
      expect(await isDone(c)).toBe(true);
      expect(c.err()).toBe(Canceled);
      expect(c.err()).toBeInstanceOf(CanceledError);
      expect(c.err()!.message).toBe('context canceled');
    }
  });

  it('done() is the same channel on every call', () => {
    const [c, cancel] = withCancel(background());
    expect(c.done()).toBe(c.done());
    const v = withValue(c, 'a', 1);
    expect(v.done()).toBe(c.done());
    cancel();
    expect(c.done()).toBe(c.done());
  });

  it('TestParentFinishesChild: cancelling the parent cancels every kind of child', async () => {
    const [parent, cancel] = withCancel(background());
    const [cancelChild, stop] = withCancel(parent);
    const [timerChild, stopTimer] = withTimeout(parent, 1e9);
    const valueChild = withValue(parent, 'key', 'value');
    const [grandChild] = withCancel(valueChild);
    for (const c of [parent, cancelChild, timerChild, valueChild, grandChild]) {
      expect(await isDone(c)).toBe(false);
    }
    cancel();
    for (const c of [parent, cancelChild, timerChild, valueChild, grandChild]) {
      expect(await isDone(c)).toBe(true);
      expect(c.err()).toBe(Canceled);
    }
    stop();
    stopTimer(); // idempotent after the parent's cancel
    expect(cancelChild.err()).toBe(Canceled);
  });

  it('TestChildFinishesFirst: a cancelled child leaves its parent alone', async () => {
    for (const mk of [() => withCancel(background()), () => withTimeout(background(), 1e9)]) {
      const [parent, cancelParent] = mk();
      const [child, cancelChild] = withCancel(parent);
      cancelChild();
      expect(await isDone(child)).toBe(true);
      expect(child.err()).toBe(Canceled);
      expect(await isDone(parent)).toBe(false);
      expect(parent.err()).toBeUndefined();
      cancelParent();
      expect(parent.err()).toBe(Canceled);
    }
  });

  it('cancel is idempotent: the first cause wins', () => {
    const [c, cancel] = withCancel(background());
    const first = new Error('first');
    cancel(first);
    cancel(new Error('second'));
    cancel();
    expect(c.err()).toBe(Canceled);
    expect(cause(c)).toBe(first);
  });

  it('TestDeadline / TestTimeout: done with DeadlineExceeded', async () => {
    const [c, cancel] = withDeadline(background(), Date.now() + 50);
    expect(String(c)).toMatch(/^context\.Background\.WithDeadline\(\d{4}-/);
    expect(c.deadline()!.getTime()).toBeGreaterThan(Date.now());
    expect(await isDone(c)).toBe(false);
    await c.done().recv();
    expect(c.err()).toBe(DeadlineExceeded);
    expect(c.err()).toBeInstanceOf(DeadlineExceededError);
    expect(c.err()!.message).toBe('context deadline exceeded');
    cancel();
    expect(c.err()).toBe(DeadlineExceeded);

    const [t] = withTimeout(background(), 30);
    const t0 = Date.now();
    await t.done().recv();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
    expect(t.err()).toBe(DeadlineExceeded);
  });

  it("a deadline in the past is exceeded at once; a later one under an earlier parent is the parent's", async () => {
    const [past] = withDeadline(background(), new Date(Date.now() - 1000));
    expect(past.err()).toBe(DeadlineExceeded);
    const [parent, cancel] = withTimeout(background(), 60_000);
    const [child] = withTimeout(parent, 120_000);
    expect(child.deadline()!.getTime()).toBe(parent.deadline()!.getTime());
    expect(String(child)).toMatch(/WithDeadline\(.*\)\.WithCancel$/);
    const [sooner] = withTimeout(parent, 10);
    expect(sooner.deadline()!.getTime()).toBeLessThan(parent.deadline()!.getTime());
    await sooner.done().recv();
    expect(sooner.err()).toBe(DeadlineExceeded);
    expect(parent.err()).toBeUndefined();
    cancel();
  });

  it('TestCanceledTimeout: cancel before the deadline gives Canceled', async () => {
    const [c] = withTimeout(background(), 1000);
    const o = withValue(c, 'x', 1);
    const [c2, cancel] = withTimeout(o, 2000);
    cancel();
    expect(await isDone(c2)).toBe(true);
    expect(c2.err()).toBe(Canceled);
  });

  it('TestValues: the nearest value wins; values are per key', () => {
    const c0 = background();
    expect(c0.value('k1')).toBeUndefined();
    const c1 = withValue(background(), 'k1', 'c1k1');
    expect(String(c1)).toBe('context.Background.WithValue("k1")');
    const c2 = withValue(c1, 'k2', 'c2k2');
    const c3 = withValue(c2, 'k3', 'c3k3');
    const c4 = withValue(c3, 'k1', null);
    const [c5] = withCancel(c4);
    expect([c1.value('k1'), c1.value('k2'), c1.value('k3')]).toEqual([
      'c1k1',
      undefined,
      undefined,
    ]);
    expect([c2.value('k1'), c2.value('k2'), c2.value('k3')]).toEqual(['c1k1', 'c2k2', undefined]);
    expect([c3.value('k1'), c3.value('k2'), c3.value('k3')]).toEqual(['c1k1', 'c2k2', 'c3k3']);
    expect([c4.value('k1'), c4.value('k2')]).toEqual([null, 'c2k2']);
    expect(c5.value('k3')).toBe('c3k3');
    expect(() => withValue(c0, Symbol('x') as unknown as string, 1)).toThrow(TypeError);
  });

  it('TestWithCancelCanceledParent: a child of a done parent is done at once, with its cause', async () => {
    const [parent, cancel] = withCancelCause(background());
    const why = new RangeError('parent gone');
    cancel(why);
    const [child] = withCancel(parent);
    expect(await isDone(child)).toBe(true);
    expect(child.err()).toBe(Canceled);
    expect(cause(child)).toBe(why);
    const [tchild] = withTimeout(parent, 1e9);
    expect(tchild.err()).toBe(Canceled);
    const [exceeded] = withTimeout(background(), 0);
    const [late] = withCancel(exceeded);
    expect(late.err()).toBe(DeadlineExceeded);
  });

  it("TestCause: cause() per Go's table", async () => {
    const finishedEarly = new Error('finished early');
    const tooSlow = new Error('too slow');
    // not done: undefined
    const [a, ca] = withCancel(background());
    expect(cause(a)).toBeUndefined();
    // cancelled without a cause: the err
    ca();
    expect(cause(a)).toBe(Canceled);
    // WithCancelCause
    const [b, cb] = withCancelCause(background());
    cb(finishedEarly);
    expect(b.err()).toBe(Canceled);
    expect(cause(b)).toBe(finishedEarly);
    // parent's cause reaches the child
    const [p, cp] = withCancelCause(background());
    const [ch] = withCancel(p);
    cp(finishedEarly);
    expect(cause(ch)).toBe(finishedEarly);
    // a child's own cause does not reach the parent
    const [p2, cp2] = withCancelCause(background());
    const [ch2, cch2] = withCancelCause(p2);
    cch2(tooSlow);
    expect(cause(ch2)).toBe(tooSlow);
    expect(cause(p2)).toBeUndefined();
    cp2();
    // timeout with a cause
    const [t] = withTimeoutCause(background(), 5, tooSlow);
    await t.done().recv();
    expect(t.err()).toBe(DeadlineExceeded);
    expect(cause(t)).toBe(tooSlow);
    const [d, cd] = withDeadlineCause(background(), Date.now() + 1e6, tooSlow);
    cd(finishedEarly);
    expect(d.err()).toBe(Canceled);
    expect(cause(d)).toBe(finishedEarly);
  });

  it('rejects bad arguments with typed errors', () => {
    expect(() => withCancel({} as Context)).toThrow(TypeError);
    expect(() => withTimeout(background(), -1)).toThrow(RangeError);
    expect(() => withDeadline(background(), new Date(NaN))).toThrow(TypeError);
    expect(() => new Context()).toThrow(TypeError);
  });
});

describe('inspect and JSON', () => {
  it('a context prints on one line and serialises to { kind, id, err, deadline }', () => {
    const [ctx, cancel] = withCancel(background());
    expect(inspect(ctx)).toBe(`Context { id: ${ctx.id}, err: null, deadline: null }`);
    cancel();
    expect(JSON.parse(JSON.stringify({ ctx }))).toEqual({
      ctx: { kind: 'Context', id: ctx.id, err: 'context canceled', deadline: null },
    });
  });
});

describe('timers', () => {
  let prev: Clock | undefined;
  afterEach(() => {
    if (prev) setClock(prev);
    prev = undefined;
  });

  it('a deadline fires on the package clock; cancel stops its timer', async () => {
    const clock = virtualClock();
    prev = setClock(clock);
    const [a] = withTimeout(background(), 100);
    const [b, cancelB] = withTimeout(background(), 100);
    const [parent, cancelParent] = withCancel(background());
    const [c] = withTimeout(parent, 500);
    expect(clock.live()).toBe(3);
    cancelB();
    expect(clock.live()).toBe(2);
    cancelParent(); // a descendant's timer stops too
    expect(clock.live()).toBe(1);
    expect(c.err()).toBe(Canceled);
    clock.advance(99);
    expect(a.err()).toBeUndefined();
    clock.advance(1);
    expect(a.err()).toBe(DeadlineExceeded);
    expect(await isDone(a)).toBe(true);
    expect(b.err()).toBe(Canceled);
    expect(clock.live()).toBe(0);
  });

  it("one clock: @gocsp/channels' setClock moves context deadlines and after() alike", async () => {
    const clock = virtualClock();
    prev = setChannelsClock(clock);
    expect(setClock).toBe(setChannelsClock); // patterns re-exports the one clock
    const [ctx] = withTimeout(background(), 100);
    const timer = after(100);
    clock.advance(100);
    expect(ctx.err()).toBe(DeadlineExceeded);
    expect(timer.tryRecv()).toEqual([clock.now(), true]);
  });

  it('a pending deadline keeps the process alive, and deadlock detection counts it', async () => {
    setClock(realClock);
    const [c] = withTimeout(background(), 150);
    // The only thing this thread waits for is the timer: no DeadlockError.
    await c.done().recv();
    expect(c.err()).toBe(DeadlineExceeded);
  });
});

describe('across threads', () => {
  it('cancelling on the main thread stops work in goroutines on every worker', async () => {
    const [ctx, cancel] = withCancel(background());
    const progress = new AtomicInt32();
    const runs = Array.from({ length: 6 }, () => spawn(tasks.workUntilDone, ctx, progress));
    while (progress.load() < 12) await delay(2);
    const t0 = Date.now();
    cancel();
    const results = await Promise.all(runs);
    expect(Date.now() - t0).toBeLessThan(1000);
    for (const r of results) expect(r.err).toBe('CanceledError: context canceled');
    const after = progress.load();
    await delay(20);
    expect(progress.load()).toBe(after); // nothing runs on
  });

  it('a child derived on a worker from a main-thread context is cancelled by the main thread, with the cause', async () => {
    const [root, cancel] = withCancel(background());
    const v = withValue(root, 'req', 'r-1');
    const children = [spawn(tasks.childOnWorker, root), spawn(tasks.childOnWorker, v)];
    await delay(50);
    cancel(new Error('main says stop'));
    const got = await Promise.all(children);
    expect(got).toEqual([
      { err: 'CanceledError: context canceled', cause: 'main says stop' },
      { err: 'CanceledError: context canceled', cause: 'main says stop' },
    ]);
  });

  it('a context made and cancelled on a worker cancels its main-thread children, with its cause', async () => {
    const out = chan<Context>();
    const go = chan<void>();
    const done = spawn(tasks.cancelFromWorker, out, go, 'worker says stop');
    const remote = (await out.recv())!;
    expect(remote).toBeInstanceOf(Context);
    const [child, cancelChild] = withCancel(remote);
    const [grand] = withTimeout(child, 1e9);
    expect(await isDone(grand)).toBe(false);
    go.close();
    expect(await done).toBe('cancelled');
    await grand.done().recv();
    expect(grand.err()).toBe(Canceled);
    const why = cause(grand) as Error;
    expect(why.name).toBe('JobError');
    expect(why.message).toBe('worker says stop');
    expect((why as Error & { code?: string }).code).toBe('E_WORKER');
    cancelChild();
  });

  it('a deadline set on a worker fires there; the main thread sees it', async () => {
    const out = chan<Context>();
    const ended = spawn(tasks.makeWorkerContext, out, 40);
    const remote = (await out.recv())!;
    const [child, cancel] = withCancel(remote);
    await child.done().recv();
    expect(child.err()).toBe(DeadlineExceeded);
    expect(await ended).toBe('DeadlineExceededError: context deadline exceeded');
    cancel();
  });

  it('values are readable on workers, shared objects in them stay live', async () => {
    const ch = chan<number>(1);
    const ctx = withValue(withValue(background(), 'user', { id: 7, roles: ['a'] }), 'ch', ch);
    expect(await spawn(tasks.readValue, ctx, 'user')).toEqual({ id: 7, roles: ['a'] });
    const remoteCh = (await spawn(tasks.readValue, ctx, 'ch')) as Channel<number>;
    remoteCh.trySend(5);
    expect(ch.tryRecv()).toEqual([5, true]);
  });

  it('many goroutines waiting on one context are all released by one cancel', async () => {
    const [ctx, cancel] = withCancel(background());
    const waits = Array.from({ length: 40 }, () => spawn(tasks.waitDone, ctx));
    await delay(30);
    expect(await within(Promise.all(waits), 20)).toBe('pending');
    cancel();
    const got = await Promise.all(waits);
    expect(new Set(got.map((g) => g.err))).toEqual(new Set(['CanceledError: context canceled']));
  });
});
