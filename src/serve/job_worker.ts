/**
 * A run started from the web UI, in a worker thread of its own (so the server keeps answering and
 * a cancel is a terminate): parse the scenario text as the CLI would, run it with a summary trace,
 * post progress, write the trace file, then post the result and the timeline (timeline.ts).
 */
import { parentPort, workerData } from "node:worker_threads";
import { runScenario } from "../experiment/run.ts";
import { writeChromeTrace } from "../report/chrome_trace.ts";
import { installBuiltStackTraces } from "../rt/built_stacks.ts";
import { ScenarioError } from "../scenario/errors.ts";
import { parseScenarioText } from "../scenario/load.ts";
import { opsOf, timelineOf } from "./timeline.ts";

const { text, sets, traceFile, ops } = workerData as {
  text: string;
  sets: string[];
  traceFile: string;
  /** Re-run for the ops of a window (the run is deterministic): stop at `to`, trace ops there. */
  ops?: { from: number; to: number; measureStart: number };
};
installBuiltStackTraces();
const port = parentPort!;
try {
  // The run ends at `to`: its measured window starts at measureStart (every run's time is the same
  // up to there whatever its length).
  const cut = ops ? [`run.duration=${Math.max(1, Math.ceil(ops.to - ops.measureStart))}`] : [];
  const { scenario } = parseScenarioText(text, "scenario.yaml", [...sets, ...cut]);
  if (scenario.kind !== "run")
    throw new ScenarioError([`scenario.yaml:1:1 kind: only run scenarios run here (got ${scenario.kind})`]);
  let last = 0;
  const out = runScenario(scenario, {
    trace: ops ? { detail: "ops", window: { from: ops.from, to: ops.to } } : { detail: "summary" },
    onProgress: (f) => {
      if (f - last >= 0.01) {
        last = f;
        port.postMessage({ type: "progress", fraction: f });
      }
    },
  });
  const trace = out.trace!;
  if (ops) port.postMessage({ type: "ops", ops: opsOf(trace, out.threads, ops.from, ops.to) });
  else {
    // The Perfetto file is written here (gzip'd, in pieces): a long run's JSON would not fit a string.
    await writeChromeTrace(trace, traceFile);
    port.postMessage({ type: "done", result: out.result, timeline: timelineOf(trace, out.threads) });
  }
} catch (e) {
  port.postMessage({
    type: "error",
    message: e instanceof ScenarioError ? e.message : `${(e as Error).name}: ${(e as Error).message}`,
  });
}
