/**
 * Call sites: where in the user's code a gocsp call was made, for the
 * goroutine dump (runtime/diag.ts) and `created by` in panics.
 *
 * Capture and formatting are separate on purpose. `capture` takes V8's
 * structured frames (`Error.captureStackTrace`, async frames included) and
 * nothing else: about 1-4 us here, so it is only done where the call is
 * already slow (internal/waits.ts samples it; a go() captures once per
 * goroutine function, runtime/funcs.ts). `framesOf` turns a capture into
 * V8's CallSite objects when a dump asks for it, by installing a throwaway
 * `Error.prepareStackTrace` for that one read: V8 calls it on the first
 * access of `.stack`, so what is shown never depends on how (or whether) the
 * application formats its own stacks.
 *
 * The user's frame is the first frame, from the top, that is not gocsp's own:
 * not in the `dist/` or `src/` directory of a gocsp library package (nearest
 * package.json named @gocsp/core, channels, sync, patterns or nats), not
 * `node:` internals, not native. So a test file under packages/core/test, or
 * the examples app, is user code. Positions are shown source-mapped when
 * Node has a source map for the file (`--enable-source-maps`, or a loader
 * that enables source maps): `module.findSourceMap`, as Node's own stack
 * formatting does. Paths are shown as paths (file: URLs converted), as Go
 * shows them.
 *
 * `GOCSP_TRACEBACK=none` turns every capture off (TRACEBACK_OFF).
 *
 * Rejected: `new Error().stack` and parsing the text (formats at capture
 * time: ~4x the cost, and the application's prepareStackTrace decides the
 * format); keeping formatted strings per capture (the formatting is most of
 * the cost and most captures are never shown).
 */
