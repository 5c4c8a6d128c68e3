/** The HTML report of a sweep: a table of cells, lines with CI bands, heatmaps for two keys. */
import { metricLabel, metricUnit } from "../experiment/metrics.ts";
import type { SweepAnalysis } from "../experiment/sweep.ts";
import { bandLines, heatmap } from "./charts.ts";
import { fmtDuration, fmtInterval, fmtMetric } from "./format.ts";
import { esc, facts, figure, htmlTable, page } from "./html.ts";
import { focusMetrics, type ReportMeta } from "./tables.ts";

/** `mean [low, high]` of one cell's metric. */
export function cellValue(s: SweepAnalysis, cell: number, name: string): string {
  const m = s.cells[cell]!.metrics[name];
  if (!m) return "-";
  const u = metricUnit(name);
  return m.ci_low === null
    ? fmtMetric(m.mean, u)
    : `${fmtMetric(m.mean, u)} ${fmtInterval(m.ci_low, m.ci_high, u)}`;
}

export function sweepTableRows(s: SweepAnalysis, names: string[]): { head: string[]; rows: string[][] } {
  return {
    head: [...s.keys, ...names],
    rows: s.cells.map((c, i) => [
      ...s.keys.map((k) => c.params[k] ?? ""),
      ...names.map((n) => cellValue(s, i, n)),
    ]),
  };
}

/** Index of each cell by its values of the varied keys. */
function cellIndex(s: SweepAnalysis): Map<string, number> {
  const idx = new Map<string, number>();
  s.cells.forEach((c, i) => {
    idx.set(JSON.stringify(s.keys.map((k) => c.params[k] ?? null)), i);
  });
  return idx;
}

export function sweepReportHtml(s: SweepAnalysis, meta: ReportMeta = {}): string {
  const focus = focusMetrics(s.focus, s.metric_names);
  const parts: string[] = [];
  parts.push(`<h1>Sweep: ${esc(s.experiment)}</h1>`);
  if (meta.description) parts.push(`<p class="lead">${esc(meta.description)}</p>`);
  const runs = meta.runs;
  parts.push(
    facts([
      ["scenario", s.scenario],
      ...s.axes.map((a) => [a.key, a.values.join(", ")] as [string, string]),
      ["cells", String(s.cells.length)],
      [
        "replications",
        `${s.reps} per cell, ${s.common_random_numbers ? "common random numbers (the same seeds in every cell)" : "an independent seed stream per (cell, replication)"}`,
      ],
      ["root seed", String(s.root_seed)],
      ...(s.common_random_numbers
        ? ([["seeds", s.cells[0]?.seeds.join(" ") ?? ""]] as [string, string][])
        : ([["seeds", "per cell, in the JSON output and the database"]] as [string, string][])),
      ["model version", s.code_version || s.model_version],
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

  parts.push("<h2>Results</h2>");
  parts.push(
    "<p>Mean per run over the replications of each cell, with its 95% interval (Student t; a seeded bootstrap for percentile metrics).</p>",
  );
  const t = sweepTableRows(s, focus);
  parts.push(htmlTable(t.head, t.rows));

  const idx = cellIndex(s);
  const figs: string[] = [];
  if (s.axes.length === 1) {
    const ax = s.axes[0]!;
    for (const n of focus) {
      const u = metricUnit(n);
      const pick = (f: (i: number) => number | null) =>
        ax.values.map((v) => {
          const i = idx.get(JSON.stringify([v]));
          return i === undefined ? null : f(i);
        });
      const title = `${metricLabel(n)} by ${ax.key} (mean, 95% CI band)`;
      const mean = pick((i) => s.cells[i]!.metrics[n]?.mean ?? 0).map((v) => v ?? 0);
      figs.push(
        figure(
          "sweep-line",
          title,
          bandLines(
            metricLabel(n),
            ax.key,
            ax.values,
            [
              {
                name: metricLabel(n),
                mean,
                low: pick((i) => s.cells[i]!.metrics[n]?.ci_low ?? null),
                high: pick((i) => s.cells[i]!.metrics[n]?.ci_high ?? null),
              },
            ],
            (v) => fmtMetric(v, u),
          ),
        ),
      );
    }
  } else if (s.axes.length === 2) {
    const [ax, ay] = [s.axes[0]!, s.axes[1]!];
    for (const n of focus) {
      const u = metricUnit(n);
      const cells: [number, number, number][] = [];
      ax.values.forEach((vx, xi) => {
        ay.values.forEach((vy, yi) => {
          const i = idx.get(JSON.stringify([vx, vy]));
          if (i !== undefined) cells.push([xi, yi, s.cells[i]!.metrics[n]?.mean ?? 0]);
        });
      });
      const title = `${metricLabel(n)}: mean by ${ax.key} and ${ay.key}`;
      figs.push(
        figure(
          "sweep-heatmap",
          title,
          heatmap(
            metricLabel(n),
            { name: ax.key, values: ax.values },
            { name: ay.key, values: ay.values },
            cells,
            (v) => fmtMetric(v, u),
          ),
        ),
      );
      // The same data as lines over the first key, one line per value of the second, with CI bands.
      const series = ay.values.map((vy) => {
        const at = ax.values.map((vx) => idx.get(JSON.stringify([vx, vy])));
        const get = (f: (i: number) => number | null) => at.map((i) => (i === undefined ? null : f(i)));
        return {
          name: `${ay.key}=${vy}`,
          mean: get((i) => s.cells[i]!.metrics[n]?.mean ?? 0).map((v) => v ?? 0),
          low: get((i) => s.cells[i]!.metrics[n]?.ci_low ?? null),
          high: get((i) => s.cells[i]!.metrics[n]?.ci_high ?? null),
        };
      });
      const lt = `${metricLabel(n)} by ${ax.key}, one line per ${ay.key} (mean, 95% CI bands)`;
      figs.push(
        figure(
          "sweep-line",
          lt,
          bandLines(metricLabel(n), ax.key, ax.values, series, (v) => fmtMetric(v, u)),
        ),
      );
    }
  }
  if (figs.length) parts.push(`<h2>Charts</h2><div class="charts">${figs.join("\n")}</div>`);

  parts.push(`<h2>All metrics</h2><details><summary>${s.metric_names.length} metrics</summary>`);
  const all = sweepTableRows(s, s.metric_names);
  parts.push(htmlTable(all.head, all.rows));
  parts.push("</details>");
  parts.push(
    `<p>Measured window per run: ${esc(fmtDuration(s.cells[0]?.timeline.t.at(-1) ?? 0))}. Every run is in the results database with its scenario, overrides and seed.</p>`,
  );
  return page(`epcsim sweep: ${s.experiment}`, parts.join("\n"));
}
