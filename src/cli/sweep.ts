/** `epcsim sweep`: its options here; the work in sweep_run.ts, loaded when the command runs (fast start). */
import type { Command } from "commander";
import { addRunnerOptions, asUsage, collect } from "./experiment_opts.ts";
import type { SweepOpts } from "./sweep_run.ts";

export const DEFAULT_SWEEP_REPS = 3;
export const DEFAULT_SWEEP_METRICS = [
  "ipi_rounds",
  "etrack",
  "reclaim_pages_per_sec",
  "fault_latency_ns.p99",
  "locks.sgx_reclaimer_lock.contended",
  "accesses_per_sec",
];

export function registerSweep(program: Command): void {
  const c = program
    .command("sweep")
    .description(
      "sweep: run a scenario over a grid of overrides (Cartesian product or explicit cells), each cell replicated",
    )
    .argument(
      "<scenario|experiment>",
      "a scenario file or built-in scenario, or a built-in sweep (see `epcsim experiments`)",
    )
    .option(
      "--grid <key=v1,v2,...>",
      "a varied key and its values (repeatable: the Cartesian product)",
      collect,
      [],
    )
    .option("--cell <key=value,...>", "an explicit cell instead of a grid (repeatable)", collect, [])
    .option("--max-runs <n>", "refuse sweeps of more runs than this (default 256)")
    .option(
      "--independent-seeds",
      "one seed stream per (cell, replication) instead of the same seeds in every cell",
    )
    .option(
      "--metric <name>",
      `a metric to show (repeatable; default: the experiment's, else ${DEFAULT_SWEEP_METRICS.join(", ")})`,
      collect,
      [],
    );
  addRunnerOptions(c, DEFAULT_SWEEP_REPS);
  c.action((arg: string, o: SweepOpts) =>
    asUsage(async () => (await import("./sweep_run.ts")).sweepAction(arg, o)),
  );
}
