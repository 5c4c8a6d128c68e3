/**
 * `epcsim check --all`: the check suite. Every built-in check scenario is run against its declared
 * expectation (check.expect / check.expect_on) on the chosen kernel and patches; a table (or JSON,
 * or JUnit XML for CI systems) says, per scenario, what was expected and what the search got.
 * This is what a kernel developer runs on a patch: exit 0 only when every row matches.
 */
import type { CheckSummary } from "../check/session.ts";
import type { StrategyChoice } from "../check/strategy_names.ts";
import type { Expectation } from "../scenario/schema.ts";
import { UsageError } from "./errors.ts";
import { table } from "./format.ts";
import { Progress } from "./progress.ts";
import { loadScenarioWithKernel } from "./run.ts";

export interface SuiteRow {
  scenario: string;
  kernel: string;
  expected: string;
  /** The scenario declares no expectation for this kernel: "clean" is assumed. */
  expected_source: "scenario" | "expect_on" | "default";
  got: string;
  ok: boolean;
  /** Why the scenario was not run on this kernel (it lacks a feature the scenario needs). */
  skipped?: string;
  strategy: string;
  schedules: number;
  elapsed_ms: number;
  replay_token: string | null;
  report: string | null;
}

export interface SuiteOptions {
  kernel?: string;
  patches: string[];
  schedules?: number;
  timeMs?: number;
  seed?: number;
  strategy?: StrategyChoice;
  workers: number;
  /** Only these scenarios (names of built-in check scenarios); all when empty. */
  only: string[];
  quiet: boolean;
}

/** The built-in check scenarios, by name, sorted. */
export async function builtinCheckScenarios(): Promise<string[]> {
  const { listBuiltins } = await import("./scenarios.ts");
  return (await listBuiltins()).filter((b) => b.kind === "check").map((b) => b.name);
}

export async function runSuite(o: SuiteOptions): Promise<SuiteRow[]> {
  const { loadScenario } = await import("../scenario/load.ts");
  const { runCheckSession } = await import("../check/session.ts");
  const { runParallelCheck } = await import("../check/workers.ts");
  const { describeExpectation, describeResult, expectationFor, meets } = await import("../check/expect.ts");
  const names = o.only.length ? o.only : await builtinCheckScenarios();
  const progress = new Progress("check --all", !o.quiet);
  const rows: SuiteRow[] = [];
  for (const [i, name] of names.entries()) {
    progress.update(i / names.length, name);
    const own = loadScenario(name).scenario.kernel;
    // A patch written against mainline replaces functions a scenario's own kernel (the cgroup
    // series, ...) has its own versions of: testing it there tests something else.
    if (!o.kernel && o.patches.length && own !== "mainline") {
      const clash = await clashingOverrides(own, o.patches);
      if (clash.length) {
        rows.push(
          skippedRow(
            name,
            own,
            `the patch replaces ${clash.join(", ")}, which ${own} has its own version of (use --kernel ${own} to test the patch there)`,
          ),
        );
        continue;
      }
    }
    let loaded: Awaited<ReturnType<typeof loadScenarioWithKernel>>;
    try {
      loaded = await loadScenarioWithKernel(name, [], o.kernel, o.patches);
    } catch (e) {
      // A kernel without a feature the scenario needs (SGX2, the EPC cgroup): not a result.
      if (!(e instanceof UsageError) || !e.message.startsWith(`${name}: kernel `)) throw e;
      rows.push(skippedRow(name, o.kernel ?? own, e.message.slice(name.length + 2)));
      continue;
    }
    const { scenario, raw } = loaded;
    const exp = expectationFor(scenario, scenario.kernel, own);
    const req = {
      sc: scenario,
      raw,
      strategy: o.strategy,
      seed: o.seed,
      schedules: o.schedules,
      timeMs: o.timeMs,
      minimize: true,
      symmetry: true,
    };
    const r: CheckSummary = o.workers > 1 ? await runParallelCheck(req, o.workers) : runCheckSession(req);
    rows.push({
      scenario: name,
      kernel: scenario.kernel,
      expected: describeExpectation(exp.expect as Expectation),
      expected_source: exp.source,
      got: describeResult(r),
      ok: meets(r, exp.expect),
      strategy: r.strategy,
      schedules: r.schedules,
      elapsed_ms: r.elapsed_ms,
      replay_token: r.replay_token,
      report: r.report,
    });
  }
  progress.done();
  return rows;
}

