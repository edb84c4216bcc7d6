/**
 * Values that outlive one message: a context's cancel cause (read by any
 * number of threads, any number of times). Errors inside travel as core's
 * error records (core internal/wire.ts: class, message, stack, cause, own
 * properties; this package's error classes are registered there, so
 * `instanceof` holds after the trip).
 *
 * A cause may be decoded many times (every `cause(ctx)` on every thread), so
 * it cannot carry the single "in flight" reference that channel messages
 * carry for shared objects. Shared objects inside a stored value are pinned
 * instead (kept for the life of the process, as `toShared` does) and stand in
 * the bytes as markers.
 */
import * as substrate from '@gocsp/core/internal';

const { structured } = substrate.codecs;

const PIN_KEY = '__gocspPin__';
const { errorToWire, errorFromWire } = substrate;

/**
 * Encodes a value to be stored and decoded any number of times, on any
 * thread: errors as records, shared objects pinned. A value that cannot be
 * cloned is stored as its string form in an Error (a cause must never make
 * cancel throw).
 */
export function encodeStored(v: unknown): Uint8Array {
  const world = substrate.defaultWorld();
  const mapped = substrate.mapShared(errorToWire(v), (obj) => {
    const { world: w, ref } = obj[substrate.kShared];
    if (w !== world) throw new TypeError('a shared object of another gocsp world');
    substrate.pin(w, ref);
    return { [PIN_KEY]: ref };
  });
  try {
    return structured.encode(mapped);
  } catch {
    return structured.encode(errorToWire(new Error(String(v))));
  }
}

const isPin = (o: object): boolean => PIN_KEY in o;

/** Decodes what `encodeStored` made (possibly on another thread). */
export function decodeStored(bytes: Uint8Array): unknown {
  const world = substrate.defaultWorld();
  const v = substrate.reviveIn(structured.decode(bytes), isPin, (m) =>
    substrate.reviveRef(world, (m as Record<string, number>)[PIN_KEY]!, false),
  );
  return errorFromWire(v);
}
