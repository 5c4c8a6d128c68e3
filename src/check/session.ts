/**
 * A whole `epcsim check` (search, then minimize, report and token) and `epcsim replay` (token to
 * the identical report), as plain functions the CLI and the tests share.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseScenarioText, ScenarioError } from "../scenario/load.ts";
import { patchHashes } from "../scenario/patches.ts";
import type { Scenario } from "../scenario/schema.ts";
import { type CheckOptions, type CheckRun, runCheck, type StrategyChoice } from "./checker.ts";
import { type CheckModel, execute, prepare, ReplayDiverged, ReplayPicker } from "./engine.ts";
import { type Candidate, type Minimized, minimize } from "./minimize.ts";
import { type BugReport, buildReport, kernelFunction } from "./report.ts";
import {
  canonicalJson,
  decodeToken,
  encodeToken,
  modelHash,
  sha,
  type TokenData,
  TokenError,
} from "./token.ts";

/**
 * What a check's result covers: a bug was found; every execution within the bounds ran (every
 * interleaving up to the preemption bound, every value of every choice); the budget ended the
 * search first; or some executions were cut by the step bound, so nothing is claimed for them.
 */
export type CheckVerdict = "found" | "exhausted" | "budget" | "step_bound";

export interface CheckSummary {
  found: boolean;
  verdict: CheckVerdict;
  /** A systematic strategy explored only part of a choose op's domain (then never "exhausted"). */
  choices_cut: boolean;
  /** Executions that ended in a failure the scenario declares known (check.known), not reported. */
  known: number;
  scenario: string;
  kernel: string;
  property: string | null;
  detail: string | null;
  strategy: string;
  seed: number;
  schedules: number;
  states: number;
  elapsed_ms: number;
  exhausted: boolean;
  truncated: number;
  steps_before_min: number | null;
  steps_after_min: number | null;
  preemptions_before_min: number | null;
  preemptions_after_min: number | null;
  minimize_replays: number | null;
  replay_token: string | null;
  /** Kernel functions named in the race windows. */
  functions: string[];
  /** The racing functions (report.ts), with the property a finding's signature. */
  racing: string[];
  report: string | null;
}

export interface CheckRequest {
  sc: Scenario;
  /** The scenario object after overrides (embedded in the token). */
  raw: unknown;
  strategy?: StrategyChoice;
  seed?: number;
  schedules?: number;
  timeMs?: number;
  minimize?: boolean;
  /** Stateful search: hash states up to renaming of EPC pages (default on). */
  symmetry?: boolean;
  onProgress?: CheckOptions["onProgress"];
}

export function checkOptions(model: CheckModel, req: CheckRequest): CheckOptions {
  const b = model.chk.bounds;
  return {
    strategy: req.strategy ?? model.chk.strategy,
    seed: req.seed ?? model.sc.seed,
    schedules: req.schedules ?? b.schedules,
    timeMs: req.timeMs ?? b.time / 1e6,
    maxSteps: b.steps,
    everyStep: model.chk.invariants === "step",
    preemptionBound: b.preemptions,
    pctDepth: b.pct_depth,
    symmetry: req.symmetry ?? true,
    onProgress: req.onProgress,
  };
}

/** Search, and on a failure minimize it and build the report and replay token. */
export function runCheckSession(req: CheckRequest): CheckSummary {
  const model = prepare(req.sc);
  const opt = checkOptions(model, req);
  return finishCheck(req, model, opt, runCheck(model, opt));
}

