// Goroutines of the context-cancel example. Each gets the Context as an
// argument: it lives in shared memory, so this thread sees the same context
// the main thread cancels.
import { after, onDefault, onRecv, select } from '@gocsp/channels';
import type { Context } from '@gocsp/patterns';
import { threadId } from 'node:worker_threads';
import { println } from '../lib/print.js';

/** Keeps the thread busy for `ms` milliseconds (CPU work, no waiting). */
function busy(ms: number): void {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) for (let i = 0; i < 1000; i++) x = (x + i) | 0;
}

/**
 * CPU work in 5 ms chunks until the context is done - checked between chunks
 * with Go's non-blocking `select { case <-ctx.Done(): return; default: }`.
 * Returns how many chunks it did and when (epoch ms) it stopped.
 */
export async function crunch(
  id: number,
  ctx: Context,
): Promise<{ chunks: number; stoppedAt: number }> {
  let chunks = 0;
  for (;;) {
    const done = await select([onRecv(ctx.done(), () => true), onDefault(() => false)]);
    if (done) break;
    busy(5);
    chunks++;
  }
  const stoppedAt = performance.timeOrigin + performance.now();
  println(
    `  worker ${id} (thread ${threadId}): stopped after ${chunks} chunks: ${ctx.err()?.message}`,
  );
  return { chunks, stoppedAt };
}

/** An operation that takes `ms`, unless the context is done first (Go's select on ctx.Done()). */
export async function slowOperation(ctx: Context, ms: number): Promise<string> {
  return select([
    onRecv(after(ms), () => `finished after ${ms} ms`),
    onRecv(ctx.done(), () => `gave up: ${ctx.err()?.message}`),
  ]);
}

/**
 * One backend of a search: answers after `ms`, or fails if `fails`; stops
 * early if the group's context is cancelled meanwhile.
 */
export async function search(
  ctx: Context,
  name: string,
  ms: number,
  fails: boolean,
): Promise<string> {
  const outcome = await select([
    onRecv(after(ms), () => (fails ? 'fail' : 'ok')),
    onRecv(ctx.done(), () => 'cancelled'),
  ]);
  if (outcome === 'fail') {
    println(`  ${name}: failed after ${ms} ms`);
    throw new Error(`${name}: backend unavailable`);
  }
  println(
    outcome === 'ok'
      ? `  ${name}: answered after ${ms} ms`
      : `  ${name}: stopped early (would have taken ${ms} ms): ${ctx.err()?.message}`,
  );
  return name;
}
