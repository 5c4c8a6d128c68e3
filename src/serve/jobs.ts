/**
 * Runs started from the web UI: each in a worker thread (job_worker.ts), with its progress, and
 * cancellable (the worker is terminated). Finished jobs keep their result and trace in memory
 * until the server stops; at most MAX_JOBS are kept (the oldest finished ones go first).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { srcUrl } from "../paths.ts";
import type { OpsWindow } from "./api_types.ts";
import { indexTimeline, type TimelineIndex } from "./tiles.ts";
import type { Timeline } from "./timeline.ts";

export type JobState = "running" | "done" | "failed" | "cancelled";

export interface Job {
  id: number;
  state: JobState;
  fraction: number;
  error?: string;
  result?: unknown;
  timeline?: Timeline;
  /** The run's Perfetto trace, gzip'd (a temporary file, removed with the job). */
  traceFile: string;
  /** The timeline's spans by row, for tiles (tiles.ts). */
  index?: TimelineIndex;
  started: number;
  worker: Worker | null;
  /** What was run, for a re-run of a window's ops. */
  text: string;
  sets: string[];
}

const MAX_JOBS = 20;

export class Jobs {
  private readonly jobs = new Map<number, Job>();
  private next = 1;
  /** The jobs' trace files. */
  private readonly dir = mkdtempSync(join(tmpdir(), "epcsim-serve-"));

  start(text: string, sets: string[]): Job {
    const id = this.next++;
    const traceFile = join(this.dir, `run-${id}.json.gz`);
    const job: Job = {
      id,
      state: "running",
      fraction: 0,
      started: Date.now(),
      worker: null,
      traceFile,
      text,
      sets,
    };
    const worker = new Worker(srcUrl("serve", "job_entry.mjs"), { workerData: { text, sets, traceFile } });
    job.worker = worker;
    worker.on("message", (msg: { type: string; fraction?: number; message?: string } & Partial<Job>) => {
      if (msg.type === "progress") job.fraction = msg.fraction ?? job.fraction;
      else if (msg.type === "done") {
        Object.assign(job, {
          state: "done",
          fraction: 1,
          result: msg.result,
          timeline: msg.timeline,
          index: indexTimeline(msg.timeline!),
        });
        void worker.terminate();
      } else if (msg.type === "error") {
        Object.assign(job, { state: "failed", error: msg.message });
        void worker.terminate();
      }
    });
    worker.on("error", (e) => Object.assign(job, { state: "failed", error: String(e) }));
    worker.on("exit", () => {
      job.worker = null;
      if (job.state === "running") Object.assign(job, { state: "failed", error: "the run's worker exited" });
    });
    this.jobs.set(job.id, job);
    this.prune();
    return job;
  }

  get(id: number): Job | undefined {
    return this.jobs.get(id);
  }

  /**
   * The ops of [from, to) of a finished job: the same run again (deterministic) up to `to`, with an
   * op-detail trace of the window, in a worker of its own.
   */
  ops(job: Job, from: number, to: number): Promise<OpsWindow> {
    const measureStart = (job.result as { warmup_ns: number }).warmup_ns;
    const worker = new Worker(srcUrl("serve", "job_entry.mjs"), {
      workerData: { text: job.text, sets: job.sets, traceFile: "", ops: { from, to, measureStart } },
    });
    return new Promise((resolve, reject) => {
      worker.on("message", (msg: { type: string; ops?: OpsWindow; message?: string }) => {
        if (msg.type === "ops") {
          resolve(msg.ops!);
          void worker.terminate();
        } else if (msg.type === "error") reject(new Error(msg.message));
      });
      worker.on("error", reject);
      worker.on("exit", () => reject(new Error("the ops worker exited")));
    });
  }

  cancel(id: number): boolean {
    const job = this.jobs.get(id);
    if (job?.state !== "running") return false;
    job.state = "cancelled";
    void job.worker?.terminate();
    return true;
  }

  async close(): Promise<void> {
    await Promise.all([...this.jobs.values()].map((j) => j.worker?.terminate()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private prune(): void {
    const done = [...this.jobs.values()].filter((j) => j.state !== "running");
    while (this.jobs.size > MAX_JOBS && done.length) {
      const j = done.shift()!;
      rmSync(j.traceFile, { force: true });
      this.jobs.delete(j.id);
    }
  }
}
