/**
 * Entry of an M worker thread (runtime/m.ts). Built as CommonJS only, in the
 * same chunks as the package's entries (tools/build.mjs), so the runtime and
 * the goroutines running on this thread share one copy of core with whatever
 * user code imports `@gocsp/core` there.
 */
import { runM } from './runtime/m.js';

runM();
