/** `ab --assert` forms: strict bounds, "no worse than" bounds, relative tolerances, and =0 by direction. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkAssertion, parseAssertion } from "../../src/cli/ab_run.ts";
import { UsageError } from "../../src/cli/errors.ts";
import type { ABAnalysis } from "../../src/experiment/ab.ts";

/** An analysis with one metric whose B - A has the given mean and interval. */
function an(metric: string, a_mean: number, lo: number, hi: number): ABAnalysis {
  return {
    metrics: { [metric]: { a_mean, diff_mean: (lo + hi) / 2, diff_ci_low: lo, diff_ci_high: hi } },
  } as unknown as ABAnalysis;
}

const holds = (expr: string, a: ABAnalysis) => checkAssertion(a, parseAssertion(expr)).ok;

test("<0 and >0 need a significant change; <=0 and >=0 only forbid one in the other direction", () => {
  const fewer = an("ipi_rounds", 100, -30, -10); // B has significantly fewer
  const same = an("ipi_rounds", 100, -5, 6);
  const more = an("ipi_rounds", 100, 10, 30);
  assert.deepEqual(
    [fewer, same, more].map((x) => holds("ipi_rounds<0", x)),
    [true, false, false],
  );
  assert.deepEqual(
    [fewer, same, more].map((x) => holds("ipi_rounds<=0", x)),
    [true, true, false],
  );
  assert.deepEqual(
    [fewer, same, more].map((x) => holds("ipi_rounds>=0", x)),
    [false, true, true],
  );
  assert.deepEqual(
    [fewer, same, more].map((x) => holds("ipi_rounds>0", x)),
    [false, false, true],
  );
});

test("=0 means no significant change for the worse: an improvement passes, in either direction of better", () => {
  // Fewer IPI rounds is better: a significant drop passes, a significant rise fails.
  assert.equal(holds("ipi_rounds=0", an("ipi_rounds", 100, -30, -10)), true);
  assert.equal(holds("ipi_rounds=0", an("ipi_rounds", 100, 10, 30)), false);
  // More accesses per second is better: a significant rise passes, a drop fails.
  assert.equal(holds("accesses_per_sec=0", an("accesses_per_sec", 1000, 50, 80)), true);
  assert.equal(holds("accesses_per_sec=0", an("accesses_per_sec", 1000, -80, -50)), false);
  // No direction: the interval must contain zero.
  assert.equal(holds("reclaim_rounds=0", an("reclaim_rounds", 10, -3, 2)), true);
  assert.equal(holds("reclaim_rounds=0", an("reclaim_rounds", 10, 1, 2)), false);
});

test("a relative tolerance is a percentage of A's mean", () => {
  // p99 1000 ns in A; B - A in [5, 15] ns: within +2% (20 ns) cannot be excluded... lo 5 <= 20 holds.
  assert.equal(holds("fault_latency_ns.p99<=+2%", an("fault_latency_ns.p99", 1000, 5, 15)), true);
  // B - A in [30, 50] ns: significantly above +2% (20 ns).
  assert.equal(holds("fault_latency_ns.p99<=+2%", an("fault_latency_ns.p99", 1000, 30, 50)), false);
  assert.equal(holds("fault_latency_ns.p99<-1%", an("fault_latency_ns.p99", 1000, -50, -30)), true);
  assert.match(
    checkAssertion(an("fault_latency_ns.p99", 1000, 5, 15), parseAssertion("fault_latency_ns.p99<=+2%"))
      .detail,
    /bound 2% of A's mean/,
  );
});

test("malformed assertions are usage errors", () => {
  for (const bad of ["ipi_rounds", "ipi_rounds<<0", "ipi_rounds=5", "ipi_rounds<=x%", "<=0"])
    assert.throws(() => parseAssertion(bad), UsageError, bad);
});

test("an A/B of the user's own kernels on a built-in experiment gets its own description", async () => {
  const { abSpecFrom } = await import("../../src/cli/ab_run.ts");
  const base = { set: [], a: [], b: [], assert: [] } as unknown as Parameters<typeof abSpecFrom>[1];
  const own = abSpecFrom("seed-batching", base).description ?? "";
  const mine = abSpecFrom("seed-batching", {
    ...base,
    a: ["kernel=mainline"],
    b: ["kernel=mainline+./p.ts"],
  }).description;
  assert.notEqual(mine, own);
  assert.match(
    mine ?? "",
    /^kernel=mainline vs kernel=mainline\+\.\/p\.ts on the workload of the built-in experiment seed-batching/,
  );
});
