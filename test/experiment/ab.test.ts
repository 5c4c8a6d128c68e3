import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { pathToFileURL } from "node:url";
import { planAB } from "../../src/experiment/ab.ts";
import { runAB } from "../../src/experiment/execute.ts";

const TINY = ["machine.epc=512", "run.duration=1ms", "run.warmup=0"];

test("A vs A on common random numbers gives exactly zero difference in every metric", async () => {
  // Two spellings of the same scenario (batch 16 is the default low_pages 32 too): different cache
  // keys, so both sides really run, on the same seeds.
  const out = await runAB(
    {
      name: "a-vs-a",
      scenario: "seed-batching",
      base: TINY,
      a: { label: "A", params: ["reclaimer.batch=16"] },
      b: { label: "A again", params: ["reclaimer.low_pages=32"] },
      reps: 3,
    },
    { workers: 2 },
  );
  assert.equal(out.runs.executed, 6);
  const names = Object.keys(out.analysis.metrics);
  assert.ok(names.includes("fault_latency_ns.p99") && names.includes("ipi_rounds"));
  assert.ok(out.analysis.metrics.faults!.a_mean > 0, "the runs did something");
  for (const [n, m] of Object.entries(out.analysis.metrics)) {
    assert.equal(m.diff_mean, 0, n);
    assert.equal(m.diff_ci_low, 0, n);
    assert.equal(m.diff_ci_high, 0, n);
    assert.equal(m.significant, false, n);
    assert.equal(m.a_mean, m.b_mean, n);
  }
});

test("replication r of A and of B share one derived seed; replications differ", () => {
  const plan = planAB({
    name: "p",
    scenario: "seed-batching",
    base: TINY,
    a: { label: "A", params: ["reclaimer.batch=16"] },
    b: { label: "B", params: ["reclaimer.batch=1"] },
    reps: 4,
  });
  assert.deepEqual(
    plan.a.map((j) => j.seed),
    plan.b.map((j) => j.seed),
  );
  assert.deepEqual(
    plan.a.map((j) => j.seed),
    plan.seeds,
  );
  assert.equal(new Set(plan.seeds).size, 4);
  assert.equal(plan.rootSeed, 1, "the scenario's seed is the default root");
  const other = planAB({ ...plan.spec, seed: 99 });
  assert.notDeepEqual(other.seeds, plan.seeds);
});

test("A/B results do not depend on the number of workers", async () => {
  const spec = {
    name: "workers",
    scenario: "seed-batching",
    base: TINY,
    a: { label: "batch 16", params: ["reclaimer.batch=16"] },
    b: { label: "batch 1", params: ["reclaimer.batch=1"] },
    reps: 2,
  };
  const inThread = await runAB(spec, { workers: 0 });
  const pooled = await runAB(spec, { workers: 2 });
  assert.deepEqual(pooled.analysis, inThread.analysis);
  assert.ok(inThread.analysis.metrics["locks.sgx_reclaimer_lock.acquisitions"]!.diff_mean > 0);
});

test("one replication gives null intervals and no significance", async () => {
  const out = await runAB(
    {
      name: "one",
      scenario: "seed-batching",
      base: TINY,
      a: { label: "A", params: ["reclaimer.batch=16"] },
      b: { label: "B", params: ["reclaimer.batch=1"] },
      reps: 1,
    },
    { workers: 0 },
  );
  for (const m of Object.values(out.analysis.metrics)) {
    assert.equal(m.diff_ci_low, null);
    assert.equal(m.diff_ci_high, null);
    assert.equal(m.significant, false);
  }
});

test("a side may run a patched kernel (loaded in every worker), and the patch's content is part of the cache key", async () => {
  const dir = mkdtempSync(join(tmpdir(), "epcsim-patch-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "per-page.mts");
  const patch = (n: number) =>
    `import { definePatch } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, "../../src/patch.ts")).href)};\n` +
    `export default definePatch({ name: "per-page", description: "t", constants: { SGX_NR_TO_SCAN: ${n} } });\n`;
  writeFileSync(file, patch(1));
  const spec = {
    name: "patch",
    scenario: "seed-batching",
    base: TINY,
    a: { label: "mainline", params: ["kernel=mainline"] },
    b: { label: "patched", params: [`kernel=mainline+${file}`] },
    reps: 1,
  };
  const out = await runAB(spec, { workers: 2 });
  const m = out.analysis.metrics["locks.sgx_reclaimer_lock.acquisitions"]!;
  assert.ok(m.b_mean > m.a_mean, `per-page reclaim takes the lock more often: ${m.a_mean} vs ${m.b_mean}`);
  const before = planAB(spec).b[0]!.key;
  writeFileSync(file, patch(2));
  assert.notEqual(planAB(spec).b[0]!.key, before);
  assert.equal(planAB(spec).a[0]!.key, out.plan.a[0]!.key);
});
