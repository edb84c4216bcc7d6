/**
 * TypeScript task modules under tsx: the Ms must get the loader the host has.
 *
 * An M inherits the host's execArgv (host.ts), so `--import tsx` (or what the
 * `tsx` command line adds: `--import file:///.../tsx/dist/loader.mjs`) runs
 * in every worker. But tsx 4 registers its ESM hooks only on the main thread
 * on Node versions whose module hooks do not reach workers by themselves
 * (before 22.22.3 / 24.11.1: it checks `isInternalThread`, new there). On
 * Node 20 a worker therefore cannot import `tasks.ts` ("Unknown file
 * extension .ts", measured with tsx 4.23 on Node 20.20), though calling tsx's
 * own `register()` API inside the worker works. So an M whose execArgv
 * brings tsx calls that API once, before it imports any task module.
 *
 * Only tsx is known here: other loaders that register themselves in workers
 * need nothing, and Node's own `--experimental-strip-types` (22+) is a flag
 * the workers inherit as it is.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as workerThreads from 'node:worker_threads';

const IMPORT_FLAGS = new Set(['--import', '--loader', '--experimental-loader']);

/** The `--import` / `--loader` value that brings tsx, if any. */
function tsxPreload(argv: readonly string[]): string | undefined {
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]!;
    let v: string | undefined;
    if (IMPORT_FLAGS.has(a)) v = argv[++k];
    else {
      const eq = a.indexOf('=');
      if (eq > 0 && IMPORT_FLAGS.has(a.slice(0, eq))) v = a.slice(eq + 1);
    }
    if (v !== undefined && /^tsx(\/|$)|[\\/]tsx[\\/]/.test(v)) return v;
  }
  return undefined;
}

/** Where to resolve tsx from: the loader file's directory, or the working directory for `tsx`. */
function resolveBase(preload: string): string {
  if (preload.startsWith('file:')) return path.dirname(fileURLToPath(preload));
  if (path.isAbsolute(preload)) return path.dirname(preload);
  return process.cwd();
}

/**
 * Registers tsx's ESM hooks in this worker when the process was started with
 * tsx (see the file header). Failures are warnings: task modules that need
 * tsx then fail with Node's own error.
 */
export async function inheritLoaders(argv: readonly string[] = process.execArgv): Promise<void> {
  // Where Node has isInternalThread, tsx registers itself in workers.
  if ('isInternalThread' in workerThreads) return;
  const preload = tsxPreload(argv);
  if (preload === undefined) return;
  try {
    const require = createRequire(path.join(resolveBase(preload), 'gocsp-loader.cjs'));
    const pj = require.resolve('tsx/package.json');
    const exp = (require(pj) as { exports?: Record<string, unknown> }).exports?.['./esm/api'] as
      { import?: { default?: string } | string } | undefined;
    const rel = typeof exp?.import === 'string' ? exp.import : exp?.import?.default;
    if (rel === undefined) return; // a tsx without the API: nothing to do
    const api = (await import(pathToFileURL(path.join(path.dirname(pj), rel)).href)) as {
      register?: () => unknown;
    };
    api.register?.();
  } catch (e) {
    process.emitWarning(
      `gocsp: could not register tsx in a goroutine worker (${String(e)}); .ts task modules may fail to load there`,
    );
  }
}
