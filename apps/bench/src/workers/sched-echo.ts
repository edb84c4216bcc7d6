/**
 * Raw postMessage peer of sched-spawn-tiny: replies to every number `x` with
 * `x + 1`, nothing else (no handshake, no envelope), so the main thread can
 * keep many messages in flight to it.
 */
import { parentPort } from 'node:worker_threads';

const port = parentPort;
if (!port) throw new Error('sched-echo: must run as a worker thread');
port.on('message', (x: number) => port.postMessage(x + 1));
