// Exhaustive interleaving check of the array flavor's protocol
// (src/internal/flavors/array.ts): senders, receivers and a closer are
// written as state machines whose steps are the code's shared-memory
// accesses, one atomic action each (loads of HEAD / TAIL / a stamp, the CASes,
// the publish and release stores, the waiter-flag loads, and each LOCK'd
// section of the slow paths, split where the code touches the ring inside
// it). A depth-first search visits every reachable state of small
// configurations and checks, wherever no step can run any more:
//   - no lost wake-up: a parked receiver only with the ring empty and open,
//     a parked sender only with it full and open;
//   - exactly once: what was received, plus what is left in the ring, is
//     exactly what was sent; a send that failed (closed) delivered nothing;
//   - FIFO: each receiver sees each sender's values in the order sent.
// Sequential consistency is the model (all JS Atomics are SeqCst). A
// deliberately broken variant (the waiter flag read before the publish)
// must be caught, so the search is known to bite.
import { describe, expect, it } from 'vitest';

const RETRY = 3;
const DELIVERED = 1;
const CLOSED = 2;

interface Node {
  queued: boolean;
  woken: boolean;
  outcome: number;
  value: number;
}

interface Thread {
  kind: 'send' | 'recv' | 'close';
  pc: string;
  /** Sender: values still to send. Receiver: receives left. */
  todo: number[];
  left: number;
  got: number[];
  sent: number[];
  failed: number[];
  /** Registers of the step sequence in progress. */
  t: number;
  h: number;
  slot: number;
  v: number;
  /** Receiver serving a parked sender: that sender's thread index. */
  peer: number;
  node: Node | null;
  closedSeen: boolean;
}

interface State {
  head: number;
  tail: number;
  mark: boolean;
  /** CLOSED_WORD: close raises it before MARK; a blocking claim reads TAIL only once it is up. */
  cw: boolean;
  stamps: number[];
  vals: number[];
  rw: number;
  sw: number;
  lock: number;
  recvq: number[];
  sendq: number[];
  th: Thread[];
}

interface Config {
  cap: number;
  senders: number[][];
  receivers: number[];
  closer: boolean;
  /** A bug to plant: read R_WAITING before publishing. */
  flagBeforePublish?: boolean;
  /** A bug to plant: a receiver parks without re-checking the ring after it queued. */
  noRecheck?: boolean;
  /** A bug to plant: a blocking claim never reads TAIL (no CLOSED_WORD hint), so it cannot see CLOSED. */
  quietForever?: boolean;
  /** A bug to plant: close tells parked receivers CLOSED instead of RETRY. */
  closeSaysClosed?: boolean;
}

function oneLap(cap: number): number {
  let mark = 1;
  while (mark < cap + 1) mark *= 2;
  return mark * 2;
}

function initial(c: Config): State {
  const thread = (kind: Thread['kind'], todo: number[], left: number): Thread => ({
    kind,
    pc: 'start',
    todo,
    left,
    got: [],
    sent: [],
    failed: [],
    t: 0,
    h: 0,
    slot: 0,
    v: 0,
    peer: -1,
    node: null,
    closedSeen: false,
  });
  return {
    head: 0,
    tail: 0,
    mark: false,
    cw: false,
    stamps: Array.from({ length: c.cap }, (_, i) => i),
    vals: new Array<number>(c.cap).fill(0),
    rw: 0,
    sw: 0,
    lock: -1,
    recvq: [],
    sendq: [],
    th: [
      ...c.senders.map((vs) => thread('send', vs, 0)),
      ...c.receivers.map((n) => thread('recv', [], n)),
      ...(c.closer ? [{ ...thread('close', [], 0), pc: 'cw' }] : []),
    ],
  };
}

