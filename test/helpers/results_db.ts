/** A results database with one small A/B experiment in it (batch 16 vs 1, 2 replications, 4 runs). */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const BIN = join(import.meta.dirname, "../../bin/epcsim.js");

export function resultsDbWithAB(db: string, duration = "2ms"): void {
  const r = spawnSync(
    process.execPath,
    [
      BIN,
      "ab",
      "seed-batching",
      "--reps",
      "2",
      "--set",
      `run.duration=${duration}`,
      "--set",
      "machine.epc=512",
    ].concat([
      "--a",
      "reclaimer.batch=16",
      "--b",
      "reclaimer.batch=1",
      "--db",
      db,
      "--workers",
      "0",
      "--json",
    ]),
    { encoding: "utf8" },
  );
  assert.equal(r.status, 0, r.stderr);
}
