/** `epcsim mutate`: mutation testing of the model's kernel functions against the check scenarios. */
import { cpus } from "node:os";
import type { Command } from "commander";
import { parseBudget } from "./check.ts";
import { UsageError } from "./errors.ts";
import { addDbOptions, collect, openStore, parseInt10 } from "./experiment_opts.ts";
import { checkWritable, writeFileAtomic } from "./output_file.ts";
import { Progress } from "./progress.ts";

function list(values: string[]): string[] {
  return values
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
}

export function registerMutate(program: Command): void {
  const c = program
    .command("mutate")
    .description(
      "mutation testing: generate kernel mutants (a lock dropped, a reference not taken, a flag not tested, ...) and report which the check scenarios kill",
    )
    .option(
      "--functions <names>",
      "only these kernel functions (comma-separated, repeatable; a variant's own function as cgroup-v16:sgx_reclaim_pages)",
      collect,
      [],
    )
    .option(
      "--operators <names>",
      "only these operators (comma-separated, repeatable; see --list)",
      collect,
      [],
    )
    .option("--scenarios <names>", "only these check scenarios (comma-separated, repeatable)", collect, [])
    .option(
      "--budget <n|time>",
      "per mutant: executions per scenario (e.g. 500) or wall time (e.g. 60s)",
      "500",
    )
    .option("--seed <n>", "seed of every exploration", "1")
    .option("--workers <n>", "worker threads (default: one per CPU)")
    .option(
      "--backend <local|redis://host:port>",
      "where mutants are evaluated: local worker threads (default), or `epcsim worker` processes behind a Redis server",
    )
    .option("--list", "list the mutants (name and what it changes) without running them")
    .option("--json", "print the result as one JSON object on stdout")
    .option("--report <file.html>", "write an HTML report (rates, survivors with their diffs, kills)");
  addDbOptions(c);
  c.action(
    async (o: {
      functions: string[];
      operators: string[];
      scenarios: string[];
      budget: string;
      seed: string;
      workers?: string;
      backend?: string;
      list?: boolean;
      json?: boolean;
      report?: string;
      db: string | false;
    }) => {
      const { listMutants, mutableFunctions, qualified } = await import("../mutate/generate.ts");
      const { OPERATORS } = await import("../mutate/operators.ts");
      const functions = list(o.functions);
      const operators = list(o.operators);
      const known = new Set(mutableFunctions().map((f) => qualified(f.fn, f.variant)));
      for (const f of functions)
        if (!known.has(f))
          throw new UsageError(`--functions ${f}: not a mutable kernel function (see epcsim mutate --list)`);
      for (const op of operators)
        if (!(OPERATORS as readonly string[]).includes(op))
          throw new UsageError(`--operators ${op}: expected one of ${OPERATORS.join(", ")}`);
      if (o.list) {
        const specs = listMutants({ functions, operators });
        if (o.json)
          process.stdout.write(`${JSON.stringify(specs.map((s) => ({ name: s.name, what: s.what })))}\n`);
        else
          process.stdout.write(
            `${specs.map((s) => `${s.name}  ${s.what}`).join("\n")}\n${specs.length} mutants\n`,
          );
        return;
      }
      const scenarios = list(o.scenarios);
      if (scenarios.length) {
        const { builtinCheckScenarios } = await import("./check_all.ts");
        const all = new Set(await builtinCheckScenarios());
        for (const s of scenarios)
          if (!all.has(s)) throw new UsageError(`--scenarios ${s}: not a built-in check scenario`);
      }
      const budget = parseBudget(o.budget);
      const seed = parseInt10(o.seed, "--seed") ?? 1;
      const workers = parseInt10(o.workers, "--workers", 1) ?? Math.max(1, cpus().length);
      if (workers > 4 * Math.max(1, cpus().length))
        throw new UsageError(
          `--workers ${workers}: at most ${4 * Math.max(1, cpus().length)} on this machine`,
        );
      if (o.report) checkWritable(o.report, "--report");
      const { BackendError, parseBackend } = await import("../experiment/queue/connection.ts");
      let redisUrl: string | undefined;
      try {
        const b = parseBackend(o.backend);
        if (b.kind === "redis") redisUrl = b.url;
      } catch (e) {
        if (e instanceof BackendError) throw new UsageError(e.message);
        throw e;
      }
      if (redisUrl && o.workers !== undefined)
        throw new UsageError(
          "--workers: not with a Redis --backend (start `epcsim worker --concurrency N` instead)",
        );
      const store = openStore(o);
      const { runCampaign } = await import("../mutate/campaign.ts");
      const { formatMutate, mutateHtml, summaryLine } = await import("../mutate/report.ts");
      const progress = new Progress("mutate", !o.json || Boolean(process.stderr.isTTY));
      let workersSeen = 0;
      try {
        const rows = await runCampaign({
          functions,
          operators,
          scenarios: scenarios.length ? scenarios : undefined,
          // An execution count alone bounds each scenario; a duration alone bounds the mutant.
          schedules: budget.schedules ?? 1_000_000,
          timeMs: budget.timeMs ?? 60_000,
          seed,
          workers,
          redisUrl,
          store,
          onProgress: (done, total, last) =>
            progress.update(
              done / total,
              `${done}/${total}${redisUrl ? ` on ${workersSeen} workers` : ""} ${last.name}`,
            ),
          onWorkers: (n) => {
            workersSeen = n;
          },
        });
        progress.done();
        if (o.report) writeFileAtomic(o.report, mutateHtml(rows, "epcsim mutate"), "--report");
        if (o.json) {
          const { rates } = await import("../mutate/campaign.ts");
          process.stdout.write(`${JSON.stringify({ summary: rates(rows), mutants: rows })}\n`);
          process.stderr.write(`${summaryLine(rows)}\n`);
        } else process.stdout.write(`${formatMutate(rows)}\n`);
      } finally {
        store?.close();
      }
    },
  );
}