/** One step of thread `i` in `s` (mutated), or false if it cannot run now. */
function step(c: Config, s: State, i: number): boolean {
  const L = oneLap(c.cap);
  const idx = (p: number): number => p % L;
  const next = (p: number): number => (idx(p) + 1 < c.cap ? p + 1 : p - idx(p) + L);
  const me = s.th[i]!;
  const lock = (): boolean => {
    if (s.lock !== -1) return false;
    s.lock = i;
    return true;
  };
  const go = (pc: string): true => {
    me.pc = pc;
    return true;
  };
  /** popWaiter: the first node of a queue (all live, no selects in this model). */
  const pop = (q: number[], count: 'rw' | 'sw'): number => {
    const k = q.shift();
    if (k === undefined) return -1;
    s[count]--;
    s.th[k]!.node!.queued = false;
    return k;
  };
  const settle = (k: number, outcome: number): void => {
    const n = s.th[k]!.node!;
    n.outcome = outcome;
    n.woken = true;
  };
  switch (me.kind) {
    case 'send':
      switch (me.pc) {
        case 'start':
          if (me.todo.length === 0) return go('done');
          me.v = me.todo[0]!;
          return go(c.flagBeforePublish ? 'early-rw' : 'ld-tail');
        case 'early-rw': // the bug: flag read before the publish
          me.peer = s.rw;
          return go('ld-tail');
        // reserve(): TAIL, the stamp, the CAS
        case 'ld-tail':
          me.t = s.tail;
          if (s.mark) {
            me.failed.push(...me.todo);
            me.todo = [];
            return go('done');
          }
          return go('ld-stamp');
        case 'ld-stamp': {
          const st = s.stamps[idx(me.t)]!;
          if (st === me.t) return go('cas-tail');
          if (st + L === me.t + 1) return go('full'); // full, or its receiver is releasing it
          return go('ld-tail'); // stale
        }
        case 'cas-tail':
          if (s.tail !== me.t || s.mark) return go('ld-tail');
          s.tail = next(me.t);
          me.slot = idx(me.t);
          return go('put');
        case 'put':
          s.vals[me.slot] = me.v;
          return go('publish');
        case 'publish':
          s.stamps[me.slot] = me.t + 1;
          return go(c.flagBeforePublish ? 'check-rw' : 'ld-rw');
        case 'ld-rw':
          me.peer = s.rw;
          return go('check-rw');
        case 'check-rw':
          return go(me.peer > 0 ? 'wake-lock' : 'sent');
        // wakeReceiver(): LOCK, pop, RETRY, unlock
        case 'wake-lock':
          return lock() && go('wake-pop');
        case 'wake-pop': {
          const r = pop(s.recvq, 'rw');
          if (r >= 0) settle(r, RETRY);
          s.lock = -1;
          return go('sent');
        }
        case 'sent':
          me.sent.push(me.todo.shift()!);
          return go('start');
        // Full: queue a node holding the value, re-check, park.
        case 'full':
          return lock() && go('enqueue');
        case 'enqueue':
          me.node = { queued: true, woken: false, outcome: 0, value: me.v };
          s.sendq.push(i);
          s.sw++;
          s.lock = -1;
          return go('rdy-tail');
        case 'rdy-tail': // sendReady()
          me.t = s.tail;
          return go(s.mark ? 'cancel-lock' : 'rdy-stamp');
        case 'rdy-stamp': {
          const st = s.stamps[idx(me.t)]!;
          if (st === me.t) return go('cancel-lock');
          if (st + L === me.t + 1) return go('park');
          return go('rdy-tail');
        }
        case 'cancel-lock':
          return lock() && go('cancel');
        case 'cancel': {
          const n = me.node!;
          s.lock = -1;
          if (n.queued && !n.woken) {
            s.sendq.splice(s.sendq.indexOf(i), 1);
            s.sw--;
            me.node = null;
            return go('ld-tail'); // pushWord: the same steps with the node's value
          }
          return go('woken');
        }
        case 'park':
          return me.node!.woken && go('woken');
        case 'woken': {
          const { outcome } = me.node!;
          me.node = null;
          if (outcome === DELIVERED) return go('sent');
          if (outcome === CLOSED) {
            me.failed.push(...me.todo);
            me.todo = [];
            return go('done');
          }
          return go('ld-tail'); // RETRY: pushWord again
        }
      }
      break;
    case 'recv':
      switch (me.pc) {
        case 'start':
          if (me.left === 0 || me.closedSeen) return go('done');
          return go('ld-head');
        // claim(quiet): HEAD, the stamp, (CLOSED_WORD, TAIL), the CAS
        case 'ld-head':
          me.h = s.head;
          return go('ld-stamp');
        case 'ld-stamp': {
          const st = s.stamps[idx(me.h)]!;
          if (st === me.h + 1) return go('cas-head');
          if (st === me.h) return go('ld-cw');
          return go('ld-head');
        }
        case 'ld-cw': // quiet: TAIL's line is left alone until a close has begun
          return go(s.cw && !c.quietForever ? 'ld-tail' : 'empty');
        case 'ld-tail':
          if (s.tail === me.h && s.mark) {
            me.closedSeen = true;
            return go('done');
          }
          return go('empty'); // empty, or a sender still writing the slot (BUSY)
        case 'cas-head':
          if (s.head !== me.h) return go('ld-head');
          s.head = next(me.h);
          me.slot = idx(me.h);
          return go('take');
        case 'take':
          me.v = s.vals[me.slot]!;
          return go('release');
        case 'release':
          s.stamps[me.slot] = me.h + L;
          return go('ld-sw');
        case 'ld-sw':
          return go(s.sw > 0 ? 'serve-lock' : 'got');
        // serveSender(): LOCK, pop, reserve (TAIL, stamp, CAS) for its value, settle
        case 'serve-lock':
          return lock() && go('serve-pop');
        case 'serve-pop':
          me.peer = pop(s.sendq, 'sw');
          if (me.peer < 0) {
            s.lock = -1;
            return go('got');
          }
          return go('serve-tail');
        case 'serve-tail':
          me.t = s.tail;
          if (s.mark) return go('serve-retry');
          return go('serve-stamp');
        case 'serve-stamp': {
          const st = s.stamps[idx(me.t)]!;
          if (st === me.t) return go('serve-cas');
          if (st + L === me.t + 1) return go('serve-retry');
          return go('serve-tail');
        }
        case 'serve-cas':
          if (s.tail !== me.t || s.mark) return go('serve-tail');
          s.tail = next(me.t);
          s.vals[idx(me.t)] = s.th[me.peer]!.node!.value;
          return go('serve-publish');
        case 'serve-publish':
          s.stamps[idx(me.t)] = me.t + 1;
          settle(me.peer, DELIVERED);
          s.lock = -1;
          return go('serve-rw');
        case 'serve-retry':
          settle(me.peer, RETRY);
          s.lock = -1;
          return go('got');
        case 'serve-rw':
          return go(s.rw > 0 ? 'wake-lock' : 'got');
        case 'wake-lock':
          return lock() && go('wake-pop');
        case 'wake-pop': {
          const r = pop(s.recvq, 'rw');
          if (r >= 0) settle(r, RETRY);
          s.lock = -1;
          return go('got');
        }
        case 'got':
          me.got.push(me.v);
          me.left--;
          return go('start');
        // Empty: queue a node, re-check, park.
        case 'empty':
          return lock() && go('enqueue');
        case 'enqueue':
          me.node = { queued: true, woken: false, outcome: 0, value: 0 };
          s.recvq.push(i);
          s.rw++;
          s.lock = -1;
          return go(c.noRecheck ? 'park' : 'rdy-head');
        case 'rdy-head': // recvReady()
          me.h = s.head;
          return go('rdy-stamp');
        case 'rdy-stamp': {
          const st = s.stamps[idx(me.h)]!;
          if (st === me.h + 1) return go('cancel-lock');
          if (st === me.h) return go('rdy-tail');
          return go('rdy-head');
        }
        case 'rdy-tail':
          return go(s.mark ? 'cancel-lock' : 'park');
        case 'cancel-lock':
          return lock() && go('cancel');
        case 'cancel': {
          const n = me.node!;
          s.lock = -1;
          if (n.queued && !n.woken) {
            s.recvq.splice(s.recvq.indexOf(i), 1);
            s.rw--;
            me.node = null;
            return go('ld-head');
          }
          return go('woken');
        }
        case 'park':
          return me.node!.woken && go('woken');
        case 'woken': {
          const { outcome } = me.node!;
          me.node = null; // a receiver is only ever told RETRY (but for the planted bug)
          if (outcome === CLOSED) {
            me.closedSeen = true;
            return go('done');
          }
          return go('ld-head');
        }
      }
      break;
    case 'close':
      switch (me.pc) {
        case 'cw': // Atomics.store(CLOSED_WORD, 1)
          s.cw = true;
          return go('mark');
        case 'mark': // Atomics.or(TAIL, MARK)
          s.mark = true;
          return go('lock');
        case 'lock':
          return lock() && go('sweep');
        case 'sweep':
          for (let r = pop(s.recvq, 'rw'); r >= 0; r = pop(s.recvq, 'rw')) {
            settle(r, c.closeSaysClosed ? CLOSED : RETRY);
          }
          for (let k = pop(s.sendq, 'sw'); k >= 0; k = pop(s.sendq, 'sw')) settle(k, CLOSED);
          s.lock = -1;
          return go('done');
      }
      break;
  }
  return false; // 'done', or a pc of another kind
}

