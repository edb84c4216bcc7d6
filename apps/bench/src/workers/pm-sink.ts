/**
 * postMessage sink for the postMessage throughput benchmark. The main thread
 * posts `{ type: 'expect', n }`, then n data messages (numbers, or objects
 * with a numeric `id`); the sink adds them up and replies
 * `{ type: 'done', sum, count }` after the n-th.
 */
import { parentPort } from 'node:worker_threads';

const port = parentPort;
if (!port) throw new Error('pm-sink: must run as a worker thread');

let remaining = 0;
let sum = 0;

port.on('message', (m: unknown) => {
  if (remaining === 0) {
    const cmd = m as { type?: unknown; n?: unknown } | null;
    if (cmd?.type !== 'expect' || typeof cmd.n !== 'number' || !(cmd.n > 0)) {
      throw new Error(`pm-sink: expected { type: 'expect', n > 0 }, got ${JSON.stringify(m)}`);
    }
    remaining = cmd.n;
    sum = 0;
    return;
  }
  sum += typeof m === 'number' ? m : (m as { id: number }).id;
  if (--remaining === 0) port.postMessage({ type: 'done', sum });
});
port.postMessage({ type: 'ready' });
