/**
 * Number formatting for reports: three significant digits, SI suffixes for
 * rates, plain decimals for latencies and ratios (never `1.2e+3`).
 */
import type { Metric } from './harness.js';

/** `x` rounded to `digits` significant digits, written without exponent. */
export function significant(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const rounded = Number(x.toPrecision(digits));
  const magnitude = Math.floor(Math.log10(Math.abs(rounded)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  return rounded.toFixed(Math.min(decimals, 20));
}

/** A figure in `metric`'s unit: rates with k/M/G suffix (`21.4M`), latencies as decimals (`52.3`). */
export function formatFigure(x: number | null, metric: Metric): string {
  if (x === null) return '-';
  if (metric.kind === 'rate') {
    const a = Math.abs(x);
    if (a >= 1e9) return `${significant(x / 1e9)}G`;
    if (a >= 1e6) return `${significant(x / 1e6)}M`;
    if (a >= 1e3) return `${significant(x / 1e3)}k`;
  }
  return significant(x);
}

/** A ratio to the baseline, e.g. `0.333x`; `-` when unknown. */
export function formatRatio(r: number | null): string {
  return r === null ? '-' : `${significant(r)}x`;
}

/** `met` / `MISSED` for a decided goal, `?` for an undecidable one, empty without a goal. */
export function formatMet(goal: string | null, met: boolean | null): string {
  if (goal === null) return '';
  if (met === null) return '?';
  return met ? 'met' : 'MISSED';
}
