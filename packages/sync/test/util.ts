/**
 * Test kit of this package: the shared one (tools/testkit.mjs) bound to this
 * package's worker fixture. GOCSP_SEED replays a run; GOCSP_STRESS scales it.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childEnv, workerRunner } from '../../../tools/testkit.mjs';

export { SEED, STRESS, scale, rng, delay } from '../../../tools/testkit.mjs';
export type { Running } from '../../../tools/testkit.mjs';

/** Starts a hand-made worker thread running a scenario of fixtures/scenarios.mjs. */
export const runWorker = workerRunner(new URL('./fixtures/worker.mjs', import.meta.url));

/** What a fixture script run as a child process printed, and its exit code (-1: killed or timed out). */
export interface FixtureRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `fixtures/<name>` in a child Node process (20 s at most). */
export function runFixture(name: string): Promise<FixtureRun> {
  const script = fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script],
      { timeout: 20_000, env: childEnv() },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}
