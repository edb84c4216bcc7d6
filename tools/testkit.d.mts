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

/** What a child Node process did (nodeRunner). */
export interface ChildResult {
  /** Exit code; null if killed (see `signal`, `timedOut`). */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** Wall time until the process ended. */
  ms: number;
}

/** Options of a nodeRunner's run. */
export interface ChildOptions {
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Node flags before the script. */
  execArgv?: string[];
  /** Arguments after the script. */
  args?: string[];
  /** Killed (SIGKILL) after this long; default 20 s. */
  timeoutMs?: number;
}

/**
 * A function running `node [execArgv] <fixtures>/<name> [args]` (no script
 * with name = null) in `cwd`; it never rejects.
 */
export function nodeRunner(
  fixtures: URL,
  cwd: URL,
): (name: string | null, opts?: ChildOptions) => Promise<ChildResult>;

/** The last line of a child's stdout, parsed as JSON. */
export function lastJson<T = Record<string, unknown>>(r: ChildResult): T;
