/** The HTML report of an A/B experiment. */
import type { ABAnalysis } from "../experiment/ab.ts";
import { metricLabel, metricUnit } from "../experiment/metrics.ts";
import { BOOTSTRAP_RESAMPLES } from "../experiment/stats.ts";
import { cgroupSection } from "./cgroup_report.ts";
import { barsWithCi, type Change, lines, relativeChanges } from "./charts.ts";
import { fmtDuration, fmtMetric, fmtNumber } from "./format.ts";
import { esc, facts, figure, htmlTable, page } from "./html.ts";
import { AB_HEAD, abRow, focusMetrics, type ReportMeta, verdictNote, verdictSentences } from "./tables.ts";

export type { ReportMeta };

function metricTable(a: ABAnalysis, names: string[]): string {
  const rows = names.map((n) => abRow(n, a.metrics[n]!));
  // Mark significant rows (a class on <tr>): rebuild with classes.
  const html = htmlTable(
    [...AB_HEAD, "interval"],
    rows.map((r, i) => [...r, a.metrics[names[i]!]!.ci_method]),
  );
  let i = 0;
  return html.replace(/<tr><td>/g, (m) => {
    const n = names[i++];
    return n !== undefined && a.metrics[n]!.significant ? '<tr class="sig"><td>' : m;
  });
}

/** A CDF from latencies at q = 1/n .. 1: the points (latency, q). */
function quantileCdf(q: number[]): [number, number][] {
  return q.map((v, i) => [v, (i + 1) / q.length]);
}

function approxCdf(a: ABAnalysis, side: "a" | "b"): [number, number][] {
  const pts: [string, number][] = [
    ["fault_latency_ns.p50", 0.5],
    ["fault_latency_ns.p90", 0.9],
    ["fault_latency_ns.p99", 0.99],
    ["fault_latency_ns.max", 1],
  ];
  return pts
    .filter(([n]) => a.metrics[n])
    .map(([n, p]) => [side === "a" ? a.metrics[n]!.a_mean : a.metrics[n]!.b_mean, p]);
}

