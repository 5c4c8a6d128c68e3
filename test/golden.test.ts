/**
 * Results that speed work must not change (issue 12): every built-in run scenario's result and
 * every check-suite verdict, against the values recorded in test/fixtures/golden/results.json
 * (test/helpers/golden.ts says how they are made and re-recorded on purpose).
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { checkGolden, GOLDEN_FILE, type Golden, runGolden, type SimApi } from "./helpers/golden.ts";

const BUILT_SIM = join(import.meta.dirname, "../dist/api.js");

const recorded = JSON.parse(readFileSync(GOLDEN_FILE, "utf8")) as Golden;

function assertRecordedRuns(now: Golden["runs"]): void {
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
}

test("every built-in run scenario gives its recorded result", () => {
  assertRecordedRuns(runGolden());
});

test("the build (model compiled to frames) gives every built-in run scenario its recorded result", async () => {
  // make test builds dist/ first; the command line and benchmarks run this code.
  assert.ok(existsSync(BUILT_SIM), `${BUILT_SIM} is missing: run \`make build\``);
  assertRecordedRuns(runGolden((await import(pathToFileURL(BUILT_SIM).href)) as SimApi));
});

test("every check scenario gives its recorded verdict, after as many executions, with the same replay token", () => {
  assert.deepEqual(checkGolden(), recorded.checks);
});
