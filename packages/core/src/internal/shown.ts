/**
 * How a bad argument is shown in an error message: enough to recognise it,
 * its type when that is the mistake ('"3" (a string)' where a number was
 * expected, not a bare 3), never the whole of a large value.
 */

const MAX = 40;

/**
 * A short, typed rendering of `v` for "..., got <v>" in error messages.
 *
 * @example
 * ```ts
 * shown('3');        // '"3" (a string)'
 * shown(-1);         // '-1'
 * shown([1, 2]);     // 'an Array of length 2'
 * shown(() => 1);    // 'a function'
 * ```
 */
export function shown(v: unknown): string {
  switch (typeof v) {
    case 'number':
      return String(v);
    case 'string': {
      const s = v.length > MAX ? `${v.slice(0, MAX)}...` : v;
      return `${JSON.stringify(s)} (a string)`;
    }
    case 'bigint':
      return `${v}n (a bigint)`;
    case 'boolean':
      return `${v} (a boolean)`;
    case 'undefined':
      return 'undefined';
    case 'symbol':
      return `${String(v)} (a symbol)`;
    case 'function':
      return v.name ? `a function (${v.name})` : 'a function';
    default: {
      if (v === null) return 'null';
      if (Array.isArray(v)) return `an Array of length ${v.length}`;
      const name = (v as object).constructor?.name;
      return name && name !== 'Object' ? `a ${name}` : 'an object';
    }
  }
}