/** From a search's outcome to the summary: minimize a failure, build its report and token. */
export function finishCheck(
  req: CheckRequest,
  model: CheckModel,
  opt: CheckOptions,
  run: CheckRun,
): CheckSummary {
  const base: CheckSummary = {
    found: false,
    verdict: run.truncated > 0 ? "step_bound" : run.exhausted ? "exhausted" : "budget",
    choices_cut: run.choicesCut,
    known: run.known,
    scenario: req.sc.name,
    kernel: req.sc.kernel,
    property: null,
    detail: null,
    strategy: run.strategy,
    seed: opt.seed,
    schedules: run.schedules,
    states: run.states,
    elapsed_ms: Math.round(run.elapsedMs),
    exhausted: run.exhausted,
    truncated: run.truncated,
    steps_before_min: null,
    steps_after_min: null,
    preemptions_before_min: null,
    preemptions_after_min: null,
    minimize_replays: null,
    replay_token: null,
    functions: [],
    racing: [],
    report: null,
  };
  if (!run.found) return base;
  const f = run.found.out.failure!;
  const cand = { schedule: run.found.out.schedule, choices: run.found.out.choices, disabled: [] as number[] };
  let min: Minimized | null = null;
  if (req.minimize !== false)
    min = minimize(model, cand, f.property, { maxSteps: opt.maxSteps, everyStep: opt.everyStep });
  const final = min ?? { ...cand, out: run.found.out };
  const token = encodeToken({
    model: modelHash(),
    variant: req.sc.kernel,
    patches: patchHashes(req.sc.kernel),
    scenarioName: req.sc.name,
    scenario: req.raw,
    scenarioHash: sha(canonicalJson(req.raw)),
    strategy: run.strategy,
    seed: run.found.seed,
    property: f.property,
    schedule: final.schedule,
    choices: final.choices,
    disabled: final.disabled,
    stepsBefore: cand.schedule.length,
    ...(model.lockdepSeed ? { lockdep: model.lockdepSeed } : {}),
  });
  const report = buildReport(model, final, {
    scenario: req.sc.name,
    kernel: req.sc.kernel,
    stepsBefore: cand.schedule.length,
  });
  selfCheck(model, final, report);
  return {
    ...base,
    found: true,
    verdict: "found",
    property: report.failure.property,
    detail: report.failure.detail,
    steps_before_min: cand.schedule.length,
    steps_after_min: final.schedule.length,
    preemptions_before_min: min?.preemptionsBefore ?? run.found.out.preemptions,
    preemptions_after_min: min?.preemptionsAfter ?? run.found.out.preemptions,
    minimize_replays: min?.replays ?? 0,
    replay_token: token,
    functions: report.functions,
    racing: report.racing,
    report: report.text,
  };
}

/** Thrown when the same schedule does not give the same trace: something escaped the model's control. */
export class UncontrolledNondeterminism extends Error {}

/**
 * The same choices must give the same trace: replay the reported schedule once more and compare it
 * op by op with the report's replay (shuttle's uncontrolled-nondeterminism check).
 */
function selfCheck(model: CheckModel, c: Candidate, report: BugReport): void {
  const again = buildReport(model, c, { scenario: "", kernel: "", stepsBefore: 0 });
  const a = report.steps.map((s) => `${s.thread}:${s.op}`);
  const b = again.steps.map((s) => `${s.thread}:${s.op}`);
  const i = a.findIndex((x, k) => x !== b[k]);
  if (i >= 0 || a.length !== b.length)
    throw new UncontrolledNondeterminism(
      `replaying the same schedule diverged at step ${i < 0 ? Math.min(a.length, b.length) : i}: "${a[i]}" vs "${b[i]}"`,
    );
}

export interface ReplayResult {
  token: TokenData;
  report: BugReport;
  model: CheckModel;
}

/**
 * Replay a token: refuse one made by another model version, or (when `against` is given) a
 * scenario that differs from the one the token recorded.
 */
/**
 * What must hold before a token's kernel is loaded (a patch named in it is imported, i.e. run): the
 * same model version, every patch file unchanged since the token was made, its scenario intact.
 */
export function preflightToken(d: TokenData): void {
  const here = modelHash();
  if (d.model !== here)
    throw new TokenError(
      `this token was made by another version of the model (token ${d.model}, this epcsim ${here}); replay it with the epcsim that made it`,
    );
  for (const p of d.patches) {
    let now: string;
    try {
      now = createHash("sha256").update(readFileSync(p.path)).digest("hex").slice(0, 16);
    } catch {
      throw new TokenError(`the token's patch ${p.path} cannot be read`);
    }
    if (now !== p.sha)
      throw new TokenError(
        `the token's patch ${p.path} changed since the token was made (sha ${p.sha}, now ${now})`,
      );
  }
  if (sha(canonicalJson(d.scenario)) !== d.scenarioHash)
    throw new TokenError("the replay token is damaged (scenario hash mismatch)");
}

