/**
 * Model source files for the race step-through (a report's site names a file by its base name:
 * "main.ts:234"). Only files under src/model are served, found by name in a fixed index, never by
 * a path from the request.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { srcPath } from "../paths.ts";

let index: Map<string, string> | null = null;

/** Base name -> path, kernel code first when two files share a name. */
function modelFiles(): Map<string, string> {
  if (index) return index;
  index = new Map();
  const root = srcPath("model");
  const order = ["kernel/sgx", "kernel/variants", "kernel/lib", "kernel/cgroup", "user", "hw"];
  const all: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts")) all.push(p);
    }
  };
  walk(root);
  const rank = (p: string) => {
    const r = relative(root, p);
    const i = order.findIndex((o) => r.startsWith(o));
    return i < 0 ? order.length : i;
  };
  all.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  for (const p of all) {
    const name = p.slice(p.lastIndexOf("/") + 1);
    if (!index.has(name)) index.set(name, p);
  }
  return index;
}

/** The text of model file `name` (a base name such as "main.ts") and its path under src/, or null. */
export function modelSource(name: string): { path: string; text: string } | null {
  const p = modelFiles().get(name);
  if (!p) return null;
  return { path: relative(srcPath(), p), text: readFileSync(p, "utf8") };
}
