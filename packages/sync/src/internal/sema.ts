/**
 * The counting semaphore under Mutex (Go's runtime_SemacquireMutex /
 * runtime_Semrelease): a count word and a wait queue, both under one internal
 * lock. Release hands the token straight to the first live waiter, so a woken
 * waiter never has to retry the semaphore itself.
 *
 * Words (relative to `base` in the owner's buffer): base+0 COUNT, base+1 LOCK,
 * base+2..3 queue.
 */
import * as substrate from '@gocsp/core/internal';

type World = substrate.World;

export class Sema {
  readonly queue: substrate.WaitQueue;
  constructor(
    readonly world: World,
    readonly i32: Int32Array,
    readonly base: number,
    /** Told how many dead waiters' nodes a release dropped, beyond the one it was meant to wake. */
    private readonly onDeadWaiters: (extra: number) => void,
    private readonly deadCheck: () => Error | undefined,
    private readonly owner: object,
    /** What a goroutine dump says a waiter here waits for (substrate.WR_*). */
    private readonly reason: number,
  ) {
    this.queue = new substrate.WaitQueue(world, i32, base + 2);
  }

  /** Queues (front if lifo) unless a token is there; -1 means acquired at once. */
  private enqueue(lifo: boolean): number {
    const { world, i32, base } = this;
    substrate.ilock(world, i32, base + 1);
    try {
      if (i32[base]! > 0) {
        i32[base]!--;
        return -1;
      }
      const err = this.deadCheck();
      if (err !== undefined) throw err;
      const node = substrate.allocNode(world);
      if (lifo) this.queue.pushFront(node);
      else this.queue.pushBack(node);
      return node;
    } finally {
      substrate.iunlock(i32, base + 1);
    }
  }

  acquire(lifo: boolean): Promise<void> | undefined {
    const node = this.enqueue(lifo);
    if (node < 0) return undefined;
    return substrate
      .parkAsync(this.world, this.queue, this.base + 1, node, {
        owner: this.owner,
        deadCheck: this.deadCheck,
        reason: this.reason,
      })
      .then(() => substrate.freeNode(this.world, node));
  }

  acquireSync(lifo: boolean): void {
    const node = this.enqueue(lifo);
    if (node < 0) return;
    substrate.waitReason(this.reason, this.owner);
    substrate.parkSync(this.world, this.queue, this.base + 1, node, this.deadCheck);
    substrate.freeNode(this.world, node);
  }

  /**
   * Wakes the first live waiter, or banks a token if there is none. `handoff`
   * (starvation mode) means the caller did not already count the woken one
   * out of the owner's waiter count, so every dead node dropped is extra.
   */
  release(handoff: boolean): void {
    const { world, i32, base } = this;
    let dead = 0;
    let node: number;
    substrate.ilock(world, i32, base + 1);
    try {
      node = this.queue.popLive(() => dead++);
      if (node < 0) i32[base]!++;
      else substrate.markWoken(world, node);
    } finally {
      substrate.iunlock(i32, base + 1);
    }
    const extra = handoff || node >= 0 ? dead : Math.max(0, dead - 1);
    if (extra > 0) this.onDeadWaiters(extra);
    if (node >= 0) substrate.wakeNode(world, node);
  }
}
