import type { Options } from 'tsup';

/** tsup options for a gocsp package (see build.mjs). */
export function gocspTsup(o: {
  entry: string[];
  esmEntries?: string[];
  external?: string[];
}): Options;
