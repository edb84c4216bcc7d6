// Exhaustive interleaving check of WaitGroup's release protocol
// (src/waitgroup.ts), in the shape of the waitgroup ping-pong (apps/bench):
// a waiter thread waits for the counter to reach zero, re-arms the group with
// add(1) and passes a ball; a doner thread waits for the ball and calls
// done(). Each thread is a state machine whose steps are the code's
// shared-memory actions, one atomic action each (a load, a CAS, a store, a
// LOCK'd section). A depth-first search visits every reachable state for a
// few rounds and checks:
//   - no early return: the waiter's wait of round k returns only after the
//     counter reached zero k + 1 times;
//   - no lost wake-up: every run ends with both threads through all rounds.
// Sequential consistency is the model (all JS Atomics are SeqCst). The old
// protocol - a lock-free CAS to zero, then a read of WAITERS, then LOCK to
// take the queue - must be caught (it woke a node queued for the next round).
import { describe, expect, it } from 'vitest';

type Protocol = 'locked-zero' | 'old';

interface State {
  counter: number;
  waiters: number;
  lock: number; // 0 free, 1 waiter thread, 2 doner thread
  queue: number[]; // node ids (the round that queued them)
  woken: number[]; // node ids woken
  zeroes: number; // times the counter reached zero
  ball: number; // rounds handed from the waiter to the doner
  w: { pc: string; round: number; node: number };
  d: { pc: string; round: number };
}

const ROUNDS = 3;

/** One step of the waiter (WaitGroup.waitSync, then add(1) and the ball), or null if it cannot move. */
function waiterStep(s: State, errors: string[]): State | null {
  const n = structuredClone(s);
  const w = n.w;
  const returned = (): void => {
    if (n.zeroes < w.round + 1) {
      errors.push(`round ${w.round}: wait returned after ${n.zeroes} zeroes (early return)`);
    }
    w.pc = 'rearm';
  };
  switch (w.pc) {
    case 'check': // if (COUNTER === 0) return
      if (n.counter === 0) returned();
      else w.pc = 'lock';
      return n;
    case 'lock': // ilock
      if (n.lock !== 0) return null;
      n.lock = 1;
      w.pc = 'count';
      return n;
    case 'count': // WAITERS += 1
      n.waiters++;
      w.pc = 'recheck';
      return n;
    case 'recheck': // COUNTER === 0: back out
      w.pc = n.counter === 0 ? 'uncount' : 'queue';
      return n;
    case 'uncount': // WAITERS -= 1; unlock; return
      n.waiters--;
      n.lock = 0;
      returned();
      return n;
    case 'queue': // push a node; unlock
      w.node = w.round;
      n.queue.push(w.node);
      n.lock = 0;
      w.pc = 'park';
      return n;
    case 'park': // parked until the node is woken
      if (!n.woken.includes(w.node)) return null;
      returned();
      return n;
    case 'rearm': // add(1): a plain CAS from zero (the counter is 0 here: the doner waits for the ball)
      n.counter++;
      w.pc = 'pass';
      return n;
    case 'pass':
      n.ball++;
      w.round++;
      w.pc = w.round < ROUNDS ? 'check' : 'end';
      return n;
    default:
      return null;
  }
}

/** One step of the doner (waits for the ball, then done()), or null if it cannot move. */
function donerStep(s: State, p: Protocol): State | null {
  const n = structuredClone(s);
  const d = n.d;
  const release = (): void => {
    n.waiters = 0;
    n.woken.push(...n.queue);
    n.queue = [];
  };
  const next = (): void => {
    d.round++;
    d.pc = d.round < ROUNDS ? 'ball' : 'end';
  };
  // The old protocol: CAS to zero, read WAITERS, then (if any) LOCK to take
  // the queue. The current one (toZero): LOCK, CAS to zero, take the queue.
  const old = p === 'old';
  switch (d.pc) {
    case 'ball': // the first done() needs no ball; the next ones wait for the waiter's re-arm
      if (n.ball < d.round) return null;
      d.pc = old ? 'cas' : 'lock';
      return n;
    case 'cas':
      n.counter--;
      n.zeroes++;
      d.pc = old ? 'readW' : 'release';
      return n;
    case 'readW':
      if (n.waiters > 0) d.pc = 'lock';
      else next();
      return n;
    case 'lock':
      if (n.lock !== 0) return null;
      n.lock = 2;
      d.pc = old ? 'release' : 'cas';
      return n;
    case 'release': // WAITERS = 0, take the queue (toZero: only if WAITERS > 0), unlock
      if (old || n.waiters > 0) release();
      n.lock = 0;
      next();
      return n;
    default:
      return null;
  }
}

function explore(p: Protocol): { states: number; errors: string[] } {
  const start: State = {
    counter: 1,
    waiters: 0,
    lock: 0,
    queue: [],
    woken: [],
    zeroes: 0,
    ball: 0,
    w: { pc: 'check', round: 0, node: -1 },
    d: { pc: 'ball', round: 0 },
  };
  const seen = new Set<string>();
  const errors: string[] = [];
  const stack: State[] = [start];
  while (stack.length > 0) {
    const s = stack.pop()!;
    const key = JSON.stringify(s);
    if (seen.has(key)) continue;
    seen.add(key);
    const nexts = [waiterStep(s, errors), donerStep(s, p)].filter((x): x is State => x !== null);
    if (nexts.length === 0 && (s.w.pc !== 'end' || s.d.pc !== 'end')) {
      errors.push(
        `stuck: waiter at ${s.w.pc} round ${s.w.round}, doner at ${s.d.pc} round ${s.d.round}`,
      );
    }
    stack.push(...nexts);
  }
  return { states: seen.size, errors: [...new Set(errors)] };
}

describe('WaitGroup release protocol (exhaustive interleavings)', () => {
  it('the counter reaches zero under LOCK: no early return, no lost wake-up', () => {
    const r = explore('locked-zero');
    expect(r.errors).toEqual([]);
    expect(r.states).toBeGreaterThan(100);
  });

  it('the old lock-free zero with a late release is caught: a node of the next round is woken', () => {
    const r = explore('old');
    expect(r.errors.some((e) => e.includes('early return'))).toBe(true);
  });
});
