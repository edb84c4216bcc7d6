/**
 * The benchmark harness: suites of cases, measured round by round.
 *
 * A suite compares several cases on one metric (a rate, higher is better, or
 * a latency, lower is better). Exactly one case is the baseline; every other
 * case is reported as the ratio of its median to the baseline's median, both
 * measured in the same process run, so a ratio is never a figure from one day
 * divided by a figure from another.
 *
 * Rounds interleave the cases (A, B, C, A, B, C, ...): a noisy stretch of the
 * machine then hits every case alike instead of one case's whole series.
 *
 * The harness does not time anything itself. A case's `run` starts what it
 * needs (workers, pools), times only the part under test and returns the
 * figure in the suite's unit; this keeps worker start-up (~26 ms) out of
 * figures measured in nanoseconds. Every `setup`, `run` and `teardown` call
 * is bounded by a timeout: when it fires, the call's AbortSignal is aborted
 * (cases terminate their workers on it) and the suite fails with an error
 * naming the call, rather than the process hanging.
 *
 * Rejected: one warm-up round discarded by the harness. Workers are fresh in
 * every run (so one case cannot leave a hot or wedged worker to the next), so
 * JIT warm-up has to happen inside `run`, on the same workers, before timing.
 */
import { formatFigure } from './format.js';
import { goalMet, parseGoal, type Goal } from './goal.js';
import { cpuSnapshot, otherProcessesCores } from '../../../tools/cpu.mjs';
import { ratio, summarize } from './stats.js';

/** What a suite measures. `rate` is higher-is-better, `latency` lower-is-better. */
export interface Metric {
  /** `rate` (e.g. msg/s) or `latency` (e.g. us per round trip). */
  readonly kind: 'rate' | 'latency';
  /** Unit of every figure in the suite, e.g. `msg/s`, `ns`, `us`. */
  readonly unit: string;
  /** For latencies, what one operation is, e.g. `round trip`; default `operation`. */
  readonly per?: string;
}

/** Passed to {@link BenchCase.setup}. */
export interface SetupContext {
  /** True under `--quick`: a smoke run, figures not meaningful. */
  readonly quick: boolean;
  /** Aborted when the call times out; release threads and timers on it. */
  readonly signal: AbortSignal;
}

/** Passed to {@link BenchCase.run}. */
export interface RunContext extends SetupContext {
  /** Operations to perform and time: the case's `n`, or `quickN` under `--quick`. */
  readonly n: number;
  /** 1-based round number. */
  readonly round: number;
}

/** One contender in a suite. */
export interface BenchCase {
  /** Unique within its suite; shown in tables and matched by `--filter`. */
  readonly name: string;
  /** Marks the one case every other case in the suite is divided by. */
  readonly baseline?: boolean;
  /** Target, e.g. `">= 15x baseline"` or `"<= 30 us"`; see goal.ts. */
  readonly goal?: string;
  /** Operations per sample in a full run; choose it so one sample takes ~0.1-0.5 s. */
  readonly n: number;
  /** Operations per sample under `--quick`; defaults to n / 10. */
  readonly quickN?: number;
  /** One line shown under the suite's table: how the case works, caveats. */
  readonly note?: string;
  /** Called once before the first round. */
  setup?(ctx: SetupContext): void | Promise<void>;
  /** Performs `ctx.n` operations and returns the figure in the suite's unit. */
  run(ctx: RunContext): Promise<number>;
  /** Called once after the last round, also when the suite failed. */
  teardown?(): void | Promise<void>;
}

