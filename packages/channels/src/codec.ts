/**
 * Codecs: how a channel turns values into bytes in shared memory and back.
 * They live in @gocsp/core (goroutine arguments and results use them too);
 * see core's codec.ts for the format and the fast paths.
 */
import * as substrate from '@gocsp/core/internal';

export type { Codec } from '@gocsp/core';

/**
 * The built-in codecs. Pass one as `chan(cap, { codec })`.
 *
 * @example
 * ```ts
 * const nums = chan<number>(1024, { codec: codecs.int32 });
 * ```
 */
export const codecs = substrate.codecs;
