/**
 * The seed's question in one command: seed-batching with SGX_NR_TO_SCAN = 16 and with per-page
 * reclaim (batch 1), side by side.
 */
import { formatSideBySide } from "../src/cli/format.ts";
import { runScenario } from "../src/experiment/run.ts";
import { loadScenario } from "../src/scenario/load.ts";

const results = [16, 1].map((batch) => {
  const { scenario } = loadScenario("seed-batching", [`reclaimer.batch=${batch}`]);
  process.stderr.write(`running seed-batching with reclaimer.batch=${batch} ...\n`);
  return runScenario(scenario).result;
});
process.stdout.write(`seed-batching: batched reclaim (16 pages per round) vs per-page reclaim (1)\n`);
process.stdout.write(`${formatSideBySide(["batch 16", "batch 1"], results)}\n`);
