// Output for examples whose goroutines print: Go's fmt.Println, on any thread.
//
// console.log in a worker thread does not write to stdout: Node forwards the
// text to the main thread, which writes it when its event loop gets to it. So
// a goroutine's console.log can show up after a line the main thread printed
// later, and is lost if the worker is stopped first. println writes straight
// to file descriptor 1 with one synchronous write per line, from whichever
// thread calls it - as Go's fmt.Println does - so the lines appear in the
// order they were really printed. Examples use it on the main thread too, so
// every line takes the same path.
import { writeSync } from 'node:fs';
import { format } from 'node:util';

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes its arguments (formatted as console.log does) and a newline to
 * stdout, synchronously, from any thread.
 *
 * @example
 * ```ts
 * println('Worker', 1, 'running iteration', 2); // Worker 1 running iteration 2
 * ```
 */
export function println(...args: unknown[]): void {
  const bytes = Buffer.from(format(...args) + '\n');
  let off = 0;
  while (off < bytes.length) {
    try {
      off += writeSync(1, bytes, off);
    } catch (e) {
      // A non-blocking stdout whose pipe is full: wait a moment and retry.
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}
