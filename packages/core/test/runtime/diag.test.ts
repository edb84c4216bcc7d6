// The goroutine dump (runtime/diag.ts): runtime.goroutines() / runtime.dump(),
// the dump in DeadlockError, SIGQUIT, GOCSP_TRACEBACK=none, deadlock
// detection with hand-made workers, source maps. Every scenario runs in a
// child process (they deadlock, signal or exit); the fixtures mark the lines
// the dump must name with `// LINE: <marker>` comments.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import type { GoroutineInfo } from '@gocsp/core';
import { fixtureLine, lastJson, runNode, type ChildResult } from './util.js';

const DEADLOCK = 'all goroutines are asleep - deadlock!';

interface Settled {
  value?: unknown;
  name?: string;
  isDeadlock?: boolean;
  message?: string;
  goroutines?: GoroutineInfo[];
  ms?: number;
  worker?: number;
}

/** A `file:line:col` in fixtures/<file> at the line of `marker`. */
const at = (file: string, marker: string, lineFile = file): RegExp =>
  new RegExp(
    `[\\\\/]fixtures[\\\\/]${file.replace('.', '\\.')}:${fixtureLine(lineFile, marker)}:\\d+$`,
  );

/** The one goroutine in `gs` in `state` (fails if there is not exactly one). */
function one(gs: GoroutineInfo[], state: string): GoroutineInfo {
  const found = gs.filter((g) => g.state === state);
  if (found.length !== 1) {
    throw new Error(`expected one goroutine [${state}], got ${JSON.stringify(gs, null, 1)}`);
  }
  return found[0]!;
}

