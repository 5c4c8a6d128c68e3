/**
 * The worker-thread side of the run pool: one timed run per task. Results go back to the
 * coordinator, the only writer of the results database.
 */
import { ScenarioError } from "../scenario/load.ts";
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

export default function runTask(task: WorkerTask): RunResult | WorkerError {
  try {
    return runScenario(task.scenario, { seed: task.seed }).result;
  } catch (e) {
    if (e instanceof ScenarioError) return { error: e.message, scenarioLines: e.lines };
    return { error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
}
