/**
 * Summary statistics for benchmark samples: median, min-max, ratio to a baseline.
 *
 * Medians, not means: one round disturbed by the machine (a GC, another
 * process, a slow worker start) moves a mean but not a median of five.
 */

/** Median, minimum and maximum of one case's samples. */
export interface Summary {
  /** Middle sample; with an even count, the mean of the two middle samples. */
  readonly median: number;
  /** Smallest sample. */
  readonly min: number;
  /** Largest sample. */
  readonly max: number;
}

/**
 * Median of `samples`: the middle value once sorted, or the mean of the two
 * middle values for an even count. Throws on an empty list or a non-finite sample,
 * since either means a benchmark case is broken and must not be averaged away.
 */
export function median(samples: readonly number[]): number {
  const sorted = checked(samples, 'median')
    .slice()
    .sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[mid]!;
  return (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Smallest and largest of `samples`; throws like {@link median} on bad input. */
export function minMax(samples: readonly number[]): { min: number; max: number } {
  const xs = checked(samples, 'minMax');
  let min = Infinity;
  let max = -Infinity;
  for (const x of xs) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { min, max };
}

/** {@link median} and {@link minMax} of `samples` in one object. */
export function summarize(samples: readonly number[]): Summary {
  return { median: median(samples), ...minMax(samples) };
}

/**
 * `value / baseline`, the figure printed as "ratio vs baseline". It is the same
 * for rates and latencies; what changes is the direction: for a rate above 1 is
 * better, for a latency below 1 is. Returns `null` when there is nothing
 * meaningful to divide by (baseline missing, zero or non-finite).
 */
export function ratio(value: number, baseline: number | null | undefined): number | null {
  if (baseline === null || baseline === undefined) return null;
  if (!Number.isFinite(baseline) || baseline === 0 || !Number.isFinite(value)) return null;
  return value / baseline;
}

function checked(samples: readonly number[], fn: string): readonly number[] {
  if (samples.length === 0)
    throw new RangeError(`${fn}: no samples; a case must record at least one`);
  for (const x of samples) {
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new RangeError(
        `${fn}: sample ${String(x)} is not a finite number; the case measured nothing`,
      );
    }
  }
  return samples;
}