/**
 * Steps that touch nothing another thread reads or writes (a slot's value
 * words while the slot is its own, its own registers, its node after its
 * wake): they commute with every other step, so they run at once, after the
 * step before them (the classic reduction; it keeps every distinct outcome).
 */
const LOCAL = new Set(['start', 'sent', 'got', 'check-rw', 'put', 'take', 'woken']);

/** Runs thread `i`'s local steps; clears registers no later step reads. */
function settleLocal(c: Config, s: State, i: number): void {
  const t = s.th[i]!;
  while (LOCAL.has(t.pc) && step(c, s, i));
  if (t.pc === 'start' || t.pc === 'done' || t.pc === 'park' || t.pc.endsWith('lock')) {
    if (t.pc !== 'serve-lock' && t.pc !== 'wake-lock') t.peer = -1;
    t.h = 0;
    t.slot = 0;
    if (t.kind === 'recv' && t.pc !== 'wake-lock' && t.pc !== 'serve-lock') t.v = 0;
    if (t.kind === 'send' || t.pc !== 'serve-lock') t.t = 0;
  }
}

/** Values left in the ring, head first. */
function inRing(c: Config, s: State): number[] {
  const L = oneLap(c.cap);
  const out: number[] = [];
  for (let p = s.head; ;) {
    const i = p % L;
    if (s.stamps[i] !== p + 1) break;
    out.push(s.vals[i]!);
    p = i + 1 < c.cap ? p + 1 : p - i + L;
  }
  return out;
}

