/** `epcsim ab`: its options here; the work in ab_run.ts, loaded when the command runs (fast start). */
import type { Command } from "commander";
import type { AbOpts } from "./ab_run.ts";
import { addRunnerOptions, asUsage, collect } from "./experiment_opts.ts";

export const DEFAULT_AB_REPS = 10;

export function registerAb(program: Command): void {
  const c = program
    .command("ab")
    .description(
      "A/B experiment: run a scenario under two sets of overrides on the same seeds and compare every metric (paired 95% intervals)",
    )
    .argument(
      "<scenario|experiment>",
      "a scenario file or built-in scenario, or a built-in A/B experiment (see `epcsim experiments`)",
    )
    .option(
      "--a <key=value,...>",
      "overrides of A, e.g. reclaimer.batch=16 (repeatable; kernel=<variant> works too)",
      collect,
      [],
    )
    .option("--b <key=value,...>", "overrides of B, e.g. reclaimer.batch=1 (repeatable)", collect, [])
    .option("--a-label <text>", "name of A in tables and reports")
    .option("--b-label <text>", "name of B in tables and reports")
    .option("--all", "show every metric in the table, not only the key ones")
    .option(
      "--assert <metric op bound>",
      "exit 1 unless B - A of the metric is: <X significantly below X, >X significantly above, <=X not significantly above, >=X not significantly below (X a number or a percentage of A's mean: p99<=+2%), =0 no significant change for the worse; repeatable",
      collect,
      [],
    );
  addRunnerOptions(c, DEFAULT_AB_REPS);
  c.action((arg: string, o: AbOpts) => asUsage(async () => (await import("./ab_run.ts")).abAction(arg, o)));
}
