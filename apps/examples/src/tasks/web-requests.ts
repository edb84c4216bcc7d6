// Goroutines of the web-requests example.
import { sleep } from '@gocsp/core';
import type { AtomicBool, WaitGroup } from '@gocsp/sync';
import { threadId } from 'node:worker_threads';
import { println } from '../lib/print.js';

/** The seed's fetch(url): one GET, then print the status; `wg.done()` at the end if given. */
export async function fetchURL(url: string, wg?: WaitGroup): Promise<number> {
  const start = performance.now();
  try {
    const resp = await fetch(url);
    await resp.arrayBuffer(); // Go: defer resp.Body.Close()
    const took = performance.now() - start;
    println(
      `${url} -> ${resp.status} ${resp.statusText}   (${took.toFixed(0)} ms, thread ${threadId})`,
    );
    return took;
  } catch (e) {
    println(`Error fetching: ${url} (${(e as Error).message})`);
    return performance.now() - start;
  } finally {
    wg?.done();
  }
}

/** Fetches the URLs one after another (no goroutine per request). */
export async function fetchAll(urls: string[]): Promise<void> {
  for (const url of urls) await fetchURL(url);
}

/** Counts ticks of `every` ms until `stop` is set: proof that the P is free while requests wait. */
export async function ticker(every: number, stop: AtomicBool): Promise<number> {
  let ticks = 0;
  while (!stop.load()) {
    await sleep(every);
    ticks++;
  }
  return ticks;
}