/** A set of cases compared on one metric, one of them the baseline. */
export interface BenchSuite {
  /** Short id, e.g. `sab-ring`; matched by `--filter`. */
  readonly name: string;
  /** Heading for the report. */
  readonly title: string;
  /** A paragraph for the report: what is measured, and how. */
  readonly description: string;
  readonly metric: Metric;
  readonly cases: readonly BenchCase[];
  /** Bound on each setup/run/teardown call, in ms; default {@link DEFAULT_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
}

/** Options of {@link runSuites}. */
export interface HarnessOptions {
  /** Samples per case; rounds interleave the cases. */
  readonly rounds: number;
  /** Smoke-test mode: cases run `quickN` operations. */
  readonly quick: boolean;
  /** Default bound on each call, overridden by a suite's `timeoutMs`. */
  readonly timeoutMs?: number;
  /** Progress lines (one per sample); default: none. */
  readonly log?: (line: string) => void;
}

/** One case's figures after a run. */
export interface CaseResult {
  readonly name: string;
  readonly baseline: boolean;
  /** Operations per sample. */
  readonly n: number;
  /** One figure per completed round, in round order. */
  readonly samples: readonly number[];
  /** Null when no round completed. */
  readonly median: number | null;
  readonly min: number | null;
  readonly max: number | null;
  /** median / baseline median, same run; null without a usable baseline. */
  readonly ratio: number | null;
  readonly goal: string | null;
  /** Null when there is no goal or it cannot be decided. */
  readonly met: boolean | null;
  readonly note: string | null;
}

/** One suite's figures after a run. */
export interface SuiteResult {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly metric: Metric;
  /** Which way a ratio is good: above 1 for rates, below 1 for latencies. */
  readonly direction: 'higher is better' | 'lower is better';
  readonly baseline: string;
  readonly rounds: number;
  readonly cases: readonly CaseResult[];
  /** Why the suite stopped early, or null. Figures of a failed suite are partial. */
  readonly error: string | null;
  readonly durationMs: number;
  /**
   * Cores other processes kept busy on average while the suite ran (see
   * lib/cpu.ts); well above 0 means the figures were disturbed. Null if unknown.
   */
  readonly otherCpuCores: number | null;
}

/** Default bound on one setup/run/teardown call. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** Thrown (and reported as the suite's error) when a call outlives its bound. */
export class BenchTimeoutError extends Error {
  override readonly name = 'BenchTimeoutError';
}

/** Direction in which a ratio improves for `metric`. */
export function directionOf(metric: Metric): SuiteResult['direction'] {
  return metric.kind === 'rate' ? 'higher is better' : 'lower is better';
}

/**
 * Checks a suite before anything runs: a name, unique case names, exactly one
 * baseline, positive integer sizes, parseable goals. Throws a `TypeError`
 * saying what to fix; a malformed suite is a programming error, not a result.
 */
export function validateSuite(suite: BenchSuite): void {
  const where = `suite "${suite.name}"`;
  if (!/^[a-z0-9][a-z0-9-]*$/.test(suite.name)) {
    throw new TypeError(`${where}: name must be lower-case letters, digits and dashes`);
  }
  if (suite.metric.kind !== 'rate' && suite.metric.kind !== 'latency') {
    throw new TypeError(`${where}: metric.kind must be "rate" or "latency"`);
  }
  if (suite.cases.length === 0) throw new TypeError(`${where}: has no cases`);
  const names = new Set<string>();
  for (const c of suite.cases) {
    if (c.name.trim() === '') throw new TypeError(`${where}: a case has an empty name`);
    if (names.has(c.name)) throw new TypeError(`${where}: two cases are named "${c.name}"`);
    names.add(c.name);
    for (const [key, v] of [['n', c.n] as const, ['quickN', c.quickN] as const]) {
      if (v !== undefined && !(Number.isSafeInteger(v) && v > 0)) {
        throw new TypeError(
          `${where}, case "${c.name}": ${key} must be a positive integer, got ${v}`,
        );
      }
    }
    if (c.goal !== undefined) parseGoal(c.goal, suite.metric.unit);
  }
  const baselines = suite.cases.filter((c) => c.baseline === true).length;
  if (baselines !== 1) {
    throw new TypeError(`${where}: needs exactly one case with baseline: true, has ${baselines}`);
  }
}

/**
 * Keeps the suites and cases matching `filter` (case-insensitive substring).
 * A suite whose name or title matches keeps all its cases; otherwise a case
 * is kept when its name (or `suite/case`) matches, and the suite's baseline is
 * kept with it so the ratio can still be computed. No filter keeps everything.
 */
export function selectCases(suites: readonly BenchSuite[], filter?: string): BenchSuite[] {
  const f = filter?.trim().toLowerCase();
  if (!f) return [...suites];
  const out: BenchSuite[] = [];
  for (const s of suites) {
    if (s.name.toLowerCase().includes(f) || s.title.toLowerCase().includes(f)) {
      out.push(s);
      continue;
    }
    const hit = (c: BenchCase) => `${s.name}/${c.name}`.toLowerCase().includes(f);
    if (!s.cases.some(hit)) continue;
    out.push({ ...s, cases: s.cases.filter((c) => c.baseline === true || hit(c)) });
  }
  return out;
}

/** Operations per sample for `c` in this mode. */
export function sizeOf(c: BenchCase, quick: boolean): number {
  return quick ? (c.quickN ?? Math.max(1, Math.round(c.n / 10))) : c.n;
}

/**
 * Runs `suites` one after another, each for `options.rounds` interleaved
 * rounds, and returns their results. Validates every suite first. A failing
 * or hung suite is reported in its result's `error` and the next suite runs;
 * this function rejects only on invalid suites or options.
 */
export async function runSuites(
  suites: readonly BenchSuite[],
  options: HarnessOptions,
): Promise<SuiteResult[]> {
  if (!(Number.isSafeInteger(options.rounds) && options.rounds > 0)) {
    throw new TypeError(`rounds must be a positive integer, got ${options.rounds}`);
  }
  for (const s of suites) validateSuite(s);
  const results: SuiteResult[] = [];
  for (const s of suites) results.push(await runSuite(s, options));
  return results;
}

async function runSuite(suite: BenchSuite, options: HarnessOptions): Promise<SuiteResult> {
  const log = options.log ?? (() => {});
  const timeoutMs = suite.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { quick, rounds } = options;
  const samples = new Map<BenchCase, number[]>(suite.cases.map((c) => [c, []]));
  const errors: string[] = [];
  const started = performance.now();
  const cpuAtStart = cpuSnapshot();
  const setUp: BenchCase[] = [];
  const label = (c: BenchCase) => `${suite.name} / ${c.name}`;

  try {
    for (const c of suite.cases) {
      if (c.setup) {
        const setup = c.setup.bind(c);
        await bounded(`${label(c)}: setup`, timeoutMs, (signal) => setup({ quick, signal }));
      }
      setUp.push(c);
    }
    for (let round = 1; round <= rounds; round++) {
      for (const c of suite.cases) {
        const n = sizeOf(c, quick);
        const what = `${label(c)}: round ${round}/${rounds}`;
        const v = await bounded(what, timeoutMs, (signal) => c.run({ quick, signal, n, round }));
        if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
          throw new TypeError(
            `${what}: run() returned ${String(v)}; it must return a positive finite figure in ${suite.metric.unit}`,
          );
        }
        samples.get(c)!.push(v);
        log(
          `[${suite.name}] round ${round}/${rounds} ${c.name}: ${formatFigure(v, suite.metric)} ${suite.metric.unit}`,
        );
      }
    }
  } catch (e) {
    errors.push(messageOf(e));
  } finally {
    for (const c of setUp.reverse()) {
      if (!c.teardown) continue;
      const teardown = c.teardown.bind(c);
      try {
        await bounded(`${label(c)}: teardown`, timeoutMs, () => Promise.resolve(teardown()));
      } catch (e) {
        errors.push(messageOf(e));
      }
    }
  }

