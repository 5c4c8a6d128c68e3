/**
 * `epcsim hunt`: a long race hunt spread over the `epcsim worker`s of a Redis server, and
 * `hunt status|findings|stop|list` to watch and end it. The hunt's state lives in Redis, so the
 * submitting process may exit (`--detach`, Ctrl-C) and the hunt goes on; submitting it again
 * resumes it.
 */
import type { Command } from "commander";
import { BackendError, checkRedisUrl } from "../experiment/queue/connection.ts";
import type {
  HuntFinding,
  HuntScenario,
  HuntSpec,
  HuntStatus,
  HuntStore,
} from "../experiment/queue/hunt_store.ts";
import { EXIT_FOUND, UsageError } from "./errors.ts";
import { collect, parseInt10 } from "./experiment_opts.ts";
import { Progress } from "./progress.ts";
import { loadScenarioWithKernel, parseSeed } from "./run.ts";

const WALL_UNITS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 };

/** `90s`, `30m`, `12h`, `3d` as milliseconds. */
export function parseWallDuration(v: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(v.trim());
  if (!m || Number(m[1]) <= 0)
    throw new UsageError(`${option} ${v}: expected a duration such as 90s, 30m, 12h or 3d`);
  return Math.round(Number(m[1]) * WALL_UNITS[m[2]!]!);
}

function redisOf(v: string | undefined): string {
  if (!v) throw new UsageError("--backend: a hunt needs a Redis server (--backend redis://host:6379)");
  if (v === "local")
    throw new UsageError("--backend local: a hunt runs on `epcsim worker`s; give a redis:// URL");
  try {
    return checkRedisUrl(v, "--backend");
  } catch (e) {
    if (e instanceof BackendError) throw new UsageError(e.message);
    throw e;
  }
}

