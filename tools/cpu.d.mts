// Types of tools/cpu.mjs.

/** A point-in-time reading for {@link otherProcessesCores}. */
export interface CpuSnapshot {
  readonly wallMs: number;
  /** Busy ms summed over all cores, as the OS reports them. */
  readonly machineBusyMs: number;
  /** This process's user + system CPU, ms. */
  readonly ownMs: number;
}

/** Reads the machine's and this process's CPU counters. */
export function cpuSnapshot(): CpuSnapshot;

/** Average number of cores other processes kept busy between two snapshots; null if too short. */
export function otherProcessesCores(from: CpuSnapshot, to: CpuSnapshot): number | null;
