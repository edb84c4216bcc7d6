/**
 * Test kit of this package: the shared one (tools/testkit.mjs) bound to this
 * package's worker fixture. GOCSP_SEED replays a run; GOCSP_STRESS scales it.
 */
import { nodeRunner, workerRunner } from '../../../tools/testkit.mjs';

export { SEED, STRESS, scale, rng, delay, lastJson } from '../../../tools/testkit.mjs';
export type { Running } from '../../../tools/testkit.mjs';

/** Starts a hand-made worker thread running a scenario of fixtures/scenarios.mjs. */
export const runWorker = workerRunner(new URL('./fixtures/worker.mjs', import.meta.url));

/** Runs `fixtures/<name>` in a child Node process (tools/testkit.mjs nodeRunner: 20 s at most, never rejects). */
export const runNode = nodeRunner(
  new URL('./fixtures/', import.meta.url),
  new URL('..', import.meta.url),
);