/** Checks a state where no step can run; returns what is wrong, or undefined. */
function checkEnd(c: Config, s: State): string | undefined {
  const L = oneLap(c.cap);
  const ring = inRing(c, s);
  for (const t of s.th) {
    if (t.pc === 'done') continue;
    if (t.pc !== 'park') return `thread stuck at ${t.pc}`;
    if (t.kind === 'recv' && (ring.length > 0 || s.mark)) {
      return `lost wake-up: a receiver sleeps with ${ring.length} value(s) in the ring${s.mark ? ', closed' : ''}`;
    }
    if (t.kind === 'send') {
      const free = s.stamps[s.tail % L] === s.tail;
      if (free || s.mark)
        return `lost wake-up: a sender sleeps with room in the ring${s.mark ? ', closed' : ''}`;
    }
  }
  // A receiver that saw "closed" saw it drained: nothing can come after.
  if (ring.length > 0 && s.th.some((t) => t.closedSeen)) {
    return `a receiver saw the channel closed with ${ring.length} value(s) still to drain`;
  }
  const sent = s.th.flatMap((t) => t.sent).sort((a, b) => a - b);
  const got = [...s.th.flatMap((t) => t.got), ...ring].sort((a, b) => a - b);
  if (JSON.stringify(sent) !== JSON.stringify(got)) {
    return `sent ${JSON.stringify(sent)} but received ${JSON.stringify(got)}`;
  }
  const failed = new Set(s.th.flatMap((t) => t.failed));
  for (const t of s.th) {
    for (const v of t.got) if (failed.has(v)) return `a failed send delivered ${v}`;
  }
  // FIFO: each sender's values, as one receiver sees them, in the order sent.
  const order = new Map<number, [number, number]>();
  s.th.forEach((t, k) => c.senders[k]?.forEach((v, j) => order.set(v, [k, j])));
  for (const t of s.th) {
    const last = new Map<number, number>();
    for (const v of t.got) {
      const [k, j] = order.get(v)!;
      if ((last.get(k) ?? -1) > j) return `FIFO broken: ${v} received after a later value`;
      last.set(k, j);
    }
  }
  return undefined;
}

