import { describe, expect, it } from 'vitest';
import { median, minMax, ratio, summarize } from '../src/stats.js';
import { goalMet, parseGoal } from '../src/goal.js';
import { formatFigure, formatRatio, significant } from '../src/format.js';

describe('median', () => {
  it('takes the middle of an odd count, unsorted input', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([7])).toBe(7);
  });
  it('averages the two middle samples of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
  it('does not reorder its input', () => {
    const xs = [3, 1, 2];
    median(xs);
    expect(xs).toEqual([3, 1, 2]);
  });
  it('rejects empty and non-finite samples', () => {
    expect(() => median([])).toThrow(RangeError);
    expect(() => median([1, NaN])).toThrow(/not a finite number/);
    expect(() => median([Infinity])).toThrow(RangeError);
  });
});

describe('minMax and summarize', () => {
  it('finds the extremes', () => {
    expect(minMax([3, -1, 8, 2])).toEqual({ min: -1, max: 8 });
  });
  it('summarizes median, min and max together', () => {
    expect(summarize([10, 30, 20, 50, 40])).toEqual({ median: 30, min: 10, max: 50 });
  });
});

describe('ratio', () => {
  it('divides by the baseline median', () => {
    expect(ratio(30, 10)).toBe(3);
    expect(ratio(5, 10)).toBe(0.5);
  });
  it('is null without a usable baseline', () => {
    expect(ratio(1, null)).toBeNull();
    expect(ratio(1, undefined)).toBeNull();
    expect(ratio(1, 0)).toBeNull();
    expect(ratio(1, NaN)).toBeNull();
  });
});

describe('goals', () => {
  it('parses ratio goals', () => {
    expect(parseGoal('>= 15x baseline', 'msg/s')).toMatchObject({
      kind: 'ratio',
      op: '>=',
      target: 15,
    });
    expect(parseGoal('<=1.2x baseline', 'us')).toMatchObject({
      kind: 'ratio',
      op: '<=',
      target: 1.2,
    });
  });
  it('parses absolute goals in the suite unit only', () => {
    expect(parseGoal('<= 30 us', 'us')).toMatchObject({ kind: 'absolute', op: '<=', target: 30 });
    expect(() => parseGoal('<= 30 ns', 'us')).toThrow(/unit "ns" differs/);
  });
  it('rejects nonsense with the accepted forms', () => {
    expect(() => parseGoal('fast please', 'us')).toThrow(/<op> <k>x baseline/);
  });
  it('checks the ratio or the median, by kind', () => {
    const atLeast15 = parseGoal('>= 15x baseline', 'msg/s');
    expect(goalMet(atLeast15, 1, 15)).toBe(true);
    expect(goalMet(atLeast15, 1e9, 14.9)).toBe(false);
    expect(goalMet(atLeast15, 1, null)).toBeNull();
    const under30 = parseGoal('< 30 us', 'us');
    expect(goalMet(under30, 29, 100)).toBe(true);
    expect(goalMet(under30, 30, 0.1)).toBe(false);
  });
});

describe('formatting', () => {
  it('keeps three significant digits without exponents', () => {
    expect(significant(21_412_345)).toBe('21400000');
    expect(significant(0.0031)).toBe('0.00310');
    expect(significant(52.34)).toBe('52.3');
  });
  it('writes rates with SI suffixes and latencies plainly', () => {
    expect(formatFigure(1_234_567, { kind: 'rate', unit: 'msg/s' })).toBe('1.23M');
    expect(formatFigure(33_100, { kind: 'rate', unit: 'tasks/s' })).toBe('33.1k');
    expect(formatFigure(0.153, { kind: 'latency', unit: 'us' })).toBe('0.153');
    expect(formatFigure(null, { kind: 'latency', unit: 'us' })).toBe('-');
    expect(formatRatio(0.333333)).toBe('0.333x');
  });
});
