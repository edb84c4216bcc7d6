// cpu: how busy other processes kept the machine during a measurement - the
// CPU time all cores spent busy (os.cpus()) minus this process's own CPU time
// (process.cpuUsage(), which covers its worker threads), over the wall time.
// Used by the benchmarks (apps/bench) and by the examples that show a speedup
// (apps/examples), so that a figure disturbed by other work says so.
//
// Rejected: the load average. It is a 1-minute decaying average that counts
// the measuring process's own busy workers, so it says little about one run.
import os from 'node:os';

/** Reads the machine's and this process's CPU counters. */
export function cpuSnapshot() {
  let busy = 0;
  for (const c of os.cpus()) busy += c.times.user + c.times.nice + c.times.sys + c.times.irq;
  const own = process.cpuUsage();
  return { wallMs: performance.now(), machineBusyMs: busy, ownMs: (own.user + own.system) / 1000 };
}

/**
 * Average number of cores other processes kept busy between two snapshots
 * (0 = the measurement had the machine to itself); null over too short an
 * interval to say. The OS counters tick in 10 ms steps, so it is approximate.
 */
export function otherProcessesCores(from, to) {
  const wall = to.wallMs - from.wallMs;
  if (wall < 200) return null;
  const others = to.machineBusyMs - from.machineBusyMs - (to.ownMs - from.ownMs);
  return Math.max(0, others / wall);
}
