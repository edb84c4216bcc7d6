import { describe, expect, it } from 'vitest';
import { runNode } from './util.js';

describe('process lifetime', () => {
  it('a script using every primitive across threads exits by itself', async () => {
    const t0 = Date.now();
    const { code, stdout, stderr } = await runNode('every-primitive.mjs');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.trim()).toBe('done a32=101 a64=5');
    expect(Date.now() - t0).toBeLessThan(20_000);
  });
});
