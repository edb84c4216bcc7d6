import { describe, expect, it } from 'vitest';
import {
  BenchTimeoutError,
  bounded,
  runSuites,
  selectCases,
  validateSuite,
  type BenchCase,
  type BenchSuite,
} from '../src/harness.js';
import {
  extractNotes,
  formatMarkdown,
  NOTES_END,
  NOTES_START,
  type RunReport,
} from '../src/report.js';

/** A case returning the next of `values` each round, logging its name to `order`. */
function fake(
  name: string,
  values: number[],
  order: string[],
  extra: Partial<BenchCase> = {},
): BenchCase {
  let i = 0;
  return { name, n: 100, run: async () => (order.push(name), values[i++]!), ...extra };
}

describe('runSuites', () => {
  it('interleaves cases round by round and reports median, min-max and ratio', async () => {
    const order: string[] = [];
    const suite: BenchSuite = {
      name: 'fake',
      title: 'fake',
      description: '',
      metric: { kind: 'rate', unit: 'ops/s' },
      cases: [
        fake('A', [10, 30, 20], order, { baseline: true }),
        fake('B', [60, 40, 50], order, { goal: '>= 2x baseline' }),
        fake('C', [5, 15, 10], order, { goal: '>= 1x baseline' }),
      ],
    };
    const [r] = await runSuites([suite], { rounds: 3, quick: false });
    expect(order).toEqual(['A', 'B', 'C', 'A', 'B', 'C', 'A', 'B', 'C']);
    expect(r!.error).toBeNull();
    expect(r!.direction).toBe('higher is better');
    const [a, b, c] = r!.cases;
    expect(a).toMatchObject({ baseline: true, median: 20, min: 10, max: 30, ratio: 1, met: null });
    expect(b).toMatchObject({
      median: 50,
      min: 40,
      max: 60,
      ratio: 2.5,
      goal: '>= 2x baseline',
      met: true,
    });
    expect(c).toMatchObject({ median: 10, ratio: 0.5, met: false });
    expect(b!.samples).toEqual([60, 40, 50]);
  });

  it('states lower is better for latencies and uses quickN under --quick', async () => {
    const seen: number[] = [];
    const suite: BenchSuite = {
      name: 'lat',
      title: 'lat',
      description: '',
      metric: { kind: 'latency', unit: 'us' },
      cases: [
        {
          name: 'base',
          baseline: true,
          n: 1000,
          quickN: 7,
          run: async ({ n }) => (seen.push(n), 50),
        },
        {
          name: 'fast',
          n: 1000,
          goal: '<= 0.1x baseline',
          run: async ({ n }) => (seen.push(n), 2),
        },
      ],
    };
    const [r] = await runSuites([suite], { rounds: 1, quick: true });
    expect(r!.direction).toBe('lower is better');
    expect(seen).toEqual([7, 100]);
    expect(r!.cases[1]).toMatchObject({ ratio: 0.04, met: true });
  });

  it('fails a hung suite after its timeout and carries on with the next', async () => {
    let aborted = false;
    const hung: BenchSuite = {
      name: 'hung',
      title: 'hung',
      description: '',
      metric: { kind: 'rate', unit: 'ops/s' },
      timeoutMs: 50,
      cases: [
        {
          name: 'never',
          baseline: true,
          n: 1,
          run: ({ signal }) =>
            new Promise<number>(() => signal.addEventListener('abort', () => (aborted = true))),
        },
      ],
    };
    const fine: BenchSuite = {
      ...hung,
      name: 'fine',
      timeoutMs: 1000,
      cases: [fake('ok', [1], [], { baseline: true })],
    };
    const [h, f] = await runSuites([hung, fine], { rounds: 1, quick: false });
    expect(h!.error).toMatch(/hung \/ never: round 1\/1 did not finish within 50 ms/);
    expect(aborted).toBe(true);
    expect(f!.error).toBeNull();
    expect(f!.cases[0]!.median).toBe(1);
  });

  it('reports a case returning a non-figure as a suite error', async () => {
    const suite: BenchSuite = {
      name: 'bad',
      title: 'bad',
      description: '',
      metric: { kind: 'rate', unit: 'ops/s' },
      cases: [{ name: 'zero', baseline: true, n: 1, run: async () => 0 }],
    };
    const [r] = await runSuites([suite], { rounds: 2, quick: false });
    expect(r!.error).toMatch(/returned 0; it must return a positive finite figure in ops\/s/);
  });

  it('runs teardown even when a round fails', async () => {
    let tornDown = false;
    const suite: BenchSuite = {
      name: 'td',
      title: 'td',
      description: '',
      metric: { kind: 'rate', unit: 'ops/s' },
      cases: [
        {
          name: 'boom',
          baseline: true,
          n: 1,
          run: async () => {
            throw new Error('boom');
          },
          teardown: () => {
            tornDown = true;
          },
        },
      ],
    };
    const [r] = await runSuites([suite], { rounds: 1, quick: false });
    expect(r!.error).toBe('boom');
    expect(tornDown).toBe(true);
  });
});

