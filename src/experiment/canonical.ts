/**
 * Canonical JSON (object keys sorted, infinities spelled "inf") and content hashes: the identity of
 * a scenario, a run and an experiment in the results database.
 */
import { createHash } from "node:crypto";

/** JSON with object keys sorted at every level, so equal values give equal text. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}

function sortKeys(v: unknown): unknown {
  if (typeof v === "number") {
    if (v === Number.POSITIVE_INFINITY) return "inf";
    if (v === Number.NEGATIVE_INFINITY) return "-inf";
    return v;
  }
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(sortKeys);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) {
    const x = (v as Record<string, unknown>)[k];
    if (x !== undefined) out[k] = sortKeys(x);
  }
  return out;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
