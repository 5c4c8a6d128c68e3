/**
 * `epcsim mutate --backend redis://...`: each mutant to evaluate becomes a BullMQ job whose id is
 * its results key (the same mutant submitted twice is one job; a finished one is picked up, not
 * recomputed). `epcsim worker` processes evaluate them; outcomes come back here, to the only writer
 * of the results database. Jobs carry the submitter's code version: mutants are rebuilt from source.
 */
import { Job, Queue, QueueEvents } from "bullmq";
import { connectionOptions, MUTANT_QUEUE } from "../experiment/queue/connection.ts";
import { JOB_OPTIONS } from "../experiment/queue/runs.ts";
import type { EvaluateOptions, MutantOutcome, Target } from "./evaluate.ts";

export interface QueueMutantData {
  v: 1;
  name: string;
  targets: Target[];
  options: EvaluateOptions;
  /** codeVersion() of the submitter. */
  code: string;
}

export interface MutantJob {
  key: string;
  name: string;
  targets: Target[];
  options: EvaluateOptions;
}

/** Evaluate `todo` on the queue at `url`; `done` is called once per mutant with its outcome. */
export async function evaluateOnQueue(
  todo: readonly MutantJob[],
  url: string,
  code: string,
  done: (j: MutantJob, o: MutantOutcome) => void,
  onWorkers?: (n: number) => void,
  pollMs = 500,
): Promise<void> {
  if (!todo.length) return;
  const connection = connectionOptions(url);
  const queue = new Queue<QueueMutantData, unknown>(MUTANT_QUEUE, { connection });
  const events = new QueueEvents(MUTANT_QUEUE, { connection });
  const pending = new Map(todo.map((j) => [j.key, j]));
  const data = (j: MutantJob): QueueMutantData => ({
    v: 1,
    name: j.name,
    targets: j.targets,
    options: j.options,
    code,
  });
  let failure: Error | null = null;
  const settle = async (key: string): Promise<void> => {
    const j = pending.get(key);
    if (!j) return;
    const state = await queue.getJobState(key);
    if (state === "unknown") await queue.add("mutant", data(j), { ...JOB_OPTIONS, jobId: key });
    else if (state === "completed") {
      const q = await Job.fromId<QueueMutantData, unknown>(queue, key);
      if (!q || !pending.has(key)) return;
      pending.delete(key);
      done(j, q.returnvalue as MutantOutcome);
    } else if (state === "failed") {
      const q = await Job.fromId(queue, key);
      failure = new Error(`mutant ${j.name} failed on a worker: ${q?.failedReason ?? "failed"}`);
    }
  };
  try {
    await events.waitUntilReady();
    for (const j of todo) {
      const state = await queue.getJobState(j.key);
      if (state === "failed") await (await Job.fromId(queue, j.key))?.retry();
      else if (state === "unknown") await queue.add("mutant", data(j), { ...JOB_OPTIONS, jobId: j.key });
    }
    while (pending.size > 0 && !failure) {
      onWorkers?.(await queue.getWorkersCount());
      for (const k of [...pending.keys()]) await settle(k);
      if (pending.size > 0 && !failure) await new Promise((r) => setTimeout(r, pollMs));
    }
    if (failure) throw failure;
  } finally {
    await events.close();
    await queue.close();
  }
}
