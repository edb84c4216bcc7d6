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
// Sequential consistency is the model (all JS Atomics are SeqCst).
// Protocols:
//   - 'flag' (the current one): STATE holds the counter and a QUEUED bit. A
//     waiter sets QUEUED by CAS under LOCK while the counter is not zero, then
//     queues. done() loads STATE; with QUEUED clear it CASes to zero
//     lock-free; with QUEUED set it takes LOCK, CASes to zero and takes the
//     queue before unlocking.
//   - 'locked' (the one before): every move to zero under LOCK.
//   - 'old' (the first one, which must be caught): a lock-free CAS to zero,
//     then a read of WAITERS, then LOCK to take the queue. It woke a node
//     queued for the next round.
//   - two mutants of 'flag', which must be caught (lost wake-ups): done()
//     ignoring QUEUED ('flag-blind-done'), and a waiter setting QUEUED
//     without its CAS's check of the word it read ('flag-blind-set').
import { describe, expect, it } from 'vitest';

type Protocol = 'flag' | 'locked' | 'old' | 'flag-blind-done' | 'flag-blind-set';
/** The flag protocol, or one of its mutants (each must be caught). */
const isFlag = (p: Protocol): boolean => p.startsWith('flag');

interface Word {
  counter: number;
  queued: boolean; // 'flag': the QUEUED bit of STATE
}

interface State extends Word {
  waiters: number;
  lock: number; // 0 free, 1 waiter thread, 2 doner thread
  queue: number[]; // node ids (the round that queued them)
  woken: number[]; // node ids woken
  zeroes: number; // times the counter reached zero
  ball: number; // rounds handed from the waiter to the doner
  w: { pc: string; round: number; node: number; seen: Word | null };
  d: { pc: string; round: number; seen: Word | null };
}

const ROUNDS = 3;

/** True if the word a thread read (`seen`) is still the word: its CAS would succeed. */
const same = (s: Word, seen: Word | null): boolean =>
  seen !== null && s.counter === seen.counter && s.queued === seen.queued;

/**
 * Depth-first search of every state reachable from `start`. `next` gives a
 * state's successors (one per thread that can move; it may push errors),
 * `stuck` describes a state where nobody can move before everybody ended
 * (undefined when all ended).
 */
function search<S>(
  start: S,
  next: (s: S, errors: string[]) => (S | null)[],
  stuck: (s: S) => string | undefined,
): { states: number; errors: string[] } {
  const seen = new Set<string>();
  const errors: string[] = [];
  const stack: S[] = [start];
  while (stack.length > 0) {
    const s = stack.pop()!;
    const key = JSON.stringify(s);
    if (seen.has(key)) continue;
    seen.add(key);
    const nexts = next(s, errors).filter((x): x is S => x !== null);
    if (nexts.length === 0) {
      const why = stuck(s);
      if (why !== undefined) errors.push(`stuck: ${why}`);
    }
    stack.push(...nexts);
  }
  return { states: seen.size, errors: [...new Set(errors)] };
}

