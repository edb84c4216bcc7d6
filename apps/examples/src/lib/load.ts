// What else ran on the machine while an example timed something: a speedup
// measured while other processes kept the cores busy says so when it prints.
import { cpuSnapshot, otherProcessesCores } from '../../../../tools/cpu.mjs';
import { numCPU } from '@gocsp/core';

/**
 * Starts watching the machine's load; the returned function ends the watch
 * and gives a note for the figure measured meanwhile: empty when other
 * processes left the cores alone (under 0.1 core on average), else e.g.
 * " (other processes kept 0.9 of 2 cores busy meanwhile: the figure is
 * disturbed)".
 *
 * @example
 * ```ts
 * const load = watchLoad();
 * const speedup = await measure();
 * println(`speedup ${speedup.toFixed(2)}x${load()}`);
 * ```
 */
export function watchLoad(): () => string {
  const from = cpuSnapshot();
  return () => {
    const others = otherProcessesCores(from, cpuSnapshot());
    if (others === null || others < 0.1) return '';
    return ` (other processes kept ${others.toFixed(1)} of ${numCPU()} cores busy meanwhile: the figure is disturbed)`;
  };
}
