/**
 * `epcsim mutate`: generate the automatic mutants, find the check scenarios that reach each one's
 * function, evaluate them on worker threads and keep every outcome in the results database (a rerun
 * with the same model, mutant, scenarios and budget reuses it: an interrupted campaign resumes).
 * Rows come back in the mutants' order whatever the number of workers.
 */
import { Worker } from "node:worker_threads";
import { builtinCheckScenarios } from "../cli/check_all.ts";
import { sha256 } from "../experiment/canonical.ts";
import { codeVersion } from "../experiment/fingerprint.ts";
import type { ResultsStore } from "../experiment/store.ts";
import { getVariant, variantFns } from "../model/kernel/variants/index.ts";
import { srcUrl } from "../paths.ts";
import { loadScenario } from "../scenario/load.ts";
import { kernelMismatch, loadKernel } from "../scenario/patches.ts";
import {
  type EvaluateOptions,
  type MutantOutcome,
  scenarioCoverage,
  type Target,
  targetKey,
} from "./evaluate.ts";
import {
  functionDiff,
  listMutants,
  type MutantFilter,
  type MutantSpec,
  mutantHash,
  qualified,
} from "./generate.ts";
import { originalFn } from "./load.ts";
import type { MutateTask } from "./worker.ts";

export type MutantStatus = "killed" | "survived" | "equivalent" | "not-covered";

export interface MutantRow {
  name: string;
  fn: string;
  operator: string;
  what: string;
  diff: string;
  status: MutantStatus;
  outcome: MutantOutcome | null;
  /** Taken from the results database. */
  cached: boolean;
}

export interface CampaignOptions extends MutantFilter, EvaluateOptions {
  workers: number;
  /** Evaluate on `epcsim worker` processes behind this Redis server instead of local threads. */
  redisUrl?: string;
  /** Check scenarios to run (default: every built-in one). */
  scenarios?: string[];
  store?: ResultsStore;
  onProgress?: (done: number, total: number, last: MutantRow) => void;
  /** Workers connected to the Redis backend (counted at every poll). */
  onWorkers?: (n: number) => void;
}

/**
 * The targets (scenario, kernel) that reach `spec`'s function with the running code's instance of
 * it: the scenarios on their own kernels, and for a variant file's function every scenario the
 * variant can run, on that variant.
 */
async function targetsOf(
  spec: MutantSpec,
  all: (Target & { own: boolean })[],
  coverage: Map<string, Set<string>>,
): Promise<Target[]> {
  const orig = await originalFn(spec);
  const out: Target[] = [];
  for (const t of all) {
    if (spec.variant ? t.kernel !== spec.variant : !t.own) continue;
    const fns = variantFns(getVariant(t.kernel)!) as unknown as Record<string, unknown>;
    if (coverage.get(targetKey(t))!.has(spec.fn) && fns[spec.fn] === orig)
      out.push({ scenario: t.scenario, kernel: t.kernel });
  }
  return out;
}

function keyOf(spec: MutantSpec, targets: Target[], o: EvaluateOptions): string {
  return sha256(
    JSON.stringify([codeVersion(), mutantHash(spec), targets, o.schedules, o.timeMs, o.seed, spec.name]),
  );
}

