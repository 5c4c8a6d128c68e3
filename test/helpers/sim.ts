/** Run inline scenarios on the simulator, with a hook to add threads before the run. */
import { type RunOutput, runScenario } from "../../src/experiment/run.ts";
import type { Built } from "../../src/scenario/build.ts";
import { parseScenarioText } from "../../src/scenario/load.ts";

export function runScenarioWith(yaml: string, hook?: (b: Built) => void, trace = true): RunOutput {
  const { scenario } = parseScenarioText(yaml, "inline.yaml");
  return runScenario(scenario, { trace, hook });
}
