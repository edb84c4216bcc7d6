// TypeScript task modules under tsx (the core README's promise): with
// `tsx app.ts` and with `node --import tsx app.ts`, goroutine workers import
// a .ts task module. On Node 20 tsx does not register itself in worker
// threads; core's runtime/loaders.ts makes each worker do it.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runNode } from './util.js';

const app = fileURLToPath(new URL('./fixtures/ts/app.ts', import.meta.url));
const tsxCli = path.resolve(
  fileURLToPath(import.meta.url),
  '../../../../../node_modules/tsx/dist/cli.mjs',
);

describe('.ts task modules under tsx (child processes)', () => {
  it('node --import tsx app.ts', async () => {
    const r = await runNode(null, { execArgv: ['--import', 'tsx'], args: [app] });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('42 2\n');
    expect(r.code).toBe(0);
  });

  it('tsx app.ts (the tsx command line)', async () => {
    const r = await runNode(null, { args: [tsxCli, app] });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('42 2\n');
    expect(r.code).toBe(0);
  });
});
