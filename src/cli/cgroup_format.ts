/** Terminal output of a run's EPC cgroup results: the selftest's steps and the per-cgroup metrics. */
import type { RunResult } from "../experiment/run.ts";
import { fmtNs } from "../scenario/units.ts";
import { table } from "./format.ts";

/** Lines to append to `epcsim run`'s text output (none when the scenario has no cgroups or steps). */
export function cgroupLines(r: RunResult): string[] {
  const out: string[] = [];
  if (r.steps) {
    const passed = r.steps.filter((s) => s.passed).length;
    out.push(`steps (${passed} of ${r.steps.length} passed):`);
    out.push(
      table(
        [
          ["", "step", "expected", "observed"],
          ...r.steps.map((s) => [s.passed ? "ok" : "FAIL", s.name, s.expected, s.observed]),
        ],
        true,
      ),
    );
  }
  const cg = r.metrics.cgroups;
  if (cg && Object.keys(cg).length) {
    out.push("per cgroup:");
    out.push(
      table([
        [
          "cgroup",
          "limit",
          "pages (mean)",
          "limit hits",
          "reclaim rounds",
          "faults",
          "fault p99",
          "accesses/s",
        ],
        ...Object.entries(cg).map(([name, c]) => [
          name,
          c.limit_pages === null ? "max" : String(c.limit_pages),
          String(c.usage_pages_mean),
          String(c.limit_hits),
          String(c.reclaim_rounds),
          String(c.faults),
          fmtNs(c.fault_latency_ns.p99),
          c.accesses_per_sec.toLocaleString("en-US"),
        ]),
      ]),
    );
  }
  return out;
}
