/** The timeline's level-of-detail tiles (src/serve/tiles.ts). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { indexTimeline, tiles } from "../../src/serve/tiles.ts";
import { emptyTimeline, pushSpan, type Timeline } from "../../src/serve/timeline.ts";

/** One CPU, depth 0: a wide span of label 0 at 0..500 ns, then 500 spans of 1 ns alternating labels 1 and 2. */
function timeline(): Timeline {
  const t: Timeline = { ...emptyTimeline(), cpus: 1, labels: ["a", "b", "c"], end: 1000 };
  const add = (ts: number, dur: number, label: number) => pushSpan(t, 0, 0, label, ts, dur);
  // Out of order on purpose: the index sorts each row.
  for (let i = 499; i >= 0; i--) add(500 + i, 1, 1 + (i % 2));
  add(0, 500, 0);
  return t;
}

test("spans under a pixel are aggregated per pixel column and merged; wide ones are their own runs", () => {
  const ix = indexTimeline(timeline());
  const whole = tiles(ix, 0, 1000, 10);
  assert.equal(whole.visible, 501);
  const row = whole.rows.find((r) => r.depth === 0)!;
  // 100 ns per pixel: the wide span covers pixels 0..5; pixels 5..10 each hold 100 tiny spans.
  assert.deepEqual(
    row.runs.find((r) => r[2] === 0),
    [0, 5, 0],
  );
  const tiny = row.runs.filter((r) => r[2] !== 0);
  assert.ok(tiny.length >= 1 && tiny.length <= 5, JSON.stringify(tiny));
  assert.ok(tiny.every(([x0, x1]) => x0 >= 5 && x1 <= 10));
  // Zoomed in to 1 ns per pixel: every span is its own run.
  const zoom = tiles(ix, 500, 520, 20);
  assert.equal(zoom.visible, 20);
  assert.equal(zoom.rows[0]!.runs.length, 20);
  assert.deepEqual(zoom.rows[0]!.runs[0], [0, 1, 1]);
});
