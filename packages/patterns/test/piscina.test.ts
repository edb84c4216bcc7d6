// piscinaStage: a real Piscina pool, unchanged, as a pipeline stage.
import { afterAll, describe, expect, it } from 'vitest';
import { Piscina } from 'piscina';
import { runtime } from '@gocsp/core';
import { collect, fromIterable, piscinaStage, pipeline, stage } from '@gocsp/patterns';
import { range } from './util.js';

const pool = new Piscina({
  filename: new URL('./fixtures/piscina-worker.mjs', import.meta.url).href,
  maxThreads: 2,
  minThreads: 2,
});

afterAll(async () => {
  await pool.destroy();
  await runtime.shutdown();
});

describe('piscinaStage', () => {
  it('runs each value through piscina.run, in order, between goroutine stages', async () => {
    const out = pipeline(
      fromIterable(range(300)),
      stage((n: number) => ({ n: n + 1 })),
      piscinaStage<{ n: number }, number>(pool, { concurrency: 8 }),
      stage((sq: number) => sq - 1),
    );
    expect(await collect(out)).toEqual(range(300).map((n) => (n + 1) * (n + 1) - 1));
  });

  it('uses a named export with { name }, unordered', async () => {
    const out = pipeline(
      range(50),
      piscinaStage<number, number>(pool, { name: 'triple', ordered: false }),
    );
    const got = await collect(out);
    expect([...got].sort((a, b) => a - b)).toEqual(range(50).map((n) => n * 3));
  });

  it('a task error fails the pipeline once, and the pool stays usable', async () => {
    const out = pipeline(
      range(40).map((n) => ({ n: n === 17 ? -1 : n })),
      piscinaStage<{ n: number }, number>(pool, { concurrency: 4 }),
    );
    await expect(collect(out)).rejects.toThrow('negative: -1');
    await expect(out.wait()).rejects.toBeInstanceOf(RangeError);
    expect(await pool.run({ n: 3 })).toBe(9);
  });

  it('needs an object with run()', () => {
    expect(() => piscinaStage({} as never)).toThrow(TypeError);
  });
});
