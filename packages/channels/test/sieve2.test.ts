// test/chan/sieve2.go: an Eratosthenes sieve that only considers odd
// candidates. Each prime p found feeds back a channel of its odd multiples
// p*p, p*p+2p, ...; a merger keeps those channels in a min-heap by their next
// value (Go's PeekCh heap) and emits the composites in order, without
// duplicates; candidates not in that stream are prime.
import { describe, expect, it } from 'vitest';
import { chan, type Channel } from '@gocsp/channels';

interface PeekCh {
  head: number;
  ch: Channel<number>;
}

/** Odd multiples of p from p*p (Go: multiples). */
function multiples(p: number): Channel<number> {
  const ch = chan<number>(10);
  void (async () => {
    for (let n = p * p; ; n += 2 * p) await ch.send(n);
  })();
  return ch;
}

/** Merges the multiples of the odd primes `nextPrime` yields into increasing composites. */
function mergeMultiples(nextPrime: () => Promise<number>): Channel<number> {
  const out = chan<number>(); // unbuffered: no running ahead (see sieve)
  void (async () => {
    const heap: PeekCh[] = [];
    const push = (x: PeekCh) => {
      heap.push(x);
      for (let i = heap.length - 1; i > 0;) {
        const up = (i - 1) >> 1;
        if (heap[up]!.head <= heap[i]!.head) break;
        [heap[up], heap[i]] = [heap[i]!, heap[up]!];
        i = up;
      }
    };
    const pop = (): PeekCh => {
      const top = heap[0]!;
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        for (let i = 0; ;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < heap.length && heap[l]!.head < heap[m]!.head) m = l;
          if (r < heap.length && heap[r]!.head < heap[m]!.head) m = r;
          if (m === i) break;
          [heap[m], heap[i]] = [heap[i]!, heap[m]!];
          i = m;
        }
      }
      return top;
    };
    // A prime's multiples join the stream (from p*p) before the stream gets
    // there. The next prime q is not known yet, but q < 2 * last prime <
    // (last + 2)^2 (Bertrand), so once the stream reaches (last + 2)^2 the
    // sieve has already found q and fed it back: only then wait for it.
    let lastP = 3;
    const first = multiples(lastP);
    push({ head: (await first.recv())!, ch: first });
    let last = 0;
    for (;;) {
      if (heap[0]!.head >= (lastP + 2) ** 2) {
        lastP = await nextPrime();
        const m = multiples(lastP);
        push({ head: (await m.recv())!, ch: m });
        continue;
      }
      const min = pop();
      if (min.head !== last) {
        await out.send(min.head);
        last = min.head;
      }
      min.head = (await min.ch.recv())!;
      push(min);
    }
  })();
  return out;
}

/**
 * The primes, in order (Go: Sieve). The multiples come from primes found by
 * a second, lazily started sieve, which only has to reach the square root:
 * feeding this sieve's own output back would need an unbounded buffer. The
 * channels are unbuffered so that no sieve runs ahead of its reader (running
 * ahead would make each inner sieve start the next one, without end).
 */
function sieve(): Channel<number> {
  const primes = chan<number>();
  let inner: Channel<number> | undefined;
  const nextOddPrime = async (): Promise<number> => {
    if (inner === undefined) {
      inner = sieve();
      await inner.recv(); // 2
      await inner.recv(); // 3: the merger starts with its multiples
    }
    return (await inner.recv())!;
  };
  void (async () => {
    await primes.send(2);
    await primes.send(3);
    const composites = mergeMultiples(nextOddPrime);
    let c = (await composites.recv())!;
    for (let n = 5; ; n += 2) {
      if (n < c) await primes.send(n);
      else c = (await composites.recv())!; // n === c: composite
    }
  })();
  return primes;
}

describe('test/chan/sieve2.go', () => {
  it('yields the primes below 100, then the 1000th prime', async () => {
    const a = [
      2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89,
      97,
    ];
    const primes = sieve();
    for (const want of a) expect(await primes.recv()).toBe(want);
    let x = 0;
    for (let i = a.length; i < 1000; i++) x = (await primes.recv())!;
    expect(x).toBe(7919);
  });
});
