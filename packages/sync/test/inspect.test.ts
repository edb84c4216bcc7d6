// Shared objects print and serialise sensibly (API.md): util.inspect shows
// one line (kind, id, state); JSON.stringify gives { kind, id, ...state }
// and never walks into the shared heap (it used to throw RangeError).
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  AtomicBool,
  AtomicInt32,
  AtomicInt64,
  Cond,
  Mutex,
  Once,
  RWMutex,
  Semaphore,
  WaitGroup,
} from '@gocsp/sync';

describe('inspect and JSON of sync objects', () => {
  it('one line each, with the state, and JSON that does not throw', async () => {
    const mu = new Mutex();
    await mu.lock();
    const wg = new WaitGroup();
    wg.add(2);
    const rw = new RWMutex();
    await rw.rLock();
    const sem = new Semaphore(3);
    await sem.acquire(2);
    const all = {
      mu,
      wg,
      rw,
      sem,
      once: new Once(),
      cond: new Cond(mu),
      a: new AtomicInt32(5),
      b: new AtomicInt64(7n),
      c: new AtomicBool(true),
    };
    const lines: Record<string, string> = {};
    for (const [k, v] of Object.entries(all)) lines[k] = inspect(v);
    for (const line of Object.values(lines)) expect(line).not.toContain('\n');
    expect(lines.mu).toBe(`Mutex { id: ${mu.id}, locked: true, starving: false, waiters: 0 }`);
    expect(lines.wg).toBe(`WaitGroup { id: ${wg.id}, count: 2, waiters: 0 }`);
    expect(lines.rw).toBe(`RWMutex { id: ${rw.id}, readers: 1, writer: false }`);
    expect(lines.sem).toBe(`Semaphore { id: ${sem.id}, size: 3, held: 2 }`);
    expect(lines.once).toMatch(/^Once \{ id: \d+, state: "idle" \}$/);
    expect(lines.cond).toMatch(/^Cond \{ id: \d+, waiting: false \}$/);
    expect(lines.a).toMatch(/^AtomicInt32 \{ id: \d+, value: 5 \}$/);
    expect(lines.b).toMatch(/^AtomicInt64 \{ id: \d+, value: "7" \}$/);
    expect(lines.c).toMatch(/^AtomicBool \{ id: \d+, value: true \}$/);
    const json = JSON.parse(JSON.stringify(all)) as Record<string, Record<string, unknown>>;
    expect(json.mu).toEqual({
      kind: 'Mutex',
      id: mu.id,
      locked: true,
      starving: false,
      waiters: 0,
    });
    expect(json.b).toEqual({ kind: 'AtomicInt64', id: all.b.id, value: '7' });
    expect(Object.values(json).map((j) => j.kind)).toEqual([
      'Mutex',
      'WaitGroup',
      'RWMutex',
      'Semaphore',
      'Once',
      'Cond',
      'AtomicInt32',
      'AtomicInt64',
      'AtomicBool',
    ]);
  });
});
