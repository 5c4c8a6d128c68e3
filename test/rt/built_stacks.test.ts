/**
 * Stack traces of the build in terms of the sources (src/rt/built_stacks.ts): a bundle made here
 * with esbuild, as scripts/build.mjs makes dist/, maps its frames to the source file and line, and
 * gives a function esbuild renamed (two modules' `ev` become `ev` and `ev2`) its own name back.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { build } from "esbuild";

const SRC = join(import.meta.dirname, "../../src/rt/built_stacks.ts");

test("a bundle's stacks name the source lines and the functions' own names", async () => {
  const dir = mkdtempSync(join(tmpdir(), "epcsim-stacks-"));
  // Two modules with a function `ev` each: the bundle must rename one of them.
  writeFileSync(join(dir, "other.ts"), "export function ev(): string {\n  return 'other';\n}\n");
  writeFileSync(
    join(dir, "entry.ts"),
    [
      `import { installBuiltStackTraces } from ${JSON.stringify(SRC)};`,
      `import { ev as otherEv } from "./other.ts";`,
      "installBuiltStackTraces();",
      "function ev(): string {",
      "  return new Error('here').stack ?? '';",
      "}",
      "function outer(): string {",
      "  return ev();",
      "}",
      "process.stdout.write(`${otherEv()}\\n${outer()}\\n`);",
      "",
    ].join("\n"),
  );
  await build({
    entryPoints: [join(dir, "entry.ts")],
    outfile: join(dir, "out.js"),
    bundle: true,
    format: "esm",
    platform: "node",
    sourcemap: true,
    logLevel: "silent",
  });
  const r = spawnSync(process.execPath, [join(dir, "out.js")], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split("\n");
  assert.equal(lines[0], "other");
  assert.equal(lines[1], "Error: here");
  // Frames: ev at entry.ts:5, then outer at entry.ts:8 (not the bundle's out.js positions).
  assert.match(lines[2]!, /^ {4}at ev \(.*entry\.ts:5:\d+\)$/);
  assert.match(lines[3]!, /^ {4}at outer \(.*entry\.ts:8:\d+\)$/);
  assert.doesNotMatch(r.stdout, /ev2|out\.js:/);
});
