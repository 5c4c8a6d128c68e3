/**
 * Stack traces of the build (dist/) in terms of src/, paid for only when a stack is formatted.
 *
 * Node's own source-map support (`process.setSourceMapsEnabled`) reads and parses the map of every
 * chunk as it loads, before the command has done anything: about 90 ms of a 0.5 s `check` that
 * never prints a stack. (It is turned on when a patch is loaded, for the patch's own map, which
 * node then keeps for us.) Here V8's stack formatting hook maps a frame only when a stack is read (an
 * exception's, or the op sites of a report replay), reading the map of that one chunk on first use,
 * and remembers each position it mapped.
 */
import { readFileSync } from "node:fs";
import { findSourceMap, SourceMap } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

/** A chunk's map, or null when it has none (a dependency, node's own files). */
const maps = new Map<string, SourceMap | null>();

function mapOf(file: string): SourceMap | null {
  let map = maps.get(file);
  if (map !== undefined) return map;
  // A patch (TypeScript loaded through tsx): node keeps its map (patches.ts turns that on).
  map = findSourceMap(file) ?? null;
  if (map === null && file.endsWith(".js") && !file.includes("/node_modules/")) {
    try {
      const path = file.startsWith("file://") ? fileURLToPath(file) : file;
      const payload = JSON.parse(readFileSync(`${path}.map`, "utf8"));
      // Sources are relative to the map: make them absolute, as node's own mapping prints them.
      const base = pathToFileURL(path);
      payload.sources = payload.sources.map((s: string) => new URL(s, base).href);
      map = new SourceMap(payload);
    } catch {
      map = null; // no map beside it: its frames stay as they are
    }
  }
  maps.set(file, map);
  return map;
}

/** What a build position maps to: its src/ position ("path:line:col", 1-based as V8 prints
 * them; null when it maps nowhere) and the original identifier there (esbuild renames functions
 * whose names collide in the bundle: `ev` becomes `ev2`). */
interface Mapped {
  at: string | null;
  name: string | undefined;
}
const positions = new Map<string, Mapped>();
const NOWHERE: Mapped = { at: null, name: undefined };

function mapPosition(file: string | null, line: number | null, col: number | null): Mapped {
  if (!file || line === null || col === null) return NOWHERE;
  const key = `${file}:${line}:${col}`;
  let out = positions.get(key);
  if (out !== undefined) return out;
  out = NOWHERE;
  const e = mapOf(file)?.findEntry(line - 1, col - 1) as
    | { originalSource?: string; originalLine?: number; originalColumn?: number; name?: string }
    | undefined;
  if (e?.originalSource !== undefined) {
    const src = e.originalSource.startsWith("file://") ? fileURLToPath(e.originalSource) : e.originalSource;
    out = { at: `${src}:${e.originalLine! + 1}:${e.originalColumn! + 1}`, name: e.name };
  }
  positions.set(key, out);
  return out;
}

/**
 * One frame as node's own source-map support prints it: the src/ position, and the function's
 * original name (the name at the function's start, else the callee's name at the caller's call).
 */
function formatFrame(cs: NodeJS.CallSite, caller: NodeJS.CallSite | undefined): string {
  const here = mapPosition(cs.getFileName() ?? null, cs.getLineNumber(), cs.getColumnNumber());
  if (here.at === null) return cs.toString();
  const file = cs.getFileName();
  const start = mapPosition(file ?? null, cs.getEnclosingLineNumber(), cs.getEnclosingColumnNumber());
  let name = start.name;
  if (!name && caller && caller.getFileName() === file)
    name = mapPosition(file ?? null, caller.getLineNumber(), caller.getColumnNumber()).name;
  const type = cs.getTypeName();
  const v8Name = `${type !== null && type !== "global" ? `${type}.` : ""}${cs.getFunctionName() ?? cs.getMethodName() ?? "<anonymous>"}`;
  const prefix = cs.isAsync() ? "async " : cs.isConstructor() ? "new " : "";
  return `${prefix}${name || v8Name} (${here.at})`;
}

function header(error: unknown): string {
  try {
    return String(error);
  } catch {
    return "Error";
  }
}

/**
 * Install the hook when this module runs from the build (once per thread: the command line's and
 * each run-pool worker's). From the sources, tsx has turned node's own mapping on: nothing to do.
 */
export function installBuiltStackTraces(): void {
  if (import.meta.url.endsWith(".ts")) return;
  Error.prepareStackTrace = (error, frames) =>
    [header(error), ...frames.map((cs, i) => `    at ${formatFrame(cs, frames[i + 1])}`)].join("\n");
}
