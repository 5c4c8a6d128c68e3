import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { makeJob, prepareScenario } from "../../src/experiment/jobs.ts";
import { runScenario } from "../../src/experiment/run.ts";
import { ResultsStore } from "../../src/experiment/store.ts";

const TINY = ["machine.epc=512", "run.duration=1ms", "run.warmup=0"];

test("the results database is SQLite in WAL mode, and a run recorded twice is stored once", () => {
  const dir = mkdtempSync(join(tmpdir(), "epcsim-store-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const store = new ResultsStore(join(dir, "r.db"));
  try {
    assert.equal(store.db.pragma("journal_mode", { simple: true }), "wal");
    const job = makeJob(prepareScenario("seed-batching", TINY), TINY, 7);
    const result = runScenario(job.scenario, { seed: job.seed }).result;
    store.putRun(job, result);
    store.putRun(job, result);
    assert.equal(store.countRuns(), 1);
    const got = store.getRuns([job.key]).get(job.key)!;
    assert.deepEqual(got.result, result);
    assert.deepEqual(got.params, TINY);
    assert.equal(got.seed, 7);
    assert.equal(got.model_version, result.model_version);
    assert.equal(got.code_version, job.codeVersion);
    assert.equal(JSON.parse(store.scenarioJson(job.scenarioHash)!).name, "seed-batching");
  } finally {
    store.close();
  }
});