/** One step of the waiter (WaitGroup.waitSync, then add(1) and the ball), or null if it cannot move. */
function waiterStep(s: State, p: Protocol, errors: string[]): State | null {
  const n = structuredClone(s);
  const w = n.w;
  const returned = (): void => {
    if (n.zeroes < w.round + 1) {
      errors.push(`round ${w.round}: wait returned after ${n.zeroes} zeroes (early return)`);
    }
    w.pc = 'rearm';
  };
  switch (w.pc) {
    case 'check': // if (count === 0) return
      if (n.counter === 0) returned();
      else w.pc = 'lock';
      return n;
    case 'lock': // ilock
      if (n.lock !== 0) return null;
      n.lock = 1;
      w.pc = isFlag(p) ? 'load' : 'count';
      return n;
    // 'flag': load STATE; back out at zero; else set QUEUED by CAS (retry on change)
    case 'load':
      w.seen = { counter: n.counter, queued: n.queued };
      w.pc = n.counter === 0 ? 'unlock' : n.queued ? 'queue' : 'setQueued';
      return n;
    case 'setQueued': // mutant 'flag-blind-set': sets the bit without the CAS's check
      if (p === 'flag-blind-set' || same(n, w.seen)) {
        n.queued = true;
        w.pc = 'queue';
      } else w.pc = 'load';
      return n;
    case 'unlock': // counter is zero: unlock; return
      n.lock = 0;
      returned();
      return n;
    // 'locked' and 'old': count in WAITERS, re-read the counter, back out at zero
    case 'count':
      n.waiters++;
      w.pc = 'recheck';
      return n;
    case 'recheck':
      w.pc = n.counter === 0 ? 'uncount' : 'queue';
      return n;
    case 'uncount': // WAITERS -= 1; unlock; return
      n.waiters--;
      n.lock = 0;
      returned();
      return n;
    case 'queue': // push a node ('flag': and count it); unlock
      w.node = w.round;
      n.queue.push(w.node);
      if (isFlag(p)) n.waiters++;
      n.lock = 0;
      w.pc = 'park';
      return n;
    case 'park': // parked until the node is woken
      if (!n.woken.includes(w.node)) return null;
      returned();
      return n;
    case 'rearm': // add(1): one CAS (the counter is 0 here: the doner waits for the ball)
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
  switch (d.pc) {
    case 'ball': // the first done() needs no ball; the next ones wait for the waiter's re-arm
      if (n.ball < d.round) return null;
      d.pc = isFlag(p) ? 'load' : p === 'old' ? 'oldCas' : 'lock';
      return n;
    // 'flag': load STATE; to zero with QUEUED set: LOCK, CAS, take the queue, unlock
    case 'load':
      d.seen = { counter: n.counter, queued: n.queued };
      // mutant 'flag-blind-done': never takes the locked path
      d.pc = n.counter === 1 && n.queued && p !== 'flag-blind-done' ? 'lock' : 'cas';
      return n;
    case 'cas': // lock-free CAS (QUEUED kept)
      if (!same(n, d.seen)) {
        d.pc = 'load';
        return n;
      }
      n.counter--;
      if (n.counter === 0) n.zeroes++;
      next();
      return n;
    case 'lock':
      if (n.lock !== 0) return null;
      n.lock = 2;
      d.pc = isFlag(p) ? 'lockedCas' : 'lockedDec';
      return n;
    case 'lockedCas': // CAS to zero clearing QUEUED, take the queue, unlock (or unlock and retry)
      if (same(n, d.seen)) {
        n.counter = 0;
        n.queued = false;
        n.zeroes++;
        release();
        next();
      } else d.pc = 'load';
      n.lock = 0;
      return n;
    // 'locked': LOCK, CAS to zero, take the queue if WAITERS > 0, unlock
    case 'lockedDec':
      n.counter--;
      n.zeroes++;
      d.pc = 'release';
      return n;
    case 'release':
      if (p === 'old' || n.waiters > 0) release();
      n.lock = 0;
      next();
      return n;
    // 'old': CAS to zero, read WAITERS, then (if any) LOCK to take the queue
    case 'oldCas':
      n.counter--;
      n.zeroes++;
      d.pc = 'readW';
      return n;
    case 'readW':
      d.pc = n.waiters > 0 ? 'oldLock' : 'done';
      if (d.pc === 'done') next();
      return n;
    case 'oldLock':
      if (n.lock !== 0) return null;
      n.lock = 2;
      d.pc = 'release';
      return n;
    default:
      return null;
  }
}

function explore(p: Protocol): { states: number; errors: string[] } {
  const start: State = {
    counter: 1,
    queued: false,
    waiters: 0,
    lock: 0,
    queue: [],
    woken: [],
    zeroes: 0,
    ball: 0,
    w: { pc: 'check', round: 0, node: -1, seen: null },
    d: { pc: 'ball', round: 0, seen: null },
  };
  return search(
    start,
    (s, errors) => [waiterStep(s, p, errors), donerStep(s, p)],
    (s) =>
      s.w.pc === 'end' && s.d.pc === 'end'
        ? undefined
        : `waiter at ${s.w.pc} round ${s.w.round}, doner at ${s.d.pc} round ${s.d.round}`,
  );
}

describe('WaitGroup release protocol (exhaustive interleavings)', () => {
  it('a QUEUED bit beside the counter, the move to zero under LOCK only when it is set: no early return, no lost wake-up', () => {
    const r = explore('flag');
    expect(r.errors).toEqual([]);
    expect(r.states).toBeGreaterThan(100);
  });

  it('every move to zero under LOCK (the protocol before): no early return, no lost wake-up', () => {
    const r = explore('locked');
    expect(r.errors).toEqual([]);
    expect(r.states).toBeGreaterThan(100);
  });

  it('the old lock-free zero with a late release is caught: a node of the next round is woken', () => {
    const r = explore('old');
    expect(r.errors.some((e) => e.includes('early return'))).toBe(true);
  });

  it.each(['flag-blind-done', 'flag-blind-set'] as const)(
    'a mutant of the flag protocol (%s) is caught: a waiter is never woken',
    (p) => {
      const r = explore(p);
      expect(r.errors.some((e) => e.startsWith('stuck'))).toBe(true);
    },
  );
});

// The same flag protocol with two waiters and two doners, one round: the
// counter starts at 2, each doner calls done() once (racing CASes, one of
// which may take the locked path), each waiter blocks until zero. Checks:
// a waiter returns only after the counter reached zero, nobody is stuck.
interface Group {
  counter: number;
  queued: boolean;
  lock: number; // 0 free, else the holder's id
  queue: number[]; // waiter ids
  woken: number[];
  zeroes: number;
  ws: { pc: string; seen: Word | null }[];
  ds: { pc: string; seen: Word | null }[];
}

function groupWaiter(s: Group, i: number, p: Protocol, errors: string[]): Group | null {
  const n = structuredClone(s);
  const w = n.ws[i]!;
  const id = 10 + i;
  const returned = (): void => {
    if (n.zeroes < 1) errors.push(`waiter ${i} returned before the counter reached zero`);
    w.pc = 'end';
  };
  switch (w.pc) {
    case 'check':
      if (n.counter === 0) returned();
      else w.pc = 'lock';
      return n;
    case 'lock':
      if (n.lock !== 0) return null;
      n.lock = id;
      w.pc = 'load';
      return n;
    case 'load':
      w.seen = { counter: n.counter, queued: n.queued };
      w.pc = n.counter === 0 ? 'unlock' : n.queued ? 'queue' : 'setQueued';
      return n;
    case 'setQueued':
      if (p === 'flag-blind-set' || same(n, w.seen)) {
        n.queued = true;
        w.pc = 'queue';
      } else w.pc = 'load';
      return n;
    case 'unlock':
      n.lock = 0;
      returned();
      return n;
    case 'queue':
      n.queue.push(id);
      n.lock = 0;
      w.pc = 'park';
      return n;
    case 'park':
      if (!n.woken.includes(id)) return null;
      returned();
      return n;
    default:
      return null;
  }
}

function groupDoner(s: Group, i: number, p: Protocol): Group | null {
  const n = structuredClone(s);
  const d = n.ds[i]!;
  const id = 20 + i;
  switch (d.pc) {
    case 'load':
      d.seen = { counter: n.counter, queued: n.queued };
      d.pc = n.counter === 1 && n.queued && p !== 'flag-blind-done' ? 'lock' : 'cas';
      return n;
    case 'cas':
      if (!same(n, d.seen)) {
        d.pc = 'load';
        return n;
      }
      n.counter--;
      if (n.counter === 0) n.zeroes++;
      d.pc = 'end';
      return n;
    case 'lock':
      if (n.lock !== 0) return null;
      n.lock = id;
      d.pc = 'lockedCas';
      return n;
    case 'lockedCas':
      if (same(n, d.seen)) {
        n.counter = 0;
        n.queued = false;
        n.zeroes++;
        n.woken.push(...n.queue);
        n.queue = [];
        d.pc = 'end';
      } else d.pc = 'load';
      n.lock = 0;
      return n;
    default:
      return null;
  }
}

function exploreGroup(p: Protocol): { states: number; errors: string[] } {
  const start: Group = {
    counter: 2,
    queued: false,
    lock: 0,
    queue: [],
    woken: [],
    zeroes: 0,
    ws: [0, 1].map(() => ({ pc: 'check', seen: null })),
    ds: [0, 1].map(() => ({ pc: 'load', seen: null })),
  };
  return search(
    start,
    (s, errors) => [
      groupWaiter(s, 0, p, errors),
      groupWaiter(s, 1, p, errors),
      groupDoner(s, 0, p),
      groupDoner(s, 1, p),
    ],
    (s) =>
      [...s.ws, ...s.ds].every((t) => t.pc === 'end')
        ? undefined
        : `waiters at ${s.ws.map((w) => w.pc).join(', ')}`,
  );
}

describe('WaitGroup flag protocol, two waiters and two racing done() calls (exhaustive)', () => {
  it('every waiter returns after the counter reached zero; nobody is stuck', () => {
    const r = exploreGroup('flag');
    expect(r.errors).toEqual([]);
    expect(r.states).toBeGreaterThan(1000);
  });

  it.each(['flag-blind-done', 'flag-blind-set'] as const)('the mutant %s is caught', (p) => {
    expect(exploreGroup(p).errors.some((e) => e.startsWith('stuck'))).toBe(true);
  });
});
