#!/usr/bin/env node
// Bundle the command line into dist/ with esbuild, so `epcsim` starts without compiling TypeScript
// (bin/epcsim.js runs the sources through tsx whenever dist/ is older than src/). Packages stay
// external; dynamic imports become chunks that load only when a command needs them. Source maps
// keep stack traces (and so the model's op sites) in terms of src/.
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { framesPlugin } from "./frames_transform.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
rmSync(`${root}dist`, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  // The patch API is an entry of its own, so a user's patch shares the command line's modules.
  // Worker threads' modules are entries too (the run pool's, the checker's, serve's run jobs):
  // their threads then start from the build instead of loading the TypeScript sources through tsx
  // (a 2-run ab on 2 workers: 2.1 s -> 1.5 s). The mutation campaign's workers stay on tsx: the
  // mutants are TypeScript copies of model sources that import the rest of src/.
  entryPoints: {
    main: "src/cli/main.ts",
    patch: "src/patch.ts",
    "run-worker": "src/experiment/worker.ts",
    "check-worker": "src/check/worker.ts",
    "serve-job": "src/serve/job_worker.ts",
    // The simulator and checker as the build runs them, for benchmarks and the golden test.
    api: "src/build_api.ts",
  },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // Small pure-JS packages every command loads (the YAML parser, the schema library, the argument
  // parser, the random generator) are bundled: loading them file by file through node's resolver
  // took ~50 ms of a 0.5 s `check`. The rest stays external: native modules, the TypeScript
  // compiler and tsx (patches), and what only some commands load (the job queue, charts, stats).
  external: [
    "better-sqlite3",
    "bullmq",
    "echarts",
    "epcsim",
    "hyparquet-writer",
    "ioredis",
    "jstat",
    "piscina",
    "simple-statistics",
    "tsx",
    "typescript",
  ],
  // Bundled CommonJS packages (commander, yaml) require node's built-ins: give ES modules a require.
  banner: {
    js: 'import { createRequire as __epcsimRequire } from "node:module"; const require = __epcsimRequire(import.meta.url);',
  },
  // Model generator functions become resumable frames (scripts/frames_transform.mjs).
  // EPCSIM_FRAMES=0 builds them as they are, for comparisons.
  plugins: process.env.EPCSIM_FRAMES === "0" ? [] : [framesPlugin(/[\\/]src[\\/]model[\\/].*\.ts$/)],
  sourcemap: true,
  sourcesContent: false,
  logLevel: "warning",
});
