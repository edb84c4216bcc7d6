// The in-place codec (src/codec.ts `inPlace`, src/internal/fastclone.ts):
// values encoded straight into shared memory and decoded straight out of it
// give what the copying codec gives, byte for byte, at any offset; a value
// that does not fit says so and holds nothing; every built-in codec and a
// user's codec work in place.
import { describe, expect, it } from 'vitest';
import type { Codec } from '@gocsp/core';
import * as substrate from '@gocsp/core/internal';

const { codecs } = substrate;

const sab = new SharedArrayBuffer(1 << 20);
const u8 = new Uint8Array(sab);

function roundTrip<T>(codec: Codec<T>, v: T, off = 3, room = 4096): { bytes: number; back: T } {
  const ip = substrate.inPlace(codec);
  const n = ip.encodeInto(v, u8, off, room);
  expect(n).toBeGreaterThanOrEqual(0);
  // The same bytes as the copying form.
  expect([...u8.subarray(off, off + n)]).toEqual([...codec.encode(v)]);
  return { bytes: n, back: ip.decodeFrom(u8, off, n) };
}

const sparse: unknown[] = [1];
sparse[3] = 4;

describe('structured codec in place', () => {
  const values: [string, unknown][] = [
    ['undefined', undefined],
    ['null', null],
    ['booleans', [true, false]],
    ['numbers', [0, -0, 1, -1, 2 ** 31, -(2 ** 31), 1.5, NaN, Infinity, -Infinity]],
    ['an ASCII string', 'x'.repeat(100)],
    ['a short latin1 string', 'héllo'],
    ['a long latin1 string', 'é'.repeat(300)],
    ['UTF-8 beyond latin1', 'wörld ✓ 😀 ' + '日本'.repeat(40)],
    ['an empty string', ''],
    ['a small object', { id: 7, payload: 'x'.repeat(100) }],
    [
      'nested objects and arrays',
      { a: [1, [2, [3, { b: 'c' }]]], e: {}, f: [], '': 'empty key', ké: 1 },
    ],
    ['integer-like keys', { [String(2 ** 31)]: 'big key', '1': 'one' }],
    [
      'typed arrays',
      [new Float64Array([1.5, -2]), new Uint8Array([1, 2, 3]), new BigInt64Array([5n])],
    ],
    [
      'a typed array that is a window (v8 path keeps its offset)',
      new Uint8Array(new ArrayBuffer(8), 2, 4),
    ],
    [
      'two views of one buffer (v8 path keeps them shared)',
      (() => {
        const b = new ArrayBuffer(8);
        return [new Uint8Array(b), new Int32Array(b)];
      })(),
    ],
    ['a sparse array (v8 path keeps the holes)', sparse],
    [
      'Map, Set, Date, bigint (v8 path)',
      { m: new Map([[1, 2]]), s: new Set(['a']), d: new Date(5), n: 123n },
    ],
  ];
  for (const [name, v] of values) {
    it(`round-trips ${name}, byte for byte as encode() makes it`, () => {
      const { back } = roundTrip(codecs.structured, v);
      expect(back).toEqual(v);
    });
  }

  it('keeps -0, lone surrogates (UTF-16 strings, not UTF-8) and whole typed arrays as structured clone does', () => {
    expect(Object.is(roundTrip(codecs.structured, -0).back, -0)).toBe(true);
    for (const s of ['a\ud800b', '\udc00', { k: 'x\ud83d' }, ['\ud800'.repeat(40)]]) {
      expect(roundTrip(codecs.structured, s).back).toEqual(structuredClone(s));
    }
    const f = roundTrip(codecs.structured, new Float64Array([1.5, 2.5])).back as Float64Array;
    expect(f.byteOffset).toBe(0);
    expect(f.buffer.byteLength).toBe(16);
  });

  it('says "no room" (-1) for a value larger than the room, holding nothing, and spills it whole', () => {
    const ip = substrate.inPlace(codecs.structured);
    for (const v of [
      'x'.repeat(200),
      'é'.repeat(100),
      { id: 1, payload: 'y'.repeat(300) },
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      new Map([[1, 'x'.repeat(300)]]),
    ]) {
      expect(ip.encodeInto(v, u8, 0, 40)).toBe(-1);
      const whole = ip.encodeSpill(v);
      expect([...whole]).toEqual([...codecs.structured.encode(v)]);
      expect(codecs.structured.decode(whole)).toEqual(v);
    }
    // Exactly the room needed fits; one byte less does not.
    const n = ip.encodeInto('abc', u8, 0, 100);
    expect(ip.encodeInto('abc', u8, 0, n)).toBe(n);
    expect(ip.encodeInto('abc', u8, 0, n - 1)).toBe(-1);
  });

  it('refuses what cannot be cloned with a TypeError', () => {
    const ip = substrate.inPlace(codecs.structured);
    expect(() => ip.encodeInto(() => 1, u8, 0, 100)).toThrow(TypeError);
    expect(() => ip.encodeInto({ f: () => 1 }, u8, 0, 100)).toThrow(/cannot send/);
    expect(() => ip.encodeInto(Symbol('s'), u8, 0, 100)).toThrow(TypeError);
  });
});

describe('other codecs in place', () => {
  it('string, json, bytes, int32, float64', () => {
    expect(roundTrip(codecs.string, 'héllo ✓').back).toBe('héllo ✓');
    expect(roundTrip(codecs.json, { a: [1, 'b'] }).back).toEqual({ a: [1, 'b'] });
    expect([...roundTrip(codecs.bytes, new Uint8Array([9, 8, 7])).back]).toEqual([9, 8, 7]);
    expect(roundTrip(codecs.int32, -5).back).toBe(-5);
    expect(roundTrip(codecs.float64, 2.25).back).toBe(2.25);
    expect(() => substrate.inPlace(codecs.string).encodeInto(1 as never, u8, 0, 8)).toThrow(
      TypeError,
    );
    expect(substrate.inPlace(codecs.string).encodeInto('x'.repeat(9), u8, 0, 8)).toBe(-1);
  });

  it("a user's codec: its bytes copied in, a copy decoded", () => {
    const point: Codec<{ x: number; y: number }> = {
      name: 'point',
      encode: (p) => new Uint8Array([p.x, p.y]),
      decode: (b) => ({ x: b[0]!, y: b[1]! }),
    };
    expect(roundTrip(point, { x: 3, y: 4 }).back).toEqual({ x: 3, y: 4 });
    expect(substrate.inPlace(point).encodeInto({ x: 1, y: 2 }, u8, 0, 1)).toBe(-1);
    expect([...substrate.inPlace(point).encodeSpill({ x: 1, y: 2 })]).toEqual([1, 2]);
  });
});
