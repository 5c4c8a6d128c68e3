/**
 * What the benchmarks measure: the build (dist/api.js: the simulator and checker as the command line
 * runs them, with the model compiled to frames by scripts/frames_transform.mjs), or with --src the
 * sources through tsx (model generators as written), for comparison.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export const FROM_SRC = process.argv.includes("--src");
const BUILT = join(import.meta.dirname, "../dist/api.js");
if (!FROM_SRC && !existsSync(BUILT)) {
  console.error("dist/api.js is missing: run `make build` (or pass --src to measure the sources)");
  process.exit(2);
}

export const api: typeof import("../src/build_api.ts") = FROM_SRC
  ? await import("../src/build_api.ts")
  : await import(pathToFileURL(BUILT).href);

export const MEASURED = FROM_SRC
  ? "sources (tsx, generators as written)"
  : "build (dist/, model compiled to frames)";
