/**
 * Goals: a case's target, written as text beside the case and checked against
 * its median after the run.
 *
 * Two forms, both comparing the case's median:
 *
 * | form                    | example              | compares                       |
 * | ----------------------- | -------------------- | ------------------------------ |
 * | `<op> <k>x baseline`    | `>= 15x baseline`    | median / baseline median vs k  |
 * | `<op> <value> <unit>`   | `<= 30 us`           | median vs value (suite's unit) |
 *
 * `<op>` is one of `>=`, `<=`, `>`, `<`. The operator says the direction
 * itself, so a goal reads the same for rates (`>= 2x baseline`: at least twice
 * the throughput) and latencies (`<= 1.2x baseline`: at most 20% slower).
 */

/** Comparison operators a goal may use. */
export type GoalOp = '>=' | '<=' | '>' | '<';

/** A parsed goal. */
export type Goal =
  | { readonly kind: 'ratio'; readonly op: GoalOp; readonly target: number; readonly text: string }
  | {
      readonly kind: 'absolute';
      readonly op: GoalOp;
      readonly target: number;
      readonly unit: string;
      readonly text: string;
    };

const RATIO = /^\s*(>=|<=|>|<)\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*x\s+baseline\s*$/i;
const ABSOLUTE = /^\s*(>=|<=|>|<)\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*(\S.*?)\s*$/i;

/**
 * Parses a goal string. `unit` is the suite's unit: an absolute goal must be
 * written in it (no conversions, so `<= 30 us` in a suite measured in ns is an
 * error rather than a silent factor of 1000). Throws a `SyntaxError` that
 * quotes the accepted forms.
 */
export function parseGoal(text: string, unit: string): Goal {
  const r = RATIO.exec(text);
  if (r) return { kind: 'ratio', op: r[1] as GoalOp, target: Number(r[2]), text: text.trim() };
  const a = ABSOLUTE.exec(text);
  if (a && a[3] !== undefined) {
    if (a[3] !== unit) {
      throw new SyntaxError(
        `goal "${text}": unit "${a[3]}" differs from the suite's unit "${unit}"; write it in ${unit}`,
      );
    }
    return { kind: 'absolute', op: a[1] as GoalOp, target: Number(a[2]), unit, text: text.trim() };
  }
  throw new SyntaxError(
    `goal "${text}" not understood; write "<op> <k>x baseline" (e.g. ">= 15x baseline") ` +
      `or "<op> <value> ${unit}", with <op> one of >=, <=, >, <`,
  );
}

/**
 * Whether `goal` is met by a case whose median is `median` and whose ratio to
 * the baseline median is `ratioToBaseline`. Returns `null` when it cannot be
 * decided (a ratio goal without a usable baseline).
 */
export function goalMet(
  goal: Goal,
  median: number,
  ratioToBaseline: number | null,
): boolean | null {
  const x = goal.kind === 'ratio' ? ratioToBaseline : median;
  if (x === null || !Number.isFinite(x)) return null;
  switch (goal.op) {
    case '>=':
      return x >= goal.target;
    case '<=':
      return x <= goal.target;
    case '>':
      return x > goal.target;
    case '<':
      return x < goal.target;
  }
}
