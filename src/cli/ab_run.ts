/** `epcsim ab`: an A/B experiment on common random numbers, with paired intervals for every metric. */

import type { ABAnalysis, ABSpec } from "../experiment/ab.ts";
import { abSpecOf, loadExperiment } from "../experiment/builtin.ts";
import { runAB } from "../experiment/execute.ts";
import { betterWhen, metricUnit } from "../experiment/metrics.ts";
import { parseAssignments } from "../experiment/params.ts";
import { csv } from "../report/csv.ts";
import { fmtDiff, fmtInterval } from "../report/format.ts";
import { AB_HEAD, abRow, focusMetrics, verdictNote, verdictSentences } from "../report/tables.ts";
import { didYouMean } from "../scenario/did_you_mean.ts";
import { DEFAULT_AB_REPS } from "./ab.ts";
import { EXIT_FOUND, UsageError } from "./errors.ts";
import {
  checkOutputs,
  commandLine,
  executeOptions,
  openStore,
  parseInt10,
  type RunnerOpts,
  writeOut,
} from "./experiment_opts.ts";
import { table } from "./format.ts";

export interface AbOpts extends RunnerOpts {
  a: string[];
  b: string[];
  assert: string[];
  aLabel?: string;
  bLabel?: string;
  all?: boolean;
}

/** The A/B spec from the argument (a built-in experiment or a scenario) and the options. */
export function abSpecFrom(arg: string, o: AbOpts): { spec: ABSpec; description?: string } {
  const reps = parseInt10(o.reps, "--reps", 1);
  const seed = parseInt10(o.seed, "--seed", 0);
  const def = loadExperiment(arg);
  const exp = def?.kind === "ab" ? def : undefined;
  const a = o.a.flatMap((s) => parseAssignments(s, "--a"));
  const b = o.b.flatMap((s) => parseAssignments(s, "--b"));
  if (!exp && o.a.length === 0 && o.b.length === 0)
    throw new UsageError(
      `ab ${arg}: give --a key=value[,...] and/or --b key=value[,...] (or name a built-in A/B experiment; see \`epcsim experiments\`)`,
    );
  const base = exp ? abSpecOf(exp) : undefined;
  const spec: ABSpec = {
    name: base?.name ?? arg,
    scenario: base?.scenario ?? arg,
    base: [...(base?.base ?? []), ...o.set],
    a: {
      label: o.aLabel ?? (o.a.length ? a.join(",") : (base?.a.label ?? "A (scenario as is)")),
      params: o.a.length ? a : (base?.a.params ?? []),
    },
    b: {
      label: o.bLabel ?? (o.b.length ? b.join(",") : (base?.b.label ?? "B (scenario as is)")),
      params: o.b.length ? b : (base?.b.params ?? []),
    },
    reps: reps ?? base?.reps ?? DEFAULT_AB_REPS,
    seed,
    focus: base?.focus ?? [],
  };
  // The experiment's own text describes its own A and B; with the user's, say what is compared.
  const own = exp && o.a.length === 0 && o.b.length === 0;
  const description = own
    ? `${exp.description}. ${exp.question}`.trim()
    : exp
      ? `${spec.a.label} vs ${spec.b.label} on the workload of the built-in experiment ${exp.name} (scenario ${spec.scenario})`
      : undefined;
  return { spec, description };
}

export interface Assertion {
  expr: string;
  metric: string;
  op: "<" | ">" | "<=" | ">=" | "=";
  /** The bound on B - A, absolute or (percent) relative to A's mean. */
  value: number;
  percent: boolean;
}

const ASSERT_FORMS =
  "<metric><0 or >0 (significantly below/above), <=X or >=X (not significantly above/below X; X a number or a percentage of A's mean such as +2%), or =0 (no significant change for the worse)";

/**
 * `--assert` over B - A, with its 95% interval [lo, hi]:
 *   metric<X   significantly below X (hi < X)          metric>X   significantly above X (lo > X)
 *   metric<=X  not significantly above X (lo <= X)     metric>=X  not significantly below X (hi >= X)
 *   metric=0   no significant change for the worse: for a metric where lower is better the same as
 *              <=0, where higher is better >=0, otherwise the interval contains 0
 * X is a number in the metric's unit or a percentage of A's mean (fault_latency_ns.p99<=+2%).
 */
export function parseAssertion(expr: string): Assertion {
  const m = /^\s*([^<>=\s]+)\s*(<=|>=|<|>|=)\s*([+-]?\d+(?:\.\d+)?)(%?)\s*$/.exec(expr);
  if (!m) throw new UsageError(`--assert ${expr}: expected ${ASSERT_FORMS}`);
  const op = m[2] as Assertion["op"];
  const value = Number(m[3]);
  if (op === "=" && value !== 0)
    throw new UsageError(
      `--assert ${expr}: "=" takes only 0 (no significant change for the worse); use <= or >= for a bound`,
    );
  return { expr: expr.trim(), metric: m[1]!, op, value, percent: m[4] === "%" };
}

