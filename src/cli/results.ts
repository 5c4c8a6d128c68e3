/** `epcsim results list|show|export`: the results database. */
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { flattenMetrics, metricNames } from "../experiment/metrics.ts";
import { runSummary } from "../experiment/store.ts";
import { csv } from "../report/csv.ts";
import { UsageError } from "./errors.ts";
import {
  addDbOptions,
  asUsage,
  checkOutputs,
  openStore,
  parseInt10,
  type StoreOpts,
  writeOut,
} from "./experiment_opts.ts";
import { formatRun, table } from "./format.ts";
import { checkWritable, writeFileAtomic } from "./output_file.ts";

function needStore(o: StoreOpts) {
  if (o.db === false) throw new UsageError("results: --no-db leaves no database to read");
  if (!existsSync(o.db))
    throw new UsageError(`--db ${o.db}: no results database there (epcsim ab and sweep create it)`);
  return openStore(o)!;
}

interface Table {
  head: string[];
  rows: unknown[][];
}

/** A Parquet file of `t`: a column of doubles where every value is a number, else of strings. */
async function parquetOf(t: Table): Promise<Uint8Array> {
  const { parquetWriteBuffer } = await import("hyparquet-writer");
  const columnData = t.head.map((name, j) => {
    const values = t.rows.map((r) => r[j]);
    const numeric = values.every((v) => typeof v === "number");
    return numeric
      ? { name, data: values as number[], type: "DOUBLE" as const }
      : {
          name,
          data: values.map((v) => (v === null || v === undefined ? null : String(v))),
          type: "STRING" as const,
        };
  });
  return new Uint8Array(parquetWriteBuffer({ columnData }));
}

