/** Progress lines: elapsed time and an ETA extrapolated from the fraction done; --quiet silences them. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { Progress } from "../../src/cli/progress.ts";

function captured(f: () => void): string {
  const write = process.stderr.write.bind(process.stderr);
  let out = "";
  process.stderr.write = ((s: string) => {
    out += s;
    return true;
  }) as typeof process.stderr.write;
  try {
    f();
  } finally {
    process.stderr.write = write;
  }
  return out;
}

test("a progress line says the elapsed time and the time left", () => {
  let t = 0;
  const p = new Progress("sweep x", true, () => t);
  const out = captured(() => {
    t = 10_000;
    p.update(0.25, "3/12 runs");
    t = 90_000;
    p.update(0.75, "9/12 runs");
  });
  assert.match(out, /sweep x: 25% \(10s, ETA 30s\) 3\/12 runs/);
  assert.match(out, /sweep x: 75% \(1m30s, ETA 30s\) 9\/12 runs/);
});

test("--quiet silences progress", () => {
  const bin = join(import.meta.dirname, "../../bin/epcsim.js");
  const loud = spawnSync(process.execPath, [bin, "check", "check-fault-vs-reclaim", "--budget", "6s"], {
    encoding: "utf8",
  });
  assert.match(loud.stderr, /check check-fault-vs-reclaim: \d+% \(\d+s, ETA \d+s\)/);
  const quiet = spawnSync(
    process.execPath,
    [bin, "--quiet", "check", "check-fault-vs-reclaim", "--budget", "6s"],
    { encoding: "utf8" },
  );
  assert.equal(quiet.status, 0, quiet.stderr);
  assert.doesNotMatch(quiet.stderr, /%/);
});
