/**
 * Task functions of the patterns benchmarks (patterns-parallelmap,
 * patterns-pipeline), shared by every contender so each runs the very same
 * code: piscina loads this file as its worker (`run(x, { name })`), the
 * hand-wired postMessage pipeline's workers import it (workers/patterns-stage.ts),
 * and gocsp goroutines reach it with `taskModule`. No imports.
 */

/** An item of the "small items" cases. */
export interface Item {
  id: number;
  v: number;
}

/** Iterations of one CPU-bound step (about 4 ms of this loop on the 2-vCPU VM). */
export const CPU_STEP = 1_000_000;

/** A few microseconds of busy loop: the CPU-bound step, `iters` long. */
function burn(seed: number, iters: number): number {
  let s = seed | 0;
  for (let i = 0; i < iters; i++) s = (s * 31 + i) | 0;
  return s;
}

/** parallelMap, small: a record in, a record out. */
export function small(x: Item): Item {
  return { id: x.id, v: x.v * 2 + 1 };
}

/** parallelMap, CPU-bound: the same record map after CPU_STEP iterations of work. */
export function heavy(x: Item): Item {
  return { id: x.id, v: x.v * 2 + 1 + (burn(x.id, CPU_STEP) & 0) };
}

/** Pipeline stage 1 (small): v + 1. */
export function s1(x: Item): Item {
  return { id: x.id, v: x.v + 1 };
}

/** Pipeline stage 2 (small): v * 2. */
export function s2(x: Item): Item {
  return { id: x.id, v: x.v * 2 };
}

/** Pipeline stage 3 (small): v - 1. */
export function s3(x: Item): Item {
  return { id: x.id, v: x.v - 1 };
}

/** Pipeline stage 1 (CPU-bound): s1 after CPU_STEP/2 iterations. */
export function c1(x: Item): Item {
  return { id: x.id, v: x.v + 1 + (burn(x.v, CPU_STEP / 2) & 0) };
}

/** Pipeline stage 2 (CPU-bound). */
export function c2(x: Item): Item {
  return { id: x.id, v: x.v * 2 + (burn(x.v, CPU_STEP / 2) & 0) };
}

/** Pipeline stage 3 (CPU-bound). */
export function c3(x: Item): Item {
  return { id: x.id, v: x.v - 1 + (burn(x.v, CPU_STEP / 2) & 0) };
}

/** The stage functions by name, for the hand-wired workers. */
export const STAGES = { s1, s2, s3, c1, c2, c3 } as const;
