/**
 * Common ground of every @gocsp/sync object: a block of the world's shared
 * heap (core: object.ts) holding its Int32 words, the world its waiters park
 * in, and the reference through which it crosses threads.
 *
 * Revival without a public constructor argument: the reviver parks the
 * (world, address) pair in `pending` and calls the public constructor, which
 * takes it from there.
 */
import * as substrate from '@gocsp/core/internal';

type World = substrate.World;

/**
 * Shared type ids of @gocsp/sync (stored in each object's header; see core's
 * internal/types.ts). Ids 1-15 are this package's; never reuse one.
 */
export const TYPE_IDS = {
  'sync.WaitGroup': 1,
  'sync.Mutex': 2,
  'sync.RWMutex': 3,
  'sync.Once': 4,
  'sync.Cond': 5,
  'sync.Semaphore': 6,
  'sync.AtomicInt32': 7,
  'sync.AtomicInt64': 8,
  'sync.AtomicBool': 9,
} as const;

/** Name of a shared sync type. */
export type TypeName = keyof typeof TYPE_IDS;

let pending: substrate.SharedRef | undefined;

/** Base of shared sync objects; `words` Int32 words of state. */
export abstract class SharedBase {
  /** @internal */ readonly world: World;
  /** @internal the object's words (a view into the world's heap). */
  readonly i32: Int32Array;
  /** @internal address of the object's block in the world heap. */
  readonly ref: number;
  /** @internal true when this instance was revived from another thread's object. */
  protected readonly revived: boolean;
  /** @internal Its kind as printed: the type name less the package ('Mutex'). */
  private readonly kind: string;

  protected constructor(type: TypeName, words: number, child?: substrate.SharedRef) {
    const p = pending;
    pending = undefined;
    this.kind = type.slice(type.indexOf('.') + 1);
    if (p !== undefined) {
      this.world = p.world;
      this.ref = p.ref;
      this.revived = true;
    } else {
      this.world = child?.world ?? substrate.defaultWorld();
      this.ref = substrate.allocObject(this.world, TYPE_IDS[type], words, child?.ref ?? 0);
      this.revived = false;
      substrate.rememberObject(this.world, this.ref, this);
    }
    const byteOffset = (this.ref + substrate.OBJ_HEADER) * 4;
    this.i32 = new Int32Array(this.world.sab, byteOffset, words);
  }

  /** @internal where this object lives (used by toShared and codecs). */
  get [substrate.kShared](): substrate.SharedRef {
    return { world: this.world, ref: this.ref };
  }

  /** Id of this object, the same on every thread (its address in the shared heap). */
  get id(): number {
    return this.ref;
  }

  /** @internal How a goroutine dump names it: 'Mutex 7', 'WaitGroup 12'. */
  [substrate.kDescribe](): string {
    return `${this.kind} ${this.ref}`;
  }

  /** @internal Its state for inspect and JSON (racy reads, like `len` of a channel). */
  protected abstract state(): Record<string, string | number | boolean | null>;

  /** @internal One line: `Mutex { id: 7, locked: true, waiters: 0 }`. */
  [substrate.inspectCustom](): string {
    return this.summary().text;
  }

  /**
   * What JSON.stringify makes of it: `{ kind, id, ...state }`.
   *
   * @example
   * ```ts
   * JSON.stringify({ mu }); // '{"mu":{"kind":"Mutex","id":7,"locked":false,"waiters":0}}'
   * ```
   */
  toJSON(): Record<string, string | number | boolean | null> {
    return this.summary().json;
  }

  private summary(): ReturnType<typeof substrate.sharedSummary> {
    return substrate.sharedSummary(this.kind, { id: this.ref, ...this.state() });
  }
}

/** Registers the reviver of a shared sync type: (world, address) -> live object. */
export function registerType<T extends object>(type: TypeName, make: () => T): void {
  substrate.registerSharedType(
    TYPE_IDS[type],
    type,
    (world, ref) => {
      pending = { world, ref };
      try {
        return make();
      } finally {
        pending = undefined;
      }
    },
    import.meta.url,
  );
}
