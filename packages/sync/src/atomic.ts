/**
 * AtomicInt32, AtomicInt64, AtomicBool: Go's sync/atomic typed values, each
 * one word of its own SharedArrayBuffer, shareable across threads.
 *
 * Layout: word 0 holds the value (Int32; BigInt64 for AtomicInt64; 0/1 for
 * AtomicBool). Every operation is one sequentially consistent Atomics call.
 * Arithmetic wraps around as Go's does.
 */
import { errors } from './errors.js';
import { SharedBase, registerType } from './internal/base.js';

const checkI32 = (v: number): number => {
  if ((v | 0) !== v) throw errors.badInt32(v);
  return v;
};
const MIN64 = -(1n << 63n);
const MAX64 = (1n << 63n) - 1n;
const checkI64 = (v: bigint): bigint => {
  if (typeof v !== 'bigint' || v < MIN64 || v > MAX64) throw errors.badInt64(v);
  return v;
};

/**
 * Go's `atomic.Int32`.
 *
 * @example
 * ```ts
 * const n = new AtomicInt32();
 * n.add(1); // from any thread
 * n.load(); // 1
 * ```
 */
export class AtomicInt32 extends SharedBase {
  private readonly a: Int32Array;
  constructor(v = 0) {
    super('sync.AtomicInt32', 1);
    this.a = this.i32;
    if (!this.revived) this.a[0] = checkI32(v);
  }

  /** @internal */
  protected state(): Record<string, string | number | boolean | null> {
    return { value: this.load() };
  }
  /** Reads the value. @example `n.load()` */
  load(): number {
    return Atomics.load(this.a, 0);
  }
  /** Writes the value. @example `n.store(5)` */
  store(v: number): void {
    Atomics.store(this.a, 0, checkI32(v));
  }
  /** Adds `d` and returns the new value (wrapping). @example `n.add(2)` */
  add(d: number): number {
    return (Atomics.add(this.a, 0, checkI32(d)) + d) | 0;
  }
  /** Subtracts `d` and returns the new value (wrapping). @example `n.sub(2)` */
  sub(d: number): number {
    return (Atomics.sub(this.a, 0, checkI32(d)) - d) | 0;
  }
  /** Stores `v`, returns the old value. @example `const old = n.swap(0)` */
  swap(v: number): number {
    return Atomics.exchange(this.a, 0, checkI32(v));
  }
  /** Stores `nw` if the value is `old`; true if it did. @example `n.compareAndSwap(0, 1)` */
  compareAndSwap(old: number, nw: number): boolean {
    return Atomics.compareExchange(this.a, 0, checkI32(old), checkI32(nw)) === old;
  }
  /** Bitwise AND with `mask`; returns the old value. @example `n.and(0xff)` */
  and(mask: number): number {
    return Atomics.and(this.a, 0, checkI32(mask));
  }
  /** Bitwise OR with `mask`; returns the old value. @example `n.or(1)` */
  or(mask: number): number {
    return Atomics.or(this.a, 0, checkI32(mask));
  }
}

/**
 * Go's `atomic.Int64`, with bigint values.
 *
 * @example
 * ```ts
 * const total = new AtomicInt64();
 * total.add(10n);
 * ```
 */
export class AtomicInt64 extends SharedBase {
  private readonly a: BigInt64Array;
  constructor(v = 0n) {
    super('sync.AtomicInt64', 2);
    this.a = new BigInt64Array(this.world.sab, this.i32.byteOffset, 1);
    if (!this.revived) this.a[0] = checkI64(v);
  }

  /** @internal */
  protected state(): Record<string, string | number | boolean | null> {
    return { value: this.load().toString() };
  }
  /** Reads the value. @example `total.load()` */
  load(): bigint {
    return Atomics.load(this.a, 0);
  }
  /** Writes the value. @example `total.store(0n)` */
  store(v: bigint): void {
    Atomics.store(this.a, 0, checkI64(v));
  }
  /** Adds `d` and returns the new value (wrapping). @example `total.add(1n)` */
  add(d: bigint): bigint {
    return BigInt.asIntN(64, Atomics.add(this.a, 0, checkI64(d)) + d);
  }
  /** Subtracts `d` and returns the new value (wrapping). @example `total.sub(1n)` */
  sub(d: bigint): bigint {
    return BigInt.asIntN(64, Atomics.sub(this.a, 0, checkI64(d)) - d);
  }
  /** Stores `v`, returns the old value. @example `total.swap(0n)` */
  swap(v: bigint): bigint {
    return Atomics.exchange(this.a, 0, checkI64(v));
  }
  /** Stores `nw` if the value is `old`; true if it did. @example `total.compareAndSwap(0n, 1n)` */
  compareAndSwap(old: bigint, nw: bigint): boolean {
    return Atomics.compareExchange(this.a, 0, checkI64(old), checkI64(nw)) === old;
  }
  /** Bitwise AND; returns the old value. @example `total.and(0xffn)` */
  and(mask: bigint): bigint {
    return Atomics.and(this.a, 0, checkI64(mask));
  }
  /** Bitwise OR; returns the old value. @example `total.or(1n)` */
  or(mask: bigint): bigint {
    return Atomics.or(this.a, 0, checkI64(mask));
  }
}

/**
 * Go's `atomic.Bool`.
 *
 * @example
 * ```ts
 * const stop = new AtomicBool();
 * stop.store(true); // a worker polls stop.load()
 * ```
 */
export class AtomicBool extends SharedBase {
  private readonly a: Int32Array;
  constructor(v = false) {
    super('sync.AtomicBool', 1);
    this.a = this.i32;
    if (!this.revived) this.a[0] = v ? 1 : 0;
  }

  /** @internal */
  protected state(): Record<string, string | number | boolean | null> {
    return { value: this.load() };
  }
  /** Reads the value. @example `stop.load()` */
  load(): boolean {
    return Atomics.load(this.a, 0) !== 0;
  }
  /** Writes the value. @example `stop.store(true)` */
  store(v: boolean): void {
    Atomics.store(this.a, 0, v ? 1 : 0);
  }
  /** Stores `v`, returns the old value. @example `stop.swap(false)` */
  swap(v: boolean): boolean {
    return Atomics.exchange(this.a, 0, v ? 1 : 0) !== 0;
  }
  /** Stores `nw` if the value is `old`; true if it did. @example `stop.compareAndSwap(false, true)` */
  compareAndSwap(old: boolean, nw: boolean): boolean {
    const o = old ? 1 : 0;
    return Atomics.compareExchange(this.a, 0, o, nw ? 1 : 0) === o;
  }
}

registerType('sync.AtomicInt32', () => new AtomicInt32());
registerType('sync.AtomicInt64', () => new AtomicInt64());
registerType('sync.AtomicBool', () => new AtomicBool());
