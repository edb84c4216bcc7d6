/**
 * Common ground of every @gocsp/sync object: its own small SharedArrayBuffer
 * of Int32 words, the world (core) its waiters park in, an id unique in that
 * world, and the handle through which it crosses threads.
 *
 * Revival without a public constructor argument: `revive()` parks the handle
 * in `pending` and calls the public constructor, which takes it from there.
 */
import { substrate, type SharedHandle } from '@gocsp/core';

type World = substrate.World;

let pending: { handle: SharedHandle; world: World } | undefined;

/** Base of shared sync objects; `words` Int32 words of state. */
export abstract class SharedBase {
  /** @internal */ readonly world: World;
  /** @internal */ readonly i32: Int32Array;
  /** @internal */ readonly sab: SharedArrayBuffer;
  /** Id of this object, unique in its world; the same on every thread. */
  readonly id: number;
  /** @internal true when this instance was revived from a handle. */
  protected readonly revived: boolean;
  /** @internal the handle's extra data when revived. */
  protected readonly handleExtra: unknown;

  protected constructor(
    private readonly type: string,
    words: number,
  ) {
    const p = pending;
    pending = undefined;
    if (p !== undefined) {
      this.world = p.world;
      this.sab = p.handle.sab;
      this.id = p.handle.id;
      this.revived = true;
      this.handleExtra = p.handle.extra;
    } else {
      this.world = substrate.defaultWorld();
      this.sab = new SharedArrayBuffer(words * 4);
      this.id = this.world.nextObjectId();
      this.revived = false;
      this.handleExtra = undefined;
      substrate.rememberObject(this.world, this.id, this);
    }
    this.i32 = new Int32Array(this.sab);
  }

  /** Extra data a subclass puts in its handle. */
  protected shareExtra(): unknown {
    return undefined;
  }

  /** The cloneable handle of this object (used by `toShared`). */
  [substrate.kShare](): SharedHandle {
    return substrate.makeHandle(this.type, this.world, this.sab, this.id, this.shareExtra());
  }
}

/** Registers `ctor` as the reviver of `type`: handle -> live object. */
export function registerType<T extends object>(type: string, make: () => T): void {
  substrate.registerSharedType(type, (handle, world) => {
    pending = { handle, world };
    try {
      return make();
    } finally {
      pending = undefined;
    }
  });
}

