/**
 * Automatic kernel mutants: every function of the kernel function table declared in
 * src/model/kernel/sgx, mutated by every operator (operators.ts) at every place it applies. A
 * mutant is named `mutant/auto/<function>/<operator>/<n>` and is rebuilt from its name alone, so a
 * name in a report or a replay token is enough to run it again.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import ts from "typescript";
import { srcPath } from "../paths.ts";
import { applyEdits, type Edit, mutationsOf, OPERATORS, type OperatorName } from "./operators.ts";

/** The model's kernel sources whose functions are mutated (mainline's tables are built from them). */
export const MUTABLE_FILES = ["main.ts", "encl.ts", "ioctl.ts", "driver.ts", "virt.ts", "epc_cgroup.ts"];

export const AUTO_PREFIX = "mutant/auto/";

export interface MutantSpec {
  /** `mutant/auto/<function>/<operator>/<n>`. */
  name: string;
  file: string;
  fn: string;
  operator: OperatorName;
  n: number;
  what: string;
  edits: Edit[];
}

interface ParsedFile {
  path: string;
  text: string;
  sf: ts.SourceFile;
  /** Top-level functions that a kernel table of the file lists, by name. */
  fns: Map<string, ts.FunctionDeclaration>;
}

const parsed = new Map<string, ParsedFile>();

function parse(file: string): ParsedFile {
  const hit = parsed.get(file);
  if (hit) return hit;
  const path = srcPath("model", "kernel", "sgx", file);
  const text = readFileSync(path, "utf8");
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const listed = new Set<string>();
  for (const s of sf.statements) {
    if (!ts.isVariableStatement(s) || !s.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword))
      continue;
    for (const d of s.declarationList.declarations)
      if (d.initializer && ts.isObjectLiteralExpression(d.initializer))
        for (const p of d.initializer.properties)
          if (ts.isShorthandPropertyAssignment(p)) listed.add(p.name.text);
  }
  const fns = new Map<string, ts.FunctionDeclaration>();
  for (const s of sf.statements)
    if (ts.isFunctionDeclaration(s) && s.name && listed.has(s.name.text) && s.body) fns.set(s.name.text, s);
  const out = { path, text, sf, fns };
  parsed.set(file, out);
  return out;
}

export interface MutantFilter {
  functions?: readonly string[];
  operators?: readonly string[];
}

/** Every automatic mutant (optionally of some functions and operators), in a stable order. */
export function listMutants(filter: MutantFilter = {}): MutantSpec[] {
  const out: MutantSpec[] = [];
  for (const file of MUTABLE_FILES) {
    const p = parse(file);
    for (const [fn, decl] of p.fns) {
      if (filter.functions?.length && !filter.functions.includes(fn)) continue;
      const count = new Map<string, number>();
      for (const mu of mutationsOf(decl, p.sf)) {
        if (filter.operators?.length && !filter.operators.includes(mu.operator)) continue;
        const n = count.get(mu.operator) ?? 0;
        count.set(mu.operator, n + 1);
        out.push({
          name: `${AUTO_PREFIX}${fn}/${mu.operator}/${n}`,
          file,
          fn,
          operator: mu.operator,
          n,
          what: mu.what,
          edits: mu.edits,
        });
      }
    }
  }
  return out;
}

/** Every function that can be mutated, by file. */
export function mutableFunctions(): { file: string; fn: string }[] {
  return MUTABLE_FILES.flatMap((file) => [...parse(file).fns.keys()].map((fn) => ({ file, fn })));
}

export class UnknownMutant extends Error {}

/** `mutant/auto/<fn>/<op>/<n>` (a trailing `@<base>` names the kernel it is applied to). */
export function parseMutantName(name: string): { fn: string; operator: string; n: number; base: string } {
  const [body, base = "mainline"] = name.slice(AUTO_PREFIX.length).split("@");
  const m = /^([A-Za-z_]\w*)\/([a-z-]+)\/(\d+)$/.exec(body ?? "");
  if (!name.startsWith(AUTO_PREFIX) || !m)
    throw new UnknownMutant(`${name}: expected ${AUTO_PREFIX}<function>/<operator>/<n>[@<kernel>]`);
  if (!(OPERATORS as readonly string[]).includes(m[2]!))
    throw new UnknownMutant(`${name}: unknown operator ${m[2]} (known: ${OPERATORS.join(", ")})`);
  return { fn: m[1]!, operator: m[2]!, n: Number(m[3]), base };
}

export function findMutant(name: string): MutantSpec {
  const { fn, operator, n } = parseMutantName(name);
  if (!mutableFunctions().some((f) => f.fn === fn))
    throw new UnknownMutant(`${name}: ${fn} is not a function of the kernel table in src/model/kernel/sgx`);
  const spec = listMutants({ functions: [fn], operators: [operator] }).find((s) => s.n === n);
  if (!spec) throw new UnknownMutant(`${name}: ${fn} has no place for ${operator} number ${n}`);
  return spec;
}

/** The mutated module's text (imports still relative: see load.ts). */
export function mutatedText(spec: MutantSpec): string {
  return applyEdits(parse(spec.file).text, spec.edits);
}

/** The mutated function beside the original, as a line diff (`-` original, `+` mutant). */
export function functionDiff(spec: MutantSpec): string {
  const p = parse(spec.file);
  const decl = p.fns.get(spec.fn)!;
  const start = decl.getStart(p.sf);
  const end = decl.getEnd();
  const inside = spec.edits.map((e) => ({ ...e, start: e.start - start, end: e.end - start }));
  const a = p.text.slice(start, end).split("\n");
  const b = applyEdits(p.text.slice(start, end), inside).split("\n");
  return lineDiff(a, b, `${basename(spec.file)}:${p.sf.getLineAndCharacterOfPosition(start).line + 1}`);
}

/** A compact diff: changed lines with two lines of context (LCS on lines). */
function lineDiff(a: string[], b: string[], where: string): string {
  const n = a.length;
  const m = b.length;
  const L = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      L[i]![j] = a[i] === b[j] ? L[i + 1]![j + 1]! + 1 : Math.max(L[i + 1]![j]!, L[i]![j + 1]!);
  const rows: { tag: " " | "-" | "+"; text: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      rows.push({ tag: " ", text: a[i++]! });
      j++;
    } else if (i < n && (j >= m || L[i + 1]![j]! >= L[i]![j + 1]!)) rows.push({ tag: "-", text: a[i++]! });
    else rows.push({ tag: "+", text: b[j++]! });
  }
  const keep = rows.map((r, k) => rows.slice(Math.max(0, k - 2), k + 3).some((x) => x.tag !== " "));
  const out = [`@@ ${where}`];
  rows.forEach((r, k) => {
    if (keep[k]) out.push(`${r.tag}${r.text}`);
    else if (keep[k - 1]) out.push(" ...");
  });
  return out.join("\n");
}

/** A stable hash of the mutant's source (results are keyed by it: an edited model reruns). */
export function mutantHash(spec: MutantSpec): string {
  return createHash("sha256").update(mutatedText(spec)).digest("hex").slice(0, 16);
}
