/**
 * Small helpers shared by benchmark cases: warm-up sizing, unit conversion,
 * result checks.
 */

/**
 * Operations of the untimed warm-up pass a case runs on the same workers
 * before its timed pass: a tenth of `n`, so the hot loops are optimized by V8
 * before the clock starts.
 */
export function warmupSize(n: number): number {
  return Math.max(1, Math.ceil(n / 10));
}

/** `n` operations in `ms` milliseconds, as operations per second. */
export function perSecond(n: number, ms: number): number {
  return (n * 1000) / ms;
}

/** `n` operations in `ms` milliseconds, as microseconds per operation. */
export function microsPer(n: number, ms: number): number {
  return (ms * 1000) / n;
}

/** Sum of the consecutive integers `from`, ..., `from + count - 1`. */
export function sumOfRange(from: number, count: number): number {
  return (count * (2 * from + count - 1)) / 2;
}

/** Throws unless a worker's reported `actual` equals `expected`: a benchmark that lost data measured nothing. */
export function expectEqual(what: string, actual: unknown, expected: number): void {
  if (actual !== expected) {
    throw new Error(
      `${what}: got ${String(actual)}, expected ${expected}; the benchmark lost or duplicated data`,
    );
  }
}
