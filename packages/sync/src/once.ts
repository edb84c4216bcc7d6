/**
 * Once: Go's sync.Once across threads.
 *
 * ## Layout (Int32 words)
 *
 * | word | name | meaning | protected by |
 * | --- | --- | --- | --- |
 * | 0 | STATE | IDLE -> RUNNING (one CAS winner) -> DONE | CAS, then the runner |
 * | 1 | RUNNER | token of the thread running fn | the runner |
 * | 2 | LOCK | internal lock | itself |
 * | 3..4 | Q | callers waiting for DONE | LOCK |
 *
 * The runner stores DONE and then wakes the queue under LOCK; a waiter checks
 * STATE under LOCK before queueing, so it cannot miss the transition. If the
 * runner's thread dies while RUNNING, waiters (and later callers) get
 * OwnerDiedError: fn may have half-run and will never finish.
 */
import { OwnerDiedError } from '@gocsp/core';
import * as substrate from '@gocsp/core/internal';
import { SharedBase, registerType } from './internal/base.js';

const STATE = 0;
const RUNNER = 1;
const LOCK = 2;
const Q = 3;
const WORDS = 5;
const TYPE = 'sync.Once';
const IDLE = 0;
const RUNNING = 1;
const DONE = 2;

/**
 * Go's `sync.Once`: `do(fn)` runs a function exactly once across all threads;
 * every other caller, on any thread, waits until it has finished. A throw
 * still counts as done (as a panic does in Go): the thrower's `do` rejects,
 * the others resolve, and fn never runs again.
 *
 * @example
 * ```ts
 * const once = new Once();
 * await once.do(async () => { config = await load(); });
 * ```
 */
export class Once extends SharedBase {
  private readonly queue: substrate.WaitQueue;

  constructor() {
    super(TYPE, WORDS);
    this.queue = new substrate.WaitQueue(this.world, this.i32, Q);
  }

  /** @internal */
  protected state(): Record<string, string | number | boolean | null> {
    const st = Atomics.load(this.i32, STATE);
    return { state: st === DONE ? 'done' : st === RUNNING ? 'running' : 'idle' };
  }

  /** True once fn has run (racy: a concurrent `do` may be finishing). */
  get done(): boolean {
    return Atomics.load(this.i32, STATE) === DONE;
  }

  /**
   * Runs `fn` if no call of `do` on this Once (on any thread) has run one yet;
   * otherwise waits until that first call has finished.
   *
   * @example
   * ```ts
   * await Promise.all([once.do(init), once.do(init)]); // init ran once
   * ```
   */
  async do(fn: () => unknown): Promise<void> {
    const i32 = this.i32;
    if (Atomics.load(i32, STATE) === DONE) return;
    if (Atomics.compareExchange(i32, STATE, IDLE, RUNNING) === IDLE) {
      Atomics.store(i32, RUNNER, this.world.token);
      try {
        await fn();
      } finally {
        this.finish();
      }
      return;
    }
    const node = this.enqueue();
    if (node < 0) return;
    await substrate.parkAsync(this.world, this.queue, LOCK, node, {
      owner: this,
      deadCheck: () => this.deadRunner(),
      reason: substrate.WR_MUTEX_LOCK, // Go's Once.Do waits on a Mutex
    });
    substrate.freeNode(this.world, node);
  }

  private finish(): void {
    substrate.releaseAll(this.queue, LOCK, () => Atomics.store(this.i32, STATE, DONE));
  }

  private enqueue(): number {
    const { world, i32 } = this;
    substrate.ilock(world, i32, LOCK);
    try {
      if (Atomics.load(i32, STATE) === DONE) return -1;
      const err = this.deadRunner();
      if (err !== undefined) throw err;
      const node = substrate.allocNode(world);
      this.queue.pushBack(node);
      return node;
    } finally {
      substrate.iunlock(i32, LOCK);
    }
  }

  private deadRunner(): Error | undefined {
    const r = Atomics.load(this.i32, RUNNER);
    if (Atomics.load(this.i32, STATE) !== RUNNING || r === 0 || this.world.isAlive(r))
      return undefined;
    return new OwnerDiedError(
      `Once ${this.id}: thread ${this.world.threadIdOf(r)} died while running the function; it will never finish`,
    );
  }
}

registerType(TYPE, () => new Once());
