/**
 * The JSON API of `epcsim serve` (every route under /api/): the results database, built-in
 * scenarios and validation with the CLI's errors, runs started in the background with progress
 * and cancel, a run's timeline and trace, the race step-through of a replay token, model sources.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runCheckSession } from "../check/session.ts";
import { listBuiltins } from "../cli/scenarios.ts";
import { flattenMetrics } from "../experiment/metrics.ts";
import { ResultsStore, runSummary } from "../experiment/store.ts";
import { analyzeStored } from "../experiment/stored.ts";
import { csv } from "../report/csv.ts";
import { ScenarioError } from "../scenario/errors.ts";
import { BUILTIN_DIR, loadScenario, parseScenarioText } from "../scenario/load.ts";
import { loadKernel } from "../scenario/patches.ts";
import type { Jobs } from "./jobs.ts";
import { raceView } from "./race.ts";
import { modelSource } from "./source.ts";
import { tiles } from "./tiles.ts";

export interface ApiContext {
  dbPath: string;
  jobs: Jobs;
  /** The Redis server of `epcsim hunt` (hunts and their findings), if given. */
  huntsUrl?: string;
}

/** Hunts of the Redis server, through a connection opened per request. */
async function withHunts<T>(
  ctx: ApiContext,
  f: (s: import("../experiment/queue/hunt_store.ts").HuntStore) => Promise<T>,
): Promise<T> {
  const { HuntStore } = await import("../experiment/queue/hunt_store.ts");
  const store = new HuntStore(ctx.huntsUrl!);
  try {
    return await f(store);
  } catch (e) {
    throw new HttpError(
      502,
      `the hunts' Redis server ${ctx.huntsUrl}: ${(e as Error).message.split("\n")[0]}`,
    );
  } finally {
    await store.close();
  }
}

