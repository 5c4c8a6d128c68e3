/**
 * The worker-thread side of the run pool: one timed run per task. Results go back to the
 * coordinator, the only writer of the results database.
 */
import { installBuiltStackTraces } from "../rt/built_stacks.ts";
import { ScenarioError } from "../scenario/load.ts";
import { loadKernel } from "../scenario/patches.ts";
import type { Scenario } from "../scenario/schema.ts";
import { type RunResult, runScenario } from "./run.ts";

export interface WorkerTask {
  scenario: Scenario;
  seed: number;
}

/** A run that failed: a scenario mistake (its lines) or a bug (its message and stack). */
export interface WorkerError {
  error: string;
  scenarioLines?: string[];
}

installBuiltStackTraces();

export default async function runTask(task: WorkerTask): Promise<RunResult | WorkerError> {
  try {
    // A kernel with patches is registered per thread: import its patch modules here too.
    await loadKernel(task.scenario.kernel);
    return runScenario(task.scenario, { seed: task.seed }).result;
  } catch (e) {
    if (e instanceof ScenarioError) return { error: e.message, scenarioLines: e.lines };
    return { error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
}
