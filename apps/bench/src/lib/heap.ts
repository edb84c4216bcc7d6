/**
 * Memory measurements for the parked-goroutine benchmark: this thread's V8
 * heap after a forced GC, and the bytes in use in gocsp's shared heap.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import * as substrate from '@gocsp/core/internal';

let gcFn: (() => void) | undefined;

/** Runs two full garbage collections on this thread (V8's gc(), exposed at run time). */
export function forceGc(): void {
  if (gcFn === undefined) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  gcFn();
  gcFn();
}

/** This thread's V8 heap in use after full GCs, in bytes. */
export function heapUsedAfterGc(): number {
  forceGc();
  return v8.getHeapStatistics().used_heap_size;
}

// The world header of @gocsp/core (packages/core/src/internal/world.ts, layout
// table at its top): word 0 the magic, word 4 the heap top (first word never
// allocated), words 16..47 the heads of the free lists of the 32 size
// classes; a free block's first word links the next one; class k blocks are
// 32 << k bytes (internal/heap.ts).
const H_MAGIC = 0;
const MAGIC = 0x67637370;
const H_HEAP_TOP = 4;
const H_FREE = 16;
const SIZE_CLASSES = 32;

/**
 * Bytes of gocsp's shared heap (the world's SharedArrayBuffer) in use: carved
 * so far minus what sits in the free lists. Blocks a thread keeps in its own
 * small cache (at most 64 per small class) count as in use. Read without the
 * heap lock: call it only while no thread allocates or frees (all goroutines
 * parked or finished). Only differences between two readings are meaningful.
 */
export function sharedHeapInUse(): number {
  const i32 = substrate.defaultWorld().i32;
  if (i32[H_MAGIC] !== MAGIC) {
    throw new Error(
      'sharedHeapInUse: the gocsp world header is not where expected (core changed its layout?)',
    );
  }
  let free = 0;
  for (let k = 0; k < SIZE_CLASSES; k++) {
    let count = 0;
    for (let b = Atomics.load(i32, H_FREE + k); b !== 0; b = i32[b]!) {
      if (++count > i32.length) throw new Error(`sharedHeapInUse: free list ${k} has a cycle`);
    }
    free += count * 32 * 2 ** k;
  }
  return Atomics.load(i32, H_HEAP_TOP) * 4 - free;
}
