/**
 * Select benchmark feeder: on each `run n`, sends n integers (sendSync) round
 * robin over its channels, so a selecting reader on another thread always has
 * several ready cases.
 */
import { workerData } from 'node:worker_threads';
import { fromShared, type Channel } from '@gocsp/channels';
import { serveRuns } from '../lib/serve.js';

/** What a feeder receives as workerData, after `toShared`. */
export interface SelectFeedData {
  readonly chans: readonly Channel<number>[];
}

const { chans } = fromShared<SelectFeedData>(workerData);
serveRuns('select feeder', (n) => {
  for (let i = 0; i < n; i++) chans[i % chans.length]!.sendSync(1);
  return {};
});
