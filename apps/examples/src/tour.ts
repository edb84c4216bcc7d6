// The examples tour: `npm start` runs every example in order, `npm start --
// <name>...` runs some, `npm start -- --list` lists them.
import { EXAMPLES, findExample, type Example } from './catalog.js';
import { runTour } from './runner.js';

const USAGE = `usage: npm start [-- <example>... | --list | --help]
  (no argument)  run every example in order
  <example>...   run these examples
  --list         list the examples`;

async function main(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  if (args.includes('--list')) {
    const width = Math.max(...EXAMPLES.map((e) => e.name.length));
    for (const e of EXAMPLES) console.log(`${e.name.padEnd(width)}  ${e.title}`);
    return 0;
  }
  const unknownFlag = args.find((a) => a.startsWith('-'));
  if (unknownFlag) {
    console.error(`unknown option ${unknownFlag}\n${USAGE}`);
    return 2;
  }
  const chosen: Example[] = [];
  for (const name of args) {
    const example = findExample(name);
    if (!example) {
      console.error(
        `no example named '${name}'; the examples are: ${EXAMPLES.map((e) => e.name).join(', ')}`,
      );
      return 2;
    }
    chosen.push(example);
  }
  const started = performance.now();
  const results = await runTour(chosen.length > 0 ? chosen : EXAMPLES);
  const failed = results.filter((r) => !r.ok);
  if (results.length > 1) {
    const took = `${((performance.now() - started) / 1000).toFixed(1)} s`;
    console.log('');
    console.log(
      failed.length === 0
        ? `tour done: ${results.length} examples ran in ${took}`
        : `tour done in ${took}: ${failed.length} of ${results.length} examples failed: ${failed.map((r) => r.name).join(', ')}`,
    );
  }
  return failed.length === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