/** Runs fixtures/dump.mjs in SIGQUIT mode: waits for "ready", sends SIGQUIT, collects. */
function runSigquit(mode: string, env: Record<string, string> = {}): Promise<ChildResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const p = spawn(
      process.execPath,
      [fileURLToPath(new URL('./fixtures/dump.mjs', import.meta.url)), mode],
      {
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
        env: { ...process.env, ...env },
      },
    );
    let stdout = '';
    let stderr = '';
    let sent = false;
    const kill = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (!sent && stdout.includes('ready')) {
        sent = true;
        p.kill('SIGQUIT');
      }
    });
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.on('close', (code, signal) => {
      clearTimeout(kill);
      resolve({ code, signal, timedOut: false, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

/** Checks the four blocked goroutines of fixtures/dump.mjs. */
function expectFourBlocked(gs: GoroutineInfo[], expect: typeof import('vitest').expect): void {
  const f = 'dump.mjs';
  const cases: [string, string, string, RegExp][] = [
    ['chan receive', 'chan', 'chan', /^chan \d+ \(cap 0, len 0\)$/],
    ['sync.Mutex.Lock', 'mutex', 'mutex', /^Mutex \d+$/],
    ['sync.WaitGroup.Wait', 'waitgroup', 'waitgroup', /^WaitGroup \d+$/],
    ['select', 'go select', 'select', /^chan \d+ \(cap 1, len 0\), chan \d+ \(cap 0, len 0\)$/],
  ];
  const goroutines = gs.filter((g) => g.id !== 1);
  for (const [state, created, blocked, object] of cases) {
    const g = one(goroutines, state);
    expect(g.id, state).toBeGreaterThanOrEqual(2); // goroutine 1 is main's, as in Go
    expect(g.createdBy, state).toMatch(at(f, created));
    expect(g.creator, state).toBe('main');
    expect(g.blockedAt, state).toMatch(at(f, blocked));
    expect(g.object, state).toMatch(object);
    expect(g.fn).toBe('anonymous');
    expect(g.p).toBeTypeOf('number');
    if (g.waitingMs !== undefined) expect(g.waitingMs).toBeGreaterThanOrEqual(0);
  }
  const ids = goroutines.map((g) => g.id);
  expect(new Set(ids).size).toBe(ids.length);
}

describe.concurrent('the goroutine dump (child processes)', () => {
  it('a deadlock: DeadlockError carries every goroutine - state, object, blockedAt, createdBy - and ends with the dump', async ({
    expect,
  }) => {
    const r = await runNode('dump.mjs', { args: ['deadlock'] });
    expect(r.code, r.stderr).toBe(0);
    const out = lastJson<Settled>(r);
    expect(out).toMatchObject({ name: 'DeadlockError', isDeadlock: true });
    const gs = out.goroutines!;
    expectFourBlocked(gs, expect);
    const main = gs.find((g) => g.id === 1)!;
    expect(main).toMatchObject({ state: 'chan receive', fn: 'main', thread: 0 });
    expect(main.blockedAt).toMatch(at('dump.mjs', 'main'));
    expect(main.object).toMatch(/^chan \d+ \(cap 0, len 0\)$/);
    // Go's sentence, a blank line, then one block per goroutine.
    expect(out.message!.startsWith(`${DEADLOCK}\n\ngoroutine 1 [chan receive]:\nmain()\n`)).toBe(
      true,
    );
    for (const g of gs) expect(out.message).toContain(`goroutine ${g.id} [${g.state}]:`);
  });

  it('runtime.goroutines() and runtime.dump() while goroutines block: the text format', async ({
    expect,
  }) => {
    const r = await runNode('dump.mjs', { args: ['dump'] });
    expect(r.code, r.stderr).toBe(0);
    const out = lastJson<{ goroutines: GoroutineInfo[]; text: string }>(r);
    expectFourBlocked(out.goroutines, expect);
    expect(out.goroutines[0]).toMatchObject({ id: 1, state: 'running', fn: 'main' });
    const blocks = out.text.split('\n\n');
    expect(blocks).toHaveLength(out.goroutines.length);
    expect(blocks[0]).toBe('goroutine 1 [running]:\nmain()\n\ton thread 0');
    const g = one(out.goroutines, 'sync.Mutex.Lock');
    const block = blocks.find((b) => b.startsWith(`goroutine ${g.id} [`));
    expect(block).toBe(
      [
        `goroutine ${g.id} [sync.Mutex.Lock]:`,
        'anonymous(...)',
        `\t${g.blockedAt!}`,
        `\twaiting on ${g.object!}`,
        `\ton thread ${g.thread}, P ${g.p!}`,
        `created by main at ${g.createdBy!}`,
      ].join('\n'),
    );
    for (const b of blocks) {
      const lines = b.split('\n');
      expect(lines[0]).toMatch(/^goroutine \d+ \[[^\]]+\]:$/);
      expect(lines[1]).toMatch(/^(main\(\)|\S+\(\.\.\.\))$/);
      for (const l of lines.slice(2, -1)) expect(l).toMatch(/^\t/);
      const last = lines[lines.length - 1]!;
      if (!last.startsWith('\t')) expect(last).toMatch(/^created by \S+ at \S+:\d+:\d+$/);
    }
  });

  it("every kind of wait with Go's wait reason, its object and its line (main thread's pending operations, a spawned goroutine)", async ({
    expect,
  }) => {
    const r = await runNode('reasons.mjs');
    expect(r.code, r.stderr).toBe(0);
    const gs = lastJson<GoroutineInfo[]>(r);
    const main = gs.filter((g) => g.id === 1);
    const cases: [string, string, RegExp | undefined][] = [
      ['chan receive', 'chan receive', /^chan local \(cap 2, len 0\)$/],
      ['chan send', 'chan send', /^chan \d+ \(cap 0, len 0\)$/],
      ['select', 'select', /^chan \d+ \(cap 0, len 0\), chan \d+ \(cap 0, len 0\)$/],
      ['select (no cases)', 'select (no cases)', undefined],
      ['chan receive (nil chan)', 'chan receive (nil chan)', undefined],
      ['chan send (nil chan)', 'chan send (nil chan)', undefined],
      ['sync.Mutex.Lock', 'sync.Mutex.Lock', /^Mutex \d+$/],
      ['sync.RWMutex.RLock', 'sync.RWMutex.RLock', /^RWMutex \d+$/],
      ['sync.RWMutex.Lock', 'sync.RWMutex.Lock', /^RWMutex \d+$/],
      ['sync.WaitGroup.Wait', 'sync.WaitGroup.Wait', /^WaitGroup \d+$/],
      ['sync.Cond.Wait', 'sync.Cond.Wait', /^Cond \d+$/],
      ['semacquire', 'semacquire', /^Semaphore \d+$/],
      ['once', 'sync.Mutex.Lock', /^Once \d+$/], // Go's Once.Do waits on a Mutex
      ['sleep', 'sleep', /^60000 ms$/],
      ['spawn', 'chan receive', /^result of goroutine 2$/], // a goroutine and its result channel
    ];
    for (const [marker, state, object] of cases) {
      const line = at('reasons.mjs', marker);
      const g = main.find((x) => x.state === state && line.test(x.blockedAt ?? ''));
      expect(g, `${marker}: ${JSON.stringify(main)}`).toBeDefined();
      if (object === undefined) expect(g!.object, marker).toBeUndefined();
      else expect(g!.object, marker).toMatch(object);
      expect(g).toMatchObject({ fn: 'main', thread: 0 });
    }
    expect(main).toHaveLength(cases.length);
    // The spawned goroutine awaits a promise that is not gocsp's.
    expect(gs.filter((g) => g.id !== 1)).toEqual([
      expect.objectContaining({ id: 2, state: 'IO wait', fn: 'anonymous' }),
    ]);
  });

  it('GOCSP_TRACEBACK=none: the verdict keeps a short message, and no stack is captured', async ({
    expect,
  }) => {
    const r = await runNode('dump.mjs', {
      args: ['deadlock'],
      env: { GOCSP_TRACEBACK: 'none' },
    });
    expect(r.code, r.stderr).toBe(0);
    const out = lastJson<Settled>(r);
    expect(out).toMatchObject({ name: 'DeadlockError', isDeadlock: true, message: DEADLOCK });
    const gs = out.goroutines!;
    expect(gs.map((g) => g.state).sort()).toEqual(
      ['chan receive', 'chan receive', 'select', 'sync.Mutex.Lock', 'sync.WaitGroup.Wait'].sort(),
    );
    for (const g of gs) {
      expect(g.blockedAt).toBeUndefined();
      expect(g.createdBy).toBeUndefined();
    }
  });

  it('SIGQUIT prints the dump to stderr and exits with status 2, as Go does', async ({
    expect,
  }) => {
    const r = await runSigquit('sigquit');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.startsWith('SIGQUIT: quit\n\ngoroutine 1 [chan receive]:\nmain()\n')).toBe(
      true,
    );
    expect(r.stderr).toContain(`dump.mjs:${fixtureLine('dump.mjs', 'main-sigquit')}:`);
    for (const state of ['chan receive', 'sync.Mutex.Lock', 'sync.WaitGroup.Wait', 'select']) {
      expect(r.stderr).toMatch(
        new RegExp(`^goroutine [2-9]\\d* \\[${state.replace('.', '\\.')}\\]:$`, 'm'),
      );
    }
    expect(r.stderr).toMatch(/^created by main at \S+dump\.mjs:\d+:\d+$/m);
  });

  it("SIGQUIT with the application's own listener: only the listener runs", async ({ expect }) => {
    const r = await runSigquit('sigquit-own');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('own handler');
    expect(r.stderr).not.toContain('goroutine');
  });

  it('SIGQUIT with GOCSP_TRACEBACK=none: exit status 2, no dump', async ({ expect }) => {
    const r = await runSigquit('sigquit', { GOCSP_TRACEBACK: 'none' });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^SIGQUIT: quit\n/);
    expect(r.stderr).not.toMatch(/^goroutine /m);
  });

  it('source maps: under --enable-source-maps the dump names the TypeScript lines, inline goroutines included', async ({
    expect,
  }) => {
    const mapped = await runNode('mapped.mjs', { execArgv: ['--enable-source-maps'] });
    expect(mapped.code, mapped.stderr).toBe(0);
    const gs = lastJson<{ goroutines: GoroutineInfo[] }>(mapped).goroutines;
    const g = gs.find((x) => x.id === 2)!;
    expect(g.createdBy).toMatch(at('mapped.ts', 'go'));
    expect(g.blockedAt).toMatch(at('mapped.ts', 'recv')); // inside the inline goroutine
    expect(gs.find((x) => x.id === 1)!.blockedAt).toMatch(at('mapped.ts', 'main'));
    // Without the flag: the JavaScript that ran, its own lines.
    const plain = await runNode('mapped.mjs');
    expect(plain.code, plain.stderr).toBe(0);
    const p = lastJson<{ goroutines: GoroutineInfo[] }>(plain).goroutines.find((x) => x.id === 2)!;
    expect(p.createdBy).toMatch(/[\\/]fixtures[\\/]mapped\.mjs:\d+:\d+$/);
    expect(p.blockedAt).toMatch(/[\\/]fixtures[\\/]mapped\.mjs:\d+:\d+$/);
  });
});

describe.concurrent('deadlock detection with hand-made workers (child processes)', () => {
  for (const mode of ['gocsp-sync', 'gocsp-async'] as const) {
    it(`a worker that loaded gocsp and is blocked too (${mode === 'gocsp-sync' ? 'recvSync' : 'await recv'}): DeadlockError, its wait in the dump`, async ({
      expect,
    }) => {
      const r = await runNode('handmade.mjs', { args: [mode] });
      expect(r.code, r.stderr).toBe(0);
      const out = lastJson<Settled>(r);
      expect(out).toMatchObject({ name: 'DeadlockError', isDeadlock: true });
      expect(out.message!.startsWith(DEADLOCK)).toBe(true);
      const gs = out.goroutines!;
      const w = gs.find((g) => g.thread === out.worker)!;
      expect(w, JSON.stringify(gs)).toBeDefined();
      expect(w).toMatchObject({ id: 0, state: 'chan receive', fn: `worker thread ${out.worker}` });
      const marker = mode === 'gocsp-sync' ? 'worker recvSync' : 'worker recv';
      expect(w.blockedAt).toMatch(at('handmade-worker.mjs', marker));
      expect(one(gs, 'chan send').createdBy).toMatch(/handmade\.mjs:\d+:\d+$/);
      expect(gs.find((g) => g.id === 1)!.blockedAt).toMatch(at('handmade.mjs', 'main waits'));
    });
  }

  it('no verdict while a worker that never loaded gocsp lives: the value it lets main send arrives', async ({
    expect,
  }) => {
    const r = await runNode('handmade.mjs', { args: ['plain'] });
    expect(r.code, r.stderr).toBe(0);
    const out = lastJson<Settled>(r);
    expect(out.name, JSON.stringify(out)).toBeUndefined();
    expect(out.value).toBe('worker done');
    expect(out.ms).toBeGreaterThanOrEqual(1_400);
  });
});
