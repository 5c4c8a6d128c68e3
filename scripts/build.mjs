#!/usr/bin/env node
// Bundle the command line into dist/ with esbuild, so `epcsim` starts without compiling TypeScript
// (bin/epcsim.js runs the sources through tsx whenever dist/ is older than src/). Packages stay
// external; dynamic imports become chunks that load only when a command needs them. Source maps
// keep stack traces (and so the model's op sites) in terms of src/.
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
rmSync(`${root}dist`, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  // The patch API is an entry of its own, so a user's patch shares the command line's modules.
  entryPoints: { main: "src/cli/main.ts", patch: "src/patch.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  sourcemap: true,
  sourcesContent: false,
  logLevel: "warning",
});
