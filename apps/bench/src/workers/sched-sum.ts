/**
 * Raw peer of sched-cpu: a plain worker (no gocsp) that answers
 * `{ type: 'run', n }` with `{ type: 'done', sum }`, the sum computed by the
 * same sumTo() every contender runs. It shows what the machine itself gives
 * two threads against one.
 */
import { serveRuns } from '../lib/serve.js';
import { sumTo } from './sched-pool.js';

serveRuns('sched-sum', (n) => ({ sum: sumTo(n) }));
