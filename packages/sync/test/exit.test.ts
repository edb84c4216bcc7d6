import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { childEnv } from '../../../tools/testkit.mjs';

describe('process lifetime', () => {
  it('a script using every primitive across threads exits by itself', async () => {
    const script = fileURLToPath(new URL('./fixtures/every-primitive.mjs', import.meta.url));
    const t0 = Date.now();
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      const child = execFile(
        process.execPath,
        [script],
        { timeout: 20_000, env: childEnv() },
        (err, stdout, stderr) =>
          resolve({
            code: err ? (typeof err.code === 'number' ? err.code : -1) : 0,
            stdout,
            stderr,
          }),
      );
      void child;
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.trim()).toBe('done a32=101 a64=5');
    expect(Date.now() - t0).toBeLessThan(20_000);
  });
});
