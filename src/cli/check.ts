/** `epcsim check` and `epcsim replay`. */

import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { CheckSummary } from "../check/session.ts";
import { STRATEGIES, type StrategyChoice } from "../check/strategy_names.ts";
import { watchdogDeadline } from "../rt/watchdog.ts";
import { parseDuration } from "../scenario/units.ts";
import { EXIT_FOUND, UsageError } from "./errors.ts";
import { checkWritable, writeFileAtomic } from "./output_file.ts";
import { Progress } from "./progress.ts";
import { loadScenarioWithKernel, parseSeed } from "./run.ts";

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

/** What an exhausted search of `strategy` covered. */
function coverage(strategy: string, preemptions: number): string {
  if (strategy.startsWith("dpor"))
    return "one interleaving of every class of equivalent ones, no preemption bound";
  if (strategy.startsWith("bfs")) return "every reachable state, as hashed";
  if (strategy.startsWith("sdfs"))
    return `every state reachable with at most ${preemptions} preemptions, as hashed`;
  return `every interleaving with at most ${preemptions} preemptions`;
}

/** The one-line verdict of a check that found nothing: what the executions cover, never more. */
export function verdictText(r: CheckSummary, bounds: { steps: number; preemptions: number }): string {
  const known = r.known
    ? `, ${r.known} ended in a known kernel failure the scenario declares (check.known)`
    : "";
  const how = `${r.schedules} executions${known}, ${r.elapsed_ms} ms, ${r.strategy}${r.states ? `, ${r.states} states` : ""}`;
  switch (r.verdict) {
    case "step_bound":
      return `NOT CLEAN: ${r.truncated} of ${r.schedules} executions were cut by the step bound (check.bounds.steps = ${bounds.steps}) before they finished; nothing is claimed for them: a thread may loop or wait without end, or the bound is too small (${how})`;
    case "exhausted":
      return `no bug found: search space exhausted (${coverage(r.strategy, bounds.preemptions)}, every value of every choice, no execution cut by the step bound; ${how})`;
    default:
      return `no bug found in ${how}: stopped by the budget, not exhaustive${r.choices_cut ? " (a choice had more values than the systematic strategies enumerate)" : ""}`;
  }
}

/** `--budget 60s` (wall time) or `--budget 5000` (executions). */
export function parseBudget(v: string | undefined): { schedules?: number; timeMs?: number } {
  if (v === undefined) return {};
  const bad = `--budget ${v}: expected a positive number of executions or a duration such as 60s`;
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    if (n < 1 || !Number.isSafeInteger(n)) throw new UsageError(bad);
    return { schedules: n };
  }
  const d = parseDuration(v);
  if (typeof d === "string" || !(d > 0)) throw new UsageError(bad);
  return { timeMs: d / 1e6 };
}

/** `check --all`: the suite, its table or JSON, its JUnit file; exit 1 when any row mismatches. */
async function runSuiteCommand(
  o: {
    junit?: string;
    json?: boolean;
    budget?: string;
    seed?: string;
    strategy?: string;
    kernel?: string;
    patch: string[];
  },
  workers: number,
): Promise<void> {
  const { checkWritable, writeFileAtomic } = await import("./output_file.ts");
  const { formatSuite, junitXml, runSuite } = await import("./check_all.ts");
  if (o.junit) checkWritable(o.junit, "--junit");
  // The suite's default budget: enough for every catalogued finding, a minute or so in all.
  const budget = o.budget ? parseBudget(o.budget) : { schedules: 2000 };
  const rows = await runSuite({
    kernel: o.kernel,
    patches: o.patch,
    schedules: budget.schedules,
    timeMs: budget.timeMs,
    seed: parseSeed(o.seed),
    strategy: o.strategy as StrategyChoice | undefined,
    workers,
    only: [],
    quiet: Boolean(o.json) && !process.stderr.isTTY,
  });
  if (o.junit) writeFileAtomic(o.junit, junitXml(rows), "--junit");
  const ok = rows.every((r) => r.ok);
  if (o.json) process.stdout.write(`${JSON.stringify({ ok, rows })}\n`);
  else process.stdout.write(`${formatSuite(rows)}\n`);
  if (!ok) process.exitCode = EXIT_FOUND;
}

