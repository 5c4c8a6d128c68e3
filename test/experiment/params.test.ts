import assert from "node:assert/strict";
import { test } from "node:test";
import { ExperimentError } from "../../src/experiment/errors.ts";
import { flattenMetrics, isPercentileMetric, metricNames } from "../../src/experiment/metrics.ts";
import {
  cartesian,
  parseAssignments,
  parseCell,
  parseGrid,
  splitTopLevel,
} from "../../src/experiment/params.ts";
import { deriveSeed, replicationSeed } from "../../src/experiment/seeds.ts";

test("commas inside brackets, braces and quotes do not split parameters", () => {
  assert.deepEqual(splitTopLevel('a=1, b=[0,100],c={"kind":"zipf","s":1}'), [
    "a=1",
    "b=[0,100]",
    'c={"kind":"zipf","s":1}',
  ]);
  assert.deepEqual(parseAssignments("reclaimer.batch=1,reclaimer.threads=4", "--a"), [
    "reclaimer.batch=1",
    "reclaimer.threads=4",
  ]);
  assert.throws(() => parseAssignments("reclaimer.batch", "--a"), ExperimentError);
});

test("a grid is the Cartesian product of its axes, the first varying slowest", () => {
  const cells = cartesian([parseGrid("reclaimer.batch=1,16"), parseGrid("reclaimer.threads=1,2,4")]);
  assert.equal(cells.length, 6);
  assert.deepEqual(cells[0], { "reclaimer.batch": "1", "reclaimer.threads": "1" });
  assert.deepEqual(cells[5], { "reclaimer.batch": "16", "reclaimer.threads": "4" });
  assert.deepEqual(parseCell("a=1,b=x"), { a: "1", b: "x" });
  assert.throws(() => parseGrid("reclaimer.batch="), ExperimentError);
  assert.throws(() => parseGrid("reclaimer.batch=1,1"), ExperimentError);
});

test("seeds derive from the root seed and the stream name alone", () => {
  assert.equal(deriveSeed(1, "rep/0"), deriveSeed(1, "rep/0"));
  assert.notEqual(deriveSeed(1, "rep/0"), deriveSeed(1, "rep/1"));
  assert.notEqual(deriveSeed(1, "rep/0"), deriveSeed(2, "rep/0"));
  const s = replicationSeed(1, 3);
  assert.ok(Number.isInteger(s) && s >= 0 && s < 2 ** 31);
  assert.notEqual(replicationSeed(1, 3, "cell-a"), replicationSeed(1, 3, "cell-b"));
});

test("metrics flatten with dots, and missing names of a run count in the union", () => {
  const f = flattenMetrics({
    faults: 3,
    fault_latency_ns: { p99: 10, p50: 5 },
    locks: { "encl->lock": { contended: 2 } },
  } as unknown as Record<string, unknown>);
  assert.deepEqual(f, {
    faults: 3,
    "fault_latency_ns.p99": 10,
    "fault_latency_ns.p50": 5,
    "locks.encl->lock.contended": 2,
  });
  assert.deepEqual(
    metricNames([
      { a: 1, c: 2 },
      { a: 1, b: 3 },
    ]),
    ["a", "c", "b"],
  );
  assert.ok(isPercentileMetric("fault_latency_ns.p99"));
  assert.ok(isPercentileMetric("fault_latency_ns.max"));
  assert.ok(!isPercentileMetric("fault_latency_ns.mean"));
  assert.ok(!isPercentileMetric("ipi_rounds"));
});
