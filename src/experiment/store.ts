/**
 * The results database: SQLite (better-sqlite3) in one file, WAL mode, written only by the
 * coordinating process (workers hand their results back to it).
 *
 * - `runs`: one row per simulation, keyed by the hash of (canonical scenario JSON after overrides,
 *   the overrides, the seed, the model version with the hash of the model's sources). A run whose
 *   key is present is a cache hit.
 *   Each run is committed on its own as soon as it finishes, so an interrupted experiment loses at
 *   most the runs in flight, and re-running the same command resumes: present keys are skipped,
 *   and the key's UNIQUE constraint keeps a run from being recorded twice.
 * - `scenarios`: canonical scenario JSON by hash (shared by the runs of one scenario).
 * - `experiments` and `experiment_runs`: each `ab` or `sweep` (identified by the hash of its
 *   specification, so re-running it reuses its row) and the run of each (cell, replication).
 */

import Database from "better-sqlite3";
import { UsageError } from "../errors.ts";
import type { RunResult } from "./run.ts";

export const DEFAULT_DB = "epcsim-results.db";
const SCHEMA_VERSION = "2";

export interface RunRecord {
  id: number;
  key: string;
  scenario_name: string;
  scenario_hash: string;
  params: string[];
  seed: number;
  model_version: string;
  code_version: string;
  kernel: string;
  end: string;
  result: RunResult;
  wall_ms: number;
  created_at: string;
}

/** A run without its result: what listings show (`results list --runs`, the web UI). */
export function runSummary(r: RunRecord) {
  return {
    id: r.id,
    key: r.key,
    scenario: r.scenario_name,
    params: r.params,
    seed: r.seed,
    model_version: r.model_version,
    code_version: r.code_version,
    kernel: r.kernel,
    end: r.end,
    wall_ms: r.wall_ms,
    created_at: r.created_at,
  };
}

export interface NewRun {
  key: string;
  scenarioJson: string;
  scenarioHash: string;
  params: string[];
  seed: number;
  /** MODEL_VERSION plus the hash of the model's sources (part of the key). */
  codeVersion: string;
}

export interface ExperimentRecord {
  id: number;
  key: string;
  kind: "ab" | "sweep";
  name: string;
  scenario_name: string;
  spec: unknown;
  root_seed: number;
  created_at: string;
  finished_at: string | null;
  wall_ms: number | null;
  /** Runs this experiment needs (cells x replications) and how many of them are in the database. */
  planned: number;
  stored: number;
}

export interface ExperimentRunLink {
  cell: string;
  rep: number;
  run_key: string;
}

interface RunRow {
  id: number;
  key: string;
  scenario_name: string;
  scenario_hash: string;
  params_json: string;
  seed: number;
  model_version: string;
  code_version: string;
  kernel: string;
  end_reason: string;
  result_json: string;
  wall_ms: number;
  created_at: string;
}

interface ExperimentRow {
  id: number;
  key: string;
  kind: "ab" | "sweep";
  name: string;
  scenario_name: string;
  spec_json: string;
  root_seed: number;
  created_at: string;
  finished_at: string | null;
  wall_ms: number | null;
  planned: number;
  stored: number;
}

/** The results database cannot be used (damaged, or not epcsim's). */
export class StoreError extends UsageError {}

/** JSON stored by epcsim; a value that does not parse means a damaged row, named as such. */
function parseStored<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new StoreError(`the results database is damaged: ${what} is not valid JSON`);
  }
}

function toRecord(r: RunRow): RunRecord {
  return {
    id: r.id,
    key: r.key,
    scenario_name: r.scenario_name,
    scenario_hash: r.scenario_hash,
    params: parseStored<string[]>(r.params_json, `run ${r.id}'s parameters`),
    seed: r.seed,
    model_version: r.model_version,
    code_version: r.code_version,
    kernel: r.kernel,
    end: r.end_reason,
    result: parseStored<RunResult>(r.result_json, `run ${r.id}'s result`),
    wall_ms: r.wall_ms,
    created_at: r.created_at,
  };
}

function toExperiment(r: ExperimentRow): ExperimentRecord {
  const { spec_json, ...rest } = r;
  return { ...rest, spec: parseStored(spec_json, `experiment ${r.id}'s spec`) };
}

export class ResultsStore {
  readonly db: Database.Database;

