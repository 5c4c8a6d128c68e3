/** `epcsim worker`: serve the runs and hunt slices queued on a Redis server. */
import { availableParallelism } from "node:os";
import type { Command } from "commander";
import { BackendError, checkRedisUrl } from "../experiment/queue/connection.ts";
import { UsageError } from "./errors.ts";
import { parseInt10 } from "./experiment_opts.ts";

export function registerWorker(program: Command): void {
  program
    .command("worker")
    .description(
      "take runs of `sweep`/`ab --backend redis://...` and slices of `hunt` from a Redis server and execute them; SIGTERM finishes the jobs in progress and exits",
    )
    .requiredOption("--redis <url>", "the Redis server, e.g. redis://127.0.0.1:6379")
    .option("--concurrency <n>", "jobs at once, each on its own thread (default: one per CPU)")
    .option(
      "--allow-patches",
      "run jobs that carry a kernel patch (a patch is TypeScript code from whoever submits jobs: allow it only on a queue you trust)",
    )
    .option("--quiet", "do not log each job on stderr")
    // Hidden: how long a dead worker's job stays locked before another worker takes it (tests).
    .option("--lock-ms <ms>", "", undefined)
    .action(
      async (o: {
        redis: string;
        concurrency?: string;
        allowPatches?: boolean;
        quiet?: boolean;
        lockMs?: string;
      }) => {
        let url: string;
        try {
          url = checkRedisUrl(o.redis, "--redis");
        } catch (e) {
          if (e instanceof BackendError) throw new UsageError(e.message);
          throw e;
        }
        const concurrency = parseInt10(o.concurrency, "--concurrency", 1) ?? availableParallelism();
        const lockMs = parseInt10(o.lockMs, "--lock-ms", 100);
        const log = o.quiet ? undefined : (line: string) => process.stderr.write(`${line}\n`);
        const { startWorker } = await import("../experiment/queue/worker.ts");
        const w = await startWorker({ url, concurrency, allowPatches: Boolean(o.allowPatches), lockMs, log });
        process.stderr.write(
          `epcsim worker: ${concurrency} thread${concurrency === 1 ? "" : "s"} on ${redactedUrl(url)}${o.allowPatches ? ", patches allowed" : ""}\n`,
        );
        await new Promise<void>((resolve) => {
          let closing = false;
          const stop = (sig: string) => {
            if (closing) {
              process.stderr.write(`epcsim worker: ${sig} again, exiting now\n`);
              process.exit(130);
            }
            closing = true;
            process.stderr.write(`epcsim worker: ${sig}: finishing the jobs in progress\n`);
            w.close().then(resolve, resolve);
          };
          process.on("SIGTERM", () => stop("SIGTERM"));
          process.on("SIGINT", () => stop("SIGINT"));
        });
        process.stderr.write("epcsim worker: stopped\n");
      },
    );
}

/** The URL without its password, for logs. */
export function redactedUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return u.toString();
}
