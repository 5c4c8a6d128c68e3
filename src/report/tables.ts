/**
 * Tables of experiment results shared by the terminal, CSV and HTML (no chart code here, so the
 * CLI loads ECharts only when it writes a report).
 */
import type { ABMetric } from "../experiment/ab.ts";
import { KEY_METRICS, metricUnit } from "../experiment/metrics.ts";
import { fmtDiff, fmtInterval, fmtMetric, fmtRatio } from "./format.ts";

export interface ReportMeta {
  description?: string;
  db?: string | null;
  runs?: { total: number; cached: number; executed: number; workers: number; wall_ms: number };
  /** The command that reproduces the report. */
  command?: string;
}

/** Metrics a table or report shows first: the experiment's focus, else the key metrics present. */
export function focusMetrics(focus: readonly string[], present: readonly string[]): string[] {
  const have = new Set(present);
  const list = focus.length ? focus : KEY_METRICS.map((k) => k.name);
  return list.filter((n) => have.has(n));
}

export function abRow(name: string, m: ABMetric): string[] {
  const u = metricUnit(name);
  return [
    name,
    fmtMetric(m.a_mean, u),
    fmtMetric(m.b_mean, u),
    fmtDiff(m.diff_mean, u),
    fmtInterval(m.diff_ci_low, m.diff_ci_high, u),
    fmtRatio(m.ratio),
    m.significant ? "yes" : "no",
  ];
}

export const AB_HEAD = ["metric", "A mean", "B mean", "B - A", "95% CI of B - A", "B / A", "significant"];
