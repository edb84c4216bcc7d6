/**
 * workerpool worker of the scheduler benchmarks: the functions of
 * sched-pool.ts, registered under their names.
 */
import workerpool from 'workerpool';
import { inc, sumTo } from './sched-pool.js';

workerpool.worker({ inc, sumTo });
