/** `epcsim serve`: the local web UI on the results database (src/serve/). */
import type { Command } from "commander";
import { DEFAULT_DB } from "../experiment/store.ts";
import { UsageError } from "./errors.ts";
import { parseInt10 } from "./experiment_opts.ts";

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description(
      "the web UI on 127.0.0.1: results, run timelines, race step-through of replay tokens, a scenario editor",
    )
    .option("--port <n>", "TCP port (0: any free port)", "8080")
    .option(
      "--host <address>",
      "address to listen on (anything but loopback is reachable from the network)",
      "127.0.0.1",
    )
    .option("--db <file>", "results database (SQLite)", DEFAULT_DB)
    .option("--backend <redis://host:port>", "also list the hunts (and their findings) of this Redis server")
    .action(async (o: { port: string; host: string; db: string; backend?: string }) => {
      if (o.backend !== undefined && !/^redis:\/\/[^\s]+$/.test(o.backend))
        throw new UsageError(`--backend ${o.backend}: expected redis://host:port`);
      const port = parseInt10(o.port, "--port", 0)!;
      if (port > 65535) throw new UsageError(`--port ${o.port}: expected 0..65535`);
      if (!LOOPBACK.has(o.host))
        process.stderr.write(
          `warning: --host ${o.host}: the UI and its API (which run scenarios) are reachable from the network; it has no authentication\n`,
        );
      const { serve } = await import("../serve/server.ts");
      const { srcPath } = await import("../paths.ts");
      let running: Awaited<ReturnType<typeof serve>>;
      try {
        running = await serve({
          host: o.host,
          port,
          dbPath: o.db,
          uiDir: srcPath("..", "dist-ui"),
          huntsUrl: o.backend,
        });
      } catch (e) {
        throw new UsageError(
          `serve: cannot listen on ${o.host}:${port} (${(e as NodeJS.ErrnoException).code ?? e})`,
        );
      }
      process.stdout.write(`epcsim serve: ${running.url} (results database ${o.db}); Ctrl-C stops it\n`);
      const stop = () => void running.close().then(() => process.exit(0));
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
}
