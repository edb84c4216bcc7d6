/**
 * Shared types: which gocsp package defines each shared object type, so that
 * a thread can revive an object whose package it never imported.
 *
 * Core knows no type by name. Each package registers its own types when it
 * is loaded (`registerSharedType` in shared.ts: an id it chose, a name, a
 * reviver, and the URL of the registering module). That registration is
 * per thread; this file adds the process-wide half: a table in the world
 * that maps each type id to the file of the package that defines it. A
 * thread meeting an unknown type id (fromShared of a Mutex in a worker that
 * imported only @gocsp/core; a goroutine argument) loads that file with
 * `require` - synchronously, as revival must be - and the package registers
 * itself. Every gocsp package is implemented as CommonJS with ESM entries
 * that re-export it (tools/build.mjs), so this load and a later
 * `import '@gocsp/sync'` in the same thread give the same module instance:
 * never a second copy.
 *
 * Only files inside a package named `@gocsp/...` are recorded. A module
 * bundled into an application (its nearest package.json is the
 * application's) is not: loading it in another thread would run the
 * application. Then the reviving thread must import the package itself, and
 * the error says so.
 *
 * ## Table block (Int32 words from its address t; its address in H_TYPES)
 *
 * | word | name | meaning | protected by |
 * | --- | --- | --- | --- |
 * | 0 | T_LOCK | internal lock (ilock) for appends | itself |
 * | 1 | T_COUNT | entries used | written under T_LOCK after the entry (atomic store); read lock-free |
 * | 2 + 2k | | type id of entry k | immutable once counted |
 * | 3 + 2k | | value block: "name\nabsolute path of the module file" | immutable once counted |
 *
 * Entries are never removed (a handful per package). The first registration
 * of an id in the process wins; a thread registering an id already in the
 * table under another name gets an error (two packages chose one id).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadState } from './env.js';
import { allocBlock, freeBlock } from './heap.js';
import { ilock, iunlock } from './ilock.js';
import { storeValue } from './values.js';
import { H_TYPES, type World } from './world.js';

const T_LOCK = 0;
const T_COUNT = 1;
const T_ENTRIES = 2;
const MAX_TYPES = 126;
const TABLE_CLASS = 5; // 256 words >= 2 + 2 * MAX_TYPES

const enc = new TextEncoder();
const dec = new TextDecoder();

/** What this thread knows about a type id it registered: its name and loadable file (if any). */
interface LocalType {
  name: string;
  file: string | undefined;
}

function localTypes(): Map<number, LocalType> {
  return threadState().typeFiles as Map<number, LocalType>;
}

/**
 * Remembers where type `id` is defined (called by registerSharedType) and
 * publishes it in every world this thread has joined.
 */
export function noteTypeModule(id: number, name: string, moduleUrl: string | undefined): void {
  localTypes().set(id, { name, file: moduleUrl === undefined ? undefined : gocspFile(moduleUrl) });
  for (const w of threadState().worlds.values()) publishTypes(w as World);
}

/**
 * The file behind `url` if it belongs to a gocsp package (nearest
 * package.json named @gocsp/...), else undefined (see the file header).
 */
function gocspFile(url: string): string | undefined {
  let file: string;
  try {
    file = url.startsWith('file:') ? fileURLToPath(url) : url;
  } catch {
    return undefined;
  }
  if (!path.isAbsolute(file)) return undefined;
  for (let d = path.dirname(file); ; d = path.dirname(d)) {
    const pj = path.join(d, 'package.json');
    if (existsSync(pj)) {
      try {
        const name = (JSON.parse(readFileSync(pj, 'utf8')) as { name?: unknown }).name;
        return typeof name === 'string' && name.startsWith('@gocsp/') ? file : undefined;
      } catch {
        return undefined;
      }
    }
    if (path.dirname(d) === d) return undefined;
  }
}

/** The world's table block, created on first use. */
function table(world: World): number {
  const i32 = world.i32;
  const t = Atomics.load(i32, H_TYPES);
  if (t !== 0) return t;
  const fresh = allocBlock(world, TABLE_CLASS);
  const prev = Atomics.compareExchange(i32, H_TYPES, 0, fresh);
  if (prev === 0) return fresh;
  freeBlock(world, fresh, TABLE_CLASS);
  return prev;
}

/** Entries of the table: type id -> [name, file]. Lock-free read. */
function entries(world: World): Map<number, [string, string]> {
  const i32 = world.i32;
  const out = new Map<number, [string, string]>();
  const t = Atomics.load(i32, H_TYPES);
  if (t === 0) return out;
  const n = Atomics.load(i32, t + T_COUNT);
  for (let k = 0; k < n; k++) {
    const v = i32[t + T_ENTRIES + 2 * k + 1]!;
    const text = dec.decode(world.u8.slice((v + 1) * 4, (v + 1) * 4 + i32[v]!));
    const nl = text.indexOf('\n');
    out.set(i32[t + T_ENTRIES + 2 * k]!, [text.slice(0, nl), text.slice(nl + 1)]);
  }
  return out;
}

/** Publishes this thread's loadable types in `world` (those not there yet). */
export function publishTypes(world: World): void {
  const mine = [...localTypes()].filter(([, t]) => t.file !== undefined);
  if (mine.length === 0) return;
  const i32 = world.i32;
  const t = table(world);
  ilock(world, i32, t + T_LOCK);
  try {
    const have = entries(world);
    let n = i32[t + T_COUNT]!;
    for (const [id, { name, file }] of mine) {
      const known = have.get(id);
      if (known !== undefined) {
        if (known[0] !== name) {
          throw new Error(
            `gocsp: shared type id ${id} is claimed by both ${known[0]} and ${name}: two packages chose the same id (a bug in one of them)`,
          );
        }
        continue;
      }
      if (n >= MAX_TYPES) return;
      i32[t + T_ENTRIES + 2 * n] = id;
      i32[t + T_ENTRIES + 2 * n + 1] = storeValue(world, enc.encode(`${name}\n${file!}`));
      Atomics.store(i32, t + T_COUNT, ++n);
    }
  } finally {
    iunlock(i32, t + T_LOCK);
  }
}

let requireHere: NodeRequire | undefined;

/**
 * Loads the package that defines type `id` (from the world's table), so that
 * it registers itself in this thread. Returns the type's name if it is in
 * the table (loaded or not), undefined if no thread published it.
 * Throws what loading the file threw.
 */
export function loadTypeModule(world: World, id: number): string | undefined {
  const e = entries(world).get(id);
  if (e === undefined) return undefined;
  const [name, file] = e;
  requireHere ??= createRequire(path.join(process.cwd(), 'gocsp-loader.cjs'));
  requireHere(file);
  return name;
}

/**
 * Loads every package the world's table names (an M worker does this before
 * it runs goroutines: their bodies may come from a package's registry, as
 * @gocsp/patterns' routines do). Failures are reported as warnings.
 */
export function loadAllTypeModules(world: World): number {
  const all = entries(world);
  const done = threadState().typeFiles as Map<number, LocalType>;
  for (const [id, [, file]] of all) {
    if (done.has(id)) continue;
    try {
      requireHere ??= createRequire(path.join(process.cwd(), 'gocsp-loader.cjs'));
      requireHere(file);
    } catch (e) {
      process.emitWarning(`gocsp: could not load ${file}: ${String(e)}`);
    }
  }
  return all.size;
}

/** Number of entries in the world's table (cheap: one load). */
export function typeCount(world: World): number {
  const t = Atomics.load(world.i32, H_TYPES);
  return t === 0 ? 0 : Atomics.load(world.i32, t + T_COUNT);
}