async function withStore<T>(backend: string | undefined, fn: (s: HuntStore) => Promise<T>): Promise<T> {
  const { HuntStore } = await import("../experiment/queue/hunt_store.ts");
  const store = new HuntStore(redisOf(backend));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${(s / 3600).toFixed(1)}h`;
  return `${(s / 86400).toFixed(1)}d`;
}

export function formatStatus(s: HuntStatus, workers?: number): string {
  const left = s.status === "running" ? `, ends in ${span(s.deadline - Date.now())}` : "";
  const w = workers === undefined ? "" : `, ${workers} worker${workers === 1 ? "" : "s"} connected`;
  return `hunt ${s.id} (${s.scenarios.join(", ")}): ${s.status}${w}; ${s.slices} slices, ${s.executions} executions, ${s.findings} distinct finding${s.findings === 1 ? "" : "s"}${left}`;
}

export function formatFinding(f: HuntFinding): string {
  return [
    `${f.signature}`,
    `  ${f.scenario} on ${f.kernel}, ${f.strategy} seed ${f.seed} (slice ${f.slice}), found ${f.count} time${f.count === 1 ? "" : "s"}, first at ${f.found_at}`,
    `  replay: epcsim replay ${f.token}`,
  ].join("\n");
}

interface HuntOpts {
  backend?: string;
  duration?: string;
  kernel?: string;
  patch: string[];
  set: string[];
  seed?: string;
  slice?: string;
  parallel?: string;
  detach?: boolean;
  json?: boolean;
}

export function registerHunt(program: Command): void {
  const hunt = program
    .command("hunt")
    .description(
      "hunt for races for hours or days on the `epcsim worker`s of a Redis server: random and PCT searches with seeds partitioned so no two slices repeat work, findings deduplicated by property and racing functions; exit 1 when the hunt found a bug",
    )
    .argument("<scenario...>", "check scenarios (files or built-in names), searched in turn")
    .option("--backend <redis://host:port>", "the Redis server the workers serve")
    .option("--duration <time>", "how long the hunt runs, e.g. 90s, 30m, 12h, 3d", "1h")
    .option("--kernel <variant>", "kernel variant of every scenario (see `epcsim kernels`)")
    .option(
      "--patch <file>",
      "apply a TypeScript patch module (repeatable; workers need --allow-patches)",
      collect,
      [],
    )
    .option("--set <key=value>", "override a scenario field (repeatable)", collect, [])
    .option("--seed <n>", "root seed; slice i searches with a seed derived from (root seed, i)", "1")
    .option("--slice <n>", "executions per slice (a slice is one job)", "1000")
    .option("--parallel <n>", "slices queued at once (at least the number of worker threads)", "8")
    .option("--detach", "start (or resume) the hunt and exit; watch it with `epcsim hunt status`")
    .option("--json", "print the final status and findings as one JSON object")
    .action(async (args: string[], o: HuntOpts) => {
      const url = redisOf(o.backend);
      const durationMs = parseWallDuration(o.duration ?? "1h", "--duration");
      const { shipPatches } = await import("../experiment/queue/patches.ts");
      const { huntId, HUNT_STRATEGIES } = await import("../experiment/queue/hunt_store.ts");
      const scenarios: HuntScenario[] = [];
      for (const arg of args) {
        const { scenario, raw } = await loadScenarioWithKernel(arg, o.set, o.kernel, o.patch);
        if (!scenario.check)
          throw new UsageError(
            `${arg}: not a check scenario (it has no \`check\` section); a hunt searches check scenarios`,
          );
        scenarios.push({
          name: scenario.name,
          raw,
          kernel: scenario.kernel,
          patches: shipPatches(scenario.kernel),
        });
      }
      const base = {
        scenarios,
        seed: parseSeed(o.seed) ?? 1,
        strategies: HUNT_STRATEGIES,
        sliceExecutions: parseInt10(o.slice, "--slice", 1) ?? 1000,
        // A slice is bounded by executions (deterministic); the wall cap only guards a runaway slice.
        sliceMs: 30 * 60_000,
      };
      const spec: HuntSpec = {
        ...base,
        id: huntId(base),
        durationMs,
        parallel: parseInt10(o.parallel, "--parallel", 1) ?? 8,
      };
      await withStore(url, async (store) => {
        const how = await store.start(spec);
        const verb = { started: "started", resumed: "resumed", ended: "already ended" }[how];
        process.stderr.write(
          `hunt ${spec.id} ${verb}: ${scenarios.map((s) => s.name).join(", ")} for ${span(durationMs)} on ${url}\n`,
        );
        if (o.detach) {
          process.stdout.write(`${spec.id}\n`);
          return;
        }
        process.stderr.write(
          `(Ctrl-C leaves it running; \`epcsim hunt status ${spec.id} --backend ${url}\`, \`epcsim hunt stop ${spec.id} --backend ${url}\`)\n`,
        );
        const final = await watch(store, spec, Boolean(o.json));
        const findings = await store.findings(spec.id);
        if (o.json) process.stdout.write(`${JSON.stringify({ ...final, findings })}\n`);
        else process.stdout.write(`${formatStatus(final)}\n`);
        if (findings.length > 0) process.exitCode = EXIT_FOUND;
      });
    });

  hunt
    .command("status")
    .description("show a hunt (or every hunt this Redis knows)")
    .argument("[id]", "the hunt's id (printed when it started)")
    .option("--backend <redis://host:port>", "the Redis server")
    .option("--json", "print JSON")
    .action(async (id: string | undefined, _o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ backend?: string; json?: boolean }>();
      await withStore(o.backend, async (store) => {
        const all = id ? [await store.status(id)] : await store.list();
        if (all.some((s) => s === null)) throw new UsageError(`hunt ${id}: no such hunt on ${o.backend}`);
        const workers = await store.workers();
        if (o.json) process.stdout.write(`${JSON.stringify({ workers, hunts: all })}\n`);
        else if (all.length === 0) process.stdout.write("no hunts\n");
        else for (const s of all) process.stdout.write(`${formatStatus(s!, workers)}\n`);
      });
    });

  hunt
    .command("findings")
    .description("list a hunt's distinct findings, each with its replay token; exit 1 if there are any")
    .argument("<id>", "the hunt's id")
    .option("--backend <redis://host:port>", "the Redis server")
    .option("--report", "print each finding's full minimized report")
    .option("--json", "print JSON")
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ backend?: string; report?: boolean; json?: boolean }>();
      await withStore(o.backend, async (store) => {
        if (!(await store.status(id))) throw new UsageError(`hunt ${id}: no such hunt on ${o.backend}`);
        const findings = await store.findings(id);
        if (o.json) process.stdout.write(`${JSON.stringify(findings)}\n`);
        else if (findings.length === 0) process.stdout.write(`hunt ${id}: no findings yet\n`);
        else
          for (const f of findings)
            process.stdout.write(`${formatFinding(f)}\n${o.report ? `\n${f.report}\n` : ""}\n`);
        if (findings.length > 0) process.exitCode = EXIT_FOUND;
      });
    });

  hunt
    .command("stop")
    .description("stop a hunt: workers finish the slices they run and take no more")
    .argument("<id>", "the hunt's id")
    .option("--backend <redis://host:port>", "the Redis server")
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ backend?: string }>();
      await withStore(o.backend, async (store) => {
        if (!(await store.stop(id))) throw new UsageError(`hunt ${id}: no such hunt on ${o.backend}`);
        process.stderr.write(`hunt ${id} stopped\n`);
      });
    });
}

/** Follow a hunt until it ends, printing each new distinct finding as it arrives. */
async function watch(store: HuntStore, spec: HuntSpec, quietFindings: boolean): Promise<HuntStatus> {
  const progress = new Progress(`hunt ${spec.id}`);
  const seen = new Set<string>();
  let detached = false;
  const onInt = () => {
    detached = true;
  };
  process.once("SIGINT", onInt);
  try {
    for (;;) {
      const s = (await store.status(spec.id))!;
      if (s.findings > seen.size)
        for (const f of await store.findings(spec.id))
          if (!seen.has(f.signature)) {
            seen.add(f.signature);
            progress.done();
            if (!quietFindings) process.stderr.write(`new finding:\n${formatFinding(f)}\n`);
          }
      const workers = await store.workers();
      const elapsed = Date.now() - s.started;
      progress.update(
        elapsed / spec.durationMs,
        `${s.slices} slices, ${s.executions} executions, ${s.findings} findings, ${workers} workers`,
      );
      if (s.status !== "running" || detached) {
        progress.done();
        if (detached) process.stderr.write(`detached; hunt ${spec.id} goes on\n`);
        return s;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    process.off("SIGINT", onInt);
  }
}
