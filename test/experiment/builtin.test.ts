import assert from "node:assert/strict";
import { test } from "node:test";
import { planAB } from "../../src/experiment/ab.ts";
import { abSpecOf, listExperiments, sweepSpecOf } from "../../src/experiment/builtin.ts";
import { planSweep } from "../../src/experiment/sweep.ts";

test("the seven built-in experiments exist, and every run of each is a valid scenario", () => {
  const list = listExperiments();
  assert.deepEqual(
    list.map((e) => `${e.kind} ${e.name}`),
    [
      "ab seed-batching",
      "ab multi-enclave-batching",
      "sweep reclaim-threads",
      "sweep batch-size-threads",
      "ab cgroup-tenants",
      "ab v38-per-page",
      "ab mainline-vs-isgx",
    ],
  );
  for (const e of list) {
    if (e.kind === "ab") {
      const p = planAB(abSpecOf(e));
      assert.equal(p.a.length, e.reps);
      assert.notEqual(p.a[0]!.key, p.b[0]!.key);
    } else {
      const p = planSweep(sweepSpecOf(e));
      const cells = Object.values(e.grid).reduce((n, v) => n * v.length, 1);
      assert.equal(p.cells.length, cells);
    }
  }
});

test("the batch-size sweep covers batch 1..64 x enclave threads 1, 4, 16", () => {
  const e = listExperiments().find((x) => x.name === "batch-size-threads")!;
  assert.equal(e.kind, "sweep");
  const p = planSweep(sweepSpecOf(e as Extract<typeof e, { kind: "sweep" }>));
  assert.equal(p.cells.length, 21);
  const last = p.cells.at(-1)!;
  assert.equal(last.jobs[0]!.scenario.reclaimer.batch, 64);
  assert.equal(last.jobs[0]!.scenario.processes[0]!.threads[0]!.count, 16);
});

test("the kernel-history experiments compare whole kernels: v38 vs v38-per-page, mainline vs isgx", () => {
  const byName = new Map(listExperiments().map((e) => [e.name, e]));
  for (const [name, a, b] of [
    ["v38-per-page", "v38", "v38-per-page"],
    ["mainline-vs-isgx", "mainline", "isgx"],
  ] as const) {
    const e = byName.get(name)!;
    assert.equal(e.kind, "ab");
    const p = planAB(abSpecOf(e as Extract<typeof e, { kind: "ab" }>));
    assert.equal(p.a[0]!.scenario.kernel, a);
    assert.equal(p.b[0]!.scenario.kernel, b);
  }
});
