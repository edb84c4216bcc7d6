/**
 * Every benchmark suite, in report order. Add a suite by writing
 * `src/suites/<name>.ts` exporting a `<name>Suite(): BenchSuite` and listing it here.
 */
import type { BenchSuite } from '../harness.js';
import { chanObjectsSuite } from './chan-objects.js';
import { chanPingPongCrossSuite } from './chan-pingpong-cross.js';
import { chanLocalSuite, selectLocalSuite } from './chan-local.js';
import { chanPingPongLocalSuite } from './chan-pingpong-local.js';
import { chanStreamPmSuite } from './chan-stream-pm.js';
import { chanStreamSuite } from './chan-stream.js';
import { mutexAsyncSuite } from './mutex-async.js';
import { natsChanSuite, natsIoScaleSuite, natsTasksSuite } from './nats.js';
import { natsUnavailable } from '../lib/nats.js';
import { mutexContendedSuite } from './mutex-contended.js';
import { mutexUncontendedSuite } from './mutex-uncontended.js';
import { postMessageSuite } from './postmessage.js';
import { patternsParallelMapCpuSuite, patternsParallelMapSuite } from './patterns-parallelmap.js';
import { patternsPipelineCpuSuite, patternsPipelineSuite } from './patterns-pipeline.js';
import { sabRingSuite } from './sab-ring.js';
import { schedCpuPiscinaSuite, schedCpuSuite } from './sched-cpu.js';
import { schedPark1mMemSuite, schedPark1mSuite } from './sched-park-1m.js';
import { schedSpawnLocalSuite } from './sched-spawn-local.js';
import { schedSpawnTinyPmSuite, schedSpawnTinySuite } from './sched-spawn-tiny.js';
import { schedStealSuite } from './sched-steal.js';
import { waitGroupWakeSuite } from './waitgroup-wake.js';
import { wakeSuite } from './wake.js';

/** Fresh instances of all suites, in the order they run and are reported. */
export function allSuites(): BenchSuite[] {
  return [
    // Physical baselines.
    postMessageSuite(),
    sabRingSuite(),
    wakeSuite(),
    // gocsp against them.
    mutexUncontendedSuite(),
    mutexAsyncSuite(),
    mutexContendedSuite(),
    waitGroupWakeSuite(),
    chanStreamSuite(),
    chanStreamPmSuite(),
    chanObjectsSuite(),
    chanPingPongCrossSuite(),
    chanPingPongLocalSuite(),
    chanLocalSuite(),
    selectLocalSuite(),
    // The goroutine scheduler.
    schedSpawnTinySuite(),
    schedSpawnTinyPmSuite(),
    schedSpawnLocalSuite(),
    schedCpuSuite(),
    schedCpuPiscinaSuite(),
    schedPark1mSuite(),
    // Right after sched-park-1m: it reports the memory of that suite's rounds.
    schedPark1mMemSuite(),
    schedStealSuite(),
    // Patterns: parallelMap and pipelines against piscina / postMessage.
    patternsParallelMapSuite(),
    patternsParallelMapCpuSuite(),
    patternsPipelineSuite(),
    patternsPipelineCpuSuite(),
    // @gocsp/nats against hand-written NATS code (needs nats-server or NATS_URL).
    ...natsSuites(),
  ];
}

/** The NATS suites, or none (with one line on stderr saying why) without a server. */
function natsSuites(): BenchSuite[] {
  const why = natsUnavailable();
  if (why !== undefined) {
    process.stderr.write(`${why}\n`);
    return [];
  }
  return [natsTasksSuite(), natsChanSuite(), natsIoScaleSuite()];
}
