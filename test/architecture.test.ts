/** The model has no time, no randomness, no async, and depends on no driver or front end. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";

const MODEL = join(import.meta.dirname, "../src/model");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** Source without comments and string literals (so prose about Date.now does not count). */
function code(src: string): string {
  return src
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\/\/.*$/gm, "")
    .replace(/`(?:[^`\\]|\\.)*`|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, '""');
}

test("src/model uses no clock, no Math.random, no timers, no promises and no async", () => {
  const banned =
    /Math\.random|Date\.now|new Date\b|performance\.now|setTimeout|setInterval|setImmediate|\basync\b|\bawait\b|new Promise|process\.hrtime/;
  const hits: string[] = [];
  for (const f of files(MODEL)) {
    code(readFileSync(f, "utf8"))
      .split("\n")
      .forEach((l, i) => {
        if (banned.test(l)) hits.push(`${relative(MODEL, f)}:${i + 1}: ${l.trim()}`);
      });
  }
  assert.deepEqual(hits, []);
});

test("src/model imports nothing from the drivers or front ends", () => {
  const bad = /from\s+["'](?:\.\.\/)+(?:sim|check|experiment|cli|report|scenario|web)\//;
  const hits = files(MODEL).filter((f) => bad.test(readFileSync(f, "utf8")));
  assert.deepEqual(
    hits.map((f) => relative(MODEL, f)),
    [],
  );
});

test("kernel primitives (src/model/kernel/lib) import nothing from the SGX driver that uses them", () => {
  const lib = join(MODEL, "kernel", "lib");
  const bad = /from\s+["']\.\.\/sgx\//;
  const hits = files(lib).filter((f) => bad.test(readFileSync(f, "utf8")));
  assert.deepEqual(
    hits.map((f) => relative(MODEL, f)),
    [],
  );
});

test("every kernel function of the model is in the overridable function table", async () => {
  const { mainline } = await import("../src/model/kernel/sgx/index.ts");
  const dir = join(MODEL, "kernel/sgx");
  const missing: string[] = [];
  for (const f of ["main.ts", "encl.ts", "ioctl.ts", "driver.ts", "virt.ts"]) {
    const src = readFileSync(join(dir, f), "utf8");
    for (const m of src.matchAll(/^function\*?\s+([a-z_][a-z0-9_]*)\(/gm)) {
      if (!(m[1]! in mainline)) missing.push(`${f}: ${m[1]}`);
    }
  }
  assert.deepEqual(missing, []);
});
