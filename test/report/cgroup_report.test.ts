/** The A/B report of a scenario with cgroups has the per-cgroup table and usage charts, as valid HTML. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "parse5";
import { runAB } from "../../src/experiment/execute.ts";
import { abReportHtml } from "../../src/report/ab_report.ts";
import { cgroupNames } from "../../src/report/cgroup_report.ts";

test("the A/B report of cgroup-tenants has a per-cgroup table and each side's usage per leaf cgroup over time", async () => {
  const out = await runAB(
    {
      name: "cgroup-report",
      scenario: "cgroup-tenants",
      base: ["machine.epc=512", "run.duration=2ms", "run.warmup=0"],
      a: { label: "mainline", params: ["kernel=mainline"] },
      b: { label: "cgroup-v16", params: ["kernel=cgroup-v16"] },
      reps: 1,
      focus: ["cgroups.good.fault_latency_ns.p99"],
    },
    { workers: 0 },
  );
  const a = out.analysis;
  assert.deepEqual(cgroupNames(a).slice(0, 2), ["good", "good/t0"]);
  assert.ok(a.timeline.b.cgroups?.["bad/t7"]?.length, "B's per-cgroup usage timeline");
  assert.equal(a.metrics["cgroups.good.fault_latency_ns.p99"]?.ci_method, "bootstrap", "a percentile");
  const html = abReportHtml(a);
  const errors: string[] = [];
  parse(html, { onParseError: (e) => errors.push(e.code) });
  assert.deepEqual(errors, []);
  assert.match(html, /<h2>Per cgroup<\/h2>/);
  assert.match(html, /<td>bad\/t7<\/td>/);
  assert.equal(html.match(/data-chart="cgroup-usage"/g)?.length, 2, "one usage chart per side");
  // Leaves only: the parents' lines would be sums of their children's.
  assert.match(html, /EPC pages per cgroup \(misc\.current\), B: cgroup-v16/);
});
