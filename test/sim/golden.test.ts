/**
 * Recorded results (issue 12's "must not change"): every metric of a few built-in scenarios and the
 * findings of a few check scenarios, for a fixed seed, as this model computes them today. A change
 * that moves any of them must be intended: update the values here in the same commit and say why in
 * its message (optimizations must leave them as they are).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { runCheckSession } from "../../src/check/session.ts";
import { flattenMetrics } from "../../src/experiment/metrics.ts";
import { runScenario } from "../../src/experiment/run.ts";
import { loadScenario } from "../../src/scenario/load.ts";
import { loadKernel } from "../../src/scenario/patches.ts";

const RUNS: {
  name: string;
  sets: string[];
  hash: string;
  ipi_rounds: number;
  faults: number;
  ewb: number;
}[] = [
  {
    name: "seed-batching",
    sets: ["run.duration=20ms"],
    hash: "f49f07843c374d03",
    ipi_rounds: 15,
    faults: 300,
    ewb: 263,
  },
  {
    name: "oversubscribed",
    sets: ["run.duration=20ms"],
    hash: "92bce3b945ae614f",
    ipi_rounds: 0,
    faults: 1566,
    ewb: 1630,
  },
  {
    name: "cgroup-tenants",
    sets: ["run.duration=20ms"],
    hash: "17e03ec477019914",
    ipi_rounds: 0,
    faults: 1291,
    ewb: 1209,
  },
  { name: "release-large", sets: [], hash: "9fd70f271d78f878", ipi_rounds: 0, faults: 1000, ewb: 0 },
];

for (const g of RUNS)
  test(`${g.name} ${g.sets.join(" ")}: every metric as recorded`, () => {
    const flat = flattenMetrics(runScenario(loadScenario(g.name, g.sets).scenario).result.metrics);
    assert.deepEqual(
      { ipi_rounds: flat.ipi_rounds, faults: flat.faults, ewb: flat.ewb },
      { ipi_rounds: g.ipi_rounds, faults: g.faults, ewb: g.ewb },
    );
    const hash = createHash("sha256")
      .update(JSON.stringify(Object.entries(flat).sort()))
      .digest("hex")
      .slice(0, 16);
    assert.equal(hash, g.hash, "a metric moved: if that is intended, record the new hash");
  });

const CHECKS: [
  scenario: string,
  kernel: string,
  property: string,
  executions: number,
  before: number,
  after: number,
][] = [
  ["check-eaug-vs-eaug", "mainline", "WARN sigbus", 1, 42, 46],
  ["check-remove-vs-fault", "mainline", "invariant: no stale PTE", 5, 51, 43],
  ["check-pcmd-truncate", "v5.19-B6", "invariant: evicted data is in the backing store", 17, 73, 66],
  ["check-free-accounting", "v5.15", "invariant: nr_free matches the free lists", 5, 52, 52],
];

for (const [name, kernel, property, executions, before, after] of CHECKS)
  test(`${name} on ${kernel}: the finding, its execution count and its minimized length as recorded`, async () => {
    await loadKernel(kernel);
    const { scenario: sc, raw } = loadScenario(name, [`kernel=${kernel}`]);
    const r = runCheckSession({ sc, raw, seed: 1, schedules: 2000, timeMs: 60_000 });
    assert.deepEqual(
      [r.property, r.schedules, r.steps_before_min, r.steps_after_min],
      [property, executions, before, after],
    );
  });
