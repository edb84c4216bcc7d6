/**
 * One nats-server per test run (vitest globalSetup): started before the
 * first test file on a free port of 127.0.0.1 with a temporary store dir,
 * stopped after the last (also on failure or ctrl-c: see nats-server.ts).
 * NATS_URL set: that server is used instead. No server and no NATS_URL:
 * the suite is skipped with one line saying how to get one - except under
 * CI=true, where that fails the run.
 */
import type { TestProject } from 'vitest/node';
import { INSTALL_HINT, findNatsServer, startNatsServer } from '../../../tools/nats-server.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the NATS server for this run ('' = none: skip). */
    natsUrl: string;
    /** The nats-server binary ('' if none: the fault tests that start their own skip). */
    natsBin: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const bin = findNatsServer() ?? '';
  project.provide('natsBin', bin);
  if (process.env.NATS_URL) {
    project.provide('natsUrl', process.env.NATS_URL);
    return async () => {};
  }
  if (!bin) {
    const line = `@gocsp/nats tests need a NATS server: ${INSTALL_HINT}.`;
    if (process.env.CI === 'true' || process.env.CI === '1') {
      throw new Error(`${line} (CI=true: failing instead of skipping)`);
    }
    console.warn(`skipped: ${line}`);
    project.provide('natsUrl', '');
    return async () => {};
  }
  const server = await startNatsServer(bin);
  project.provide('natsUrl', server.url);
  return () => server.dispose();
}