  const base = suite.cases.find((c) => c.baseline === true)!;
  const summaries = new Map(
    suite.cases.map((c) => {
      const xs = samples.get(c)!;
      return [c, xs.length > 0 ? summarize(xs) : null] as const;
    }),
  );
  const baseMedian = summaries.get(base)?.median ?? null;
  const cases: CaseResult[] = suite.cases.map((c) => {
    const sum = summaries.get(c) ?? null;
    const r = sum ? ratio(sum.median, baseMedian) : null;
    const goal: Goal | null = c.goal === undefined ? null : parseGoal(c.goal, suite.metric.unit);
    return {
      name: c.name,
      baseline: c === base,
      n: sizeOf(c, quick),
      samples: samples.get(c)!,
      median: sum?.median ?? null,
      min: sum?.min ?? null,
      max: sum?.max ?? null,
      ratio: r,
      goal: goal?.text ?? null,
      met: goal && sum ? goalMet(goal, sum.median, r) : null,
      note: c.note ?? null,
    };
  });
  return {
    name: suite.name,
    title: suite.title,
    description: suite.description,
    metric: suite.metric,
    direction: directionOf(suite.metric),
    baseline: base.name,
    rounds,
    cases,
    error: errors.length > 0 ? errors.join('; ') : null,
    durationMs: performance.now() - started,
    otherCpuCores: otherProcessesCores(cpuAtStart, cpuSnapshot()),
  };
}

/**
 * Runs `fn` with a signal that is aborted if it has not settled within `ms`;
 * rejects with a {@link BenchTimeoutError} then. `fn`'s own promise may stay
 * pending after a timeout: the abort is what must release its resources.
 */
export async function bounded<T>(
  what: string,
  ms: number,
  fn: (signal: AbortSignal) => Promise<T> | T,
): Promise<T> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new BenchTimeoutError(
        `${what} did not finish within ${ms} ms (a hung worker?); its workers were terminated`,
      );
      ac.abort(err);
      reject(err);
    }, ms);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => fn(ac.signal)), timeout]);
  } finally {
    // Not aborted on success: resources made in setup() outlive the call.
    clearTimeout(timer);
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
