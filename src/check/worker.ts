/**
 * A checker worker thread: runs the executions start, start + stride, ... of a sampling strategy
 * and reports failures and progress to the coordinator (check/workers.ts). It stops once its next
 * index passes the shared "stop above" index, so the coordinator can wait for every execution
 * below a found failure without running more than needed.
 */

import { parentPort, workerData } from "node:worker_threads";
import { installBuiltStackTraces } from "../rt/built_stacks.ts";
import { watchdogDeadline } from "../rt/watchdog.ts";
import { parseScenarioText } from "../scenario/load.ts";
import { loadKernel } from "../scenario/patches.ts";
import { explorers, isKnown } from "./checker.ts";
import { prepare } from "./engine.ts";
import type { LockEdgeAt, WorkerJob, WorkerMessage } from "./workers.ts";

installBuiltStackTraces();
const job = workerData as WorkerJob;
const stop = new Int32Array(job.stopAbove);
const { scenario } = parseScenarioText(JSON.stringify(job.raw), job.source);
await loadKernel(scenario.kernel);
const model = prepare(scenario);
const b = model.chk.bounds;
const [ex] = explorers(model, {
  strategy: job.strategy,
  seed: job.seed,
  schedules: job.schedules,
  timeMs: job.timeMs,
  maxSteps: b.steps,
  everyStep: model.chk.invariants === "step",
  preemptionBound: b.preemptions,
  pctDepth: b.pct_depth,
  start: job.start,
  stride: job.stride,
});
const post = (m: WorkerMessage) => parentPort!.postMessage(m);
const t0 = performance.now();
// A step of this worker that hangs past the budget ends the check (rt/watchdog.ts).
if (Number.isFinite(job.timeMs)) watchdogDeadline(Date.now() + job.timeMs);
let next = job.start;
let count = 0;
let truncated = 0;
let known = 0;
let last = 0;
/** Indices of the executions cut by the step bound, and of those that failed a known way. */
const truncatedAt: number[] = [];
const knownAt: number[] = [];
/** The first execution (and position in it) that took each lock dependency: the coordinator's LockGraph. */
const edges = new Map<string, LockEdgeAt>();
/** Those not yet sent: each message carries the new ones, so the coordinator can stop early. */
let unsent: LockEdgeAt[] = [];
const takeUnsent = () => {
  const out = unsent;
  unsent = [];
  return out;
};
while (next < job.schedules && next <= Atomics.load(stop, 0) && performance.now() - t0 < job.timeMs) {
  const trial = ex!.next()!;
  next = trial.index + job.stride;
  count++;
  if (trial.out.truncated) {
    truncated++;
    truncatedAt.push(trial.index);
  }
  if (trial.out.failure && isKnown(model, trial.out.failure.property)) {
    known++;
    knownAt.push(trial.index);
  } else if (trial.out.failure) {
    post({
      type: "found",
      index: trial.index,
      seed: trial.seed,
      schedule: trial.out.schedule,
      choices: trial.out.choices,
      property: trial.out.failure.property,
      next,
      count,
      truncated,
      known,
    });
    break;
  }
  (trial.out.lockEdges ?? []).forEach((e, pos) => {
    const k = `${e.from}\u0000${e.to}`;
    if (!edges.has(k)) {
      const at = { index: trial.index, pos, edge: e };
      edges.set(k, at);
      unsent.push(at);
    }
  });
  if (performance.now() - last > 100) {
    last = performance.now();
    post({ type: "progress", next, count, truncated, known, edges: takeUnsent() });
  }
}
post({ type: "done", next, count, truncated, known, truncatedAt, knownAt, edges: takeUnsent() });