/** The functions `patches` override that the variant `kernel` overrides too. */
async function clashingOverrides(kernel: string, patches: string[]): Promise<string[]> {
  const { importPatch, loadKernel } = await import("../scenario/patches.ts");
  const { getVariant } = await import("../model/kernel/variants/index.ts");
  await loadKernel(kernel);
  const own = new Set(Object.keys(getVariant(kernel)?.overrides ?? {}));
  const out: string[] = [];
  for (const f of patches)
    for (const k of Object.keys((await importPatch(f)).overrides ?? {})) if (own.has(k)) out.push(k);
  return [...new Set(out)];
}

function skippedRow(scenario: string, kernel: string, why: string): SuiteRow {
  return {
    scenario,
    kernel,
    expected: "-",
    expected_source: "default",
    got: "skipped",
    ok: true,
    skipped: why,
    strategy: "-",
    schedules: 0,
    elapsed_ms: 0,
    replay_token: null,
    report: null,
  };
}

export function formatSuite(rows: SuiteRow[]): string {
  const head = ["scenario", "kernel", "expected", "got", "", "strategy", "executions", "time"];
  const body = rows.map((r) => [
    r.scenario,
    r.kernel
      .split("+")
      .map((p, i) => (i ? `+${p.split("/").at(-1)}` : p))
      .join(""),
    r.skipped ? "-" : r.expected + (r.expected_source === "default" ? " (undeclared)" : ""),
    r.got,
    r.skipped ? "" : r.ok ? "ok" : "MISMATCH",
    r.strategy,
    String(r.schedules),
    `${(r.elapsed_ms / 1000).toFixed(1)} s`,
  ]);
  const bad = rows.filter((r) => !r.ok);
  const skipped = rows.filter((r) => r.skipped);
  const run = rows.length - skipped.length;
  const lines = [table([head, ...body], true)];
  lines.push(
    bad.length
      ? `\n${bad.length} of ${run} scenarios do not match their expectation: ${bad.map((r) => r.scenario).join(", ")}`
      : `\nall ${run} scenarios match their expectations`,
  );
  for (const r of bad.filter((b) => b.replay_token))
    lines.push(`  ${r.scenario}: epcsim replay ${r.replay_token}`);
  if (skipped.length)
    lines.push(`${skipped.length} skipped:`, ...skipped.map((r) => `  ${r.scenario}: ${r.skipped}`));
  return lines.join("\n");
}

function xml(s: string): string {
  return s.replace(
    /[<>&"']/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!,
  );
}

/** JUnit XML: one test case per scenario, a failure for each mismatch with the report. */
export function junitXml(rows: SuiteRow[]): string {
  const failures = rows.filter((r) => !r.ok).length;
  const skipped = rows.filter((r) => r.skipped).length;
  const total = rows.reduce((s, r) => s + r.elapsed_ms, 0) / 1000;
  const cases = rows.map((r) => {
    const head = `  <testcase classname="epcsim.check.${xml(r.kernel)}" name="${xml(r.scenario)}" time="${(r.elapsed_ms / 1000).toFixed(3)}">`;
    if (r.skipped) return `${head}\n    <skipped message="${xml(r.skipped)}"/>\n  </testcase>`;
    if (r.ok) return `${head}</testcase>`;
    const body = [
      `expected ${r.expected}, got ${r.got}`,
      r.report ?? "",
      r.replay_token ? `replay: epcsim replay ${r.replay_token}` : "",
    ]
      .filter(Boolean)
      .join("\n\n");
    return `${head}\n    <failure message="${xml(`expected ${r.expected}, got ${r.got}`)}">${xml(body)}</failure>\n  </testcase>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="epcsim check --all" tests="${rows.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${total.toFixed(3)}">\n${cases.join("\n")}\n</testsuite>\n`;
}