function cloneThread(t: Thread): Thread {
  return {
    ...t,
    todo: t.todo.slice(),
    got: t.got.slice(),
    sent: t.sent.slice(),
    failed: t.failed.slice(),
    node: t.node && { ...t.node },
  };
}

function clone(s: State): State {
  return {
    ...s,
    stamps: s.stamps.slice(),
    vals: s.vals.slice(),
    recvq: s.recvq.slice(),
    sendq: s.sendq.slice(),
    th: s.th.map(cloneThread),
  };
}

/** A state's identity: what a later step can read (registers only where live). */
function keyOf(s: State): string {
  let k = `${s.head},${s.tail},${+s.mark},${+s.cw},${s.stamps.join('.')},${s.vals.join('.')},${s.rw},${s.sw},${s.lock},${s.recvq.join('.')},${s.sendq.join('.')}`;
  for (const t of s.th) {
    const n = t.node;
    k += `|${t.pc},${t.todo.join('.')},${t.left},${t.got.join('.')},${t.sent.join('.')},${t.failed.join('.')},${t.t},${t.h},${t.slot},${t.v},${t.peer},${+t.closedSeen}`;
    if (n) k += `,${+n.queued}${+n.woken}${n.outcome}${n.value}`;
  }
  return k;
}

/**
 * Depth-first search of every interleaving; the first violation, or the
 * state count. Besides the end states' checks, every state must still be
 * able to reach an end state (no livelock: a thread looping for good while
 * the others are done or parked).
 */
function explore(c: Config): { states: number; error?: string; trace?: string[] } {
  const parent = new Map<string, [string, string] | null>();
  /** Each state's successors, by state number (numbers: order of discovery). */
  const ids = new Map<string, number>();
  const succ: number[][] = [];
  const idOf = (k: string): number => {
    let id = ids.get(k);
    if (id === undefined) {
      id = succ.length;
      ids.set(k, id);
      succ.push([]);
    }
    return id;
  };
  const ended: number[] = [];
  const start = initial(c);
  for (let i = 0; i < start.th.length; i++) settleLocal(c, start, i);
  const startKey = keyOf(start);
  parent.set(startKey, null);
  const stack: [State, string][] = [[start, startKey]];
  while (stack.length > 0) {
    const [s, key] = stack.pop()!;
    const id = idOf(key);
    let moved = false;
    for (let i = 0; i < s.th.length; i++) {
      const n = clone(s);
      if (!step(c, n, i)) continue;
      settleLocal(c, n, i);
      moved = true;
      const nk = keyOf(n);
      succ[id]!.push(idOf(nk));
      if (parent.has(nk)) continue;
      parent.set(nk, [key, `${s.th[i]!.kind}${i}:${s.th[i]!.pc}`]);
      stack.push([n, nk]);
    }
    if (!moved) {
      ended.push(id);
      const error = checkEnd(c, s);
      if (error !== undefined) {
        const trace: string[] = [];
        for (let p = parent.get(key); p; p = parent.get(p[0])) trace.unshift(p[1]);
        return { states: parent.size, error, trace };
      }
    }
  }
  // Backwards from the end states: whatever cannot reach one is a livelock.
  const pred: number[][] = succ.map(() => []);
  succ.forEach((out, from) => out.forEach((to) => pred[to]!.push(from)));
  const canEnd = new Uint8Array(succ.length);
  const todo = [...ended];
  for (const e of ended) canEnd[e] = 1;
  while (todo.length > 0) {
    for (const p of pred[todo.pop()!]!) {
      if (canEnd[p] === 0) {
        canEnd[p] = 1;
        todo.push(p);
      }
    }
  }
  const stuck = canEnd.indexOf(0);
  if (stuck >= 0) {
    const key = [...ids].find(([, v]) => v === stuck)![0];
    const trace: string[] = [];
    for (let p = parent.get(key); p; p = parent.get(p[0])) trace.unshift(p[1]);
    return {
      states: parent.size,
      error: 'livelock: a state from which no end state is reachable',
      trace,
    };
  }
  return { states: parent.size };
}

