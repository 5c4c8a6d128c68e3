/**
 * The submitting side of a sweep or A/B on a Redis backend: each run not already cached becomes a
 * BullMQ job whose id is the run's cache key, so submitting the same run twice (a resumed sweep, two
 * submitters) makes one job, and a finished job's result is picked up instead of recomputed.
 * Results come back to this process, the only writer of the results database.
 */
import { Job, Queue, QueueEvents } from "bullmq";
import { ScenarioError } from "../../scenario/load.ts";
import type { RunJob } from "../jobs.ts";
import type { RunResult } from "../run.ts";
import { connectionOptions, RUN_QUEUE } from "./connection.ts";
import { type ShippedPatch, shipPatches } from "./patches.ts";
import { fromWire, toWire } from "./wire.ts";

export interface QueueRunData {
  v: 1;
  /** The scenario in wire form (wire.ts). */
  scenario: unknown;
  seed: number;
  key: string;
  patches: ShippedPatch[];
}

/** failedReason of a job whose scenario is wrong: this prefix, then the scenario error's lines. */
export const SCENARIO_FAILURE = "epcsim: scenario error\n";

/** How BullMQ retries a job whose worker died or lost its connection (deterministic failures are not retried). */
export const JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: "exponential", delay: 500 },
  // Finished jobs stay a week, so a submitter that exits and comes back finds their results.
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

export interface QueueProgress {
  /** Workers connected to the queue (counted every poll). */
  onWorkers?: (n: number) => void;
  /** Poll period for job states, ms (events are the fast path; polling covers a Redis restart). */
  pollMs?: number;
}

/** Run `todo` on the queue at `url`; `finished` is called once per job with its result. */
export async function executeOnQueue(
  todo: readonly RunJob[],
  url: string,
  finished: (job: RunJob, r: RunResult) => void,
  opt: QueueProgress = {},
): Promise<number> {
  const connection = connectionOptions(url);
  const queue = new Queue<QueueRunData, unknown>(RUN_QUEUE, { connection });
  const events = new QueueEvents(RUN_QUEUE, { connection });
  const pending = new Map(todo.map((j) => [j.key, j]));
  const shipped = new Map<string, ShippedPatch[]>();
  const patchesOf = (kernel: string) => {
    let p = shipped.get(kernel);
    if (!p) shipped.set(kernel, (p = shipPatches(kernel)));
    return p;
  };
  let maxWorkers = 0;
  let failure: Error | null = null;
  let wake: () => void = () => {};

  const data = (j: RunJob): QueueRunData => ({
    v: 1,
    scenario: toWire(j.scenario),
    seed: j.seed,
    key: j.key,
    patches: patchesOf(j.scenario.kernel),
  });

  /** Look at one job: take its result, surface its failure, or (re)submit it if Redis lost it. */
  const settle = async (key: string): Promise<void> => {
    const job = pending.get(key);
    if (!job) return;
    // The state first, then the job: a job read before its state could have finished in between
    // and carry no return value yet.
    const state = await queue.getJobState(key);
    if (state === "unknown") {
      await queue.add("run", data(job), { ...JOB_OPTIONS, jobId: key });
    } else if (state === "completed") {
      const q = await Job.fromId<QueueRunData, unknown>(queue, key);
      if (!q || !pending.has(key)) return;
      pending.delete(key);
      finished(job, fromWire<RunResult>(q.returnvalue));
    } else if (state === "failed") {
      const q = await Job.fromId<QueueRunData, unknown>(queue, key);
      const reason = q?.failedReason ?? "failed";
      if (reason.startsWith(SCENARIO_FAILURE))
        failure = new ScenarioError(reason.slice(SCENARIO_FAILURE.length).split("\n"));
      else failure = new Error(`run ${key.slice(0, 12)} failed on a worker: ${reason}`);
    }
  };

  try {
    await events.waitUntilReady();
    maxWorkers = await queue.getWorkersCount();
    opt.onWorkers?.(maxWorkers);
    const onEvent = ({ jobId }: { jobId: string }) => {
      if (!pending.has(jobId)) return;
      settle(jobId).then(wake, (e: Error) => {
        failure = e;
        wake();
      });
    };
    events.on("completed", onEvent);
    events.on("failed", onEvent);

    // Jobs already known to Redis (an earlier submission): reuse results, retry failures.
    const fresh: RunJob[] = [];
    for (const j of todo) {
      const state = await queue.getJobState(j.key);
      if (state === "unknown") fresh.push(j);
      else if (state === "failed") await (await Job.fromId(queue, j.key))?.retry();
    }
    await queue.addBulk(
      fresh.map((j) => ({ name: "run", data: data(j), opts: { ...JOB_OPTIONS, jobId: j.key } })),
    );
    for (const k of [...pending.keys()]) await settle(k);

    const pollMs = opt.pollMs ?? 1000;
    while (pending.size > 0 && !failure) {
      await new Promise<void>((res) => {
        const timer = setTimeout(res, pollMs);
        wake = () => {
          clearTimeout(timer);
          res();
        };
      });
      if (failure) break;
      const n = await queue.getWorkersCount();
      maxWorkers = Math.max(maxWorkers, n);
      opt.onWorkers?.(n);
      for (const k of [...pending.keys()]) await settle(k);
    }
    if (failure) throw failure;
    return maxWorkers;
  } finally {
    await events.close();
    await queue.close();
  }
}