export async function runCampaign(o: CampaignOptions): Promise<MutantRow[]> {
  const specs = listMutants(o);
  const scenarios = o.scenarios ?? (await builtinCheckScenarios());
  // Every scenario on its own kernel; and on each variant whose own functions have mutants here,
  // when the variant can run it (check --all --kernel <variant> holds the same expectations).
  const all: (Target & { own: boolean })[] = [];
  const variants = specs.flatMap((x) => (x.variant ? [x.variant] : []));
  const onOwnKernel = specs.some((x) => !x.variant);
  for (const s of scenarios) {
    const sc = loadScenario(s).scenario;
    await loadKernel(sc.kernel);
    for (const k of new Set([...(onOwnKernel ? [sc.kernel] : []), ...variants]))
      if (k === sc.kernel || !kernelMismatch({ ...sc, kernel: k }, sc.kernel))
        all.push({ scenario: s, kernel: k, own: k === sc.kernel });
  }
  const coverage = await scenarioCoverage(all, o.seed);
  const rows: (MutantRow | undefined)[] = new Array(specs.length);
  const tasks: (MutateTask & { key: string })[] = [];
  let done = 0;
  const finish = (i: number, row: MutantRow): void => {
    rows[i] = row;
    done++;
    o.onProgress?.(done, specs.length, row);
  };
  // What a row shows of its mutant, computed once.
  const bases = specs.map((spec) => ({
    name: spec.name,
    fn: qualified(spec.fn, spec.variant),
    operator: spec.operator,
    what: spec.what,
    diff: functionDiff(spec),
  }));
  for (const [i, spec] of specs.entries()) {
    const base = bases[i]!;
    const targets = await targetsOf(spec, all, coverage);
    if (!targets.length) {
      finish(i, { ...base, status: "not-covered", outcome: null, cached: false });
      continue;
    }
    const options = { schedules: o.schedules, timeMs: o.timeMs, seed: o.seed };
    const key = keyOf(spec, targets, options);
    const stored = o.store?.getMutant(key) as MutantOutcome | undefined;
    if (stored) finish(i, { ...base, status: stored.status, outcome: stored, cached: true });
    else tasks.push({ index: i, name: spec.name, targets, options, key });
  }
  const onDone = (t: (typeof tasks)[number], outcome: MutantOutcome): void => {
    o.store?.putMutant(t.key, specs[t.index]!.name, outcome);
    finish(t.index, { ...bases[t.index]!, status: outcome.status, outcome, cached: false });
  };
  if (o.redisUrl) {
    const { evaluateOnQueue } = await import("./queue.ts");
    const byKey = new Map(tasks.map((t) => [t.key, t]));
    await evaluateOnQueue(tasks, o.redisUrl, codeVersion(), (j, outcome) =>
      onDone(byKey.get(j.key)!, outcome),
    );
  } else await runTasks(tasks, o.workers, onDone);
  return rows as MutantRow[];
}

/** Evaluate `tasks` on `n` worker threads, one mutant at a time per worker. */
async function runTasks<T extends MutateTask>(
  tasks: T[],
  n: number,
  onDone: (t: T, outcome: MutantOutcome) => void,
): Promise<void> {
  if (!tasks.length) return;
  let next = 0;
  const workers = Array.from(
    { length: Math.min(n, tasks.length) },
    () => new Worker(srcUrl("mutate", "worker_entry.mjs")),
  );
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const feed = (): void => {
              if (next >= tasks.length) resolve();
              else w.postMessage(tasks[next++]);
            };
            w.on("message", (m: { index: number; outcome?: MutantOutcome; error?: string }) => {
              const t = tasks.find((x) => x.index === m.index)!;
              if (m.error) reject(new Error(`${t.name}: ${m.error}`));
              else {
                onDone(t, m.outcome!);
                feed();
              }
            });
            w.on("error", reject);
            feed();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

export interface Rates {
  total: number;
  killed: number;
  survived: number;
  equivalent: number;
  not_covered: number;
  /** Killed among the mutants that are not equivalent-suspected (not-covered ones count as alive). */
  kill_rate: number;
}

export function rates(rows: readonly MutantRow[]): Rates {
  const c = (s: MutantStatus) => rows.filter((r) => r.status === s).length;
  const killed = c("killed");
  const equivalent = c("equivalent");
  const alive = rows.length - equivalent;
  return {
    total: rows.length,
    killed,
    survived: c("survived"),
    equivalent,
    not_covered: c("not-covered"),
    kill_rate: alive ? killed / alive : 1,
  };
}

/** Rates grouped by a key (function or operator), sorted by the key. */
export function ratesBy(rows: readonly MutantRow[], key: (r: MutantRow) => string): [string, Rates][] {
  const groups = new Map<string, MutantRow[]>();
  for (const r of rows) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  return [...groups].sort((a, b) => a[0].localeCompare(b[0])).map(([k, rs]) => [k, rates(rs)]);
}
