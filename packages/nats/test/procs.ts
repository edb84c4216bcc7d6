/**
 * Child processes of the fault tests (fixtures/*.mjs), each killed at the
 * end of its test whatever happens. Their output is read for lines we print
 * ourselves, with ANSI colour codes stripped (FORCE_COLOR may be set).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// eslint-disable-next-line no-control-regex -- ANSI colour codes start with ESC
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

export interface Proc {
  proc: ChildProcess;
  pid: number;
  /** Lines printed so far (ANSI stripped). */
  lines: string[];
  /** Resolves with the first line matching `re` (rejects after `ms`). */
  waitLine(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  exited: Promise<number | null>;
}

export function startProc(fixture: string, args: string[]): Proc {
  const file = fileURLToPath(new URL(`./fixtures/${fixture}`, import.meta.url));
  const proc = spawn(process.execPath, [file, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  live.add(proc);
  const lines: string[] = [];
  const watchers = new Set<() => void>();
  let stderr = '';
  let buf = '';
  proc.stdout.on('data', (b: Buffer) => {
    buf += b.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, i).replace(ANSI, ''));
      buf = buf.slice(i + 1);
      for (const w of [...watchers]) w();
    }
  });
  proc.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => {
      live.delete(proc);
      for (const w of [...watchers]) w();
      resolve(code);
    }),
  );
  return {
    proc,
    pid: proc.pid!,
    lines,
    exited,
    waitLine(re, ms = 20_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          for (const l of lines) {
            const m = l.match(re);
            if (m) {
              done();
              resolve(m);
              return;
            }
          }
          if (proc.exitCode !== null || proc.signalCode !== null) {
            done();
            reject(
              new Error(
                `${fixture} exited (${proc.exitCode ?? proc.signalCode}) before printing ${re}: ${stderr.replace(ANSI, '')}`,
              ),
            );
          }
        };
        const t = setTimeout(() => {
          done();
          reject(
            new Error(
              `${fixture} did not print ${re} within ${ms} ms: ${stderr.replace(ANSI, '')}`,
            ),
          );
        }, ms);
        const done = (): void => {
          clearTimeout(t);
          watchers.delete(check);
        };
        watchers.add(check);
        check();
      });
    },
    async kill(signal = 'SIGKILL') {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill(signal);
      await exited;
    },
  };
}
