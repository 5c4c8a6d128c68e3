/**
 * Runs of an experiment as jobs: what to simulate (a validated scenario and a seed), their cache
 * keys, and their execution on a pool of worker threads with the results database as the cache.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { Piscina } from "piscina";
import { srcUrl } from "../paths.ts";
import { loadScenario, ScenarioError } from "../scenario/load.ts";
import { kernelName, knobOverrides, loadKernel, patchHashes, splitKernel } from "../scenario/patches.ts";
import type { Scenario } from "../scenario/schema.ts";
import { canonicalJson, sha256 } from "./canonical.ts";
import { codeVersion } from "./fingerprint.ts";
import type { Backend } from "./queue/connection.ts";
import { type RunResult, runScenario } from "./run.ts";
import type { NewRun, ResultsStore } from "./store.ts";
import type { WorkerError, WorkerTask } from "./worker.ts";

export interface RunJob extends NewRun {
  scenario: Scenario;
}

/** The scenario `arg` with `params` (`key=value` overrides) applied and validated. */
export function prepareScenario(
  arg: string,
  params: readonly string[],
  /** Which option each override came from (`--a`, `--grid`, ...), for error messages; default `--set`. */
  origin: ReadonlyMap<string, string> = new Map(),
): { scenario: Scenario; json: string; hash: string } {
  let scenario: Scenario;
  try {
    scenario = loadScenario(arg, [...params]).scenario;
  } catch (e) {
    if (!(e instanceof ScenarioError) || origin.size === 0) throw e;
    throw new ScenarioError(
      e.lines.map((l) => {
        const m = /^--set ([^:]*): /.exec(l);
        const from = m && origin.get(m[1]!);
        return from ? `${from} ${l.slice("--set ".length)}` : l;
      }),
    );
  }
  // A kernel with patches (`mainline+./my-patch.ts`) is named by absolute paths, like `epcsim run`.
  if (scenario.kernel.includes("+")) {
    const { base, patches } = splitKernel(scenario.kernel);
    scenario = { ...scenario, kernel: kernelName(base, patches) };
  }
  const json = canonicalJson(scenario);
  return { scenario, json, hash: sha256(json) };
}

/** Content hashes of the patch files of a kernel name (a missing file is a scenario error). */
function patchesOf(kernel: string): { path: string; sha: string }[] {
  for (const f of splitKernel(kernel).patches)
    if (!existsSync(f)) throw new ScenarioError([`kernel: ${f}: no such patch file`]);
  return patchHashes(kernel);
}

/**
 * Cache key of a run: hash of (canonical scenario after overrides, overrides, seed, model version),
 * where the model version includes a hash of the model's sources (see fingerprint.ts) and of the
 * kernel's patch files, if any.
 */
export function runKey(
  scenarioJson: string,
  params: readonly string[],
  seed: number,
  version = codeVersion(),
  patches: readonly { path: string; sha: string }[] = [],
): string {
  const material: Record<string, unknown> = {
    scenario: JSON.parse(scenarioJson),
    params,
    seed,
    model_version: version,
  };
  if (patches.length) material.patches = patches;
  return sha256(canonicalJson(material));
}

export function makeJob(
  prepared: { scenario: Scenario; json: string; hash: string },
  params: readonly string[],
  seed: number,
): RunJob {
  return {
    key: runKey(prepared.json, params, seed, codeVersion(), patchesOf(prepared.scenario.kernel)),
    scenario: prepared.scenario,
    scenarioJson: prepared.json,
    scenarioHash: prepared.hash,
    params: [...params],
    seed,
    codeVersion: codeVersion(),
  };
}

export interface ExecuteOptions {
  /** Worker threads; 0 runs in this thread. Default: one per CPU, at most one per run. */
  workers?: number;
  store?: ResultsStore;
  /** Called after each run finishes (or is found in the cache). */
  onProgress?: (done: number, total: number, executed: number) => void;
  /** Where runs execute: worker threads here (default) or `epcsim worker`s behind a Redis server. */
  backend?: Backend;
  /** With a Redis backend: the number of workers connected, as it changes. */
  onWorkers?: (n: number) => void;
}

export interface ExecuteResult {
  results: Map<string, RunResult>;
  cached: number;
  executed: number;
  workers: number;
  wall_ms: number;
}

/**
 * Run the jobs not already in the store, in parallel, and return every job's result by key. Each
 * result is recorded as soon as it arrives. Results do not depend on the number of workers: every
 * job carries its own seed.
 */
export async function executeJobs(jobs: readonly RunJob[], opt: ExecuteOptions = {}): Promise<ExecuteResult> {
  const t0 = performance.now();
  const unique = new Map<string, RunJob>();
  for (const j of jobs) if (!unique.has(j.key)) unique.set(j.key, j);
  const results = new Map<string, RunResult>();
  if (opt.store) for (const [k, r] of opt.store.getRuns([...unique.keys()])) results.set(k, r.result);
  const cached = results.size;
  const todo = [...unique.values()].filter((j) => !results.has(j.key));
  const total = unique.size;
  let executed = 0;
  opt.onProgress?.(results.size, total, 0);
  const finished = (job: RunJob, r: RunResult) => {
    opt.store?.putRun(job, r);
    results.set(job.key, r);
    executed++;
    opt.onProgress?.(results.size, total, executed);
  };
  // Load (and check) every kernel with patches here first: a bad patch is a usage error before any
  // run, and runs in this thread need the variant registered. Workers load it again for themselves.
  for (const k of new Set(todo.map((j) => j.scenario.kernel))) await loadKernel(k);
  // A scenario knob that silently undoes a patch's constant: say so (on stderr, once each).
  const warned = new Set<string>();
  for (const j of todo) for (const w of knobOverrides(j.scenario.kernel, j.scenario.reclaimer)) warned.add(w);
  for (const w of warned) process.stderr.write(`warning: ${w}\n`);
  if (opt.backend?.kind === "redis" && todo.length > 0) {
    // Imported here so that local runs do not load BullMQ.
    const { executeOnQueue } = await import("./queue/runs.ts");
    const seen = await executeOnQueue(todo, opt.backend.url, finished, { onWorkers: opt.onWorkers });
    return { results, cached, executed, workers: seen, wall_ms: Math.round(performance.now() - t0) };
  }
  const workers = Math.min(opt.workers ?? availableParallelism(), todo.length);
  if (workers <= 0) {
    for (const job of todo) finished(job, runScenario(job.scenario, { seed: job.seed }).result);
  } else {
    const pool = new Piscina<WorkerTask, RunResult | WorkerError>({
      filename: srcUrl("experiment", "worker_entry.mjs").href,
      minThreads: workers,
      maxThreads: workers,
      idleTimeout: 1000,
    });
    try {
      await Promise.all(
        todo.map(async (job) => {
          const r = await pool.run({ scenario: job.scenario, seed: job.seed });
          if ("error" in r) throw r.scenarioLines ? new ScenarioError(r.scenarioLines) : new Error(r.error);
          finished(job, r);
        }),
      );
    } finally {
      await pool.destroy();
    }
  }
  return {
    results,
    cached,
    executed,
    workers: Math.max(0, workers),
    wall_ms: Math.round(performance.now() - t0),
  };
}
