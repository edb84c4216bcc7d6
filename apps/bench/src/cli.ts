/**
 * Command-line options of run.js. Flags win over environment variables,
 * which win over defaults.
 */
import { parseArgs } from 'node:util';

/** Rounds of a full run unless `--rounds` or `BENCH_ROUNDS` says otherwise. */
export const DEFAULT_ROUNDS = 5;
/** Rounds under `--quick` unless `--rounds` or `BENCH_ROUNDS` says otherwise. */
export const QUICK_ROUNDS = 2;

/** Parsed command line. */
export interface CliOptions {
  readonly rounds: number;
  readonly quick: boolean;
  /** Case-insensitive substring of suite or case names; null runs everything. */
  readonly filter: string | null;
  /** Directory to write BENCHMARKS.md and latest.json into; null = the repository's files. */
  readonly out: string | null;
  /** Per-call timeout override in ms; null = each suite's own. */
  readonly timeoutMs: number | null;
  readonly help: boolean;
}

/** Usage text for `--help`. */
export const USAGE = `Usage: node apps/bench/dist/run.js [options]   (or: npm run bench -- [options])

  --filter <text>   run only suites/cases whose name contains <text> (case-insensitive);
                    a suite's baseline always runs with its selected cases
  --quick           smoke run: ${QUICK_ROUNDS} rounds and small N; figures not meaningful
  --rounds <n>      rounds per case (default ${DEFAULT_ROUNDS}; env BENCH_ROUNDS)
  --out <dir>       write BENCHMARKS.md and latest.json into <dir> (env BENCH_OUT)
                    instead of the repository root and apps/bench/results/
  --timeout <ms>    bound on each setup/run/teardown call (default: per suite, 30000)
  --help            this text

A run with --quick or --filter and no --out prints its tables but does not
overwrite the repository's BENCHMARKS.md and results/latest.json.`;

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new TypeError(`${name} must be a positive integer, got "${text}"`);
  return n;
}

/**
 * Parses `argv` (without node and script) and `env`. Throws a `TypeError`
 * naming the bad flag or variable; unknown flags are errors.
 */
export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv): CliOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      filter: { type: 'string' },
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      out: { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  const quick = values.quick === true;
  const roundsText = values.rounds ?? (env.BENCH_ROUNDS || undefined);
  const rounds =
    roundsText !== undefined
      ? positiveInt(values.rounds !== undefined ? '--rounds' : 'BENCH_ROUNDS', roundsText)
      : quick
        ? QUICK_ROUNDS
        : DEFAULT_ROUNDS;
  const filter = values.filter?.trim() || null;
  const out = values.out ?? (env.BENCH_OUT || null);
  return {
    rounds,
    quick,
    filter,
    out: out === '' ? null : out,
    timeoutMs: values.timeout !== undefined ? positiveInt('--timeout', values.timeout) : null,
    help: values.help === true,
  };
}

/** The command that reproduces a run with these arguments, for the report. */
export function commandLine(argv: readonly string[], env: NodeJS.ProcessEnv): string {
  const prefix = env.BENCH_ROUNDS ? `BENCH_ROUNDS=${env.BENCH_ROUNDS} ` : '';
  const quoted = argv.map((a) => (/^[\w./=:-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`));
  return `${prefix}npm run bench${quoted.length > 0 ? ` -- ${quoted.join(' ')}` : ''}`;
}
