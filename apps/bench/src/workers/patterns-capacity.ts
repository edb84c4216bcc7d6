/**
 * The machine's rate for patterns-pipeline-cpu's work, without any pipeline:
 * worker `index` of `of` runs the three CPU-bound stage tasks in turn on the
 * items `i` of each `run n` with `i % of === index` (the same items as the
 * pipeline's, `{ id: i, v: i % 1000 }`), and returns the sum of their `v`, so
 * that the main thread can check the work was done.
 */
import { workerData } from 'node:worker_threads';
import { serveRuns } from '../lib/serve.js';
import { c1, c2, c3 } from './patterns-tasks.js';

const { index, of } = workerData as { index: number; of: number };

serveRuns(`patterns-capacity ${index}`, (n) => {
  let sum = 0;
  for (let i = index; i < n; i += of) sum += c3(c2(c1({ id: i, v: i % 1000 }))).v;
  return { sum };
});
