/**
 * Tables of experiment results shared by the terminal, CSV and HTML (no chart code here, so the
 * CLI loads ECharts only when it writes a report).
 */
import { type ABAnalysis, type ABMetric, VERDICT_ALPHA } from "../experiment/ab.ts";
import { KEY_METRICS, metricLabel, metricUnit } from "../experiment/metrics.ts";
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
    fmtP(m.p_adjusted),
    VERDICT_WORDS[m.verdict],
  ];
}

export const AB_HEAD = [
  "metric",
  "A mean",
  "B mean",
  "B - A",
  "95% CI of B - A",
  "B / A",
  "significant",
  "adjusted p",
  "verdict for B",
];

const VERDICT_WORDS: Record<ABMetric["verdict"], string> = {
  better: "better",
  worse: "worse",
  higher: "higher",
  lower: "lower",
  no_difference: "no difference",
  same: "same",
};

export function fmtP(p: number | null): string {
  if (p === null) return "-";
  return p < 0.001 ? "< 0.001" : p.toFixed(3);
}

function change(m: ABMetric): string {
  if (m.a_mean === 0) return m.b_mean === 0 ? "" : " (from 0)";
  const pct = ((m.b_mean - m.a_mean) / Math.abs(m.a_mean)) * 100;
  const s = Math.abs(pct) >= 10 ? pct.toFixed(0) : pct.toFixed(1);
  return ` (${pct > 0 ? "+" : ""}${s}%)`;
}

/** One sentence per headline metric: is B better, worse or not significantly different from A? */
export function verdictSentences(an: ABAnalysis, names: readonly string[]): string[] {
  return names.map((n) => {
    const m = an.metrics[n]!;
    const u = metricUnit(n);
    const label = metricLabel(n);
    if (m.verdict === "same")
      return `${label}: ${m.a_mean === 0 ? "0 in both" : `${fmtMetric(m.a_mean, u)} in every run of both`}.`;
    const values = `${fmtMetric(m.a_mean, u)} -> ${fmtMetric(m.b_mean, u)}${change(m)}`;
    const p =
      m.p_adjusted === null
        ? "too few replications for a test"
        : `adjusted p ${fmtP(m.p_adjusted).replace(/^(\d)/, "= $1")}`;
    const what = {
      better: `B is better (${m.better} is better)`,
      worse: `B is worse (${m.better} is better)`,
      higher: "higher in B (no better direction declared)",
      lower: "lower in B (no better direction declared)",
      no_difference: "no significant difference",
      same: "",
    }[m.verdict];
    return `${label}: ${what}: ${values}, ${p}.`;
  });
}

/** What the verdicts mean, printed under them. */
export function verdictNote(an: ABAnalysis): string {
  const tested = Object.values(an.metrics).filter((m) => m.p_value !== null).length;
  return `Verdicts: B against A, p < ${VERDICT_ALPHA} after the Benjamini-Hochberg adjustment for testing ${tested} metrics at once (those that vary; paired t-test, sign-flip test for percentiles); the "significant" column is each metric's own 95% interval, unadjusted.`;
}
