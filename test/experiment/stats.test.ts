import assert from "node:assert/strict";
import { test } from "node:test";
import { verdictOf } from "../../src/experiment/ab.ts";
import { betterWhen, KEY_METRICS } from "../../src/experiment/metrics.ts";
import {
  bhAdjust,
  bootstrapMeanInterval,
  excludesZero,
  pairedDiffs,
  pairedTInterval,
  ratio,
  sampleSd,
  signFlipP,
  tInterval,
  tQuantile,
  tTestP,
} from "../../src/experiment/stats.ts";

const close = (a: number | null, b: number, eps = 1e-6) =>
  assert.ok(a !== null && Math.abs(a - b) < eps, `${a} is not ${b}`);

test("Student t quantiles match the tables", () => {
  close(tQuantile(0.975, 1), 12.7062047, 1e-6);
  close(tQuantile(0.975, 9), 2.2621572, 1e-6);
  close(tQuantile(0.975, 30), 2.0422725, 1e-6);
  close(tQuantile(0.95, 4), 2.1318468, 1e-6);
});

test("the paired t-interval of Student's sleep data is R's t.test(paired = TRUE): 1.58 [0.7001142, 2.4598858]", () => {
  const drug1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
  const drug2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
  const iv = pairedTInterval(drug1, drug2);
  close(iv.mean, 1.58, 1e-9);
  close(iv.low, 0.7001142, 1e-6);
  close(iv.high, 2.4598858, 1e-6);
  assert.equal(iv.n, 10);
  assert.equal(iv.method, "t");
  assert.ok(excludesZero(iv));
});

test("a one-sample t-interval is mean +- t(0.975, n-1) * sd / sqrt(n)", () => {
  const xs = [10, 12, 9, 11, 13];
  const iv = tInterval(xs);
  const half = (tQuantile(0.975, 4) * sampleSd(xs)) / Math.sqrt(5);
  close(iv.low, 11 - half, 1e-12);
  close(iv.high, 11 + half, 1e-12);
  close(sampleSd(xs), Math.sqrt(2.5), 1e-12);
});

test("identical values give a zero-width interval at their mean, and zero differences are not significant", () => {
  const iv = pairedTInterval([3, 5, 8], [3, 5, 8]);
  assert.deepEqual([iv.mean, iv.low, iv.high], [0, 0, 0]);
  assert.equal(excludesZero(iv), false);
  const c = pairedTInterval([1, 2, 3], [3, 4, 5]);
  assert.deepEqual([c.mean, c.low, c.high], [2, 2, 2]);
  assert.equal(excludesZero(c), true);
});

test("fewer than two replications give null intervals", () => {
  for (const iv of [tInterval([4]), bootstrapMeanInterval([4], 1), tInterval([])]) {
    assert.equal(iv.low, null);
    assert.equal(iv.high, null);
    assert.equal(excludesZero(iv), false);
  }
});

test("the bootstrap percentile interval of the mean of [3, 1, 4, 1, 5] is the exact bootstrap's [7/5, 21/5]", () => {
  // Enumerating all 5^5 resamples, the mean's 2.5% quantile is 1.4 (cumulative 1.0%..3.6%) and its
  // 97.5% quantile is 4.2 (96.6%..98.4%); 4000 seeded resamples land on the same atoms.
  const iv = bootstrapMeanInterval([3, 1, 4, 1, 5], 42);
  assert.equal(iv.method, "bootstrap");
  close(iv.mean, 2.8, 1e-12);
  close(iv.low, 1.4, 1e-12);
  close(iv.high, 4.2, 1e-12);
});

test("the bootstrap is deterministic for a seed", () => {
  const xs = [12.5, 9.1, 14.2, 30.3, 11.0, 10.4, 13.9, 12.2];
  assert.deepEqual(bootstrapMeanInterval(xs, 7), bootstrapMeanInterval(xs, 7));
  const iv = bootstrapMeanInterval(xs, 7);
  assert.ok(iv.low! < iv.mean && iv.mean < iv.high!);
});

test("the ratio is b/a, and null when a is 0", () => {
  assert.equal(ratio(4, 10), 2.5);
  assert.equal(ratio(0, 10), null);
});

test("the paired t-test p of Student's sleep data is R's t.test(paired = TRUE): 0.002833", () => {
  const drug1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
  const drug2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
  close(tTestP(pairedDiffs(drug1, drug2)), 0.00283289, 1e-8);
  assert.equal(tTestP([1]), null);
  assert.equal(tTestP([0, 0, 0]), 1);
  assert.equal(tTestP([2, 2, 2]), 0);
});

test("the sign-flip test is exact for few pairs: 4 positive differences cannot give p below 1/8", () => {
  assert.equal(signFlipP([1, 1, 1, 1], 1), 2 / 16);
  assert.equal(signFlipP([1, -1], 1), 1);
  assert.equal(signFlipP([0, 0, 0], 1), 1);
  assert.equal(signFlipP([5], 1), null);
  // Beyond 16 pairs it samples, reproducibly for a seed.
  const many = Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? -1 : 2));
  assert.equal(signFlipP(many, 7), signFlipP(many, 7));
  assert.ok(signFlipP(many, 7)! < 0.05);
});

test("the Benjamini-Hochberg adjustment is R's p.adjust(method = 'BH')", () => {
  assert.deepEqual(
    bhAdjust([0.01, 0.04, 0.03, 0.005]).map((p) => +p!.toFixed(10)),
    [0.02, 0.04, 0.04, 0.02],
  );
  assert.deepEqual(bhAdjust([0.5, null, 0.5]), [0.5, null, 0.5]);
});

test("a verdict says better or worse by the metric's declared direction, only when the adjusted p < 0.05", () => {
  assert.equal(verdictOf({ diff_mean: -3, p_adjusted: 0.01, better: "lower" }, false), "better");
  assert.equal(verdictOf({ diff_mean: 3, p_adjusted: 0.01, better: "lower" }, false), "worse");
  assert.equal(verdictOf({ diff_mean: 3, p_adjusted: 0.01, better: "higher" }, false), "better");
  assert.equal(verdictOf({ diff_mean: 3, p_adjusted: 0.2, better: "lower" }, false), "no_difference");
  assert.equal(verdictOf({ diff_mean: 3, p_adjusted: 0.01, better: null }, false), "higher");
  assert.equal(verdictOf({ diff_mean: 0, p_adjusted: null, better: "lower" }, true), "same");
});

test("costs are better lower, throughput better higher, and counts of work done have no direction", () => {
  for (const n of [
    "ipi_rounds",
    "etrack",
    "fault_latency_ns.p99",
    "locks.sgx_reclaimer_lock.contended",
    "sigbus",
  ])
    assert.equal(betterWhen(n), "lower", n);
  for (const n of ["reclaim_pages_per_sec", "accesses_per_sec"]) assert.equal(betterWhen(n), "higher", n);
  for (const n of ["reclaimed_pages", "ewb", "faults", "locks.sgx_reclaimer_lock.acquisitions"])
    assert.equal(betterWhen(n), null, n);
  // Every headline metric a reviewer reads first has been given a thought.
  const undirected = KEY_METRICS.filter((k) => betterWhen(k.name) === null).map((k) => k.name);
  assert.deepEqual(undirected, [
    "ewb",
    "reclaimed_pages",
    "reclaim_rounds",
    "faults",
    "locks.sgx_reclaimer_lock.acquisitions",
  ]);
});
