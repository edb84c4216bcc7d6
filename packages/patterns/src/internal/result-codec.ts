/**
 * The codec of a worker pool's result channels: the structured codec, with
 * a job's error carried as core's error record (core internal/wire.ts) so that it arrives
 * with its class name, message, stack, `cause` and own properties - plain
 * structured clone would turn a `class MyError` into a bare `Error` and drop
 * its `code`.
 *
 * Registered under a fixed codec id on every thread that loads this package
 * (goroutine workers do), so the channels cross threads.
 */
import { codecs, registerCodec, type Codec } from '@gocsp/channels';
import * as substrate from '@gocsp/core/internal';
import type { PoolRecord } from './routines.js';

/** Codec id reserved by @gocsp/patterns for pool results (user ids are 100..65535). */
export const RESULT_CODEC_ID = 65_280;

const { structured } = codecs;
const { errorFromWire, errorToWire } = substrate;

export const resultCodec: Codec<PoolRecord> = {
  name: 'gocsp.patterns.result',
  encode(v) {
    if (typeof v === 'object' && v !== null && v.ok === false) {
      return structured.encode({ index: v.index, ok: false, error: errorToWire(v.error) });
    }
    return structured.encode(v);
  },
  decode(b) {
    const r = structured.decode(b) as PoolRecord;
    if (typeof r === 'object' && r !== null && r.ok === false) r.error = errorFromWire(r.error);
    return r;
  },
  dispose(b) {
    structured.dispose?.(b);
  },
};

registerCodec(RESULT_CODEC_ID, resultCodec);
