/**
 * Parallel checking on worker threads. The sampling strategies (random, PCT, the portfolio) number
 * their executions and derive each one's seed from (seed, index); worker w of N runs indices w,
 * w + N, ... The coordinator keeps every worker going until all indices below the first failure
 * found are done, then reports the failure with the lowest index: the same one a single thread
 * finds, whatever N is. Minimization and the report run on the coordinator.
 */

import { Worker } from "node:worker_threads";
import { UsageError } from "../errors.ts";
import { srcUrl } from "../paths.ts";
import { crossExecutionFinding, explorers, isKnown, type StrategyChoice } from "./checker.ts";
import { prepare } from "./engine.ts";
import { CIRCULAR, type CrossCycle, type LockEdge, LockGraph } from "./lockdep.ts";
import { type CheckRequest, type CheckSummary, checkOptions, finishCheck } from "./session.ts";

export interface WorkerJob {
  raw: unknown;
  source: string;
  strategy: StrategyChoice;
  seed: number;
  start: number;
  stride: number;
  schedules: number;
  timeMs: number;
  stopAbove: SharedArrayBuffer;
}

/** A lock dependency with the execution (and its position there) that first took it. */
export interface LockEdgeAt {
  index: number;
  pos: number;
  edge: LockEdge;
}

export type WorkerMessage =
  | { type: "progress"; next: number; count: number; truncated: number; known: number; edges: LockEdgeAt[] }
  | {
      type: "done";
      next: number;
      count: number;
      truncated: number;
      known: number;
      truncatedAt: number[];
      knownAt: number[];
      edges: LockEdgeAt[];
    }
  | {
      type: "found";
      index: number;
      seed: number;
      schedule: number[];
      choices: number[];
      property: string;
      next: number;
      count: number;
      truncated: number;
      known: number;
    };

export async function runParallelCheck(req: CheckRequest, n: number): Promise<CheckSummary> {
  const model = prepare(req.sc);
  const opt = checkOptions(model, req);
  if (["dfs", "dpor", "sdfs", "bfs"].includes(opt.strategy))
    throw new UsageError(
      `--workers: the ${opt.strategy} strategy runs on one thread; use random, pct or portfolio`,
    );
  const t0 = performance.now();
  const stopAbove = new SharedArrayBuffer(4);
  const stop = new Int32Array(stopAbove);
  Atomics.store(stop, 0, 0x7fffffff);
  const state = Array.from({ length: n }, () => ({ next: 0, count: 0, truncated: 0, known: 0, done: false }));
  const truncatedAt: number[] = [];
  const knownAt: number[] = [];
  const edges: LockEdgeAt[] = [];
  let best: Extract<WorkerMessage, { type: "found" }> | null = null;
  await new Promise<void>((resolve, reject) => {
    for (let w = 0; w < n; w++) {
      const job: WorkerJob = {
        raw: req.raw,
        source: `${req.sc.name}.yaml`,
        strategy: opt.strategy,
        seed: opt.seed,
        start: w,
        stride: n,
        schedules: opt.schedules,
        timeMs: opt.timeMs,
        stopAbove,
      };
      const worker = new Worker(srcUrl("check", "worker_entry.mjs"), { workerData: job });
      worker.on("message", (msg: WorkerMessage) => {
        const s = state[w]!;
        s.next = msg.next;
        s.count = msg.count;
        s.truncated = msg.truncated;
        s.known = msg.known;
        if (msg.type === "found" && (!best || msg.index < best.index)) {
          best = msg;
          Atomics.store(stop, 0, msg.index);
        }
        if (msg.type !== "found" && msg.edges.length) {
          edges.push(...msg.edges);
          // Every index below the slowest worker's next is done: a cycle there is the first one,
          // so no worker needs to go past it.
          const doneBelow = Math.min(
            ...state.map((x, i) =>
              x.done || (i === w && msg.type === "done") ? Number.POSITIVE_INFINITY : x.next,
            ),
          );
          const c = crossCycleBelow(edges, Math.min(doneBelow, best ? best.index : Number.POSITIVE_INFINITY));
          if (c && !isKnown(model, CIRCULAR) && c.index < Atomics.load(stop, 0))
            Atomics.store(stop, 0, c.index);
        }
        if (msg.type === "done") {
          s.done = true;
          truncatedAt.push(...msg.truncatedAt);
          knownAt.push(...msg.knownAt);
          if (state.every((x) => x.done)) resolve();
        }
        const total = state.reduce((a, x) => a + x.count, 0);
        req.onProgress?.({
          schedules: total,
          elapsedMs: performance.now() - t0,
          strategy: opt.strategy,
          states: 0,
        });
      });
      worker.on("error", reject);
    }
  });
  // What a single thread would report: its explorer's name, and (with a finding) the executions up
  // to the failing index, all of which the workers ran; so --json does not depend on --workers.
  const strategy = explorers(model, opt)[0]!.name;
  const found = best as Extract<WorkerMessage, { type: "found" }> | null;
  // lockdep across executions, as one thread would see it: every worker's dependencies in
  // execution order, up to the first failure.
  const cross = isKnown(model, CIRCULAR)
    ? null
    : crossCycleBelow(edges, found ? found.index : Number.POSITIVE_INFINITY);
  const limit = cross ? cross.index : found ? found.index : Number.POSITIVE_INFINITY;
  const schedules = Number.isFinite(limit) ? limit + 1 : state.reduce((a, x) => a + x.count, 0);
  const truncated = truncatedAt.filter((i) => i <= limit).length;
  const known = knownAt.filter((i) => i <= limit).length;
  const crossTrial = cross
    ? crossExecutionFinding(
        model,
        explorers(model, { ...opt, start: cross.index, stride: 1 })[0]!.next()!,
        cross,
      )
    : null;
  return finishCheck(req, model, opt, {
    found: crossTrial
      ? crossTrial
      : found
        ? {
            out: {
              failure: { property: found.property, detail: "", tid: -1 },
              schedule: found.schedule,
              choices: found.choices,
              truncated: false,
              preemptions: 0,
            },
            seed: found.seed,
            index: found.index,
          }
        : null,
    strategy,
    schedules,
    states: 0,
    elapsedMs: performance.now() - t0,
    exhausted: false,
    choicesCut: false,
    truncated,
    known,
  });
}

/** The first cycle the dependencies of executions below `limit` close, taken in execution order. */
export function crossCycleBelow(edges: LockEdgeAt[], limit: number): CrossCycle | null {
  const byIndex = new Map<number, LockEdgeAt[]>();
  for (const e of edges) {
    if (e.index >= limit) continue;
    // Workers never share an index; an edge several workers took first is fresh only at the lowest.
    const list = byIndex.get(e.index) ?? [];
    list.push(e);
    byIndex.set(e.index, list);
  }
  const graph = new LockGraph();
  for (const index of [...byIndex.keys()].sort((a, b) => a - b)) {
    const taken = byIndex
      .get(index)!
      .sort((a, b) => a.pos - b.pos)
      .map((e) => e.edge);
    const c = graph.add(index, taken);
    if (c) return c;
  }
  return null;
}
