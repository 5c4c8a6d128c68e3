/**
 * The results that must not change when the engine, the simulator or the checker are made faster
 * (issue 12): every built-in run scenario's result for its own seed, and every check scenario's
 * verdict in the check suite (`check --all` on each scenario's own kernel). Recorded in
 * test/fixtures/golden/results.json by `node --import tsx scripts/record-golden.ts`, compared by
 * test/golden.test.ts. A change that is meant to change results re-records them on purpose and
 * says so in its commit.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { decodeToken } from "../../src/check/token.ts";
import { runScenario } from "../../src/experiment/run.ts";
import { BUILTIN_DIR, loadScenario } from "../../src/scenario/load.ts";

export const GOLDEN_FILE = join(import.meta.dirname, "../fixtures/golden/results.json");
const BIN = join(import.meta.dirname, "../../bin/epcsim.js");

export interface Golden {
  /** Per run scenario: its metrics in the clear, and a digest of the whole result (timeline, dmesg, quantiles). */
  runs: Record<string, { end: string; total_ops: number; metrics: unknown; digest: string }>;
  /**
   * Per check scenario: what `check --all` got, after how many executions, and a digest of the
   * replay token's content (all but the hash of the model's sources, which any source edit changes).
   */
  checks: Record<string, { kernel: string; got: string; strategy: string; schedules: number; token: string }>;
}

const digest = (v: unknown) => createHash("sha256").update(JSON.stringify(v)).digest("hex").slice(0, 16);

/** The simulator's entry points: the sources' (through tsx), or the build's (dist/api.js). */
export interface SimApi {
  runScenario: typeof runScenario;
  loadScenario: typeof loadScenario;
}

export function runGolden(api: SimApi = { runScenario, loadScenario }): Golden["runs"] {
  const out: Golden["runs"] = {};
  const names = readdirSync(BUILTIN_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.replace(/\.yaml$/, ""))
    .sort();
  for (const name of names) {
    const { scenario } = api.loadScenario(name);
    if (scenario.kind !== "run") continue;
    const { result } = api.runScenario(scenario);
    const { wall_ms: _, ...rest } = result;
    out[name] = {
      end: result.end,
      total_ops: result.total_ops,
      metrics: result.metrics,
      digest: digest(rest),
    };
  }
  return out;
}

export function checkGolden(): Golden["checks"] {
  const r = spawnSync(process.execPath, [BIN, "check", "--all", "--json"], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`check --all failed: ${r.stderr}`);
  const out: Golden["checks"] = {};
  for (const row of JSON.parse(r.stdout).rows as Record<string, unknown>[])
    out[row.scenario as string] = {
      kernel: row.kernel as string,
      got: row.got as string,
      strategy: row.strategy as string,
      schedules: row.schedules as number,
      token: row.replay_token ? digest({ ...decodeToken(row.replay_token as string), model: "" }) : "-",
    };
  return out;
}
