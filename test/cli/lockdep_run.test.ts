/**
 * lockdep across the executions of a run, end to end: a patch whose lock order depends on a data
 * choice takes each order in a different execution; `check` reports the cycle, the same with one or
 * two workers, and its replay token reproduces it (the token carries the earlier dependency).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const ROOT = join(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/epcsim.js");

function epcsim(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", cwd });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("an inversion split over two executions is found, identically with 1 and 2 workers, and replays", () => {
  const dir = mkdtempSync(join(tmpdir(), "epcsim-lockdep-"));
  try {
    copyFileSync(join(ROOT, "test/fixtures/patches/lock-order-by-choice.ts"), join(dir, "order.ts"));
    const runs = [1, 2].map((w) =>
      epcsim(
        dir,
        "check",
        "check-fault-vs-reclaim",
        "--patch",
        "./order.ts",
        "--json",
        "--workers",
        String(w),
      ),
    );
    const [one, two] = runs.map((r) => {
      assert.equal(r.code, 1, r.err);
      const j = JSON.parse(r.out) as Record<string, unknown>;
      delete j.elapsed_ms;
      return j;
    });
    assert.deepEqual(two, one);
    assert.equal(one!.property, "lockdep: possible circular locking dependency");
    assert.match(String(one!.detail), /taken by reclaim0 \(execution #\d+\)/);
    const replay = epcsim(dir, "replay", String(one!.replay_token));
    assert.equal(replay.code, 1, replay.err);
    assert.match(replay.out, /BUG: lockdep: possible circular locking dependency/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
