/**
 * Values on the network: a channel's codec (the channels' codecs: default
 * structured clone) turns a value into the payload of one NATS message.
 *
 * The structured codec carries gocsp shared objects (channels, Mutex, ...)
 * and SharedArrayBuffers *by reference*, as a pointer into this process's
 * shared memory: meaningless on another machine. So before encoding with it,
 * the value is walked and such objects are refused with a TypeError, and
 * nothing is sent (encoding one would also take a reference on it). Other
 * codecs (json, string, bytes, int32, float64, a user's) carry what they
 * carry.
 */
import { isShareable, type Codec } from '@gocsp/core';
import { codecs } from '@gocsp/channels';
import { errors } from '../errors.js';

/** Encodes `v` for the network; throws a TypeError (nothing sent) for what cannot cross. */
export function encodeValue<T>(codec: Codec<T>, v: T): Uint8Array {
  if (codec === codecs.structured) checkLocalOnly(v, new Set(), 0);
  return codec.encode(v);
}

/** Decodes a payload made by `encodeValue` with the same codec. */
export function decodeValue<T>(codec: Codec<T>, bytes: Uint8Array): T {
  return codec.decode(bytes);
}

function checkLocalOnly(v: unknown, seen: Set<object>, depth: number): void {
  if (typeof v !== 'object' || v === null) return;
  if (seen.has(v) || depth > 1000) return;
  seen.add(v);
  if (isShareable(v)) throw errors.notShareable('a gocsp shared object');
  if (v instanceof SharedArrayBuffer) throw errors.notShareable('a SharedArrayBuffer');
  if (ArrayBuffer.isView(v)) {
    if (v.buffer instanceof SharedArrayBuffer) {
      throw errors.notShareable('a view of a SharedArrayBuffer');
    }
    return;
  }
  if (v instanceof Map) {
    for (const [k, x] of v) {
      checkLocalOnly(k, seen, depth + 1);
      checkLocalOnly(x, seen, depth + 1);
    }
    return;
  }
  if (v instanceof Set || Array.isArray(v)) {
    for (const x of v as Iterable<unknown>) checkLocalOnly(x, seen, depth + 1);
    return;
  }
  for (const k of Object.keys(v))
    checkLocalOnly((v as Record<string, unknown>)[k], seen, depth + 1);
}