export function checkAssertion(an: ABAnalysis, a: Assertion): { expr: string; ok: boolean; detail: string } {
  const m = an.metrics[a.metric];
  if (!m)
    throw new UsageError(
      `--assert ${a.expr}: no metric ${a.metric}${didYouMean(a.metric, Object.keys(an.metrics))} (see the --json output for names)`,
    );
  const lo = m.diff_ci_low;
  const hi = m.diff_ci_high;
  const x = a.percent ? (a.value / 100) * Math.abs(m.a_mean) : a.value;
  let ok = false;
  if (lo !== null && hi !== null) {
    const better = betterWhen(a.metric);
    const op = a.op === "=" ? (better === "lower" ? "<=" : better === "higher" ? ">=" : "=") : a.op;
    ok =
      op === "<"
        ? hi < x
        : op === ">"
          ? lo > x
          : op === "<="
            ? lo <= x
            : op === ">="
              ? hi >= x
              : lo <= 0 && hi >= 0;
  }
  const u = metricUnit(a.metric);
  return {
    expr: a.expr,
    ok,
    detail: `B - A = ${fmtDiff(m.diff_mean, u)} ${fmtInterval(lo, hi, u)}${a.percent ? ` (bound ${a.value}% of A's mean = ${fmtDiff(x, u)})` : ""}`,
  };
}

/** The terminal table of an A/B analysis. */
export function formatAB(an: ABAnalysis, names: string[]): string {
  const fp = (s: "a" | "b") =>
    `${Object.entries(an.forward_progress[s].ends)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}; ${an.forward_progress[s].stalled_threads} stalled threads`;
  return [
    `A/B ${an.experiment} on scenario ${an.scenario}${an.base.length ? ` (${an.base.join(", ")})` : ""}`,
    `  A = ${an.a.label}: ${an.a.params.join(", ") || "(scenario as is)"}`,
    `  B = ${an.b.label}: ${an.b.params.join(", ") || "(scenario as is)"}`,
    `${an.reps} replications per side on common random numbers (root seed ${an.root_seed}); B - A is paired per seed, 95% intervals`,
    "",
    ...verdictSentences(an, names),
    verdictNote(an),
    "",
    table([AB_HEAD, ...names.map((n) => abRow(n, an.metrics[n]!))]),
    "",
    `forward progress: A: ${fp("a")}. B: ${fp("b")}.`,
    `seeds: ${an.seeds.join(" ")}`,
  ].join("\n");
}

export function abCsv(an: ABAnalysis, names: string[]): string {
  return csv([
    [
      "metric",
      "a_mean",
      "b_mean",
      "diff_mean",
      "diff_ci_low",
      "diff_ci_high",
      "ratio",
      "significant",
      "ci_method",
      "unit",
      "p_value",
      "p_adjusted",
      "better",
      "verdict",
    ],
    ...names.map((n) => {
      const m = an.metrics[n]!;
      return [
        n,
        m.a_mean,
        m.b_mean,
        m.diff_mean,
        m.diff_ci_low,
        m.diff_ci_high,
        m.ratio,
        m.significant,
        m.ci_method,
        metricUnit(n),
        m.p_value,
        m.p_adjusted,
        m.better,
        m.verdict,
      ];
    }),
  ]);
}

/** The `--json` object: the contract fields of every metric plus the experiment's facts. */
export function abJson(an: ABAnalysis, extra: Record<string, unknown>): Record<string, unknown> {
  const metrics: Record<string, unknown> = {};
  for (const [n, m] of Object.entries(an.metrics)) metrics[n] = m;
  return {
    experiment: an.experiment,
    scenario: an.scenario,
    model_version: an.model_version,
    code_version: an.code_version,
    base: an.base,
    a: an.a,
    b: an.b,
    reps: an.reps,
    root_seed: an.root_seed,
    seeds: an.seeds,
    metrics,
    values: an.values,
    forward_progress: an.forward_progress,
    ...extra,
  };
}

/** The action of `epcsim ab` (loaded only when the command runs). */
export async function abAction(arg: string, o: AbOpts): Promise<void> {
  const { spec, description } = abSpecFrom(arg, o);
  const asserts = o.assert.map(parseAssertion);
  if (asserts.length && spec.reps < 2) throw new UsageError("--assert needs --reps 2 or more (an interval)");
  checkOutputs(o);
  const store = openStore(o);
  try {
    const out = await runAB(spec, { store, ...executeOptions(o, `ab ${spec.name}`) });
    const an = out.analysis;
    const names = o.all || o.json ? Object.keys(an.metrics) : focusMetrics(an.focus, Object.keys(an.metrics));
    const db = store ? store.path : null;
    let report: string | null = null;
    if (o.report) {
      report = writeOut(
        o.report,
        (await import("../report/ab_report.ts")).abReportHtml(an, {
          description,
          db,
          runs: out.runs,
          command: commandLine(),
        }),
      );
    }
    if (o.csv) writeOut(o.csv, abCsv(an, Object.keys(an.metrics)));
    const checks = asserts.map((x) => checkAssertion(an, x));
    const r = out.runs;
    const note = `runs: ${r.total} (${r.executed} simulated on ${r.workers} workers in ${(r.wall_ms / 1000).toFixed(1)} s, ${r.cached} from the cache)${db ? `; results database ${db} (experiment ${out.experiment_id})` : ""}${report ? `; report ${report}` : ""}${o.csv ? `; CSV ${o.csv}` : ""}`;
    if (o.json) {
      process.stdout.write(
        `${JSON.stringify(abJson(an, { runs: out.runs, experiment_id: out.experiment_id, db, report, ...(checks.length ? { assertions: checks } : {}) }))}\n`,
      );
      process.stderr.write(`${note}\n`);
    } else {
      process.stdout.write(`${formatAB(an, names)}\n${note}\n`);
    }
    for (const c of checks)
      process.stderr.write(`${c.ok ? "assertion holds" : "ASSERTION FAILED"}: ${c.expr}: ${c.detail}\n`);
    if (checks.some((c) => !c.ok)) process.exitCode = EXIT_FOUND;
  } finally {
    store?.close();
  }
}
