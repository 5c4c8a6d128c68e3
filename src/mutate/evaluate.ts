/**
 * One mutant against the check scenarios that reach its function: killed (by which scenario,
 * detector and strategy, how fast, with a replay token), survived, or equivalent-suspected (no
 * scenario shows any difference in its executions' steps or final states). Also the coverage map
 * that says which scenarios reach which kernel functions. Runs in the mutate workers (worker.ts).
 */
import { execute, prepare } from "../check/engine.ts";
import type { Execution } from "../check/execution.ts";
import { describeResult, expectationFor, meets } from "../check/expect.ts";
import { runCheckSession } from "../check/session.ts";
import { executionSeed, RandomPicker } from "../check/strategies.ts";
import { getVariant, registerVariant, variantFns } from "../model/kernel/variants/index.ts";
import { hashDeep } from "../model/snapshot.ts";
import { loadScenario } from "../scenario/load.ts";
import { loadKernel } from "../scenario/patches.ts";
import type { Scenario } from "../scenario/schema.ts";
import { parseMutantName } from "./generate.ts";

export interface Target {
  scenario: string;
  /** The scenario's own kernel: the mutant is applied on top of it. */
  kernel: string;
}

export interface MutantOutcome {
  status: "killed" | "survived" | "equivalent";
  /** Killed: the scenario, what it found (property or "setup failed"), strategy, time, token. */
  scenario?: string;
  property?: string;
  strategy?: string;
  kill_ms?: number;
  replay_token?: string | null;
  /** Executions run in all. */
  executions: number;
  elapsed_ms: number;
  scenarios: string[];
}

export interface EvaluateOptions {
  /** Executions per scenario. */
  schedules: number;
  /** Wall time for the whole mutant (split evenly between its scenarios). */
  timeMs: number;
  seed: number;
}

/** The kernel name of `mutant` applied to `base` (`@base` only when it is not the mutant's own). */
export function mutantKernel(mutant: string, base: string): string {
  return base === parseMutantName(mutant).base ? mutant : `${mutant}@${base}`;
}

function loadOn(name: string, kernel: string): { sc: Scenario; raw: unknown } {
  const { scenario, raw } = loadScenario(name, [`kernel=${kernel}`]);
  return { sc: scenario, raw };
}

export async function evaluateMutant(
  mutant: string,
  targets: Target[],
  o: EvaluateOptions,
): Promise<MutantOutcome> {
  const t0 = performance.now();
  let executions = 0;
  const perScenarioMs = o.timeMs / Math.max(1, targets.length);
  for (const t of targets) {
    const kernel = mutantKernel(mutant, t.kernel);
    await loadKernel(kernel);
    const { sc, raw } = loadOn(t.scenario, kernel);
    let r: ReturnType<typeof runCheckSession>;
    try {
      r = runCheckSession({
        sc,
        raw,
        seed: o.seed,
        schedules: o.schedules,
        timeMs: perScenarioMs,
        minimize: true,
        symmetry: true,
      });
    } catch (e) {
      // The mutant breaks the scenario's setup (an ioctl of the build fails, model code throws):
      // any test of that path would notice.
      return {
        status: "killed",
        scenario: t.scenario,
        property: `setup failed: ${(e as Error).message.split("\n")[0]}`,
        strategy: "-",
        kill_ms: Math.round(performance.now() - t0),
        replay_token: null,
        executions,
        elapsed_ms: Math.round(performance.now() - t0),
        scenarios: targets.map((x) => x.scenario),
      };
    }
    executions += r.schedules;
    // The expectation of the scenario on the target's kernel (the mutant must not change the
    // verdict): its own, or the variant's row of expect_on.
    const exp = expectationFor(sc, t.kernel, loadScenario(t.scenario).scenario.kernel).expect;
    if (!meets(r, exp))
      return {
        status: "killed",
        scenario: t.scenario,
        property: r.found ? (r.property ?? "?") : describeResult(r),
        strategy: r.strategy,
        kill_ms: Math.round(performance.now() - t0),
        replay_token: r.replay_token,
        executions,
        elapsed_ms: Math.round(performance.now() - t0),
        scenarios: targets.map((x) => x.scenario),
      };
  }
  const same = await looksEquivalent(mutant, targets, o.seed);
  return {
    status: same ? "equivalent" : "survived",
    executions,
    elapsed_ms: Math.round(performance.now() - t0),
    scenarios: targets.map((x) => x.scenario),
  };
}

const HASH_SKIP = new Set(["dmesg", "current", "cpu", "pid", "nextId", "kmemleak_sites", "kernel"]);
const SAMPLES = 12;

/**
 * A random walk that also hashes the world before every step: a mutant that only moves a write
 * across a scheduling point (an unlock moved up) shows in the states between steps, if not at the end.
 */
class StateHashingPicker extends RandomPicker {
  states: number[] = [];
  override pick(ex: Execution, enabled: number[]): number {
    this.states.push(hashDeep(ex.w, HASH_SKIP));
    return super.pick(ex, enabled);
  }
}

/** Steps (thread, op), states between steps and the end of SAMPLES random executions, one hash each. */
function signatures(sc: Scenario, seed: number): number[] {
  const model = prepare(sc);
  const out: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const picker = new StateHashingPicker(executionSeed(seed, i));
    const { ex } = execute(model, picker, { maxSteps: model.chk.bounds.steps, everyStep: false });
    const steps = ex.trace.map((s) => [s.tid, s.op.kind, (s.op as { why?: string }).why ?? ""]);
    out.push(hashDeep([steps, picker.states, ex.w, ex.failure?.property ?? ""], HASH_SKIP));
  }
  return out;
}

/** No scenario tells the mutant from its base kernel in SAMPLES seeded random executions. */
async function looksEquivalent(mutant: string, targets: Target[], seed: number): Promise<boolean> {
  for (const t of targets) {
    const kernel = mutantKernel(mutant, t.kernel);
    await loadKernel(kernel);
    await loadKernel(t.kernel);
    const a = signatures(loadOn(t.scenario, t.kernel).sc, seed);
    const b = signatures(loadOn(t.scenario, kernel).sc, seed);
    if (a.some((x, i) => x !== b[i])) return false;
  }
  return true;
}

/**
 * Which kernel functions each target's setup and executions call (through the kernel table): a
 * scenario on its own kernel, or on another (a variant whose own functions are mutated). A probe
 * variant wraps every function to record its name. Keyed by targetKey.
 */
export async function scenarioCoverage(
  targets: Target[],
  seed: number,
  executions = 40,
): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const { scenario: name, kernel: own } of targets) {
    await loadKernel(own);
    const hits = new Set<string>();
    const fns = variantFns(getVariant(own)!) as unknown as Record<string, (...a: unknown[]) => unknown>;
    const probe = `coverage-probe/${own}/${name}`;
    const overrides: Record<string, unknown> = {};
    for (const [k, f] of Object.entries(fns))
      overrides[k] = function (this: unknown, ...a: unknown[]) {
        hits.add(k);
        return f.apply(this, a);
      };
    registerVariant({
      name: probe,
      description: "coverage probe",
      overrides,
      constants: getVariant(own)!.constants,
    });
    const { sc } = loadOn(name, probe);
    const model = prepare(sc);
    for (let i = 0; i < executions; i++)
      execute(model, new RandomPicker(executionSeed(seed, i)), {
        maxSteps: model.chk.bounds.steps,
        everyStep: false,
      });
    out.set(targetKey({ scenario: name, kernel: own }), hits);
  }
  return out;
}

export function targetKey(t: Target): string {
  return `${t.scenario}@${t.kernel}`;
}
