/**
 * Entry point of `npm run bench`: runs the selected suites, prints the
 * tables, and writes BENCHMARKS.md (repository root) and
 * apps/bench/results/latest.json, or both into `--out <dir>`.
 *
 * Paths are resolved from this file's built location, apps/bench/dist/run.js.
 * Exit code: 0 when every suite completed (missed goals included: they are
 * findings, not failures), 1 when a suite failed or timed out, 2 on bad usage.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandLine, parseCli, USAGE, type CliOptions } from './cli.js';
import { runSuites, selectCases } from './harness.js';
import { cpuSnapshot, otherProcessesCores } from '../../../tools/cpu.mjs';
import { liveWorkerCount, terminateAllWorkers } from './lib/threads.js';
import {
  extractNotes,
  formatConsole,
  formatJson,
  formatMarkdown,
  type RunReport,
} from './report.js';
import { allSuites } from './suites/index.js';

const REPO_MARKDOWN = fileURLToPath(new URL('../../../BENCHMARKS.md', import.meta.url));
const REPO_JSON = fileURLToPath(new URL('../results/latest.json', import.meta.url));

function targets(cli: CliOptions): { markdown: string; json: string } | null {
  if (cli.out !== null) {
    const dir = path.resolve(cli.out);
    return { markdown: path.join(dir, 'BENCHMARKS.md'), json: path.join(dir, 'latest.json') };
  }
  // A partial or smoke run must not replace the full figures.
  if (cli.quick || cli.filter !== null) return null;
  return { markdown: REPO_MARKDOWN, json: REPO_JSON };
}

/** Writes via a temporary file and a rename, so a reader never sees half a file. */
async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const ext = path.extname(file);
  const tmp = path.join(path.dirname(file), `${path.basename(file, ext)}.tmp${ext}`);
  await writeFile(tmp, text);
  await rename(tmp, file);
}

async function readIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  let cli: CliOptions;
  try {
    cli = parseCli(argv, process.env);
  } catch (e) {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n\n${USAGE}\n`);
    return 2;
  }
  if (cli.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const all = allSuites();
  const suites = selectCases(all, cli.filter ?? undefined);
  if (suites.length === 0) {
    process.stderr.write(
      `bench: nothing matches --filter "${cli.filter}"; suites: ${all.map((s) => s.name).join(', ')}\n`,
    );
    return 2;
  }

  const date = new Date();
  const cpuAtStart = cpuSnapshot();
  const t0 = performance.now();
  const results = await runSuites(suites, {
    rounds: cli.rounds,
    quick: cli.quick,
    ...(cli.timeoutMs !== null && { timeoutMs: cli.timeoutMs }),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const leaked = liveWorkerCount();
  if (leaked > 0) {
    process.stderr.write(
      `bench: ${leaked} worker(s) outlived their case; terminating them (a case leaks workers)\n`,
    );
  }
  const cpus = os.cpus();
  const report: RunReport = {
    schema: 1,
    meta: {
      command: commandLine(argv, process.env),
      date: date.toISOString(),
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      cpuCount: cpus.length,
      cpuModel: cpus[0]?.model.trim() ?? 'unknown',
      availableParallelism: os.availableParallelism(),
      rounds: cli.rounds,
      quick: cli.quick,
      filter: cli.filter,
      durationMs: performance.now() - t0,
      otherCpuCores: otherProcessesCores(cpuAtStart, cpuSnapshot()),
    },
    suites: results,
  };
  process.stdout.write(`${formatConsole(report)}\n`);

  const out = targets(cli);
  if (out === null) {
    process.stdout.write(
      '\n(--quick/--filter without --out: BENCHMARKS.md and latest.json left as they were)\n',
    );
  } else {
    const notes = extractNotes((await readIfExists(out.markdown)) ?? '');
    await writeAtomically(out.markdown, formatMarkdown(report, notes));
    await writeAtomically(out.json, formatJson(report));
    process.stdout.write(`\nwrote ${out.markdown}\nwrote ${out.json}\n`);
  }
  const failed = results.filter((s) => s.error !== null);
  for (const s of failed) process.stderr.write(`bench: suite ${s.name} FAILED: ${s.error}\n`);
  return failed.length > 0 ? 1 : 0;
}

async function runAndEnd(): Promise<void> {
  try {
    process.exitCode = await main();
  } catch (e) {
    process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  } finally {
    // Last-resort sweep so the process always ends by itself.
    await terminateAllWorkers();
  }
}

void runAndEnd();
