/** Options and plumbing shared by `epcsim ab`, `sweep` and `results`. */
import { cpus } from "node:os";
import { resolve } from "node:path";
import type { Command } from "commander";
import { ExperimentError } from "../experiment/errors.ts";
import type { ExecuteOptions } from "../experiment/jobs.ts";
import { type Backend, BackendError, parseBackend } from "../experiment/queue/connection.ts";
import { DEFAULT_DB, ResultsStore } from "../experiment/store.ts";
import { UsageError } from "./errors.ts";
import { checkWritable, writeFileAtomic } from "./output_file.ts";
import { Progress } from "./progress.ts";

export function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

export interface StoreOpts {
  db: string | false;
}

export interface RunnerOpts extends StoreOpts {
  workers?: string;
  backend?: string;
  json?: boolean;
  report?: string;
  csv?: string;
  seed?: string;
  reps?: string;
  set: string[];
}

/** `--db`, and `--no-db` where running without a database means something (not for `results`). */
export function addDbOptions(c: Command, noDb = true): Command {
  c.option("--db <file>", "results database (SQLite)", DEFAULT_DB);
  return noDb ? c.option("--no-db", "do not record runs, do not use cached ones") : c;
}

/** Options of commands that run experiments. */
export function addRunnerOptions(c: Command, defaultReps: number): Command {
  addDbOptions(c);
  return c
    .option("--set <key=value>", "override a scenario field for every run (repeatable)", collect, [])
    .option("--reps <n>", `replications (default: the experiment's, else ${defaultReps})`)
    .option("--seed <n>", "root seed (default: the scenario's); each replication's seed is derived from it")
    .option("--workers <n>", "worker threads (default: one per CPU; 0 runs in this thread)")
    .option(
      "--backend <local|redis://host:port>",
      "where runs execute: local worker threads (default), or `epcsim worker` processes behind a Redis server",
    )
    .option("--json", "print the result as one JSON object on stdout (progress and notes on stderr)")
    .option("--report <file.html>", "write a self-contained HTML report")
    .option("--csv <file.csv>", "write the result table as CSV");
}

export function parseInt10(v: string | undefined, option: string, min = 0): number | undefined {
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v) || Number(v) < min)
    throw new UsageError(`${option} ${v}: expected an integer >= ${min}`);
  return Number(v);
}

export function openStore(o: StoreOpts): ResultsStore | undefined {
  if (o.db === false) return undefined;
  try {
    return new ResultsStore(o.db);
  } catch (e) {
    throw new UsageError(`--db ${o.db}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Run `fn`, turning experiment mistakes into usage errors (exit 2). */
export async function asUsage<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ExperimentError) throw new UsageError(e.message);
    throw e;
  }
}

export function runProgress(label: string): (done: number, total: number, executed: number) => void {
  return runnerProgress(label).onProgress;
}

/** Progress of an experiment's runs; on a Redis backend it also shows the workers connected. */
function runnerProgress(label: string): Pick<ExecuteOptions, "onWorkers"> & {
  onProgress: NonNullable<ExecuteOptions["onProgress"]>;
} {
  const p = new Progress(label);
  let workers: number | null = null;
  let last = { done: 0, total: 0, executed: 0 };
  const show = () => {
    const { done, total, executed } = last;
    const on = workers === null ? "" : `, ${workers} worker${workers === 1 ? "" : "s"} connected`;
    p.update(
      total === 0 ? 1 : done / total,
      `${done}/${total} runs (${executed} simulated, ${done - executed} cached${on})`,
    );
    if (done === total) p.done();
  };
  return {
    onProgress: (done, total, executed) => {
      last = { done, total, executed };
      show();
    },
    onWorkers: (n) => {
      workers = n;
      if (last.done < last.total) show();
    },
  };
}

/** How `ab` and `sweep` execute their runs: `--workers`, `--backend`, progress on the terminal. */
export function executeOptions(o: RunnerOpts, label: string): ExecuteOptions {
  let backend: Backend;
  try {
    backend = parseBackend(o.backend);
  } catch (e) {
    if (e instanceof BackendError) throw new UsageError(e.message);
    throw e;
  }
  if (backend.kind === "redis" && o.workers !== undefined)
    throw new UsageError(
      "--workers: not with a Redis --backend (start `epcsim worker --concurrency N` instead)",
    );
  const workers = parseInt10(o.workers, "--workers", 0);
  const cap = 4 * Math.max(1, cpus().length);
  // Each worker thread holds a model and a V8 heap: more than a few per core only costs memory.
  if (workers !== undefined && workers > cap)
    throw new UsageError(`--workers ${workers}: at most ${cap} on this machine (4 per CPU)`);
  return { workers, backend, ...runnerProgress(label) };
}

/** Write a file atomically, creating its directory (a failure is a usage error naming the file). */
export function writeOut(file: string, text: string, flag = "output"): string {
  const p = resolve(file);
  writeFileAtomic(p, text, flag);
  return p;
}

/** Refuse unwritable --report/--csv/--out paths before any run starts. */
export function checkOutputs(o: { report?: string; csv?: string; out?: string }): void {
  if (o.report) checkWritable(o.report, "--report");
  if (o.csv) checkWritable(o.csv, "--csv");
  if (o.out) checkWritable(o.out, "--out");
}

/** The command line as typed (for reports). */
export function commandLine(): string {
  return ["epcsim", ...process.argv.slice(2)]
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`))
    .join(" ");
}
