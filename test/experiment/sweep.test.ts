import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { ExperimentError } from "../../src/experiment/errors.ts";
import { runSweep } from "../../src/experiment/execute.ts";
import { codeVersion } from "../../src/experiment/fingerprint.ts";
import { runKey } from "../../src/experiment/jobs.ts";
import { MODEL_VERSION } from "../../src/experiment/run.ts";
import { ResultsStore } from "../../src/experiment/store.ts";
import { planSweep, type SweepSpec } from "../../src/experiment/sweep.ts";

const TINY = ["machine.epc=512", "run.duration=1ms", "run.warmup=0"];

function spec(over: Partial<SweepSpec> = {}): SweepSpec {
  return {
    name: "t",
    scenario: "seed-batching",
    base: TINY,
    grid: [{ key: "reclaimer.batch", values: ["1", "16"] }],
    reps: 2,
    ...over,
  };
}

test("a second identical sweep is served from the cache and runs nothing", async () => {
  const dir = mkdtempSync(join(tmpdir(), "epcsim-sweep-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const store = new ResultsStore(join(dir, "r.db"));
  try {
    const first = await runSweep(spec(), { store, workers: 0 });
    assert.deepEqual([first.runs.executed, first.runs.cached], [4, 0]);
    const second = await runSweep(spec(), { store, workers: 0 });
    assert.deepEqual([second.runs.executed, second.runs.cached], [0, 4]);
    assert.deepEqual(second.analysis, first.analysis);
    assert.equal(store.countRuns(), 4);
    assert.equal(store.listExperiments().length, 1, "the same sweep reuses its experiment record");
    // A new cell runs; the old ones stay cached.
    const third = await runSweep(spec({ grid: [{ key: "reclaimer.batch", values: ["1", "16", "4"] }] }), {
      store,
      workers: 0,
    });
    assert.deepEqual([third.runs.executed, third.runs.cached], [2, 4]);
  } finally {
    store.close();
  }
});

test("the run guard refuses a sweep of more runs than --max-runs before running any", () => {
  assert.throws(
    () =>
      planSweep(spec({ grid: [{ key: "reclaimer.batch", values: ["1", "2", "4"] }], reps: 3, maxRuns: 8 })),
    (e: unknown) => e instanceof ExperimentError && /9 runs, more than --max-runs 8/.test(e.message),
  );
});

test("cells share seeds under common random numbers and get their own with independent streams", () => {
  const crn = planSweep(spec());
  assert.deepEqual(crn.cells[0]!.seeds, crn.cells[1]!.seeds);
  const ind = planSweep(spec({ independent: true }));
  assert.notDeepEqual(ind.cells[0]!.seeds, ind.cells[1]!.seeds);
});

test("the cache key changes with the seed, the overrides, the scenario and the model's sources", () => {
  const k = runKey('{"name":"x"}', ["a=1"], 1);
  assert.equal(runKey('{"name":"x"}', ["a=1"], 1), k);
  assert.notEqual(runKey('{"name":"x"}', ["a=1"], 2), k);
  assert.notEqual(runKey('{"name":"x"}', ["a=2"], 1), k);
  assert.notEqual(runKey('{"name":"y"}', ["a=1"], 1), k);
  assert.notEqual(runKey('{"name":"x"}', ["a=1"], 1, "epcsim-model-1+000000000000"), k, "and with the model");
  assert.match(codeVersion(), new RegExp(`^${MODEL_VERSION}\\+[0-9a-f]{12}$`));
});

test("explicit cells sweep exactly the listed combinations", () => {
  const p = planSweep(
    spec({
      grid: [],
      cells: [
        { "reclaimer.batch": "1", "reclaimer.threads": "1" },
        { "reclaimer.batch": "16", "reclaimer.threads": "2" },
      ],
      reps: 1,
    }),
  );
  assert.deepEqual(
    p.cells.map((c) => c.label),
    ["reclaimer.batch=1 reclaimer.threads=1", "reclaimer.batch=16 reclaimer.threads=2"],
  );
  assert.deepEqual(p.keys, ["reclaimer.batch", "reclaimer.threads"]);
});
