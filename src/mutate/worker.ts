/**
 * A mutate worker thread: evaluates one mutant per message from the coordinator (campaign.ts) and
 * answers with its outcome. Workers run the TypeScript sources, which the mutants' copies import.
 */
import { parentPort } from "node:worker_threads";
import { type EvaluateOptions, evaluateMutant, type Target } from "./evaluate.ts";

export interface MutateTask {
  index: number;
  name: string;
  targets: Target[];
  options: EvaluateOptions;
}

parentPort!.on("message", async (t: MutateTask) => {
  try {
    const outcome = await evaluateMutant(t.name, t.targets, t.options);
    parentPort!.postMessage({ index: t.index, outcome });
  } catch (e) {
    parentPort!.postMessage({ index: t.index, error: (e as Error).stack ?? String(e) });
  }
});