import { existsSync, readFileSync } from 'node:fs';
import { findSourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';

/** GOCSP_TRACEBACK=none: no stack is ever captured, and no dump is printed unasked. */
export const TRACEBACK_OFF = process.env.GOCSP_TRACEBACK === 'none';

/** Frames a capture keeps (deep enough to get past gocsp's own and find a goroutine's entry). */
const LIMIT = 32;

/** V8's structured stack frame (the CallSite API). */
export type CallSite = NodeJS.CallSite;

/**
 * Captures the calling stack into `holder.stack` without formatting it
 * (see the file header). `cut`: frames above and including it are left out.
 */
export function capture<T extends object>(holder: T, cut?: (...a: never[]) => unknown): T {
  const lim = Error.stackTraceLimit;
  Error.stackTraceLimit = LIMIT;
  try {
    Error.captureStackTrace(holder, cut);
  } finally {
    Error.stackTraceLimit = lim;
  }
  return holder;
}

const asCallSites = (_e: Error, cs: CallSite[]): CallSite[] => cs;

/** The frames of a capture; [] if it was already formatted as text by someone else. */
export function framesOf(holder: object): CallSite[] {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- saved and put back as is
  const prev = Error.prepareStackTrace;
  Error.prepareStackTrace = asCallSites;
  try {
    const s = (holder as { stack?: unknown }).stack;
    return Array.isArray(s) ? (s as CallSite[]) : [];
  } catch {
    return [];
  } finally {
    Error.prepareStackTrace = prev;
  }
}

/** Packages whose dist/ and src/ frames are gocsp's own, never the user's. */
const LIBS = new Set([
  '@gocsp/core',
  '@gocsp/channels',
  '@gocsp/sync',
  '@gocsp/patterns',
  '@gocsp/nats',
]);
const dirIsGocsp = new Map<string, boolean>();

/** The script name of a frame: its sourceURL if it has one, else its file or URL. */
export function fileOf(c: CallSite): string | undefined {
  return c.getScriptNameOrSourceURL() || c.getFileName() || undefined;
}

/** A path for a file: URL, else the name as is. */
export function toPath(file: string): string {
  if (!file.startsWith('file:')) return file;
  try {
    return fileURLToPath(file);
  } catch {
    return file;
  }
}

/** True if `file` is one of gocsp's own modules (see the file header). */
export function isGocspFile(file: string): boolean {
  const p = toPath(file);
  if (!path.isAbsolute(p)) return false;
  const dir = path.dirname(p);
  let v = dirIsGocsp.get(dir);
  if (v === undefined) {
    v = classify(dir);
    dirIsGocsp.set(dir, v);
  }
  return v;
}

function classify(dir: string): boolean {
  for (let d = dir; ; d = path.dirname(d)) {
    const pj = path.join(d, 'package.json');
    if (existsSync(pj)) {
      let name: unknown;
      try {
        name = (JSON.parse(readFileSync(pj, 'utf8')) as { name?: unknown }).name;
      } catch {
        return false;
      }
      if (typeof name !== 'string' || !LIBS.has(name)) return false;
      const top = path.relative(d, dir).split(path.sep)[0];
      return top === 'dist' || top === 'src';
    }
    if (path.dirname(d) === d) return false;
  }
}

/** True for a frame of the user's code (see the file header). */
export function isUserFrame(c: CallSite): boolean {
  if (c.isNative()) return false;
  const file = fileOf(c);
  if (file === undefined) return c.isEval(); // eval'd code without a sourceURL is the user's
  if (file.startsWith('node:')) return false;
  return !isGocspFile(file);
}

/** The first user frame from the top, or undefined. */
export function userFrame(cs: CallSite[]): CallSite | undefined {
  for (const c of cs) if (isUserFrame(c)) return c;
  return undefined;
}

/** `file:line:col` of a frame, source-mapped when Node has a map for its file. */
export function locate(c: CallSite): string {
  const file = fileOf(c) ?? '<anonymous>';
  const line = c.getLineNumber() ?? 0;
  const col = c.getColumnNumber() ?? 0;
  const m = mapped(file, line, col);
  if (m !== undefined) return `${toPath(m.file)}:${m.line}:${m.col}`;
  return `${toPath(file)}:${line}:${col}`;
}

function mapped(
  file: string,
  line: number,
  col: number,
): { file: string; line: number; col: number } | undefined {
  if (line < 1 || col < 1 || file === '<anonymous>') return undefined;
  try {
    const sm = findSourceMap(file);
    if (sm === undefined) return undefined;
    const e = sm.findEntry(line - 1, col - 1) as {
      originalSource?: string;
      originalLine?: number;
      originalColumn?: number;
    };
    if (e.originalSource === undefined || e.originalLine === undefined) return undefined;
    return { file: e.originalSource, line: e.originalLine + 1, col: (e.originalColumn ?? 0) + 1 };
  } catch {
    return undefined;
  }
}

/** The name a frame's function goes by in a dump (`main` for the main thread's top level). */
export function functionName(c: CallSite): string {
  const name = c.getFunctionName();
  if (name) {
    const type = c.isToplevel() ? null : c.getTypeName();
    return type && !name.startsWith(type) ? `${type}.${name}` : name;
  }
  return isMainThread && c.isToplevel() && !c.isEval() ? 'main' : '<anonymous>';
}

/**
 * Where an inline goroutine function is written, so a worker can compile it
 * with frames that name the user's file and line (runtime/funcs.ts): the
 * script name to give it (`sourceURL`), the 1-based line and column where its
 * text starts, and the source map of that file, if it has one.
 */
export interface Placement {
  url: string;
  line: number;
  col: number;
  map?: string;
}

let lastFile: { path: string; text: string } | undefined;

/**
 * Finds the text `src` of a function in the file of frame `c` (the call that
 * registered it): the first occurrence at or shortly after the call (an
 * inline literal, `go(async () => ...)`), else the nearest one before it (a
 * function written earlier and passed by name). When the file on disk is not
 * what runs (a loader transformed it), `src` is not found: the function is
 * then placed at the call's own position, without a source map, so its
 * frames name the right file and lines near the call, not exact ones.
 */
export function placeFunction(c: CallSite, src: string): Placement | undefined {
  const url = fileOf(c);
  const line = c.getLineNumber();
  const col = c.getColumnNumber();
  if (url === undefined || line === null || col === null || url.startsWith('node:')) {
    return undefined;
  }
  const p = toPath(url);
  if (!path.isAbsolute(p)) return { url, line, col };
  let text: string;
  try {
    text = lastFile?.path === p ? lastFile.text : readFileSync(p, 'utf8');
    lastFile = { path: p, text };
  } catch {
    return { url, line, col };
  }
  const off = offsetOf(text, line, col);
  if (off < 0) return { url, line, col };
  let at = text.indexOf(src, off);
  if (at < 0 || at - off > 4096) at = text.lastIndexOf(src, off);
  if (at < 0) return { url, line, col };
  const [l, k] = lineColOf(text, at);
  const map = sourceMapUrl(text);
  return map === undefined ? { url, line: l, col: k } : { url, line: l, col: k, map };
}

/** Offset in `text` of 1-based (line, col), or -1. */
function offsetOf(text: string, line: number, col: number): number {
  let off = 0;
  for (let l = 1; l < line; l++) {
    off = text.indexOf('\n', off);
    if (off < 0) return -1;
    off++;
  }
  return off + col - 1;
}

function lineColOf(text: string, at: number): [number, number] {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return [line, at - start + 1];
}

/** Largest inline (data:) source map shipped with a goroutine function. */
const MAX_INLINE_MAP = 64 * 1024;

/**
 * A file's source map reference (its last sourceMappingURL comment), as
 * written: the compiled function carries the file's own URL as its
 * sourceURL, so a relative reference resolves as it does for the file.
 * (Measured on Node 20: an absolute file: URL there is not picked up for
 * eval'd code; the relative one and a data: URL are.)
 */
function sourceMapUrl(text: string): string | undefined {
  const tail = text.slice(Math.max(0, text.length - MAX_INLINE_MAP - 64));
  const m = /\/\/[#@] sourceMappingURL=([^\s'"]+)\s*$/.exec(tail);
  if (m === null) return undefined;
  const ref = m[1]!;
  return ref.startsWith('data:') && ref.length > MAX_INLINE_MAP ? undefined : ref;
}