export function registerCheck(program: Command): void {
  program
    .command("check")
    .description("explore interleavings of a check scenario's actors; exit 1 when a bug is found")
    .argument("[scenario]", "a check scenario file or the name of a built-in one (see `epcsim scenarios`)")
    .option("--all", "run the check suite: every built-in check scenario against its expectation")
    .option("--junit <file>", "--all: also write the results as JUnit XML")
    .option(
      "--report <file.html>",
      "write the counterexample as a self-contained HTML page (when a bug is found)",
    )
    .option("--strategy <name>", `exploration strategy: ${STRATEGIES.join(", ")} (default: the scenario's)`)
    .option("--budget <n|time>", "executions to run (e.g. 5000) or wall time (e.g. 60s)")
    .option("--seed <n>", "seed of the exploration")
    .option("--workers <n>", "run the exploration on N worker threads (results do not depend on N)", "1")
    .option(
      "--kernel <variant>",
      "kernel variant (e.g. mainline, v5.17, mutant/no-pcmd-busy-check; see `epcsim kernels`)",
    )
    .option(
      "--patch <file>",
      "apply a TypeScript patch module on top of the variant (repeatable; docs/patches.md)",
      collect,
      [],
    )
    .option("--set <key=value>", "override a scenario field (repeatable)", collect, [])
    .option("--no-minimize", "report the failing schedule as found")
    .option("--no-symmetry", "bfs, sdfs: hash states as they are, not up to renaming of EPC pages")
    .option("--json", "print the result as one JSON object on stdout")
    .action(
      async (
        arg: string | undefined,
        o: {
          all?: boolean;
          junit?: string;
          report?: string;
          strategy?: string;
          budget?: string;
          seed?: string;
          workers: string;
          kernel?: string;
          patch: string[];
          set: string[];
          minimize: boolean;
          symmetry: boolean;
          json?: boolean;
        },
      ) => {
        if (o.strategy && !STRATEGIES.includes(o.strategy as StrategyChoice))
          throw new UsageError(`--strategy ${o.strategy}: expected one of ${STRATEGIES.join(", ")}`);
        const workers = Number(o.workers);
        if (!Number.isInteger(workers) || workers < 1 || workers > 64)
          throw new UsageError(`--workers ${o.workers}: expected 1..64`);
        if (o.all) {
          if (arg) throw new UsageError(`check --all runs every built-in check scenario; drop "${arg}"`);
          if (o.set.length) throw new UsageError("check --all: --set applies to one scenario, not the suite");
          await runSuiteCommand(o, workers);
          return;
        }
        if (o.junit) throw new UsageError("--junit goes with --all");
        if (o.report) checkWritable(o.report, "--report");
        if (!arg) throw new UsageError("check: name a check scenario, or --all for the check suite");
        const { scenario, raw } = await loadScenarioWithKernel(arg, o.set, o.kernel, o.patch);
        if (!scenario.check)
          throw new UsageError(
            `${arg}: not a check scenario (it has no \`check\` section); use \`epcsim run\``,
          );
        const budget = parseBudget(o.budget);
        const progress = new Progress(`check ${scenario.name}`, !o.json || Boolean(process.stderr.isTTY));
        const budgetMs = budget.timeMs ?? scenario.check.bounds.time / 1e6;
        const req = {
          sc: scenario,
          raw,
          strategy: o.strategy as StrategyChoice | undefined,
          seed: parseSeed(o.seed),
          schedules: budget.schedules,
          timeMs: budget.timeMs,
          minimize: o.minimize,
          symmetry: o.symmetry,
          onProgress: (p: { schedules: number; elapsedMs: number; states?: number }) =>
            progress.update(
              budget.schedules ? p.schedules / budget.schedules : p.elapsedMs / budgetMs,
              `${p.schedules} executions${p.states ? `, ${p.states} states` : ""}`,
            ),
        };
        const { runCheckSession } = await import("../check/session.ts");
        const { runParallelCheck } = await import("../check/workers.ts");
        // The budget holds from here, set-up included, even when model code hangs (rt/watchdog.ts).
        if (budget.timeMs !== undefined) watchdogDeadline(Date.now() + budget.timeMs);
        const r = workers > 1 ? await runParallelCheck(req, workers) : runCheckSession(req);
        progress.done();
        // A wall-time budget the scenario's own execution bound cut short: say so.
        const capped =
          !r.found &&
          r.verdict === "budget" &&
          budget.timeMs !== undefined &&
          r.schedules >= scenario.check.bounds.schedules
            ? `note: stopped at the scenario's bound of ${scenario.check.bounds.schedules} executions (check.bounds.schedules), before the ${o.budget} budget\n`
            : "";
        const human = r.found
          ? `${r.report}\n\nfound by ${r.strategy} after ${r.schedules} executions in ${r.elapsed_ms} ms; minimized ${r.steps_before_min} -> ${r.steps_after_min} steps, ${r.preemptions_before_min} -> ${r.preemptions_after_min} preemptions\nreplay: epcsim replay ${r.replay_token}\n`
          : `${verdictText(r, scenario.check.bounds)}\n${capped}`;
        if (o.json) {
          process.stdout.write(`${JSON.stringify(r)}\n`);
          if (r.found) process.stderr.write(human);
        } else {
          process.stdout.write(human);
        }
        if (o.report) {
          if (r.found && r.replay_token) {
            const { replayToken: replayOf } = await import("../check/session.ts");
            const { checkReportHtml } = await import("../report/check_report.ts");
            const bug = replayOf(r.replay_token).report;
            writeFileAtomic(
              o.report,
              checkReportHtml(bug, {
                scenario: scenario.name,
                kernel: scenario.kernel,
                strategy: r.strategy,
                executions: r.schedules,
                replayToken: r.replay_token,
              }),
              "--report",
            );
            process.stderr.write(`counterexample written to ${o.report}\n`);
          } else process.stderr.write(`no counterexample: ${o.report} not written\n`);
        }
        // Executions cut by the step bound did not finish: not a clean result (exit 1, like a finding).
        if (r.found || r.verdict === "step_bound") process.exitCode = EXIT_FOUND;
      },
    );

  program
    .command("replay")
    .description(
      "replay a failing execution from its token (or a file holding it) and print the identical report",
    )
    .argument("<token|file>", "the replay token printed by `epcsim check`, or a file that contains it")
    .option("--scenario <scenario>", "refuse unless the token was made with this scenario")
    .option("--trace <file>", "write the Chrome/Perfetto trace-event JSON of the execution")
    .option("--report <file.html>", "write the counterexample as a self-contained HTML page")
    .option("--json", "print the report as one JSON object")
    .action(
      async (arg: string, o: { scenario?: string; trace?: string; report?: string; json?: boolean }) => {
        if (o.trace) checkWritable(o.trace, "--trace");
        if (o.report) checkWritable(o.report, "--report");
        let text = arg;
        if (!arg.startsWith("epcsim1.")) {
          try {
            text = readFileSync(arg, "utf8").trim();
          } catch {
            throw new UsageError(`${arg}: neither a replay token nor a readable file`);
          }
        }
        try {
          const { loadScenario } = await import("../scenario/load.ts");
          const { loadKernel } = await import("../scenario/patches.ts");
          const { preflightToken, replayToken, replayTrace } = await import("../check/session.ts");
          const { decodeToken } = await import("../check/token.ts");
          // Everything about the token is checked before its kernel (and any patch in it) is loaded.
          const d = decodeToken(text);
          preflightToken(d);
          // The same scenario with the token's kernel (a token made with --kernel replays against it).
          const against = o.scenario ? loadScenario(o.scenario, [`kernel=${d.variant}`]) : undefined;
          await loadKernel(d.variant);
          const r = replayToken(text, against && { scenario: against.scenario, name: against.scenario.name });
          if (o.report) {
            const { checkReportHtml } = await import("../report/check_report.ts");
            const html = checkReportHtml(r.report, {
              scenario: r.token.scenarioName,
              kernel: r.token.variant,
              strategy: r.token.strategy,
              replayToken: text,
            });
            writeFileAtomic(o.report, html, "--report");
            process.stderr.write(`counterexample written to ${o.report}\n`);
          }
          if (o.trace) {
            writeFileAtomic(o.trace, replayTrace(r.report), "--trace");
            process.stderr.write(`trace written to ${o.trace}\n`);
          }
          if (o.json)
            process.stdout.write(
              `${JSON.stringify({ property: r.report.failure.property, detail: r.report.failure.detail, functions: r.report.functions, steps: r.report.steps, report: r.report.text })}\n`,
            );
          else process.stdout.write(`${r.report.text}\n`);
          process.exitCode = EXIT_FOUND;
        } catch (e) {
          if (e instanceof (await import("../check/token.ts")).TokenError) throw new UsageError(e.message);
          throw e;
        }
      },
    );
}