/**
 * Replay a token: refuse one made by another model version or with changed patches, or (when
 * `against` is given) a scenario whose content, kernel included, differs from the token's.
 */
export function replayToken(text: string, against?: { scenario: Scenario; name: string }): ReplayResult {
  const d = decodeToken(text);
  preflightToken(d);
  let sc: Scenario;
  try {
    sc = parseScenarioText(JSON.stringify(d.scenario), `token:${d.scenarioName}`).scenario;
  } catch (e) {
    if (e instanceof ScenarioError)
      throw new TokenError(`the token's scenario no longer validates: ${e.lines[0]}`);
    throw e;
  }
  if (against && canonicalJson(against.scenario) !== canonicalJson(sc))
    throw new TokenError(
      `scenario ${against.name} differs from the one the token was made with (${d.scenarioName}, kernel ${d.variant})`,
    );
  const model = prepare(sc);
  if (d.lockdep) model.lockdepSeed = d.lockdep;
  const c = { schedule: d.schedule, choices: d.choices, disabled: d.disabled };
  // A strict replay first: it must follow the schedule exactly and fail the same way.
  try {
    const { out } = execute(model, new ReplayPicker(c.schedule, c.choices, false), {
      // Exactly the schedule: an execution the watchdog cut fails again at the same step.
      maxSteps: c.schedule.length,
      everyStep: model.chk.invariants === "step",
      disabled: new Set(c.disabled),
    });
    if (out.failure?.property !== d.property)
      throw new TokenError(
        `replay did not reproduce "${d.property}" (got ${out.failure?.property ?? "no failure"})`,
      );
  } catch (e) {
    if (e instanceof ReplayDiverged)
      throw new TokenError(`replay diverged from the recorded schedule: ${e.message}`);
    throw e;
  }
  const report = buildReport(model, c, {
    scenario: sc.name,
    kernel: sc.kernel,
    stepsBefore: d.stepsBefore ?? c.schedule.length,
  });
  return { token: d, report, model };
}

/**
 * Chrome trace-event JSON of a counterexample: a track per actor with one slice per step (1 us
 * each), named exactly as the text report names the op (`spin_lock(node->lock#8)`), its model
 * site and kernel function in args; a "race windows" track with a span per window (from the step
 * where a thread is preempted to the step where it resumes); the failure as a global instant at
 * the last step.
 */
export function replayTrace(report: BugReport): string {
  const pid = 1;
  const raceTid = report.actors.length;
  const events: unknown[] = [
    { name: "process_name", ph: "M", pid, args: { name: "counterexample" } },
    ...report.actors.map((name, tid) => ({ name: "thread_name", ph: "M", pid, tid, args: { name } })),
    { name: "thread_name", ph: "M", pid, tid: raceTid, args: { name: "race windows" } },
  ];
  const tidOf = new Map(report.actors.map((a, i) => [a, i]));
  for (const s of report.steps)
    events.push({
      name: s.op,
      ph: "X",
      pid,
      tid: tidOf.get(s.thread),
      ts: s.step,
      dur: 1,
      args: { step: s.step, site: s.site || "?", kernel: kernelFunction(s.site) },
    });
  report.races.forEach((r, i) => {
    const end = (r.resumed ?? r.ranLast).step + 1;
    events.push({
      name: `race window ${i + 1}: ${r.preempted.thread} preempted`,
      ph: "X",
      pid,
      tid: raceTid,
      ts: r.preempted.step,
      dur: end - r.preempted.step,
      args: { preempted_after: r.preempted.op, others_ran: `${r.ranFirst.op} .. ${r.ranLast.op}` },
    });
  });
  const last = report.steps.at(-1)?.step ?? 0;
  events.push({
    name: `BUG: ${report.failure.property}`,
    ph: "i",
    s: "g",
    pid,
    tid: Math.max(report.failure.tid, 0),
    ts: last + 1,
    args: { detail: report.failure.detail },
  });
  return JSON.stringify({ traceEvents: events, displayTimeUnit: "ns" });
}
