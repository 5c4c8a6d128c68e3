/**
 * Built-in experiments: the seed's questions as named A/B experiments and sweeps, one YAML file each
 * in `experiments/`. `epcsim ab <name>` and `epcsim sweep <name>` run them; command-line options
 * override their settings.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { parse } from "yaml";
import { z } from "zod";
import { srcPath } from "../paths.ts";
import type { ABSpec } from "./ab.ts";
import { ExperimentError } from "./errors.ts";
import type { SweepSpec } from "./sweep.ts";

export const EXPERIMENT_DIR = srcPath("..", "experiments");

const common = {
  name: z.string().min(1),
  /** Position in `epcsim experiments` (the numbering of the seed's questions). */
  order: z.number().int().default(1000),
  /** One line shown by `epcsim experiments`. */
  description: z.string().min(1),
  /** The question the experiment answers, in the words of the seed mail where possible. */
  question: z.string().default(""),
  scenario: z.string().min(1),
  /** Overrides applied to every run. */
  set: z.array(z.string()).default([]),
  reps: z.number().int().positive(),
  /** Metrics the table and the report show first. */
  metrics: z.array(z.string()).default([]),
};

const sideSchema = z.object({ label: z.string().min(1), set: z.array(z.string()).default([]) }).strict();

export const experimentSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("ab"), ...common, a: sideSchema, b: sideSchema }).strict(),
  z
    .object({
      kind: z.literal("sweep"),
      ...common,
      grid: z.record(z.string(), z.array(z.union([z.string(), z.number(), z.boolean()])).min(1)),
      max_runs: z.number().int().positive().optional(),
    })
    .strict(),
]);

export type ExperimentDef = z.infer<typeof experimentSchema>;

function fileOf(name: string): string | undefined {
  for (const ext of [".yaml", ".yml"]) {
    const p = join(EXPERIMENT_DIR, name + ext);
    if (existsSync(p)) return p;
  }
  return undefined;
}

export function loadExperiment(name: string): ExperimentDef | undefined {
  const p = fileOf(name);
  if (!p) return undefined;
  const r = experimentSchema.safeParse(parse(readFileSync(p, "utf8")));
  if (!r.success) throw new ExperimentError(`${p}: ${z.prettifyError(r.error).replace(/\n/g, "; ")}`);
  return r.data;
}

export function listExperiments(): ExperimentDef[] {
  if (!existsSync(EXPERIMENT_DIR)) return [];
  return readdirSync(EXPERIMENT_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => loadExperiment(f.replace(/\.ya?ml$/, ""))!)
    .sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
}

/** The A/B spec of a built-in experiment. */
export function abSpecOf(e: ExperimentDef & { kind: "ab" }): ABSpec {
  return {
    name: e.name,
    scenario: e.scenario,
    base: e.set,
    a: { label: e.a.label, params: e.a.set },
    b: { label: e.b.label, params: e.b.set },
    reps: e.reps,
    focus: e.metrics,
  };
}

/** The sweep spec of a built-in experiment. */
export function sweepSpecOf(e: ExperimentDef & { kind: "sweep" }): SweepSpec {
  return {
    name: e.name,
    scenario: e.scenario,
    base: e.set,
    grid: Object.entries(e.grid).map(([key, values]) => ({ key, values: values.map(String) })),
    reps: e.reps,
    maxRuns: e.max_runs,
    focus: e.metrics,
  };
}

/** The command that runs a built-in experiment. */
export function commandOf(e: ExperimentDef): string {
  return `epcsim ${e.kind} ${e.name}`;
}
