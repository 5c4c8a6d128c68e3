/**
 * `epcsim worker`: takes jobs from a Redis backend and runs them on worker threads. Runs of sweeps
 * and A/Bs, and slices of hunts. Jobs carry data (scenario documents, kernel names, seeds, budgets);
 * a patch travels as content and runs only with `--allow-patches`.
 */
import { UnrecoverableError, Worker } from "bullmq";
import { Piscina } from "piscina";
import type { CheckSummary } from "../../check/session.ts";
import type { MutantOutcome } from "../../mutate/evaluate.ts";
import type { QueueMutantData } from "../../mutate/queue.ts";
import { srcUrl } from "../../paths.ts";
import type { Scenario } from "../../scenario/schema.ts";
import { codeVersion } from "../fingerprint.ts";
import type { RunResult } from "../run.ts";
import type { WorkerError } from "../worker.ts";
import { connectionOptions, HUNT_QUEUE, MUTANT_QUEUE, RUN_QUEUE } from "./connection.ts";
import { type HuntSliceData, HuntStore } from "./hunt_store.ts";
import { admitPatches } from "./patches.ts";
import { type QueueRunData, SCENARIO_FAILURE } from "./runs.ts";
import type { QueueTask } from "./thread.ts";
import { fromWire, toWire } from "./wire.ts";

export interface WorkerOptions {
  url: string;
  /** Jobs run at once (worker threads). */
  concurrency: number;
  allowPatches: boolean;
  /**
   * How long a job's lock lasts without renewal (ms). A worker that dies stops renewing it; after
   * this long (plus the stalled-check period) another worker takes the job over.
   */
  lockMs?: number;
  log?: (line: string) => void;
}

export interface RunningWorker {
  /** Finish the jobs in progress, take no new ones, and stop. */
  close(): Promise<void>;
}

/** A deterministic failure: retrying the same data elsewhere would fail the same way. */
function fail(r: WorkerError): never {
  if (r.scenarioLines) throw new UnrecoverableError(SCENARIO_FAILURE + r.scenarioLines.join("\n"));
  throw new UnrecoverableError(r.error);
}

export async function startWorker(opt: WorkerOptions): Promise<RunningWorker> {
  const connection = connectionOptions(opt.url);
  const log = opt.log ?? (() => {});
  const pool = new Piscina<QueueTask, RunResult | CheckSummary | MutantOutcome | WorkerError>({
    filename: srcUrl("experiment", "queue", "thread_entry.mjs").href,
    minThreads: opt.concurrency,
    maxThreads: opt.concurrency,
    idleTimeout: 60_000,
  });
  const lockDuration = opt.lockMs ?? 30_000;
  const common = {
    connection,
    concurrency: opt.concurrency,
    lockDuration,
    stalledInterval: Math.max(500, Math.round(lockDuration / 2)),
    maxStalledCount: 3,
  };

  const runs = new Worker<QueueRunData, unknown>(
    RUN_QUEUE,
    async (job) => {
      admitPatches(job.data.patches, opt.allowPatches);
      const r = await pool.run({
        kind: "run",
        scenario: fromWire<Scenario>(job.data.scenario),
        seed: job.data.seed,
        patches: job.data.patches,
      });
      if ("error" in r) fail(r);
      log(`run ${job.id?.slice(0, 12)} seed ${job.data.seed} done`);
      return toWire(r);
    },
    common,
  );

  const hunts = new HuntStore(opt.url);
  const slices = new Worker<HuntSliceData>(
    HUNT_QUEUE,
    async (job) => {
      const spec = await hunts.spec(job.data.id);
      if (!spec) return { skipped: "unknown hunt" };
      if (!(await hunts.live(job.data.id))) return { skipped: "hunt ended" };
      const task = hunts.sliceTask(spec, job.data.i);
      admitPatches(task.patches, opt.allowPatches);
      const r = await pool.run(task);
      if ("error" in r) fail(r);
      const summary = r as CheckSummary;
      await hunts.recordSlice(spec, job.data.i, task, summary);
      log(
        `hunt ${spec.id} slice ${job.data.i}: ${task.strategy} seed ${task.seed}, ${summary.schedules} executions${summary.found ? `, found ${summary.property}` : ""}`,
      );
      await hunts.continueHunt(spec);
      return { executions: summary.schedules, found: summary.property };
    },
    common,
  );

  // Mutants of `epcsim mutate --backend`: rebuilt from their names from this worker's sources,
  // so a worker whose model differs from the submitter's refuses them.
  const mutants = new Worker<QueueMutantData>(
    MUTANT_QUEUE,
    async (job) => {
      if (job.data.code !== codeVersion())
        throw new UnrecoverableError(
          `this worker's model (${codeVersion()}) is not the submitter's (${job.data.code}): mutants are built from the sources`,
        );
      const r = await pool.run({
        kind: "mutant",
        name: job.data.name,
        targets: job.data.targets,
        options: job.data.options,
      });
      if ("error" in r) fail(r as WorkerError);
      log(`mutant ${job.data.name}: ${(r as MutantOutcome).status}`);
      return r;
    },
    common,
  );

  for (const w of [runs, slices, mutants]) w.on("error", (e) => log(`worker: ${e.message}`));
  await Promise.all([runs.waitUntilReady(), slices.waitUntilReady(), mutants.waitUntilReady()]);
  return {
    async close() {
      await Promise.all([runs.close(), slices.close(), mutants.close()]);
      await hunts.close();
      await pool.destroy();
    },
  };
}