const CONFIGS: [string, Config][] = [
  [
    'cap 1: one sender of 2, one receiver of 2',
    { cap: 1, senders: [[1, 2]], receivers: [2], closer: false },
  ],
  [
    'cap 1: two senders, two receivers',
    { cap: 1, senders: [[1], [2]], receivers: [1, 1], closer: false },
  ],
  [
    'cap 1: one sender of 2, one receiver of 2, close racing',
    { cap: 1, senders: [[1, 2]], receivers: [2], closer: true },
  ],
  [
    'cap 2: one sender of 3, one receiver of 3',
    { cap: 2, senders: [[1, 2, 3]], receivers: [3], closer: false },
  ],
  [
    'cap 1: a sender of 3 against a receiver of 1 (the sender parks for good), close racing',
    { cap: 1, senders: [[1, 2, 3]], receivers: [1], closer: true },
  ],
  [
    'cap 1: two receivers parked, one value, close racing',
    { cap: 1, senders: [[1]], receivers: [1, 1], closer: true },
  ],
];

/** Larger ones (tens of seconds each): under GOCSP_STRESS only. */
const STRESS_CONFIGS: [string, Config][] = [
  [
    'cap 1: one sender of 2, two receivers, close racing',
    { cap: 1, senders: [[1, 2]], receivers: [2, 2], closer: true },
  ],
  [
    'cap 2: two senders, one receiver, close racing',
    { cap: 2, senders: [[1, 2], [3]], receivers: [3], closer: true },
  ],
];

const STRESSED = Number(process.env.GOCSP_STRESS ?? 1) > 1;

describe('array flavor protocol: every interleaving of small configurations', () => {
  for (const [name, c] of [...CONFIGS, ...(STRESSED ? STRESS_CONFIGS : [])]) {
    it(name, () => {
      const r = explore(c);
      expect(r.error, r.trace?.slice(-40).join(' ')).toBeUndefined();
      expect(r.states).toBeGreaterThan(50);
    });
  }

  // The search bites: each planted bug is found.
  it('finds the lost wake-up of a waiter flag read before the publish', () => {
    const r = explore({
      cap: 1,
      senders: [[1]],
      receivers: [1],
      closer: false,
      flagBeforePublish: true,
    });
    expect(r.error).toMatch(/lost wake-up/);
  });

  it('finds the lost wake-up of a receiver that parks without re-checking', () => {
    const r = explore({ cap: 1, senders: [[1]], receivers: [1], closer: false, noRecheck: true });
    expect(r.error).toMatch(/lost wake-up/);
  });

  it('finds the livelock of a blocking claim that never reads TAIL (closed, drained)', () => {
    const r = explore({ cap: 1, senders: [[1]], receivers: [2], closer: true, quietForever: true });
    expect(r.error).toMatch(/livelock/);
  });

  it('finds the close that tells a parked receiver "closed" before it drained the ring', () => {
    const r = explore({
      cap: 1,
      senders: [[1]],
      receivers: [1],
      closer: true,
      closeSaysClosed: true,
    });
    expect(r.error).toMatch(/closed with 1 value/);
  });
});