describe('validateSuite', () => {
  const base = {
    name: 'v',
    title: 'v',
    description: '',
    metric: { kind: 'rate', unit: 'ops/s' },
  } as const;
  const c = (name: string, extra: Partial<BenchCase> = {}): BenchCase => ({
    name,
    n: 1,
    run: async () => 1,
    ...extra,
  });
  it('demands exactly one baseline', () => {
    expect(() => validateSuite({ ...base, cases: [c('a')] })).toThrow(
      /exactly one case with baseline/,
    );
    expect(() =>
      validateSuite({ ...base, cases: [c('a', { baseline: true }), c('b', { baseline: true })] }),
    ).toThrow(/has 2/);
  });
  it('rejects duplicate names, bad sizes and bad goals', () => {
    expect(() => validateSuite({ ...base, cases: [c('a', { baseline: true }), c('a')] })).toThrow(
      /two cases/,
    );
    expect(() => validateSuite({ ...base, cases: [c('a', { baseline: true, n: 0 })] })).toThrow(
      /positive integer/,
    );
    expect(() =>
      validateSuite({ ...base, cases: [c('a', { baseline: true, goal: 'soon' })] }),
    ).toThrow(SyntaxError);
  });
});

describe('selectCases', () => {
  const order: string[] = [];
  const suites: BenchSuite[] = [
    {
      name: 'ring',
      title: 'Ring',
      description: '',
      metric: { kind: 'rate', unit: 'msg/s' },
      cases: [
        fake('flag', [], order, { baseline: true }),
        fake('per message', [], order),
        fake('batched', [], order),
      ],
    },
    {
      name: 'wake',
      title: 'Wake',
      description: '',
      metric: { kind: 'latency', unit: 'us' },
      cases: [fake('park', [], order, { baseline: true })],
    },
  ];
  it('keeps everything without a filter and whole suites on a suite match', () => {
    expect(selectCases(suites).map((s) => s.name)).toEqual(['ring', 'wake']);
    expect(selectCases(suites, 'WAKE').map((s) => s.name)).toEqual(['wake']);
  });
  it('keeps the baseline beside the cases matched by name', () => {
    const [s, ...rest] = selectCases(suites, 'per mess');
    expect(rest).toHaveLength(0);
    expect(s!.cases.map((c) => c.name)).toEqual(['flag', 'per message']);
  });
  it('returns nothing when nothing matches', () => {
    expect(selectCases(suites, 'nope')).toEqual([]);
  });
});

describe('bounded', () => {
  it('passes values through and times out with BenchTimeoutError', async () => {
    await expect(bounded('quick', 1000, async () => 42)).resolves.toBe(42);
    await expect(bounded('slow', 20, () => new Promise(() => {}))).rejects.toBeInstanceOf(
      BenchTimeoutError,
    );
  });
});

describe('notes and markdown', () => {
  const report: RunReport = {
    schema: 1,
    meta: {
      command: 'npm run bench',
      date: '2025-01-01T00:00:00.000Z',
      node: 'v20.0.0',
      platform: 'linux',
      arch: 'x64',
      cpuCount: 2,
      cpuModel: 'Test CPU',
      availableParallelism: 2,
      rounds: 5,
      quick: false,
      filter: null,
      durationMs: 1000,
      otherCpuCores: 0.05,
    },
    suites: [
      {
        name: 's',
        title: 'S',
        description: 'desc',
        metric: { kind: 'rate', unit: 'msg/s' },
        direction: 'higher is better',
        baseline: 'a|b',
        rounds: 5,
        error: null,
        durationMs: 1,
        otherCpuCores: null,
        cases: [
          {
            name: 'a|b',
            baseline: true,
            n: 10,
            samples: [1e6],
            median: 1e6,
            min: 9e5,
            max: 1.1e6,
            ratio: 1,
            goal: null,
            met: null,
            note: null,
          },
        ],
      },
    ],
  };
  it('extracts the notes block verbatim, markers included', () => {
    const notes = `${NOTES_START}\n### Mine\n\n| keep | this |\n${NOTES_END}`;
    expect(extractNotes(`# old\nstuff\n${notes}\ntrailing`)).toBe(notes);
    expect(extractNotes('# nothing here')).toBeNull();
    expect(extractNotes(`x\n${NOTES_START}\nunclosed\n`)).toBe(
      `${NOTES_START}\nunclosed\n${NOTES_END}`,
    );
  });
  it('writes the metadata, an escaped table row, and the notes', () => {
    const md = formatMarkdown(report, `${NOTES_START}\nhand-written\n${NOTES_END}`);
    expect(md).toContain('`npm run bench`');
    expect(md).toContain('- CPU: 2 x Test CPU');
    expect(md).toContain('| a\\|b (baseline) | 1.00M | 900k - 1.10M | 1.00x |  |  | 10 |');
    expect(md).toContain(`${NOTES_START}\nhand-written\n${NOTES_END}`);
    expect(formatMarkdown(report, null)).toContain(`${NOTES_START}\n${NOTES_END}`);
  });
});
