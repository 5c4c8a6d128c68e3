/**
 * Parameters of experiments on the command line: `--a key=value[,key=value]` (the `--set` syntax,
 * comma separated), `--grid key=v1,v2,...` and `--cell key=value[,key=value]`. Commas inside
 * brackets, braces or quotes do not split (`range=[0,100]`, `pattern={"kind":"zipf","s":1}`).
 */
import { ExperimentError } from "./errors.ts";

/** Split on `sep` outside brackets, braces and quotes. */
export function splitTopLevel(s: string, sep = ","): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let cur = "";
  for (const ch of s) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "[" || ch === "{") depth++;
    else if (ch === "]" || ch === "}") depth = Math.max(0, depth - 1);
    else if (ch === sep && depth === 0) {
      out.push(cur);
      cur = "";
      continue;
    }
    cur += ch;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x !== "");
}

/** `key=value[,key=value]` as a list of `key=value` overrides (empty text: no overrides). */
export function parseAssignments(s: string, option: string): string[] {
  return splitTopLevel(s).map((a) => {
    const eq = a.indexOf("=");
    if (eq <= 0 || eq === a.length - 1)
      throw new ExperimentError(`${option} ${s}: expected key=value[,key=value], e.g. reclaimer.batch=1`);
    return `${a.slice(0, eq).trim()}=${a.slice(eq + 1).trim()}`;
  });
}

export interface GridAxis {
  key: string;
  values: string[];
}

/** `key=v1,v2,...` as one axis of a sweep. */
export function parseGrid(s: string): GridAxis {
  const eq = s.indexOf("=");
  const key = s.slice(0, Math.max(0, eq)).trim();
  const values = eq > 0 ? splitTopLevel(s.slice(eq + 1)) : [];
  if (!key || values.length === 0)
    throw new ExperimentError(`--grid ${s}: expected key=v1,v2,..., e.g. reclaimer.batch=1,4,16`);
  if (new Set(values).size !== values.length)
    throw new ExperimentError(`--grid ${s}: a value is listed twice`);
  return { key, values };
}

/** A cell of a sweep: the value of each varied key. */
export type Cell = Record<string, string>;

/** The Cartesian product of the axes, the first axis varying slowest. */
export function cartesian(axes: readonly GridAxis[]): Cell[] {
  let cells: Cell[] = [{}];
  for (const a of axes) cells = cells.flatMap((c) => a.values.map((v) => ({ ...c, [a.key]: v })));
  return cells;
}

/** An explicit cell from `key=value[,key=value]`. */
export function parseCell(s: string): Cell {
  const cell: Cell = {};
  for (const a of parseAssignments(s, "--cell")) {
    const eq = a.indexOf("=");
    cell[a.slice(0, eq)] = a.slice(eq + 1);
  }
  return cell;
}

/** The overrides of a cell, in key order of the cell. */
export function cellSets(cell: Cell): string[] {
  return Object.entries(cell).map(([k, v]) => `${k}=${v}`);
}

/** A short human name of a cell: `reclaimer.batch=16 threads=4`. */
export function cellLabel(cell: Cell): string {
  const e = Object.entries(cell);
  return e.length === 0 ? "(base)" : e.map(([k, v]) => `${k}=${v}`).join(" ");
}