export function abReportHtml(a: ABAnalysis, meta: ReportMeta = {}): string {
  const names = Object.keys(a.metrics);
  const focus = focusMetrics(a.focus, names);
  const la = `A: ${a.a.label}`;
  const lb = `B: ${a.b.label}`;
  const parts: string[] = [];
  parts.push(`<h1>A/B: ${esc(a.experiment)}</h1>`);
  if (meta.description) parts.push(`<p class="lead">${esc(meta.description)}</p>`);
  const runs = meta.runs;
  parts.push(
    facts([
      ["scenario", a.scenario + (a.base.length ? ` with ${a.base.join(", ")}` : "")],
      ["A", `${a.a.label}: ${a.a.params.join(", ") || "(scenario as is)"}`],
      ["B", `${a.b.label}: ${a.b.params.join(", ") || "(scenario as is)"}`],
      ["replications", `${a.reps} per side, paired on common random numbers`],
      ["measured window", fmtDuration(a.simulated_ns)],
      ["root seed", String(a.root_seed)],
      ["seeds", a.seeds.join(" ")],
      ["model version", a.code_version || a.model_version],
      ...(runs
        ? ([
            [
              "runs",
              `${runs.total} (${runs.executed} simulated on ${runs.workers} workers in ${(runs.wall_ms / 1000).toFixed(1)} s, ${runs.cached} from the cache)`,
            ],
          ] as [string, string][])
        : []),
      ...(meta.db ? ([["results database", meta.db]] as [string, string][]) : []),
      ...(meta.command ? ([["command", meta.command]] as [string, string][]) : []),
    ]),
  );

  parts.push("<h2>Answer</h2>");
  parts.push(
    `<ul class="verdicts">${verdictSentences(a, focus)
      .map((v, i) => `<li class="v-${a.metrics[focus[i]!]!.verdict}">${esc(v)}</li>`)
      .join("")}</ul><p class="note">${esc(verdictNote(a))}</p>`,
  );
  parts.push(
    `<p>Mean of each metric over ${a.reps} replications of A and of B; B - A is the mean of the paired per-seed differences with its 95% interval (Student t on the differences; a bootstrap of ${BOOTSTRAP_RESAMPLES} resamples for percentile metrics). Rows marked * are significant: their interval excludes zero.</p>`,
  );
  parts.push(metricTable(a, focus));

  const changes: Change[] = focus
    .filter((n) => a.metrics[n]!.a_mean !== 0)
    .map((n) => {
      const m = a.metrics[n]!;
      const k = 100 / Math.abs(m.a_mean);
      return {
        label: metricLabel(n),
        pct: m.diff_mean * k,
        low: m.diff_ci_low === null ? null : m.diff_ci_low * k,
        high: m.diff_ci_high === null ? null : m.diff_ci_high * k,
      };
    });
  parts.push("<h2>Change from A to B</h2>");
  if (changes.length) {
    const t = "Relative change of the mean, B vs A (%), with 95% intervals; each metric on its own scale";
    parts.push(`<div class="charts">${figure("ab-change", t, relativeChanges(changes))}</div>`);
  }

  parts.push("<h2>Per-metric means</h2>");
  const bars = focus.map((n) => {
    const m = a.metrics[n]!;
    const u = metricUnit(n);
    const t = metricLabel(n);
    // An axis from 0 to 0 says nothing: say it.
    if (m.verdict === "same" && m.a_mean === 0 && m.b_mean === 0)
      return figure("ab-bars", `${t} (mean per run)`, '<p class="zero">0 in both</p>');
    const svg = barsWithCi(
      t,
      [
        { label: la, mean: m.a_mean, low: m.a_ci_low, high: m.a_ci_high },
        { label: lb, mean: m.b_mean, low: m.b_ci_low, high: m.b_ci_high },
      ],
      (v) => fmtMetric(v, u),
    );
    return figure("ab-bars", `${t} (mean per run, 95% CI)`, svg);
  });
  parts.push(`<div class="charts">${bars.join("\n")}</div>`);

  parts.push("<h2>Fault latency</h2>");
  const exact = a.latency_quantiles.a.length > 0 && a.latency_quantiles.b.length > 0;
  const cdfTitle = exact
    ? `Fault latency CDF (quantiles averaged over ${a.reps} replications)`
    : `Fault latency CDF, approximate: p50/p90/p99/max averaged over ${a.reps} replications`;
  const cdfOf = (side: "a" | "b"): [number, number][] =>
    exact ? quantileCdf(a.latency_quantiles[side]) : approxCdf(a, side);
  parts.push(
    `<div class="charts">${figure(
      "latency-cdf",
      cdfTitle,
      lines(
        cdfTitle,
        [
          { name: la, points: cdfOf("a"), symbol: !exact },
          { name: lb, points: cdfOf("b"), symbol: !exact },
        ],
        { x: "fault latency", y: "fraction of faults", xFmt: fmtDuration, yMin: exact ? 0 : 0.4, yMax: 1 },
        760,
        300,
      ),
      exact
        ? "Each run records its fault latency at every percentile; the curve is the percentile-by-percentile mean over the replications."
        : "These runs recorded fault-latency percentiles only: the curve joins the mean p50, p90, p99 and max, so only those points are measured.",
    )}</div>`,
  );

  parts.push("<h2>Over time</h2>");
  const toMs = (ts: number[], ys: number[]): [number, number][] => ts.map((t, i) => [t / 1e6, ys[i]!]);
  const msFmt = (v: number) => `${v} ms`;
  const free = `Free EPC pages (mean over ${a.reps} replications)`;
  const rounds = `Reclaim rounds, cumulative (mean over ${a.reps} replications)`;
  parts.push(
    `<div class="charts">${figure(
      "timeline-free-pages",
      free,
      lines(
        free,
        [
          { name: la, points: toMs(a.timeline.a.t, a.timeline.a.free_pages), step: true },
          { name: lb, points: toMs(a.timeline.b.t, a.timeline.b.free_pages), step: true },
        ],
        { x: "time in the measured window", y: "pages", xFmt: msFmt },
      ),
    )}${figure(
      "timeline-reclaim-rounds",
      rounds,
      lines(
        rounds,
        [
          { name: la, points: toMs(a.timeline.a.t, a.timeline.a.reclaim_rounds) },
          { name: lb, points: toMs(a.timeline.b.t, a.timeline.b.reclaim_rounds) },
        ],
        { x: "time in the measured window", y: "rounds", xFmt: msFmt },
      ),
    )}</div>`,
  );

  parts.push(cgroupSection(a, la, lb));

  parts.push("<h2>Forward progress</h2>");
  const fp = (s: "a" | "b") => {
    const p = a.forward_progress[s];
    return Object.entries(p.ends)
      .map(([k, v]) => `${k}: ${v}`)
      .join(", ");
  };
  parts.push(
    htmlTable(
      ["side", "how the runs ended", "stalled threads", "accesses/s (mean)"],
      (["a", "b"] as const).map((s) => [
        s === "a" ? la : lb,
        fp(s),
        String(a.forward_progress[s].stalled_threads),
        fmtNumber(a.metrics.accesses_per_sec?.[s === "a" ? "a_mean" : "b_mean"] ?? 0),
      ]),
    ),
  );

  parts.push(`<h2>All metrics</h2><details><summary>${names.length} metrics</summary>`);
  parts.push(metricTable(a, names));
  parts.push("</details>");

  parts.push("<h2>Reproduce one run</h2>");
  const setArgs = (ps: string[]) => [...a.base, ...ps].map((p) => ` --set ${p}`).join("");
  parts.push(
    `<p><code>epcsim run ${esc(a.scenario)}${esc(setArgs(a.a.params))} --seed ${a.seeds[0]}</code> is replication 0 of A; <code>epcsim run ${esc(a.scenario)}${esc(setArgs(a.b.params))} --seed ${a.seeds[0]}</code> is replication 0 of B.</p>`,
  );
  return page(`epcsim A/B: ${a.experiment}`, parts.join("\n"));
}
