/**
 * Loading scenarios: YAML or JSON text, built-in names, `--set key=value` overrides, validation
 * with the schema, and errors as `file:line:col path: message` (never a stack trace).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";

/** The YAML parser, for commands that read scenario headers without validating them (a dynamic
 * import of the bundled CommonJS package would not see its named exports). */
export { parse as parseYaml } from "yaml";

import type { z } from "zod";
import { srcPath } from "../paths.ts";
import { didYouMean } from "./did_you_mean.ts";
import { ScenarioError } from "./errors.ts";
import { scenarioLimits } from "./limits.ts";
import { type Scenario, scenarioSchema } from "./schema.ts";

// Defined apart so that the command line can recognise it without loading the scenario schema.
export { ScenarioError };

/** Directory of the built-in scenario files. */
export const BUILTIN_DIR = srcPath("..", "scenarios");

export interface LoadedScenario {
  scenario: Scenario;
  /** Where it came from: a file path or "builtin:<name>". */
  source: string;
  /** The raw object after overrides (canonical JSON of it identifies the scenario). */
  raw: unknown;
}

/** Resolve a scenario argument: a path to a file, or the name of a built-in scenario. */
export function resolveScenarioPath(arg: string): string {
  if (existsSync(arg)) return arg;
  for (const ext of [".yaml", ".yml", ".json"]) {
    const p = join(BUILTIN_DIR, arg + ext);
    if (existsSync(p)) return p;
  }
  const builtins = readdirSync(BUILTIN_DIR)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .map((f) => f.replace(/\.(ya?ml|json)$/, ""));
  throw new ScenarioError([
    `${arg}: no such scenario file or built-in scenario${didYouMean(arg, builtins)} (see \`epcsim scenarios\`)`,
  ]);
}

/** Load, override and validate a scenario. */
export function loadScenario(arg: string, sets: string[] = []): LoadedScenario {
  const path = resolveScenarioPath(arg);
  let text: string;
  try {
    if (statSync(path).isDirectory()) throw new ScenarioError([`${path}: a directory, not a scenario file`]);
    text = readFileSync(path, "utf8");
  } catch (e) {
    if (e instanceof ScenarioError) throw e;
    throw new ScenarioError([
      `${path}: cannot read the scenario (${(e as NodeJS.ErrnoException).code ?? e})`,
    ]);
  }
  return parseScenarioText(text, path, sets);
}

/** Parse scenario text (YAML is a superset of JSON) and validate it. */
export function parseScenarioText(text: string, file: string, sets: string[] = []): LoadedScenario {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    throw new ScenarioError(
      doc.errors.map((e) => {
        const pos = lc.linePos(e.pos[0]);
        return `${file}:${pos.line}:${pos.col} ${e.message.split("\n")[0]}`;
      }),
    );
  }
  let raw: unknown;
  try {
    // The yaml library refuses documents whose aliases expand past its limit (an alias bomb).
    raw = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    throw new ScenarioError([`${file}:1:1 scenario: ${(e as Error).message.split("\n")[0]}`]);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ScenarioError([`${file}:1:1 scenario: expected a mapping with name, machine, processes, ...`]);
  }
  raw = applySets(raw as Record<string, unknown>, sets);
  const r = scenarioSchema.safeParse(raw);
  if (!r.success) throw new ScenarioError(formatIssues(r.error.issues, doc, lc, file, sets));
  const limits = scenarioLimits(r.data);
  if (limits.length)
    throw new ScenarioError(
      formatIssues(
        limits.map(
          (l) => ({ code: "custom", path: l.path, message: l.message, input: undefined }) as z.core.$ZodIssue,
        ),
        doc,
        lc,
        file,
        sets,
      ),
    );
  return { scenario: r.data, source: file, raw };
}

/** Apply `key.path=value` overrides; values parse as YAML scalars (numbers, booleans, strings). */
export function applySets(raw: Record<string, unknown>, sets: string[]): Record<string, unknown> {
  const out = structuredClone(raw);
  for (const s of sets) {
    const eq = s.indexOf("=");
    if (eq <= 0) throw new ScenarioError([`--set ${s}: expected key=value, e.g. reclaimer.batch=1`]);
    const key = s.slice(0, eq).trim();
    const value = parseScalar(s.slice(eq + 1));
    const parts = key.split(".");
    if (parts.some((p) => p === "__proto__" || p === "constructor" || p === "prototype" || p === ""))
      throw new ScenarioError([`--set ${s}: "${key}" is not a scenario field`]);
    let obj: Record<string, unknown> = out;
    for (let i = 0; i < parts.length - 1; i++) {
      const k = parts[i]!;
      const idx = /^\d+$/.test(k) ? Number(k) : k;
      let next = (obj as Record<string | number, unknown>)[idx];
      if (next === undefined) {
        next = {};
        (obj as Record<string | number, unknown>)[idx] = next;
      }
      if (next === null || typeof next !== "object")
        throw new ScenarioError([`--set ${key}: ${parts.slice(0, i + 1).join(".")} is not a mapping`]);
      obj = next as Record<string, unknown>;
    }
    const last = parts[parts.length - 1]!;
    (obj as Record<string | number, unknown>)[/^\d+$/.test(last) ? Number(last) : last] = value;
  }
  return out;
}

function parseScalar(v: string): unknown {
  const t = v.trim();
  if (t === "true") return true;
  if (t === "false") return false;
  if (t === "inf") return "inf";
  if (/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(t)) return Number(t);
  if (t.startsWith("[") || t.startsWith("{")) {
    try {
      return JSON.parse(t);
    } catch {
      return t;
    }
  }
  return t;
}

function formatIssues(
  issues: z.core.$ZodIssue[],
  doc: Document,
  lc: LineCounter,
  file: string,
  sets: string[],
): string[] {
  return issues.map((iss) => {
    let path = iss.path.map(String);
    let message = iss.message;
    if (iss.code === "unrecognized_keys") {
      const keys = (iss as { keys: string[] }).keys;
      path = [...path, keys[0]!];
      message = `unknown key "${keys[0]}"${keys.length > 1 ? ` (and ${keys.slice(1).join(", ")})` : ""}`;
    }
    const dotted = path.join(".") || "(scenario)";
    const fromSet = sets.find((s) => dotted.startsWith(s.slice(0, s.indexOf("=")).trim()));
    if (fromSet) return `--set ${fromSet}: ${dotted}: ${message}`;
    const pos = positionOf(
      doc,
      iss.path as (string | number)[],
      iss.code === "unrecognized_keys" ? path.at(-1) : undefined,
      lc,
    );
    return `${file}:${pos.line}:${pos.col} ${dotted}: ${message}`;
  });
}

/** Line and column of the node at `path` (or of the key `unknownKey` inside it), else of its nearest ancestor. */
function positionOf(
  doc: Document,
  path: (string | number)[],
  unknownKey: string | undefined,
  lc: LineCounter,
): { line: number; col: number } {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as Node | undefined;
    if (!node || !("range" in node) || !node.range) continue;
    if (n === path.length && unknownKey !== undefined && isMap(node)) {
      for (const item of node.items) {
        if (isScalar(item.key) && item.key.value === unknownKey && item.key.range)
          return lc.linePos(item.key.range[0]);
      }
    }
    if (n < path.length && isMap(node)) {
      // The missing child's key is absent; point at the parent mapping.
      return lc.linePos(node.range[0]);
    }
    if (isSeq(node) || isMap(node) || isScalar(node)) return lc.linePos(node.range[0]);
  }
  return { line: 1, col: 1 };
}
