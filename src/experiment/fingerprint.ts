/**
 * The code version of simulation results: MODEL_VERSION plus a hash of the sources that decide what
 * a run computes (the model, the runtime, the simulator, the scenario builder and the run wrapper).
 * It is part of every cache key, so editing the model invalidates cached runs even when nobody
 * remembered to bump MODEL_VERSION.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

import { srcPath } from "../paths.ts";
import { MODEL_VERSION } from "./run.ts";

const SRC = srcPath();
/** Sources whose changes change results. */
const PARTS = ["model", "rt", "sim", "scenario", "experiment/run.ts"];

function files(p: string): string[] {
  if (!existsSync(p)) return [];
  if (!statSync(p).isDirectory()) return [p];
  return readdirSync(p)
    .sort()
    .flatMap((f) => files(join(p, f)))
    .filter((f) => /\.(ts|mts|js|mjs)$/.test(f));
}

let cached: string | undefined;

/** `MODEL_VERSION+<12 hex digits of the sources' hash>`. */
export function codeVersion(): string {
  if (cached) return cached;
  const h = createHash("sha256");
  for (const part of PARTS) {
    for (const f of files(join(SRC, part))) {
      h.update(relative(SRC, f));
      h.update("\0");
      h.update(readFileSync(f));
      h.update("\0");
    }
  }
  cached = `${MODEL_VERSION}+${h.digest("hex").slice(0, 12)}`;
  return cached;
}