  constructor(readonly path: string) {
    this.db = new Database(path);
    // A damaged file is refused before anything is read from it or written to it.
    const check = this.db.pragma("quick_check", { simple: true });
    if (check !== "ok") {
      this.db.close();
      throw new StoreError(
        `${path}: the database is damaged (SQLite quick_check: ${String(check).split("\n")[0]})`,
      );
    }
    // Someone else's SQLite file: epcsim adds no tables to it.
    const tables = (
      this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]
    ).map((t) => t.name);
    if (tables.length && !tables.includes("meta")) {
      this.db.close();
      throw new StoreError(
        `${path}: not an epcsim results database (it has tables ${tables.slice(0, 5).join(", ")}); name another file with --db`,
      );
    }
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("busy_timeout = 10000");
    this.db.pragma("foreign_keys = ON");
    this.migrate();
  }

  private migrate(): void {
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS scenarios (
        hash TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        json TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS runs (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        scenario_name TEXT NOT NULL,
        scenario_hash TEXT NOT NULL REFERENCES scenarios(hash),
        params_json TEXT NOT NULL,
        seed INTEGER NOT NULL,
        model_version TEXT NOT NULL,
        code_version TEXT NOT NULL,
        kernel TEXT NOT NULL,
        end_reason TEXT NOT NULL,
        simulated_ns INTEGER NOT NULL,
        metrics_json TEXT NOT NULL,
        result_json TEXT NOT NULL,
        wall_ms REAL NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS runs_scenario ON runs(scenario_name);
      CREATE TABLE IF NOT EXISTS experiments (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        scenario_name TEXT NOT NULL,
        spec_json TEXT NOT NULL,
        root_seed INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        finished_at TEXT,
        wall_ms REAL
      );
      CREATE TABLE IF NOT EXISTS mutants (
        key TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        outcome_json TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      -- Views for plain SQL (no json_extract): every numeric metric of a run as one row, every
      -- parameter of a run as key and value, each experiment's cells and replications.
      CREATE VIEW IF NOT EXISTS run_metrics AS
        SELECT r.id AS run_id, r.scenario_name AS scenario, r.kernel, r.seed,
               replace(substr(t.fullkey, 3), '"', '') AS metric, t.value AS value
        FROM runs r, json_tree(r.metrics_json) t
        WHERE t.type IN ('integer', 'real');
      CREATE VIEW IF NOT EXISTS run_params AS
        SELECT r.id AS run_id, substr(p.value, 1, instr(p.value, '=') - 1) AS key,
               substr(p.value, instr(p.value, '=') + 1) AS value
        FROM runs r, json_each(r.params_json) p;
      CREATE TABLE IF NOT EXISTS experiment_runs (
        experiment_id INTEGER NOT NULL REFERENCES experiments(id),
        cell TEXT NOT NULL,
        rep INTEGER NOT NULL,
        run_key TEXT NOT NULL,
        PRIMARY KEY (experiment_id, cell, rep)
      );
      CREATE VIEW IF NOT EXISTS experiment_cells AS
        SELECT er.experiment_id, e.kind, e.name AS experiment, er.cell, er.rep, r.id AS run_id
        FROM experiment_runs er JOIN experiments e ON e.id = er.experiment_id
        LEFT JOIN runs r ON r.key = er.run_key;
    `);
    const v = this.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as
      | { value: string }
      | undefined;
    if (!v) this.db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?)").run(SCHEMA_VERSION);
    else if (v.value === "1") {
      // Schema 1 had no code_version; its runs' keys predate source hashing and never hit again.
      this.db.transaction(() => {
        this.db.exec("ALTER TABLE runs ADD COLUMN code_version TEXT NOT NULL DEFAULT 'unknown'");
        this.db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(SCHEMA_VERSION);
      })();
    } else if (v.value !== SCHEMA_VERSION)
      throw new Error(
        `${this.path}: results database schema ${v.value}, this epcsim writes ${SCHEMA_VERSION}`,
      );
  }

  /** The cached runs among `keys`. */
  getRuns(keys: readonly string[]): Map<string, RunRecord> {
    const out = new Map<string, RunRecord>();
    const st = this.db.prepare("SELECT * FROM runs WHERE key = ?");
    for (const k of keys) {
      const r = st.get(k) as RunRow | undefined;
      if (r) out.set(k, toRecord(r));
    }
    return out;
  }

  hasRun(key: string): boolean {
    return this.db.prepare("SELECT 1 FROM runs WHERE key = ?").get(key) !== undefined;
  }

  /** Record a finished run (one transaction; a key already present is left as it is). */
  putRun(run: NewRun, result: RunResult): void {
    const now = new Date().toISOString();
    this.db.transaction(() => {
      this.db
        .prepare("INSERT OR IGNORE INTO scenarios (hash, name, json) VALUES (?, ?, ?)")
        .run(run.scenarioHash, result.scenario, run.scenarioJson);
      this.db
        .prepare(
          `INSERT OR IGNORE INTO runs (key, scenario_name, scenario_hash, params_json, seed, model_version,
             code_version, kernel, end_reason, simulated_ns, metrics_json, result_json, wall_ms, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          run.key,
          result.scenario,
          run.scenarioHash,
          JSON.stringify(run.params),
          run.seed,
          result.model_version,
          run.codeVersion,
          result.kernel,
          result.end,
          result.simulated_ns,
          JSON.stringify(result.metrics),
          JSON.stringify(result),
          result.wall_ms,
          now,
        );
    })();
  }

  /** The experiment with this specification key, created if new. */
  openExperiment(e: {
    key: string;
    kind: "ab" | "sweep";
    name: string;
    scenario_name: string;
    spec: unknown;
    root_seed: number;
    runs: readonly ExperimentRunLink[];
  }): number {
    return this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT OR IGNORE INTO experiments (key, kind, name, scenario_name, spec_json, root_seed, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          e.key,
          e.kind,
          e.name,
          e.scenario_name,
          JSON.stringify(e.spec),
          e.root_seed,
          new Date().toISOString(),
        );
      const id = (this.db.prepare("SELECT id FROM experiments WHERE key = ?").get(e.key) as { id: number })
        .id;
      const link = this.db.prepare(
        "INSERT OR IGNORE INTO experiment_runs (experiment_id, cell, rep, run_key) VALUES (?, ?, ?, ?)",
      );
      for (const r of e.runs) link.run(id, r.cell, r.rep, r.run_key);
      return id;
    })();
  }

  /** Record the end of an experiment; its wall time only when runs were executed (or none was recorded). */
  finishExperiment(id: number, wallMs: number, executed = true): void {
    this.db
      .prepare(
        "UPDATE experiments SET finished_at = ?, wall_ms = CASE WHEN ? OR wall_ms IS NULL THEN ? ELSE wall_ms END WHERE id = ?",
      )
      .run(new Date().toISOString(), executed ? 1 : 0, wallMs, id);
  }

  private static readonly EXPERIMENT_SELECT = `
    SELECT e.*,
      (SELECT count(*) FROM experiment_runs er WHERE er.experiment_id = e.id) AS planned,
      (SELECT count(*) FROM experiment_runs er JOIN runs r ON r.key = er.run_key WHERE er.experiment_id = e.id) AS stored
    FROM experiments e`;

  listExperiments(): ExperimentRecord[] {
    return (this.db.prepare(`${ResultsStore.EXPERIMENT_SELECT} ORDER BY e.id`).all() as ExperimentRow[]).map(
      toExperiment,
    );
  }

  getExperiment(id: number): ExperimentRecord | undefined {
    const r = this.db.prepare(`${ResultsStore.EXPERIMENT_SELECT} WHERE e.id = ?`).get(id) as
      | ExperimentRow
      | undefined;
    return r && toExperiment(r);
  }

  experimentRuns(id: number): ExperimentRunLink[] {
    return this.db
      .prepare("SELECT cell, rep, run_key FROM experiment_runs WHERE experiment_id = ? ORDER BY rowid")
      .all(id) as ExperimentRunLink[];
  }

  /** Runs, oldest first; of one experiment if `experimentId` is given. */
  listRuns(experimentId?: number): RunRecord[] {
    const rows =
      experimentId === undefined
        ? (this.db.prepare("SELECT * FROM runs ORDER BY id").all() as RunRow[])
        : (this.db
            .prepare(
              `SELECT r.* FROM experiment_runs er JOIN runs r ON r.key = er.run_key
               WHERE er.experiment_id = ? ORDER BY er.rowid`,
            )
            .all(experimentId) as RunRow[]);
    return rows.map(toRecord);
  }

  getRun(id: number): RunRecord | undefined {
    const r = this.db.prepare("SELECT * FROM runs WHERE id = ?").get(id) as RunRow | undefined;
    return r && toRecord(r);
  }

  scenarioJson(hash: string): string | undefined {
    return (
      this.db.prepare("SELECT json FROM scenarios WHERE hash = ?").get(hash) as { json: string } | undefined
    )?.json;
  }

  countRuns(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM runs").get() as { n: number }).n;
  }

  /** A mutant's stored outcome (epcsim mutate), by its key (mutant source, targets, budget, code). */
  getMutant(key: string): unknown {
    const r = this.db.prepare("SELECT outcome_json FROM mutants WHERE key = ?").get(key) as
      | { outcome_json: string }
      | undefined;
    return r ? parseStored(r.outcome_json, "a mutant's outcome") : undefined;
  }

  /** Every recorded mutant outcome (mutation campaigns), newest first. */
  listMutants(): { name: string; outcome: unknown; created_at: string }[] {
    const rows = this.db
      .prepare("SELECT name, outcome_json, created_at FROM mutants ORDER BY created_at DESC, name")
      .all() as { name: string; outcome_json: string; created_at: string }[];
    return rows.map((r) => ({
      name: r.name,
      outcome: parseStored(r.outcome_json, `mutant ${r.name}'s outcome`),
      created_at: r.created_at,
    }));
  }

  putMutant(key: string, name: string, outcome: unknown): void {
    this.db
      .prepare("INSERT OR REPLACE INTO mutants (key, name, outcome_json, created_at) VALUES (?, ?, ?, ?)")
      .run(key, name, JSON.stringify(outcome), new Date().toISOString());
  }

  close(): void {
    this.db.close();
  }
}
