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

/**
 * Variant files whose own functions are mutated too (paths relative to src/model/kernel/sgx), with
 * the variant each registers: their mutants are named `<variant>:<function>` and apply to that
 * variant (or a kernel built on the same functions). A variant file qualifies when its module keeps
 * no per-machine state of its own (a mutated copy would get a second copy of it) and registers one
 * variant: isgx and the history files do not (docs/checker.md, "Mutation testing"). Its functions
 * are those of an exported table or of its registerVariant({ overrides }) call.
 */
export const MUTABLE_VARIANT_FILES: { file: string; variant: string }[] = [
  { file: "../variants/cgroup.ts", variant: "cgroup-v16" },
  { file: "../variants/cgroup_v15.ts", variant: "cgroup-v15" },
  { file: "../variants/cgroup_oom.ts", variant: "cgroup-v2-oom" },
];

const SOURCES: { file: string; variant?: string }[] = [
  ...MUTABLE_FILES.map((file) => ({ file })),
  ...MUTABLE_VARIANT_FILES,
];

export const AUTO_PREFIX = "mutant/auto/";

export interface MutantSpec {
  /** `mutant/auto/[<variant>:]<function>/<operator>/<n>`. */
  name: string;
  /** Path relative to src/model/kernel/sgx. */
  file: string;
  /** The function's key in the kernel table (its name, but for a renamed entry). */
  fn: string;
  /** For a variant file's function: the variant the file registers. */
  variant?: string;
  operator: OperatorName;
  n: number;
  what: string;
  edits: Edit[];
}

interface ParsedFile {
  path: string;
  text: string;
  sf: ts.SourceFile;
  /** Top-level functions that a kernel table of the file lists, by their key in the table. */
  fns: Map<string, ts.FunctionDeclaration>;
}

/** An object literal under `as` casts (`{ ... } as unknown as Partial<KernelFns>`). */
function objectLiteral(e: ts.Expression | undefined): ts.ObjectLiteralExpression | null {
  while (e && (ts.isAsExpression(e) || ts.isParenthesizedExpression(e) || ts.isSatisfiesExpression(e)))
    e = e.expression;
  return e && ts.isObjectLiteralExpression(e) ? e : null;
}

/** Record the functions a table literal lists (`name,` or `key: name,`) as function -> key. */
function listTable(table: ts.ObjectLiteralExpression | null, listed: Map<string, string>): void {
  for (const p of table?.properties ?? []) {
    if (ts.isShorthandPropertyAssignment(p)) listed.set(p.name.text, p.name.text);
    else if (ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && ts.isIdentifier(p.initializer))
      listed.set(p.initializer.text, p.name.text);
  }
}

const parsed = new Map<string, ParsedFile>();

function parse(file: string): ParsedFile {
  const hit = parsed.get(file);
  if (hit) return hit;
  const path = srcPath("model", "kernel", "sgx", file);
  const text = readFileSync(path, "utf8");
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  // Function name -> its key in an exported table (`name,` or `key: name,`), or in the
  // registerVariant({ overrides: { ... } }) call of a variant file.
  const listed = new Map<string, string>();
  for (const s of sf.statements) {
    if (ts.isVariableStatement(s) && s.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword))
      for (const d of s.declarationList.declarations) listTable(objectLiteral(d.initializer), listed);
    if (
      ts.isExpressionStatement(s) &&
      ts.isCallExpression(s.expression) &&
      ts.isIdentifier(s.expression.expression) &&
      s.expression.expression.text === "registerVariant"
    )
      for (const p of objectLiteral(s.expression.arguments[0])?.properties ?? [])
        if (ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === "overrides")
          listTable(objectLiteral(p.initializer), listed);
  }
  const fns = new Map<string, ts.FunctionDeclaration>();
  for (const s of sf.statements)
    if (ts.isFunctionDeclaration(s) && s.name && listed.has(s.name.text) && s.body)
      fns.set(listed.get(s.name.text)!, s);
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
  for (const { file, variant } of SOURCES) {
    const p = parse(file);
    for (const [fn, decl] of p.fns) {
      if (filter.functions?.length && !filter.functions.includes(qualified(fn, variant))) continue;
      const count = new Map<string, number>();
      for (const mu of mutationsOf(decl, p.sf)) {
        if (filter.operators?.length && !filter.operators.includes(mu.operator)) continue;
        const n = count.get(mu.operator) ?? 0;
        count.set(mu.operator, n + 1);
        out.push({
          name: `${AUTO_PREFIX}${qualified(fn, variant)}/${mu.operator}/${n}`,
          file,
          fn,
          ...(variant ? { variant } : {}),
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

/** A function as `--functions` and mutant names spell it: `fn`, or `<variant>:fn` in a variant file. */
export function qualified(fn: string, variant?: string): string {
  return variant ? `${variant}:${fn}` : fn;
}

/** Every function that can be mutated, by file. */
export function mutableFunctions(): { file: string; fn: string; variant?: string }[] {
  return SOURCES.flatMap(({ file, variant }) =>
    [...parse(file).fns.keys()].map((fn) => ({ file, fn, ...(variant ? { variant } : {}) })),
  );
}

export class UnknownMutant extends Error {}

/**
 * `mutant/auto/[<variant>:]<fn>/<op>/<n>` (a trailing `@<base>` names the kernel it is applied to;
 * by default mainline, or the variant whose file the function is in).
 */
export function parseMutantName(name: string): {
  fn: string;
  variant?: string;
  operator: string;
  n: number;
  base: string;
} {
  const [body, at] = name.slice(AUTO_PREFIX.length).split("@");
  const m = /^(?:([A-Za-z0-9._-]+):)?([A-Za-z_]\w*)\/([a-z-]+)\/(\d+)$/.exec(body ?? "");
  if (!name.startsWith(AUTO_PREFIX) || !m)
    throw new UnknownMutant(
      `${name}: expected ${AUTO_PREFIX}[<variant>:]<function>/<operator>/<n>[@<kernel>]`,
    );
  if (!(OPERATORS as readonly string[]).includes(m[3]!))
    throw new UnknownMutant(`${name}: unknown operator ${m[3]} (known: ${OPERATORS.join(", ")})`);
  const variant = m[1];
  return {
    fn: m[2]!,
    ...(variant ? { variant } : {}),
    operator: m[3]!,
    n: Number(m[4]),
    base: at ?? variant ?? "mainline",
  };
}

export function findMutant(name: string): MutantSpec {
  const { fn, variant, operator, n } = parseMutantName(name);
  if (!mutableFunctions().some((f) => f.fn === fn && f.variant === variant))
    throw new UnknownMutant(
      variant
        ? `${name}: ${fn} is not a function of the kernel table of variant ${variant}'s own file (mutable variants: ${MUTABLE_VARIANT_FILES.map((v) => v.variant).join(", ")})`
        : `${name}: ${fn} is not a function of the kernel table in src/model/kernel/sgx`,
    );
  const spec = listMutants({ functions: [qualified(fn, variant)], operators: [operator] }).find(
    (s) => s.n === n,
  );
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
