/**
 * Test kit of this package: the shared one (tools/testkit.mjs: seeded RNG,
 * GOCSP_STRESS, GOCSP_SEED) plus a NATS connection to the run's server and
 * unique names per test.
 */
import { inject } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';

export { SEED, STRESS, scale, rng, delay } from '../../../tools/testkit.mjs';

export const natsUrl = inject('natsUrl');
export const natsBin = inject('natsBin');
/** Skip a describe block when the run has no server (globalSetup printed why). */
export const noServer = natsUrl === '';

let n = 0;
/** A name no other test of this run uses. */
export function uniq(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${n++}`;
}

/** A connection for one test; close it in afterEach/finally. */
export function conn(url = natsUrl, opts: Record<string, unknown> = {}): Promise<NatsConnection> {
  return connect({ servers: url, name: 'gocsp-test', ...opts });
}

/** Races `p` against a bound: rejects if it has not settled within `ms`. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        t = setTimeout(() => reject(new Error(`${what}: did not settle within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(t);
  }
}

/** True if `p` is still pending after `ms` (it keeps running). */
export async function pending(p: Promise<unknown>, ms = 300): Promise<boolean> {
  const mark = Symbol('pending');
  const r = await Promise.race([
    p.catch(() => undefined),
    new Promise((res) => setTimeout(() => res(mark), ms)),
  ]);
  return r === mark;
}
