// shared-memory: the ground gocsp stands on. Node's threads share nothing by
// default; a SharedArrayBuffer is one block of memory that several threads see
// at once, and Atomics make reads and writes on it indivisible and let one
// thread sleep until another wakes it. No gocsp API here: this is what the
// runtime, channels and sync are built from.
//
// This one file is both sides: run directly it is the main thread, and it
// starts itself again as a worker_threads Worker (isMainThread tells which).
//
// Shared layout, one Int32 per slot:
//
// | slot    | written by         | meaning                                           |
// | ------- | ------------------ | ------------------------------------------------- |
// | COUNTER | both, Atomics.add  | the total both threads count into                 |
// | RACY    | both, plain `+= 1` | the same count without Atomics: updates get lost  |
// | READY   | worker             | 1 = worker is up and waits for GO                 |
// | GO      | main               | 1 = start counting (both start together)          |
// | DONE    | worker             | 1 = worker finished counting                      |
// | PING    | main               | round number sent to the worker; -1 = stop        |
// | PONG    | worker             | the last round number the worker echoed           |
//
// Waiting: the worker may block in Atomics.wait (it has nothing else to do);
// the main thread must not, so it uses Atomics.waitAsync, which returns a
// promise and leaves the event loop running. waitAsync alone does not keep the
// process alive - the Worker handle does, until the worker exits.
import { isMainThread, Worker, workerData } from 'node:worker_threads';

const COUNTER = 0;
const RACY = 1;
const READY = 2;
const GO = 3;
const DONE = 4;
const PING = 5;
const PONG = 6;
const SLOTS = 7;

const ADDS = 1_000_000; // per thread
const ROUNDS = 2_000; // notify round trips

/** Both threads run this at the same time: ADDS atomic increments, then ADDS plain ones. */
function count(shared: Int32Array): void {
  for (let i = 0; i < ADDS; i++) Atomics.add(shared, COUNTER, 1);
  // Read, add, write back: another thread can write between the read and the
  // write, and its update is overwritten. This is the bug Atomics.add prevents.
  for (let i = 0; i < ADDS; i++) shared[RACY] = (shared[RACY] ?? 0) + 1;
}

function workerMain(shared: Int32Array): void {
  Atomics.store(shared, READY, 1);
  Atomics.notify(shared, READY);
  Atomics.wait(shared, GO, 0); // blocks this worker until main stores GO = 1
  count(shared);
  Atomics.store(shared, DONE, 1);
  Atomics.notify(shared, DONE);
  // Echo every PING as a PONG until main sends -1.
  let seen = 0;
  for (;;) {
    Atomics.wait(shared, PING, seen); // returns at once if PING already changed
    const ping = Atomics.load(shared, PING);
    if (ping < 0) return;
    if (ping === seen) continue; // spurious wakeup
    seen = ping;
    Atomics.store(shared, PONG, ping);
    Atomics.notify(shared, PONG);
  }
}

async function main(): Promise<void> {
  const shared = new Int32Array(new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT));
  const worker = new Worker(new URL(import.meta.url), { workerData: { sab: shared.buffer } });
  // If the worker dies, every wait below must fail instead of waiting forever.
  let exitCode: number | undefined;
  const exited = new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    });
  });

  /** Waits, without blocking the main thread, until slot `index` no longer holds `value`. */
  const waitChange = async (index: number, value: number): Promise<void> => {
    while (Atomics.load(shared, index) === value) {
      if (exitCode !== undefined) throw new Error(`worker exited early (code ${exitCode})`);
      const r = Atomics.waitAsync(shared, index, value);
      if (r.async) await Promise.race([r.value, exited]);
    }
  };

  await waitChange(READY, 0);
  Atomics.store(shared, GO, 1);
  Atomics.notify(shared, GO);
  count(shared);
  await waitChange(DONE, 0);

  const total = Atomics.load(shared, COUNTER);
  const racy = Atomics.load(shared, RACY);
  const fmt = (n: number): string => n.toLocaleString('en-US');
  console.log(
    `main and worker each added 1 to the same Int32, ${fmt(ADDS)} times, at the same time`,
  );
  console.log(`Atomics.add total: ${total} (expected ${2 * ADDS}: no update lost)`);
  const lost = 2 * ADDS - racy;
  console.log(
    `plain += total:    ${racy} (${
      lost > 0
        ? `${fmt(lost)} updates lost: read-add-write on shared memory races`
        : 'none lost this time, by luck: read-add-write on shared memory can race'
    })`,
  );
  console.log("the worker's done flag was awaited with Atomics.waitAsync: main never blocked");

  // Notify round trips: main -> worker (waitAsync side wakes the blocked
  // worker) -> main (worker notifies, main's waitAsync promise resolves).
  const started = performance.now();
  for (let round = 1; round <= ROUNDS; round++) {
    Atomics.store(shared, PING, round);
    Atomics.notify(shared, PING);
    await waitChange(PONG, round - 1);
  }
  const usEach = ((performance.now() - started) * 1000) / ROUNDS;
  console.log(
    `notify round trip main -> worker -> main: ${fmt(ROUNDS)} rounds, ${usEach.toFixed(1)} us each on average`,
  );

  Atomics.store(shared, PING, -1);
  Atomics.notify(shared, PING);
  console.log(`worker exited with code ${await exited}`);
}

if (isMainThread) {
  await main();
} else {
  const { sab } = workerData as { sab: SharedArrayBuffer };
  workerMain(new Int32Array(sab));
}
