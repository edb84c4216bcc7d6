// test/chan/powser1.go: power series as demand-driven channels (Doug
// McIlroy's "Squinting at Power Series"). A series is a pair of unbuffered
// channels: a request channel and a data channel; every operator is a set of
// goroutines (async functions here) that demand coefficients from their
// inputs. `getn` demands from two series at once with a select over nil
// channels; `split` replicates one series to two readers at different rates.
// Ported with the same operators and the same checks as Go's main().
import { describe, expect, it } from 'vitest';
import { chan, onRecv, onSend, select, type Channel } from '@gocsp/channels';

/** A rational number; den === 0 marks the end of a finite series (Go: finis). */
interface Rat {
  num: number;
  den: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? Math.abs(a) : gcd(b, a % b));
function i2tor(u: number, v: number): Rat {
  const g = gcd(u, v) || 1;
  const s = v < 0 ? -1 : 1;
  return { num: (s * u) / g, den: (s * v) / g };
}
const itor = (u: number): Rat => i2tor(u, 1);
const zero = itor(0);
const one = itor(1);
const finis = { num: 0, den: 0 };
const end = (u: Rat): number => (u.den === 0 ? 1 : 0);
const add = (u: Rat, v: Rat): Rat => i2tor(u.num * v.den + v.num * u.den, u.den * v.den);
const mul = (u: Rat, v: Rat): Rat => i2tor(u.num * v.num, u.den * v.den);
const neg = (u: Rat): Rat => i2tor(-u.num, u.den);
const inv = (u: Rat): Rat => {
  if (u.num === 0) throw new Error('zero inverse');
  return i2tor(u.den, u.num);
};
const eq = (u: Rat, v: Rat): boolean => u.num === v.num && u.den === v.den;

/** A demand channel (Go: dch). */
interface PS {
  req: Channel<number>;
  dat: Channel<Rat>;
}
const mkPS = (): PS => ({ req: chan<number>(), dat: chan<Rat>() });
const mkPS2 = (): [PS, PS] => [mkPS(), mkPS()];
let seqno = 0;
const go = (f: () => Promise<unknown>): void => void f();

async function put(dat: Rat, out: PS): Promise<void> {
  await out.req.recv();
  await out.dat.send(dat);
}
async function get(inp: PS): Promise<Rat> {
  seqno++;
  await inp.req.send(seqno);
  return (await inp.dat.recv())!;
}

/** Get one rat from each of two demand channels, in whatever order they come (select on nils). */
async function get2(in0: PS, in1: PS): Promise<[Rat, Rat]> {
  const req: [Channel<number> | null, Channel<number> | null] = [in0.req, in1.req];
  const dat: [Channel<Rat> | null, Channel<Rat> | null] = [null, null];
  const out: [Rat, Rat] = [zero, zero];
  for (let n = 4; n > 0; n--) {
    seqno++;
    await select([
      onSend(req[0], seqno, () => {
        dat[0] = in0.dat;
        req[0] = null;
      }),
      onSend(req[1], seqno, () => {
        dat[1] = in1.dat;
        req[1] = null;
      }),
      onRecv(dat[0], (it) => {
        out[0] = it!;
        dat[0] = null;
      }),
      onRecv(dat[1], (it) => {
        out[1] = it!;
        dat[1] = null;
      }),
    ]);
  }
  return out;
}

/** Go: dosplit. Serves the first reader to ask, then the other, with the same value. */
async function dosplit(inp: PS, out: [PS, PS], wait: Channel<number>): Promise<void> {
  let both = false; // do not service both channels
  await select([
    onRecv(out[0].req),
    // The inner select runs in the case's callback; select resolves once it has.
    onRecv(wait, async () => {
      both = true;
      await select([
        onRecv(out[0].req),
        onRecv(out[1].req, () => {
          [out[0], out[1]] = [out[1], out[0]];
        }),
      ]);
    }),
  ]);
  seqno++;
  await inp.req.send(seqno);
  const release = chan<number>();
  go(() => dosplit(inp, [out[0], out[1]], release));
  const dat = (await inp.dat.recv())!;
  await out[0].dat.send(dat);
  if (!both) await wait.recv();
  await out[1].req.recv();
  await out[1].dat.send(dat);
  await release.send(0);
}

/** Go's `split` blocks on `release <- 0`; here that send runs on its own. */
function split(inp: PS, out: [PS, PS]): void {
  const release = chan<number>();
  go(() => dosplit(inp, out, release));
  go(() => release.send(0));
}
function Split(U: PS): [PS, PS] {
  const UU = mkPS2();
  split(U, UU);
  return UU;
}

async function copy(inp: PS, out: PS): Promise<never> {
  for (;;) {
    await out.req.recv();
    await out.dat.send(await get(inp));
  }
}
async function repeat(dat: Rat, out: PS): Promise<never> {
  for (;;) await put(dat, out);
}

