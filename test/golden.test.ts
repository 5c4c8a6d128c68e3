/**
 * Results that speed work must not change (issue 12): every built-in run scenario's result and
 * every check-suite verdict, against the values recorded in test/fixtures/golden/results.json
 * (test/helpers/golden.ts says how they are made and re-recorded on purpose).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { checkGolden, GOLDEN_FILE, type Golden, runGolden } from "./helpers/golden.ts";

const recorded = JSON.parse(readFileSync(GOLDEN_FILE, "utf8")) as Golden;

test("every built-in run scenario gives its recorded result", () => {
  const now = runGolden();
  assert.deepEqual(
    Object.keys(now),
    Object.keys(recorded.runs),
    "the set of run scenarios changed: re-record",
  );
  for (const [name, r] of Object.entries(now)) {
    const want = recorded.runs[name]!;
    // Metrics first, so a difference names the metric; then everything else of the result.
    assert.deepEqual(r.metrics, want.metrics, `${name}: metrics`);
    assert.deepEqual(r, want, `${name}: the result (timeline, dmesg, latency quantiles, ops)`);
  }
});

test("every check scenario gives its recorded verdict, after as many executions, with the same replay token", () => {
  assert.deepEqual(checkGolden(), recorded.checks);
});
