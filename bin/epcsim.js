#!/usr/bin/env node
// Runs the build in dist/ (scripts/build.mjs; `make` builds it) when it is newer than every source
// file, for a fast start; otherwise the TypeScript sources through tsx, so `npx epcsim` works right
// after `npm ci` and while the sources are being edited.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const built = join(root, "dist", "main.js");

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

if (existsSync(built) && statSync(built).mtimeMs >= newest(join(root, "src"))) {
  // Stack traces (op sites, patch errors) are mapped to src/ when read (src/rt/built_stacks.ts).
  // Worker threads (which copy the environment) start from the build too (worker_entry.mjs).
  process.env.EPCSIM_BUILT = "1";
  await import(built);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/main.ts");
}
