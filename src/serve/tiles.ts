/**
 * Level-of-detail tiles of a run's timeline, computed by the server so that the browser never
 * holds a long run's spans (a 10-million-op run has millions): for a view [from, to) drawn
 * `width` pixels wide, each CPU row comes back as runs of pixels, `[x0, x1, label]`: a span at
 * least a pixel wide is its own run, narrower ones are aggregated per pixel column (the label that
 * covers most of it) and adjacent columns of one label merged.
 */
import type { Tiles, Timeline } from "./api_types.ts";

export interface TimelineIndex {
  t: Timeline;
  /** Per row (CPU x 2 + depth), span indices sorted by start; a row's spans never overlap. */
  rows: Int32Array[];
}

export function indexTimeline(t: Timeline): TimelineIndex {
  const lists: number[][] = Array.from({ length: t.cpus * 2 }, () => []);
  for (let i = 0; i < t.ts.length; i++) lists[t.cpu[i]! * 2 + t.depth[i]!]!.push(i);
  const rows = lists.map((l) => Int32Array.from(l.sort((a, b) => t.ts[a]! - t.ts[b]!)));
  return { t, rows };
}

/** First index of `row` whose span ends after `from`. */
function firstVisible(t: Timeline, row: Int32Array, from: number): number {
  let lo = 0;
  let hi = row.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const i = row[mid]!;
    if (t.ts[i]! + t.dur[i]! <= from) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function tiles(ix: TimelineIndex, from: number, to: number, width: number): Tiles {
  const { t } = ix;
  const scale = width / (to - from);
  const out: Tiles = { from, to, width, rows: [], visible: 0, drawn: 0 };
  const cover = new Float64Array(width);
  const best = new Int32Array(width);
  ix.rows.forEach((row, r) => {
    cover.fill(0);
    best.fill(-1);
    const wide: [number, number, number][] = [];
    for (let k = firstVisible(t, row, from); k < row.length; k++) {
      const i = row[k]!;
      const s = t.ts[i]!;
      if (s >= to) break;
      out.visible++;
      const x0 = (s - from) * scale;
      const x1 = (s + t.dur[i]! - from) * scale;
      if (x1 - x0 >= 1) {
        wide.push([Math.max(0, x0), Math.min(width, x1), t.label[i]!]);
        continue;
      }
      const px = Math.min(width - 1, Math.max(0, Math.floor(x0)));
      const c = Math.max(x1 - x0, 1e-6);
      if (c > cover[px]!) {
        cover[px] = c;
        best[px] = t.label[i]!;
      }
    }
    const runs: [number, number, number][] = [];
    for (let px = 0; px < width; px++) {
      const l = best[px]!;
      if (l < 0) continue;
      const last = runs.at(-1);
      if (last && last[1] === px && last[2] === l) last[1] = px + 1;
      else runs.push([px, px + 1, l]);
    }
    runs.push(...wide);
    out.drawn += runs.length;
    out.rows.push({ cpu: r >> 1, depth: r & 1, runs });
  });
  return out;
}
