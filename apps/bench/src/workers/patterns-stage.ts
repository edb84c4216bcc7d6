/**
 * One stage of the hand-wired postMessage pipeline (patterns-pipeline's
 * baseline): the main thread transfers an input and an output MessagePort;
 * every item that arrives on the input is mapped by the stage function named
 * in workerData and posted on the output. No batching, no backpressure (the
 * way such pipelines are usually wired).
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { STAGES, type Item } from './patterns-tasks.js';

const port = parentPort;
if (!port) throw new Error('patterns-stage: must run as a worker thread');
const fn = STAGES[(workerData as { fn: keyof typeof STAGES }).fn];
if (typeof fn !== 'function') throw new Error(`patterns-stage: no stage ${String(workerData)}`);

port.on('message', (m: { type: string; input: MessagePort; output: MessagePort }) => {
  if (m.type !== 'wire') return;
  const { input, output } = m;
  input.on('message', (x: Item) => output.postMessage(fn(x)));
  port.postMessage({ type: 'wired' });
});
port.postMessage({ type: 'ready' });
