// The parker's table of waiters (internal/park.ts, NodeTable): every parked
// node reaches its own waiter exactly once, wherever in the heap the node is,
// and the table works again after it emptied and dropped its pages.
import { describe, expect, it } from 'vitest';
import * as substrate from '@gocsp/core/internal';
import { rng } from '../../../tools/testkit.mjs';

/** A waiter that counts its wakes. */
function counter(): { wakes: number; wake(): void } {
  return {
    wakes: 0,
    wake() {
      this.wakes++;
    },
  };
}

/**
 * Parks `n` nodes spread over the heap (large blocks allocated between them
 * push later nodes onto other pages of the table), wakes them in a shuffled
 * order, and checks each waiter woke once and the thread holds no waiter.
 */
function parkAndWake(n: number, next: () => number): void {
  const world = substrate.defaultWorld();
  const parker = substrate.parkerFor(world);
  const before = parker.parked;
  const spacer = substrate.classFor(16 * 1024); // 64 KiB: the heap of two table pages
  const spacers: number[] = [];
  const nodes: number[] = [];
  const waiters = new Map<number, ReturnType<typeof counter>>();
  for (let i = 0; i < n; i++) {
    if (i % 16 === 0) spacers.push(substrate.allocBlock(world, spacer));
    const node = substrate.allocNode(world);
    const w = counter();
    nodes.push(node);
    waiters.set(node, w);
    parker.park(node, w);
  }
  expect(parker.parked).toBe(before + n);
  for (let i = nodes.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [nodes[i], nodes[j]] = [nodes[j]!, nodes[i]!];
  }
  for (const node of nodes) {
    substrate.markWoken(world, node);
    substrate.wakeNode(world, node); // our own node: the waiter runs now
    expect(waiters.get(node)!.wakes).toBe(1);
    substrate.wakeNode(world, node); // a second wake finds no waiter
    expect(waiters.get(node)!.wakes).toBe(1);
  }
  expect(parker.parked).toBe(before);
  for (const node of nodes) substrate.freeNode(world, node);
  for (const b of spacers) substrate.freeBlock(world, b, spacer);
}

describe('parker: waiters by node', () => {
  it('wakes each of thousands of nodes spread over the heap once, also after the table emptied', async () => {
    const next = rng();
    const parker = substrate.parkerFor(substrate.defaultWorld());
    parkAndWake(3_000, next);
    expect(parker.tablePages).toBeGreaterThan(50); // nodes come in cache refills of 32, spacers between
    // The end of a turn with no waiter left drops the table's pages (lazyUnref).
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(parker.tablePages).toBe(0);
    parkAndWake(3_000, next);
    await new Promise((r) => setImmediate(r));
    parkAndWake(10, next);
  });
});
