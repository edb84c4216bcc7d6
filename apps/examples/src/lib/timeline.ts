// A dependency-free SVG timeline of a gocsp trace (runtime.startTrace /
// stopTrace): one row per P, each goroutine run a bar, steals / parks / spawns
// as marks. Open the file in any browser.
import type { Trace, TraceEvent } from '@gocsp/core';

const ROW = 34;
const LEFT = 96;
const TOP = 46;
const WIDTH = 1100;

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A stable colour per goroutine id. */
const colour = (goid: number): string => `hsl(${(goid * 137.508) % 360} 62% 58%)`;

/** A "nice" tick step (1, 2, 5 x 10^k ms) for a span of `spanMs`. */
function tickStep(spanMs: number): number {
  const raw = spanMs / 10;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
}

/**
 * Renders `trace` as an SVG document: a row per P (tid 0..n-1), a bar per goroutine run
 * (ph 'X'), a red triangle per steal, a grey tick per park, a small dot per spawn.
 *
 * @example
 * ```ts
 * runtime.startTrace(); await work(); writeFileSync('t.svg', timelineSvg(await runtime.stopTrace(), 'work'));
 * ```
 */
export function timelineSvg(trace: Trace, title: string): string {
  const evs = trace.traceEvents.filter((e) => e.ph !== 'M');
  const names = new Map<number, string>();
  for (const e of trace.traceEvents) {
    if (e.ph === 'M' && e.name === 'thread_name')
      names.set(e.tid, typeof e.args?.name === 'string' ? e.args.name : `tid ${e.tid}`);
  }
  const tids = [...new Set(evs.map((e) => e.tid))].sort((a, b) => a - b);
  const row = new Map(tids.map((t, k) => [t, k]));
  const t0 = Math.min(...evs.map((e) => e.ts));
  const t1 = Math.max(...evs.map((e) => e.ts + (e.dur ?? 0)));
  const spanMs = Math.max((t1 - t0) / 1000, 1);
  const x = (ts: number): number => LEFT + ((ts - t0) / 1000 / spanMs) * WIDTH;
  const y = (tid: number): number => TOP + (row.get(tid) ?? 0) * ROW;
  const height = TOP + tids.length * ROW + 40;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${LEFT + WIDTH + 20}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${LEFT}" y="18" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<text x="${LEFT}" y="34" fill="#555">bars: goroutine runs (colour = goroutine); red triangle: steal; grey tick: M parks idle; dot: spawn. Hover for details.</text>`,
  );
  const step = tickStep(spanMs);
  for (let t = 0; t <= spanMs; t += step) {
    const gx = LEFT + (t / spanMs) * WIDTH;
    out.push(
      `<line x1="${gx}" y1="${TOP - 4}" x2="${gx}" y2="${height - 30}" stroke="#eee"/>`,
      `<text x="${gx}" y="${height - 16}" text-anchor="middle" fill="#555">${Math.round(t)} ms</text>`,
    );
  }
  for (const tid of tids) {
    const ry = y(tid);
    out.push(
      `<rect x="${LEFT}" y="${ry}" width="${WIDTH}" height="${ROW - 8}" fill="#f6f6f6"/>`,
      `<text x="${LEFT - 8}" y="${ry + ROW / 2}" text-anchor="end">${esc(names.get(tid) ?? `tid ${tid}`)}</text>`,
    );
  }
  const slices = evs.filter((e): e is TraceEvent & { dur: number } => e.ph === 'X');
  for (const e of slices) {
    const goid = Number(e.args?.goid ?? 0);
    const bx = x(e.ts);
    const w = Math.max((e.dur / 1000 / spanMs) * WIDTH, 0.8);
    const tip = `${e.name}: ${(e.dur / 1000).toFixed(1)} ms at ${((e.ts - t0) / 1000).toFixed(1)} ms`;
    out.push(
      `<rect x="${bx.toFixed(1)}" y="${y(e.tid) + 2}" width="${w.toFixed(1)}" height="${ROW - 12}" fill="${colour(goid)}" stroke="white" stroke-width="0.5"><title>${esc(tip)}</title></rect>`,
    );
    if (w > 28) {
      out.push(
        `<text x="${(bx + w / 2).toFixed(1)}" y="${y(e.tid) + ROW / 2}" text-anchor="middle" fill="white" font-size="10">G${goid}</text>`,
      );
    }
  }
  for (const e of evs.filter((e) => e.ph === 'i')) {
    const ix = x(e.ts).toFixed(1);
    const ry = y(e.tid);
    const tip = `${e.name} ${JSON.stringify(e.args ?? {})} at ${((e.ts - t0) / 1000).toFixed(1)} ms`;
    if (e.name === 'steal') {
      out.push(
        `<path d="M${ix} ${ry + ROW - 6} l-5 -9 h10 z" fill="#d22"><title>${esc(tip)}</title></path>`,
      );
    } else if (e.name === 'park') {
      out.push(
        `<line x1="${ix}" y1="${ry}" x2="${ix}" y2="${ry + ROW - 8}" stroke="#888" stroke-width="1.5"><title>${esc(tip)}</title></line>`,
      );
    } else if (e.name === 'spawn') {
      out.push(
        `<circle cx="${ix}" cy="${ry + ROW - 10}" r="1.6" fill="#333"><title>${esc(tip)}</title></circle>`,
      );
    }
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
