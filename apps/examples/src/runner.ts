// Runs examples as child processes, one at a time, each under a time limit, so
// that one example that hangs or crashes cannot take the tour down with it.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Example } from './catalog.js';

/** How one example run ended. */
export interface ExampleResult {
  name: string;
  /** true when the process exited with code 0 within its time limit. */
  ok: boolean;
  /** Exit code, or null when it was ended by a signal. */
  code: number | null;
  /** true when the tour killed it at its time limit. */
  timedOut: boolean;
  /** Wall-clock duration in ms. */
  ms: number;
}

/**
 * The built file of an example: `dist/examples/<name>.js`, beside this bundle.
 *
 * @example
 * ```ts
 * exampleFile('shared-memory'); // '/…/apps/examples/dist/examples/shared-memory.js'
 * ```
 */
export function exampleFile(name: string): string {
  return fileURLToPath(new URL(`./examples/${name}.js`, import.meta.url));
}

/**
 * Runs one example as `node dist/examples/<name>.js` (or `file`), its output
 * going straight to ours; kills it (SIGKILL) once `example.timeoutMs` has passed.
 *
 * @example
 * ```ts
 * const r = await runExample({ name: 'shared-memory', title: '…', timeoutMs: 30_000 });
 * if (!r.ok) process.exitCode = 1;
 * ```
 */
export function runExample(
  example: Example,
  file: string = exampleFile(example.name),
): Promise<ExampleResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { stdio: 'inherit' });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, example.timeoutMs);
    const finish = (code: number | null): void => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      resolve({ name: example.name, ok: code === 0 && !timedOut, code, timedOut, ms });
    };
    child.once('error', (err) => {
      console.error(`could not start ${example.name}: ${err.message}`);
      finish(null);
    });
    child.once('exit', (code) => finish(code));
  });
}

/**
 * Runs examples in order, each preceded by a one-line header; returns the
 * results. An example that fails or times out is reported and the tour goes on.
 *
 * @example
 * ```ts
 * const results = await runTour(EXAMPLES);
 * process.exitCode = results.every((r) => r.ok) ? 0 : 1;
 * ```
 */
export async function runTour(examples: readonly Example[]): Promise<ExampleResult[]> {
  const results: ExampleResult[] = [];
  for (const [k, example] of examples.entries()) {
    if (k > 0) console.log('');
    console.log(`=== ${example.name}: ${example.title}`);
    const r = await runExample(example);
    if (r.timedOut) {
      console.log(`--- ${example.name}: killed after ${example.timeoutMs / 1000} s (time limit)`);
    } else if (!r.ok) {
      console.log(`--- ${example.name}: failed (exit code ${String(r.code)})`);
    }
    results.push(r);
  }
  return results;
}
