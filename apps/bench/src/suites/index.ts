/**
 * Every benchmark suite, in report order. Add a suite by writing
 * `src/suites/<name>.ts` exporting a `<name>Suite(): BenchSuite` and listing it here.
 */
import type { BenchSuite } from '../harness.js';
import { postMessageSuite } from './postmessage.js';
import { sabRingSuite } from './sab-ring.js';
import { wakeSuite } from './wake.js';

/** Fresh instances of all suites, in the order they run and are reported. */
export function allSuites(): BenchSuite[] {
  return [postMessageSuite(), sabRingSuite(), wakeSuite()];
}
