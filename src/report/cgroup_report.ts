/**
 * The EPC cgroup part of an A/B report: a table of the per-cgroup metrics of A and B and, per side,
 * the EPC usage (misc.current) of every leaf cgroup over the measured window.
 */
import type { ABAnalysis } from "../experiment/ab.ts";
import { lines } from "./charts.ts";
import { fmtMetric } from "./format.ts";
import { esc, figure, htmlTable } from "./html.ts";

/** Per-cgroup metrics shown in the table: [field, label, unit]. */
const FIELDS: [string, string, "n" | "ns" | "per_s"][] = [
  ["fault_latency_ns.p99", "fault p99", "ns"],
  ["fault_latency_ns.p50", "fault p50", "ns"],
  ["faults", "faults", "n"],
  ["accesses_per_sec", "accesses/s", "per_s"],
  ["usage_pages_mean", "EPC pages (mean)", "n"],
  ["limit_hits", "limit hits", "n"],
  ["reclaim_rounds", "reclaim rounds", "n"],
  ["reclaimed_pages", "reclaimed pages", "n"],
];

/** The cgroup paths that have metrics in the analysis, in the order they first appear. */
export function cgroupNames(a: ABAnalysis): string[] {
  const out: string[] = [];
  for (const n of Object.keys(a.metrics)) {
    const m = /^cgroups\.(.+)\.faults$/.exec(n);
    if (m && !out.includes(m[1]!)) out.push(m[1]!);
  }
  return out;
}

/** The report section, or "" when the experiment's scenario has no cgroups. */
export function cgroupSection(a: ABAnalysis, la: string, lb: string): string {
  const names = cgroupNames(a);
  if (!names.length) return "";
  const parts = ["<h2>Per cgroup</h2>"];
  parts.push(
    "<p>Fault latency, faults and accesses of a cgroup include its descendants; reclaim counts are of the cgroup's own LRU; limit hits are its charges refused by its own or an ancestor's misc.max. Means over the replications, A / B.</p>",
  );
  const val = (n: string, side: "a_mean" | "b_mean", unit: "n" | "ns" | "per_s") => {
    const m = a.metrics[n];
    return m ? fmtMetric(m[side], unit) : "-";
  };
  parts.push(
    htmlTable(
      ["cgroup", ...FIELDS.map(([, l]) => l)],
      names.map((c) => [
        esc(c),
        ...FIELDS.map(
          ([f, , u]) => `${val(`cgroups.${c}.${f}`, "a_mean", u)} / ${val(`cgroups.${c}.${f}`, "b_mean", u)}`,
        ),
      ]),
    ),
  );
  const charts: string[] = [];
  for (const [side, label] of [
    ["a", la],
    ["b", lb],
  ] as const) {
    const tl = a.timeline[side];
    const usage = tl.cgroups;
    if (!usage || !tl.cgroup_t) continue;
    // Leaf cgroups only: a parent's usage is the sum of its children's.
    const leaves = Object.keys(usage).filter((c) => !Object.keys(usage).some((d) => d.startsWith(`${c}/`)));
    const t = `EPC pages per cgroup (misc.current), ${label}`;
    charts.push(
      figure(
        "cgroup-usage",
        t,
        lines(
          t,
          leaves.map((c) => ({
            name: c,
            points: tl.cgroup_t!.map((x, i): [number, number] => [x / 1e6, usage[c]![i]!]),
            step: true,
          })),
          { x: "time in the measured window", y: "pages", xFmt: (v) => `${v} ms` },
        ),
      ),
    );
  }
  if (charts.length) parts.push(`<div class="charts">${charts.join("")}</div>`);
  return parts.join("\n");
}
