/**
 * What an `epcsim worker` runs in its worker threads: a timed run of a sweep or A/B (the same code
 * as the local pool), or a slice of a hunt (a check search with its own strategy, seed and budget).
 * Jobs run off the worker's main thread so that BullMQ can keep renewing the job's lock while a
 * long run computes; a blocked event loop would make the job look stalled and run twice.
 */
import type { StrategyChoice } from "../../check/checker.ts";
import { type CheckSummary, runCheckSession } from "../../check/session.ts";
import type { EvaluateOptions, MutantOutcome, Target } from "../../mutate/evaluate.ts";
import { parseScenarioText, ScenarioError } from "../../scenario/load.ts";
import { loadKernel } from "../../scenario/patches.ts";
import type { Scenario } from "../../scenario/schema.ts";
import { type RunResult, runScenario } from "../run.ts";
import type { WorkerError } from "../worker.ts";
import { installPatches, type PatchCopy } from "./install.ts";

export interface RunTask {
  kind: "run";
  scenario: Scenario;
  seed: number;
  patches: PatchCopy[];
}

export interface HuntSliceTask {
  kind: "hunt";
  /** The check scenario after overrides, kernel included (what a replay token embeds). */
  raw: unknown;
  name: string;
  kernel: string;
  strategy: StrategyChoice;
  seed: number;
  schedules: number;
  timeMs: number;
  patches: PatchCopy[];
}

/** One automatic mutant against its scenarios (epcsim mutate on a Redis backend). */
export interface MutantTask {
  kind: "mutant";
  name: string;
  targets: Target[];
  options: EvaluateOptions;
}

export type QueueTask = RunTask | HuntSliceTask | MutantTask;

export default async function runQueueTask(
  task: QueueTask,
): Promise<RunResult | CheckSummary | MutantOutcome | WorkerError> {
  try {
    if (task.kind === "mutant") {
      const { evaluateMutant } = await import("../../mutate/evaluate.ts");
      return await evaluateMutant(task.name, task.targets, task.options);
    }
    if (task.kind === "run") {
      await installPatches(task.scenario.kernel, task.patches);
      await loadKernel(task.scenario.kernel);
      return runScenario(task.scenario, { seed: task.seed }).result;
    }
    await installPatches(task.kernel, task.patches);
    await loadKernel(task.kernel);
    const sc = parseScenarioText(JSON.stringify(task.raw), `hunt:${task.name}`).scenario;
    return runCheckSession({
      sc,
      raw: task.raw,
      strategy: task.strategy,
      seed: task.seed,
      schedules: task.schedules,
      timeMs: task.timeMs,
    });
  } catch (e) {
    if (e instanceof ScenarioError) return { error: e.message, scenarioLines: e.lines };
    return { error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
}
