/**
 * Replay tokens: everything needed to reproduce a failing execution, in one string. The token
 * holds the model version, the kernel variant, the scenario itself (canonical JSON after
 * overrides) and its hash, the strategy and seed that found the failure, and the minimized schedule
 * (thread per step, choose answers, actors left out). Replay refuses a token made by another model.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

import { deflateRawSync, inflateRawSync } from "node:zlib";
import { srcPath } from "../paths.ts";
import type { LockEdge } from "./lockdep.ts";

const PREFIX = "epcsim1.";

export interface TokenData {
  /** Hash of the model and checker sources that produced the token. */
  model: string;
  variant: string;
  /** Patch files in the variant name, with the hash of their content when the token was made. */
  patches: { path: string; sha: string }[];
  scenarioName: string;
  /** Canonical JSON of the scenario after overrides. */
  scenario: unknown;
  scenarioHash: string;
  strategy: string;
  seed: number;
  property: string;
  schedule: number[];
  choices: number[];
  disabled: number[];
  /** Steps of the schedule as found, before minimization (the report says it). */
  stepsBefore?: number;
  /** Lock dependencies of earlier executions that a cross-execution lockdep report needs (lockdep.ts). */
  lockdep?: LockEdge[];
}

/** JSON with object keys sorted, so equal scenarios serialize equally. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(o)
        .sort()
        .map((k) => [k, sortKeys(o[k])]),
    );
  }
  return v;
}

export function sha(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

let cachedModelHash: string | null = null;

/** Hash of every source file that determines an execution: src/model, src/rt, src/check. */
export function modelHash(): string {
  if (cachedModelHash) return cachedModelHash;
  const h = createHash("sha256");
  for (const dir of ["model", "rt", "check"]) {
    for (const f of listFiles(srcPath(dir))) {
      h.update(f.slice(f.indexOf("/src/")));
      h.update(readFileSync(f));
    }
  }
  cachedModelHash = h.digest("hex").slice(0, 16);
  return cachedModelHash;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? listFiles(p) : p.endsWith(".ts") ? [p] : [];
    });
}

/** Varint-free compact encoding: JSON, deflated, base64url. */
export function encodeToken(d: TokenData): string {
  return PREFIX + deflateRawSync(Buffer.from(JSON.stringify(d))).toString("base64url");
}

export class TokenError extends Error {}

export function decodeToken(token: string): TokenData {
  const t = token.trim();
  if (!t.startsWith(PREFIX))
    throw new TokenError(`not an epcsim replay token (it should start with "${PREFIX}")`);
  const body = t.slice(PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(body))
    throw new TokenError("the replay token is damaged (characters that are not base64url)");
  let json: string;
  let d: unknown;
  try {
    json = inflateRawSync(Buffer.from(body, "base64url"), { maxOutputLength: 64 << 20 }).toString("utf8");
    d = JSON.parse(json);
  } catch {
    throw new TokenError("the replay token is damaged (it does not decode)");
  }
  // The token is exactly what encodeToken made of this content: no trailing or altered characters.
  if (PREFIX + deflateRawSync(Buffer.from(json)).toString("base64url") !== t)
    throw new TokenError("the replay token is damaged (trailing or altered characters)");
  const why = tokenShapeError(d);
  if (why) throw new TokenError(`the replay token is damaged (${why})`);
  return d as TokenData;
}

function depth(v: unknown, limit: number): number {
  if (v === null || typeof v !== "object") return 0;
  if (limit <= 0) return 1;
  let max = 0;
  for (const x of Object.values(v)) max = Math.max(max, depth(x, limit - 1));
  return max + 1;
}

const isInts = (v: unknown): boolean => Array.isArray(v) && v.every((x) => Number.isInteger(x));

/** What is wrong with the structure of a decoded token (before anything uses or imports it). */
function tokenShapeError(d: unknown): string | null {
  if (d === null || typeof d !== "object" || Array.isArray(d)) return "not an object";
  const o = d as Record<string, unknown>;
  for (const k of ["model", "variant", "scenarioName", "scenarioHash", "strategy", "property"])
    if (typeof o[k] !== "string") return `${k} is not a string`;
  if (typeof o.seed !== "number") return "seed is not a number";
  for (const k of ["schedule", "choices", "disabled"])
    if (!isInts(o[k])) return `${k} is not a list of integers`;
  if (
    !Array.isArray(o.patches) ||
    !o.patches.every(
      (p) => p && typeof p === "object" && typeof p.path === "string" && typeof p.sha === "string",
    )
  )
    return "patches is not a list of {path, sha}";
  if (
    o.lockdep !== undefined &&
    !(
      Array.isArray(o.lockdep) &&
      o.lockdep.every(
        (e) =>
          e &&
          typeof e === "object" &&
          ["from", "to", "thread", "fromSite", "toSite"].every((k) => typeof e[k] === "string"),
      )
    )
  )
    return "lockdep is not a list of lock dependencies";
  if (o.scenario === null || typeof o.scenario !== "object") return "scenario is not an object";
  if (depth(o.scenario, 64) > 32) return "the scenario is nested too deeply";
  return null;
}
