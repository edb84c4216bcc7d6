// Types of tools/testkit.mjs.
import type { Worker } from 'node:worker_threads';

/** Seed of this run (GOCSP_SEED, default 0x5eed). */
export const SEED: number;
/** Stress factor (GOCSP_STRESS, default 1). */
export const STRESS: number;
/** Scales an iteration count by the stress factor. */
export function scale(n: number): number;
/** mulberry32: small, fast, seeded PRNG returning floats in [0, 1). */
export function rng(seed?: number): () => number;
/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void>;
/** Environment for a child process whose output a test reads: no colour forcing (FORCE_COLOR removed, NO_COLOR set). */
export function childEnv(extra?: Record<string, string | undefined>): NodeJS.ProcessEnv;

/** `s` without its ANSI colour escapes (a child's output under FORCE_COLOR). */
export function stripAnsi(s: string): string;

/** A hand-made worker running one scenario. */
export interface Running {
  worker: Worker;
  /** Settles with the scenario's return value (or its error, or a timeout). */
  result: Promise<unknown>;
  /** Messages the scenario posted with `report(x)` and nobody took yet. */
  messages: unknown[];
  /** The next reported message. */
  next(): Promise<unknown>;
}

/**
 * A function starting worker threads on `entry` (a fixture that runs
 * `scenarios[scenario](fromShared(args), { report, seed })`).
 */
export function workerRunner(
  entry: URL,
): (scenario: string, args: unknown, timeoutMs?: number) => Running;