function Add(U: PS, V: PS): PS {
  const Z = mkPS();
  go(async () => {
    for (;;) {
      await Z.req.recv();
      const uv = await get2(U, V);
      switch (end(uv[0]) + 2 * end(uv[1])) {
        case 0:
          await Z.dat.send(add(uv[0], uv[1]));
          break;
        case 1:
          await Z.dat.send(uv[1]);
          await copy(V, Z);
          break;
        case 2:
          await Z.dat.send(uv[0]);
          await copy(U, Z);
          break;
        case 3:
          await Z.dat.send(finis);
      }
    }
  });
  return Z;
}
function Cmul(c: Rat, U: PS): PS {
  const Z = mkPS();
  go(async () => {
    for (let done = false; !done;) {
      await Z.req.recv();
      const u = await get(U);
      if (end(u) !== 0) done = true;
      await Z.dat.send(done ? finis : mul(c, u));
    }
  });
  return Z;
}
const Sub = (U: PS, V: PS): PS => Add(U, Cmul(neg(one), V));
function Rep(c: Rat): PS {
  const Z = mkPS();
  go(() => repeat(c, Z));
  return Z;
}
function Shift(c: Rat, U: PS): PS {
  const Z = mkPS();
  go(async () => {
    await put(c, Z);
    await copy(U, Z);
  });
  return Z;
}
function Mul(U: PS, V: PS): PS {
  const Z = mkPS();
  go(async () => {
    await Z.req.recv();
    const uv = await get2(U, V);
    if (end(uv[0]) !== 0 || end(uv[1]) !== 0) {
      await Z.dat.send(finis);
    } else {
      await Z.dat.send(mul(uv[0], uv[1]));
      const UU = Split(U);
      const VV = Split(V);
      const W = Add(Cmul(uv[0], VV[0]), Cmul(uv[1], UU[0]));
      await Z.req.recv();
      await Z.dat.send(await get(W));
      await copy(Add(W, Mul(UU[1], VV[1])), Z);
    }
  });
  return Z;
}
function Diff(U: PS): PS {
  const Z = mkPS();
  go(async () => {
    await Z.req.recv();
    let u = await get(U);
    if (end(u) === 0) {
      for (let i = 1, done = false; !done; i++) {
        u = await get(U);
        if (end(u) !== 0) done = true;
        else {
          await Z.dat.send(mul(itor(i), u));
          await Z.req.recv();
        }
      }
    }
    await Z.dat.send(finis);
  });
  return Z;
}
function Integ(c: Rat, U: PS): PS {
  const Z = mkPS();
  go(async () => {
    await put(c, Z);
    for (let i = 1, done = false; !done; i++) {
      await Z.req.recv();
      const u = await get(U);
      if (end(u) !== 0) done = true;
      await Z.dat.send(done ? finis : mul(i2tor(1, i), u));
    }
    await Z.dat.send(finis);
  });
  return Z;
}
function Exp(U: PS): PS {
  const ZZ = mkPS2();
  split(Integ(one, Mul(ZZ[0], Diff(U))), ZZ);
  return ZZ[1];
}
function MonSubst(U: PS, c0: Rat, n: number): PS {
  const Z = mkPS();
  go(async () => {
    let c = one;
    for (;;) {
      await Z.req.recv();
      const u = await get(U);
      await Z.dat.send(mul(u, c));
      c = mul(c, c0);
      if (end(u) !== 0) {
        await Z.dat.send(finis);
        break;
      }
      for (let i = 1; i < n; i++) {
        await Z.req.recv();
        await Z.dat.send(zero);
      }
    }
  });
  return Z;
}
function Recip(U: PS): PS {
  const Z = mkPS();
  go(async () => {
    const ZZ = mkPS2();
    await Z.req.recv();
    const z = inv(await get(U));
    await Z.dat.send(z);
    split(Mul(Cmul(neg(z), U), Shift(z, ZZ[0])), ZZ);
    await copy(ZZ[1], Z);
  });
  return Z;
}

const N = 10;

async function check(U: PS, c: Rat, count: number, what: string): Promise<void> {
  for (let i = 0; i < count; i++) {
    const r = await get(U);
    expect(eq(r, c), `${what}: coefficient ${i} is ${r.num}/${r.den}, want ${c.num}/${c.den}`).toBe(
      true,
    );
  }
}
async function checka(U: PS, a: Rat[], what: string): Promise<void> {
  for (let i = 0; i < a.length; i++) await check(U, a[i]!, 1, `${what} [${i}]`);
}

describe('test/chan/powser1.go', () => {
  it("passes Go's checks: Ones, Add, Diff, Integ, Cmul, Sub, Mul, Exp, ATan, and Recip", async () => {
    const Ones = Rep(one);
    const Twos = Rep(itor(2));
    await check(Ones, one, 5, 'Ones');
    await check(Add(Ones, Ones), itor(2), 5, 'Add Ones Ones');
    await check(Add(Ones, Twos), itor(3), 5, 'Add Ones Twos');
    const a: Rat[] = new Array<Rat>(N);
    for (let i = 0; i < N; i++) a[i] = itor(i + 1);
    await checka(Diff(Ones), a, 'Diff');
    a[0] = zero;
    for (let i = 1; i < N; i++) a[i] = i2tor(1, i);
    await checka(Integ(zero, Ones), a, 'Integ');
    await check(Cmul(neg(one), Twos), itor(-2), 10, 'CMul');
    await check(Sub(Ones, Twos), itor(-1), 5, 'Sub Ones Twos');
    for (let i = 0; i < N; i++) a[i] = itor(i + 1);
    await checka(Mul(Ones, Ones), a, 'Mul');
    const e = [
      itor(1),
      itor(1),
      i2tor(3, 2),
      i2tor(13, 6),
      i2tor(73, 24),
      i2tor(167, 40),
      i2tor(4051, 720),
      i2tor(37633, 5040),
      i2tor(43817, 4480),
      i2tor(4596553, 362880),
    ];
    await checka(Exp(Ones), e, 'Exp');
    const at: Rat[] = [];
    for (let c = 1, i = 0; i < N; i++) {
      if (i % 2 === 0) at.push(zero);
      else {
        at.push(i2tor(c, i));
        c *= -1;
      }
    }
    await checka(Integ(zero, MonSubst(Ones, neg(one), 2)), at, 'ATan');
    // 1 / (1 + x + x^2 + ...) = 1 - x
    await checka(Recip(Ones), [one, neg(one), zero, zero, zero], 'Recip');
  });
});