export function registerResults(program: Command): void {
  const results = program
    .command("results")
    .description("list, show and export the runs and experiments in the results database");

  addDbOptions(
    results
      .command("list")
      .description("list the recorded experiments (or runs, with --runs)")
      .option("--runs", "list runs instead of experiments")
      .option("--json", "print a JSON array on stdout"),
    false,
  ).action((o: StoreOpts & { runs?: boolean; json?: boolean }) =>
    asUsage(() => {
      const store = needStore(o);
      try {
        if (o.runs) {
          const runs = store.listRuns().map(runSummary);
          if (o.json) process.stdout.write(`${JSON.stringify(runs)}\n`);
          else
            process.stdout.write(
              `${table([
                ["id", "scenario", "overrides", "seed", "end", "wall ms", "recorded"],
                ...runs.map((r) => [
                  String(r.id),
                  r.scenario,
                  r.params.join(",") || "-",
                  String(r.seed),
                  r.end,
                  String(Math.round(r.wall_ms)),
                  r.created_at,
                ]),
              ])}\n`,
            );
          return;
        }
        const list = store.listExperiments();
        if (o.json) {
          process.stdout.write(`${JSON.stringify(list.map(({ spec: _s, ...e }) => e))}\n`);
          return;
        }
        process.stdout.write(
          `${table([
            ["id", "kind", "name", "scenario", "runs", "complete", "wall s", "created"],
            ...list.map((e) => [
              String(e.id),
              e.kind,
              e.name,
              e.scenario_name,
              `${e.stored}/${e.planned}`,
              e.stored === e.planned ? "yes" : "no",
              e.wall_ms === null ? "-" : (e.wall_ms / 1000).toFixed(1),
              e.created_at,
            ]),
          ])}\n`,
        );
      } finally {
        store.close();
      }
    }),
  );

  addDbOptions(
    results
      .command("show")
      .description(
        "show an experiment's analysis from its stored runs (nothing is simulated), or one run with --run",
      )
      .argument("[id]", "experiment id (see `epcsim results list`)")
      .option("--run <id>", "show one run instead")
      .option("--json", "print one JSON object on stdout")
      .option("--report <file.html>", "write the experiment's HTML report")
      .option("--csv <file.csv>", "write the experiment's result table as CSV")
      .option("--all", "show every metric"),
    false,
  ).action(
    (
      id: string | undefined,
      o: StoreOpts & { run?: string; json?: boolean; report?: string; csv?: string; all?: boolean },
    ) =>
      asUsage(async () => {
        checkOutputs(o);
        // The analysis and its formatting are loaded only by `results show` (fast start).
        const { analyzeStored } = await import("../experiment/stored.ts");
        const { focusMetrics } = await import("../report/tables.ts");
        const { abCsv, abJson, formatAB } = await import("./ab_run.ts");
        const { formatSweep, sweepCsv } = await import("./sweep_run.ts");
        const store = needStore(o);
        try {
          if (o.run !== undefined) {
            const r = store.getRun(parseInt10(o.run, "--run", 1)!);
            if (!r) throw new UsageError(`results show --run ${o.run}: no such run in ${store.path}`);
            if (o.json) process.stdout.write(`${JSON.stringify({ ...runSummary(r), result: r.result })}\n`);
            else
              process.stdout.write(
                `run ${r.id}: ${r.params.join(", ") || "(no overrides)"}; key ${r.key}\n${formatRun(r.result)}\n`,
              );
            return;
          }
          if (id === undefined) throw new UsageError("results show: give an experiment id or --run <id>");
          const e = store.getExperiment(parseInt10(id, "results show", 1)!);
          if (!e) throw new UsageError(`results show ${id}: no such experiment in ${store.path}`);
          const s = analyzeStored(store, e);
          const meta = { db: store.path, command: `epcsim results show ${e.id}` };
          if (s.kind === "ab") {
            const an = s.analysis;
            if (o.report) writeOut(o.report, (await import("../report/ab_report.ts")).abReportHtml(an, meta));
            if (o.csv) writeOut(o.csv, abCsv(an, Object.keys(an.metrics)));
            if (o.json)
              process.stdout.write(
                `${JSON.stringify(abJson(an, { experiment_id: e.id, db: store.path, report: o.report ?? null }))}\n`,
              );
            else {
              const names = o.all ? Object.keys(an.metrics) : focusMetrics(an.focus, Object.keys(an.metrics));
              process.stdout.write(`${formatAB(an, names)}\n`);
            }
          } else {
            const an = s.analysis;
            if (o.report)
              writeOut(o.report, (await import("../report/sweep_report.ts")).sweepReportHtml(an, meta));
            if (o.csv) writeOut(o.csv, sweepCsv(an));
            if (o.json) {
              const { cells, ...rest } = an;
              process.stdout.write(
                `${JSON.stringify({ ...rest, cells: cells.map(({ timeline: _t, ...c }) => c), experiment_id: e.id, db: store.path, report: o.report ?? null })}\n`,
              );
            } else
              process.stdout.write(
                `${formatSweep(an, o.all ? an.metric_names : focusMetrics(an.focus, an.metric_names))}\n`,
              );
          }
        } finally {
          store.close();
        }
      }),
  );

  addDbOptions(
    results
      .command("export")
      .description("export runs with their flattened metrics as CSV (default) or JSON")
      .option("--experiment <id>", "only the runs of this experiment, with their cell and replication")
      .option("--format <csv|json|parquet>", "output format (parquet needs --out)", "csv")
      .option("--out <file>", "write to a file instead of stdout")
      .option(
        "--timelines <file.csv>",
        "also write the runs' sampled timelines (one row per run and sample) as CSV",
      ),
    false,
  ).action((o: StoreOpts & { experiment?: string; format: string; out?: string; timelines?: string }) =>
    asUsage(async () => {
      if (o.format !== "csv" && o.format !== "json" && o.format !== "parquet")
        throw new UsageError(`--format ${o.format}: expected csv, json or parquet`);
      if (o.format === "parquet" && !o.out)
        throw new UsageError("--format parquet: name the file with --out");
      checkOutputs(o);
      if (o.timelines) checkWritable(o.timelines, "--timelines");
      const store = needStore(o);
      try {
        const expId = parseInt10(o.experiment, "--experiment", 1);
        if (expId !== undefined && !store.getExperiment(expId))
          throw new UsageError(`--experiment ${expId}: no such experiment in ${store.path}`);
        const links = expId === undefined ? [] : store.experimentRuns(expId);
        const runs =
          expId === undefined
            ? store.listRuns().map((r) => ({ r, cell: null as string | null, rep: null as number | null }))
            : links.flatMap((l) => {
                const r = store.getRuns([l.run_key]).get(l.run_key);
                return r ? [{ r, cell: l.cell as string | null, rep: l.rep as number | null }] : [];
              });
        const flat = runs.map(({ r }) => flattenMetrics(r.result.metrics));
        const names = metricNames(flat);
        // Tidy: one column per parameter key (the grid's axes), one per metric.
        const paramOf = (r: (typeof runs)[number]["r"]) =>
          new Map(r.params.map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]));
        const keys = [...new Set(runs.flatMap(({ r }) => [...paramOf(r).keys()]))].sort();
        const table: Table = {
          head: [
            "run_id",
            ...(expId === undefined ? [] : ["cell", "rep"]),
            "scenario",
            ...keys,
            "seed",
            "model_version",
            "code_version",
            "kernel",
            "end",
            "simulated_ns",
            "wall_ms",
            "created_at",
            "key",
            ...names,
          ],
          rows: runs.map(({ r, cell, rep }, i) => [
            r.id,
            ...(expId === undefined ? [] : [cell, rep]),
            r.scenario_name,
            ...keys.map((k) => paramOf(r).get(k) ?? ""),
            r.seed,
            r.model_version,
            r.code_version,
            r.kernel,
            r.end,
            r.result.simulated_ns,
            r.wall_ms,
            r.created_at,
            r.key,
            ...names.map((n) => flat[i]![n] ?? 0),
          ]),
        };
        // The sampled timelines, long format: one row per run and sample.
        const cols = ["t", "free_pages", "reclaim_rounds", "faults", "accesses", "backing_pages"] as const;
        const timelines: Table = {
          head: ["run_id", ...cols.map((c) => (c === "t" ? "t_ns" : c))],
          rows: runs.flatMap(({ r }) =>
            (r.result.timeline ?? []).map((smp) => [r.id, ...cols.map((c) => smp[c])]),
          ),
        };
        if (o.format === "json") {
          const text = `${JSON.stringify(runs.map(({ r, cell, rep }, i) => ({ ...runSummary(r), cell, rep, metrics: flat[i] })))}\n`;
          if (o.out) writeOut(o.out, text, "--out");
          else process.stdout.write(text);
        } else if (o.format === "parquet") {
          writeFileAtomic(o.out!, await parquetOf(table), "--out");
        } else {
          const text = csv([table.head, ...table.rows]);
          if (o.out) writeOut(o.out, text, "--out");
          else process.stdout.write(text);
        }
        if (o.out) process.stderr.write(`${runs.length} runs written to ${o.out}\n`);
        if (o.timelines) {
          if (o.format === "parquet") writeFileAtomic(o.timelines, await parquetOf(timelines), "--timelines");
          else writeOut(o.timelines, csv([timelines.head, ...timelines.rows]), "--timelines");
          process.stderr.write(`timelines of ${runs.length} runs written to ${o.timelines}\n`);
        }
      } finally {
        store.close();
      }
    }),
  );
}
