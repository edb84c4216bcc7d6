// Small formatting helpers shared by the examples.

/**
 * Milliseconds since `t0` (a performance.now() reading).
 *
 * @example
 * ```ts
 * const t0 = performance.now(); work(); println(`took ${ms(since(t0))}`);
 * ```
 */
export function since(t0: number): number {
  return performance.now() - t0;
}

/**
 * A duration for humans: `842 ms`, `1.24 s`.
 *
 * @example
 * ```ts
 * ms(842.4); // '842 ms'
 * ms(1240); // '1.24 s'
 * ```
 */
export function ms(t: number): string {
  return t < 1000 ? `${Math.round(t)} ms` : `${(t / 1000).toFixed(2)} s`;
}

/**
 * A number with thousands separators: `40,000,000`.
 *
 * @example
 * ```ts
 * num(40_000_000); // '40,000,000'
 * ```
 */
export function num(n: number | bigint): string {
  return n.toLocaleString('en-US');
}

/**
 * A plain-text table, columns padded to their widest cell (numbers right-aligned).
 *
 * @example
 * ```ts
 * table([['workload', '1 P'], ['cpu', '1.02 s']]).forEach((l) => println(l));
 * ```
 */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, k) => (widths[k] = Math.max(widths[k] ?? 0, cell.length)));
  }
  const numeric = (s: string): boolean => /^[\d.,]+( ?(ms|s|x))?$/.test(s);
  return rows.map((row, r) =>
    row
      .map((cell, k) =>
        r > 0 && numeric(cell) ? cell.padStart(widths[k]!) : cell.padEnd(widths[k]!),
      )
      .join('  ')
      .trimEnd(),
  );
}
