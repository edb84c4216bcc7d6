/**
 * How busy other processes kept the machine during a measurement: the CPU
 * time all cores spent busy (os.cpus()) minus this process's own CPU time
 * (process.cpuUsage(), which covers its worker threads), over the wall time.
 *
 * Rejected: the load average. It is a 1-minute decaying average that counts
 * this benchmark's own busy workers, so it says little about one suite.
 */
import os from 'node:os';

/** A point-in-time reading for {@link otherProcessesCores}. */
export interface CpuSnapshot {
  readonly wallMs: number;
  /** Busy ms summed over all cores, as the OS reports them. */
  readonly machineBusyMs: number;
  /** This process's user + system CPU, ms. */
  readonly ownMs: number;
}

/** Reads the machine's and this process's CPU counters. */
export function cpuSnapshot(): CpuSnapshot {
  let busy = 0;
  for (const c of os.cpus()) busy += c.times.user + c.times.nice + c.times.sys + c.times.irq;
  const own = process.cpuUsage();
  return { wallMs: performance.now(), machineBusyMs: busy, ownMs: (own.user + own.system) / 1000 };
}

/**
 * Average number of cores other processes kept busy between two snapshots
 * (0 = the benchmark had the machine to itself); null over too short an
 * interval to say. The OS counters tick in 10 ms steps, so it is approximate.
 */
export function otherProcessesCores(from: CpuSnapshot, to: CpuSnapshot): number | null {
  const wall = to.wallMs - from.wallMs;
  if (wall < 200) return null;
  const others = to.machineBusyMs - from.machineBusyMs - (to.ownMs - from.ownMs);
  return Math.max(0, others / wall);
}
