/**
 * Which worlds (world.ts) this thread uses, how it joins them, and how thread
 * deaths are noticed.
 *
 * Joining: the first world this thread touches becomes its default world, in
 * which its new objects are created; joining claims a thread slot at once.
 *
 * Death watch: a thread that ends normally (`process.exit`, end of script)
 * marks itself dead from its own `process.on('exit')`. A thread that is
 * terminated runs no JavaScript at all, so its *parent* marks it: every
 * thread with gocsp loaded subscribes to the `worker_threads` diagnostics
 * channel, sees each Worker it creates, and on that Worker's 'exit' event marks
 * the thread dead in every world it knows. (Measured: `worker.terminate()`
 * does not run the worker's exit handlers; the diagnostics channel exists on
 * Node 20.) Limitation: a worker created by a thread that never loaded gocsp,
 * and terminated, is only noticed when its own thread ends normally.
 *
 * The same watch counts this thread's live child workers: one that has not
 * joined a world (it never loaded gocsp, or not yet) could wake anyone by a
 * route gocsp cannot see, so deadlock detection makes no verdict while one
 * lives (`unregisteredChildren`; runtime/monitor.ts). Workers created before
 * this thread loaded gocsp are not seen (a documented limitation).
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import {
  getEnvironmentData,
  isMainThread,
  setEnvironmentData,
  threadId,
  type Worker,
} from 'node:worker_threads';
import { SharedHandleError } from '../errors.js';
import { threadState } from './env.js';
import {
  HEADER_WORDS,
  H_WORLD_ID,
  MAX_SLOTS,
  SLOT_ALIVE,
  S_STATE,
  S_THREAD,
  World,
  claimSlot,
  markThreadDead,
} from './world.js';
import { publishTypes } from './types.js';
import { listenForSabs } from './sabs.js';

const ENV_KEY = 'gocsp:world';

/** World id -> this thread's World. */
export function knownWorlds(): Map<number, World> {
  return threadState().worlds as Map<number, World>;
}

/** The world new objects of this thread are created in (joined on first use). */
export function defaultWorld(): World {
  const st = threadState();
  if (st.defaultWorld) return st.defaultWorld as World;
  const inherited: unknown = getEnvironmentData(ENV_KEY);
  if (inherited instanceof SharedArrayBuffer) return adoptWorld(inherited);
  const world = World.create();
  join(world);
  return world;
}

/** This thread's `World` for a world buffer received from another thread. */
export function adoptWorld(sab: SharedArrayBuffer): World {
  if (!(sab instanceof SharedArrayBuffer)) {
    throw new SharedHandleError(
      'a gocsp handle lost its shared memory: was it JSON-serialized? Send it with postMessage or workerData as is',
    );
  }
  const id = new Int32Array(sab, 0, HEADER_WORDS)[H_WORLD_ID]!;
  const world = knownWorlds().get(id);
  return world ?? join(new World(sab));
}

function join(world: World): World {
  // Listen before counting ourselves in (claimSlot bumps H_JOINS): see sabs.ts.
  listenForSabs();
  claimSlot(world);
  knownWorlds().set(world.id, world);
  publishTypes(world);
  const st = threadState();
  if (!st.defaultWorld) {
    st.defaultWorld = world;
    // Workers started from now on (hand-made ones too) inherit this world.
    setEnvironmentData(ENV_KEY, world.sab);
  }
  return world;
}

// Watch from the moment gocsp is loaded, not from the first object: workers
// created before this thread joins a world must be noticed too.
installDeathWatch();

function installDeathWatch(): void {
  const st = threadState();
  if (st.deathWatch) return;
  st.deathWatch = true;
  if (!isMainThread) {
    process.on('exit', () => {
      for (const w of knownWorlds().values()) markThreadDead(w, threadId);
    });
  }
  diagnosticsChannel.subscribe('worker_threads', (message) => {
    const worker = (message as { worker?: Worker }).worker;
    if (!worker) return;
    const id = worker.threadId;
    children.add(id);
    worker.once('exit', () => {
      children.delete(id);
      for (const w of knownWorlds().values()) markThreadDead(w, id);
    });
  });
}

/** Thread ids of this thread's live child workers (seen since gocsp was loaded here). */
const children = new Set<number>();

/**
 * Live child workers of this thread that have no slot in `world`: they never
 * loaded gocsp (or not yet), so nothing tells what they might do.
 */
export function unregisteredChildren(world: World): number {
  if (children.size === 0) return 0;
  const registered = new Set<number>();
  const i32 = world.i32;
  for (let s = 0; s < MAX_SLOTS; s++) {
    const b = world.slotBase(s);
    if (Atomics.load(i32, b + S_STATE) === SLOT_ALIVE) {
      registered.add(Atomics.load(i32, b + S_THREAD) - 1);
    }
  }
  let n = 0;
  for (const id of children) if (!registered.has(id)) n++;
  return n;
}
