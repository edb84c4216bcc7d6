// Which threads did the work: a count of results per thread id.

/**
 * `thread 1: 9, thread 2: 7` - how many results came from each thread.
 *
 * @example
 * ```ts
 * byThread([{ thread: 1 }, { thread: 2 }, { thread: 1 }]); // 'thread 1: 2, thread 2: 1'
 * ```
 */
export function byThread(results: readonly { thread: number }[]): string {
  const counts = new Map<number, number>();
  for (const r of results) counts.set(r.thread, (counts.get(r.thread) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([t, n]) => `thread ${t}: ${n}`)
    .join(', ');
}