export interface ApiResponse {
  status: number;
  type?: string;
  body: unknown;
  /** Sent as a download with this file name. */
  download?: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const json = (body: unknown, status = 200): ApiResponse => ({ status, body });

function openStore(ctx: ApiContext): ResultsStore | null {
  return existsSync(ctx.dbPath) ? new ResultsStore(ctx.dbPath) : null;
}

function withStore<T>(ctx: ApiContext, empty: T, f: (s: ResultsStore) => T): T {
  const s = openStore(ctx);
  if (!s) return empty;
  try {
    return f(s);
  } finally {
    s.close();
  }
}

/** "file:line:col path: message" lines of a ScenarioError, split for the editor. */
export function scenarioErrors(
  e: ScenarioError,
): { line: number; col: number; message: string; text: string }[] {
  return e.lines.map((text) => {
    const m = /^[^:]*:(\d+):(\d+) (.*)$/.exec(text);
    return m
      ? { line: Number(m[1]), col: Number(m[2]), message: m[3]!, text }
      : { line: 1, col: 1, message: text, text };
  });
}

/** The built-in scenarios (name, kind, description), as `epcsim scenarios` lists them. */
const builtins = () => listBuiltins();

/** A built-in scenario's text. */
function builtinText(name: string): string {
  return readFileSync(join(BUILTIN_DIR, `${name}.yaml`), "utf8");
}

const int = (v: string | undefined, what: string): number => {
  if (!v || !/^\d{1,9}$/.test(v)) throw new HttpError(400, `${what}: expected a number`);
  return Number(v);
};

/** Route one API request. `body` is the parsed JSON body of a POST (or undefined). */
export async function api(
  ctx: ApiContext,
  method: string,
  path: string,
  query: URLSearchParams,
  body: unknown,
): Promise<ApiResponse> {
  const parts = path.split("/").filter(Boolean).slice(1); // after "api"
  const [a, b, c] = parts;
  const get = method === "GET";
  if (get && a === "health") return json({ ok: true, db: ctx.dbPath, db_exists: existsSync(ctx.dbPath) });
  if (get && a === "experiments" && !b)
    return json(withStore(ctx, [], (s) => s.listExperiments().map(({ spec: _, ...e }) => e)));
  if (get && a === "experiments" && b && c === "report.html") {
    // The experiment's own HTML report (the CLI's --report), charts included, from its stored runs.
    const id = int(b, "experiment id");
    const html = await withStore(ctx, Promise.resolve(""), async (s) => {
      const e = s.getExperiment(id);
      if (!e) throw new HttpError(404, `no experiment ${id}`);
      let an: ReturnType<typeof analyzeStored>;
      try {
        an = analyzeStored(s, e);
      } catch (err) {
        throw new HttpError(409, (err as Error).message);
      }
      const meta = { db: ctx.dbPath };
      return an.kind === "ab"
        ? (await import("../report/ab_report.ts")).abReportHtml(an.analysis, meta)
        : (await import("../report/sweep_report.ts")).sweepReportHtml(an.analysis, meta);
    });
    if (!html) throw new HttpError(404, `no results database at ${ctx.dbPath}`);
    return { status: 200, type: "text/html; charset=utf-8", body: html };
  }
  if (get && a === "experiments" && b) {
    const id = int(b, "experiment id");
    return json(
      withStore(ctx, null, (s) => {
        const e = s.getExperiment(id);
        if (!e) throw new HttpError(404, `no experiment ${id}`);
        const runs = s.experimentRuns(id);
        return { ...e, runs };
      }),
    );
  }
  if (get && a === "runs" && !b) {
    const exp = query.get("experiment");
    const scenario = query.get("scenario");
    const kernel = query.get("kernel");
    const runs = withStore(ctx, [], (s) =>
      s.listRuns(exp ? int(exp, "experiment") : undefined).map(runSummary),
    );
    return json(
      runs.filter((r) => (!scenario || r.scenario === scenario) && (!kernel || r.kernel === kernel)),
    );
  }
  if (get && a === "runs" && b) {
    const id = int(b, "run id");
    const run = withStore(ctx, null, (s) => s.getRun(id) ?? null);
    if (!run) throw new HttpError(404, `no run ${id}`);
    if (c === "export.csv") {
      const m = flattenMetrics(run.result.metrics);
      return {
        status: 200,
        type: "text/csv; charset=utf-8",
        body: csv([["metric", "value"], ...Object.entries(m)]),
        download: `run-${id}.csv`,
      };
    }
    if (c === "export.json") return { status: 200, body: run, download: `run-${id}.json` };
    return json({ ...runSummary(run), metrics: flattenMetrics(run.result.metrics), result: run.result });
  }
  if (get && a === "compare") {
    const ids = [int(query.get("a") ?? undefined, "a"), int(query.get("b") ?? undefined, "b")];
    const runs = withStore(ctx, [], (s) => ids.map((id) => s.getRun(id)));
    if (runs.length < 2 || runs.some((r) => !r)) throw new HttpError(404, "no such runs");
    const [ma, mb] = runs.map((r) => flattenMetrics(r!.result.metrics));
    const names = [...new Set([...Object.keys(ma!), ...Object.keys(mb!)])];
    return json({
      a: runSummary(runs[0]!),
      b: runSummary(runs[1]!),
      metrics: names.map((n) => ({ metric: n, a: ma![n] ?? null, b: mb![n] ?? null })),
    });
  }
  if (get && a === "mutants") return json(withStore(ctx, [], (s) => s.listMutants()));
  if (get && a === "hunts" && !b) {
    if (!ctx.huntsUrl) return json({ backend: null, hunts: [] });
    return json({ backend: ctx.huntsUrl, hunts: await withHunts(ctx, (h) => h.list()) });
  }
  if (get && a === "hunts" && b && c === "findings") {
    if (!ctx.huntsUrl) throw new HttpError(404, "no hunts: epcsim serve --backend redis://host:port");
    if (!/^[0-9a-f]{12}$/.test(b)) throw new HttpError(400, "a hunt id is 12 hex digits");
    return json(await withHunts(ctx, (h) => h.findings(b)));
  }
  if (get && a === "scenarios" && !b) return json(await builtins());
  if (get && a === "scenarios" && b) {
    const s = (await builtins()).find((x) => x.name === b);
    if (!s) throw new HttpError(404, `no built-in scenario ${b}`);
    return json({ ...s, text: builtinText(s.name) });
  }
  if (method === "POST" && a === "validate") {
    const text = (body as { text?: unknown })?.text;
    if (typeof text !== "string") throw new HttpError(400, "expected {text}");
    try {
      const { scenario } = parseScenarioText(text, "scenario.yaml");
      return json({ ok: true, name: scenario.name, kind: scenario.kind, errors: [] });
    } catch (e) {
      if (e instanceof ScenarioError) return json({ ok: false, errors: scenarioErrors(e) });
      throw e;
    }
  }
  if (method === "POST" && a === "jobs") {
    const { text, set } = (body ?? {}) as { text?: unknown; set?: unknown };
    if (typeof text !== "string") throw new HttpError(400, "expected {text, set?}");
    const sets = Array.isArray(set) ? set.filter((x): x is string => typeof x === "string") : [];
    const job = ctx.jobs.start(text, sets);
    return json({ id: job.id }, 202);
  }
  if (a === "jobs" && b) {
    const id = int(b, "job id");
    const job = ctx.jobs.get(id);
    if (!job) throw new HttpError(404, `no job ${id}`);
    if (method === "DELETE") return json({ cancelled: ctx.jobs.cancel(id) });
    if (get && (c === "timeline" || c === "tiles")) {
      if (!job.timeline || !job.index) throw new HttpError(409, `job ${id} has no timeline (${job.state})`);
      const t = job.timeline;
      // The timeline's shape and counters; its spans come as tiles of the view being drawn.
      if (c === "timeline")
        return json({ cpus: t.cpus, labels: t.labels, end: t.end, spans: t.ts.length, counters: t.counters });
      const from = Number(query.get("from") ?? 0);
      const to = Number(query.get("to") ?? t.end);
      const width = Number(query.get("width") ?? 1000);
      if (
        !(from >= 0 && to > from && Number.isFinite(to)) ||
        !(width >= 1 && width <= 8192 && Number.isInteger(width))
      )
        throw new HttpError(400, "expected 0 <= from < to and an integer width of 1..8192 pixels");
      return json(tiles(job.index, from, to, width));
    }
    if (get && c === "ops") {
      if (job.state !== "done") throw new HttpError(409, `job ${id} is ${job.state}`);
      const from = Number(query.get("from"));
      const to = Number(query.get("to"));
      // A window of at most 2 ms: its ops are few enough to send (the timeline's tiles show the rest).
      if (!(from >= 0 && to > from && to - from <= 2e6))
        throw new HttpError(400, "expected 0 <= from < to with a window of at most 2 ms (ns)");
      return json(await ctx.jobs.ops(job, from, to));
    }
    if (get && c === "trace.json.gz") {
      if (job.state !== "done" || !existsSync(job.traceFile))
        throw new HttpError(409, `job ${id} has no trace (${job.state})`);
      return {
        status: 200,
        type: "application/gzip",
        body: readFileSync(job.traceFile),
        download: `epcsim-run-${id}.json.gz`,
      };
    }
    if (get)
      return json({
        id,
        state: job.state,
        fraction: job.fraction,
        error: job.error ?? null,
        result: job.result ?? null,
      });
  }
  if (method === "POST" && a === "replay") {
    const token = (body as { token?: unknown })?.token;
    if (typeof token !== "string" || !token.trim()) throw new HttpError(400, "expected {token}");
    try {
      return json(await raceView(token.trim()));
    } catch (e) {
      throw new HttpError(400, (e as Error).message.split("\n")[0]!);
    }
  }
  if (method === "POST" && a === "check") {
    // A short search on a check scenario (a catalogued race, to step through): at most 5000
    // executions or 10 s, in the server's thread.
    const { scenario, kernel } = (body ?? {}) as { scenario?: unknown; kernel?: unknown };
    if (typeof scenario !== "string" || (kernel !== undefined && typeof kernel !== "string"))
      throw new HttpError(400, "expected {scenario, kernel?}");
    if (!(await builtins()).some((b) => b.name === scenario && b.kind === "check"))
      throw new HttpError(404, `no built-in check scenario ${scenario}`);
    try {
      await loadKernel(kernel ?? "mainline");
      const { scenario: sc, raw } = loadScenario(scenario, kernel ? [`kernel=${kernel}`] : []);
      const r = runCheckSession({ sc, raw, seed: 1, schedules: 5000, timeMs: 10_000 });
      return json({ found: r.found, property: r.property ?? null, token: r.replay_token ?? null });
    } catch (e) {
      throw new HttpError(400, (e as Error).message.split("\n")[0]!);
    }
  }
  if (get && a === "source") {
    const name = query.get("name") ?? "";
    if (!/^[A-Za-z0-9_.-]+\.ts$/.test(name)) throw new HttpError(400, "expected ?name=<file>.ts");
    const s = modelSource(name);
    if (!s) throw new HttpError(404, `no model file ${name}`);
    return json(s);
  }
  throw new HttpError(404, `no API route ${method} ${path}`);
}
