/**
 * Load an automatic mutant as a kernel variant. The mutated module is a copy of a model source file
 * with one edit; its imports are rewritten to the patch API (src/patch.ts, or dist/patch.js in the
 * build), so that the copy shares every helper, class and lock with the code that runs it, exactly
 * as a patch does. Every kernel-table function the copy declares replaces the original in the
 * variant, so that direct calls inside the file reach the mutated function too.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { getVariant, registerVariant, type Variant, variantFns } from "../model/kernel/variants/index.ts";
import { PATCH_API_URL, srcPath } from "../paths.ts";
import { typeScriptLoader } from "../scenario/patches.ts";
import { findMutant, type MutantSpec, mutantHash, mutatedText, parseMutantName } from "./generate.ts";

let apiNames: Set<string> | undefined;

async function patchApi(): Promise<Record<string, unknown>> {
  const api = (await import(PATCH_API_URL.href)) as Record<string, unknown>;
  apiNames ??= new Set(Object.keys(api));
  return api;
}

/**
 * The mutated module with its relative imports pointing at the patch API (values it exports) or at
 * the original file (the rest: types, which the TypeScript loader drops).
 */
export function rewriteImports(
  text: string,
  originalPath: string,
  api: ReadonlySet<string>,
  captureVariants = false,
): string {
  const sf = ts.createSourceFile(originalPath, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const edits: { start: number; end: number; text: string }[] = [];
  for (const s of sf.statements) {
    // Re-exports (`export { X } from "../../hw/arch.ts"`): through the patch API when it has them all.
    if (ts.isExportDeclaration(s) && s.moduleSpecifier && ts.isStringLiteral(s.moduleSpecifier)) {
      const spec = s.moduleSpecifier.text;
      if (!spec.startsWith(".")) continue;
      const names =
        s.exportClause && ts.isNamedExports(s.exportClause)
          ? s.exportClause.elements.map((e) => (e.propertyName ?? e.name).text)
          : [];
      const to =
        names.length && names.every((n) => api.has(n))
          ? PATCH_API_URL.href
          : pathToFileURL(resolve(dirname(originalPath), spec)).href;
      edits.push({
        start: s.moduleSpecifier.getStart(sf),
        end: s.moduleSpecifier.getEnd(),
        text: JSON.stringify(to),
      });
      continue;
    }
    if (!ts.isImportDeclaration(s) || !ts.isStringLiteral(s.moduleSpecifier)) continue;
    const spec = s.moduleSpecifier.text;
    if (!spec.startsWith(".")) continue;
    const original = pathToFileURL(resolve(dirname(originalPath), spec)).href;
    const clause = s.importClause;
    let out: string;
    if (!clause || clause.isTypeOnly) out = "";
    else if (clause.namedBindings && ts.isNamespaceImport(clause.namedBindings))
      out = `import * as ${clause.namedBindings.name.text} from ${JSON.stringify(PATCH_API_URL.href)};`;
    else {
      const named =
        clause.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : [];
      const viaApi: string[] = [];
      const direct: string[] = [];
      const captured: string[] = [];
      for (const e of named) {
        if (e.isTypeOnly) continue;
        const from = (e.propertyName ?? e.name).text;
        // A variant file's copy registers nothing: its variant is captured (registerAutoMutant).
        if (captureVariants && from === "registerVariant") {
          captured.push(
            `const ${e.name.text} = (v: unknown) => (globalThis as any)[Symbol.for(${JSON.stringify(CAPTURE_KEY)})].push(v);`,
          );
          continue;
        }
        const as = e.propertyName ? `${from} as ${e.name.text}` : from;
        (api.has(from) ? viaApi : direct).push(as);
      }
      out = [
        viaApi.length ? `import { ${viaApi.join(", ")} } from ${JSON.stringify(PATCH_API_URL.href)};` : "",
        direct.length ? `import { ${direct.join(", ")} } from ${JSON.stringify(original)};` : "",
        ...captured,
      ].join("\n");
    }
    edits.push({ start: s.getStart(sf), end: s.getEnd(), text: out });
  }
  let t = text;
  for (const e of edits.sort((a, b) => b.start - a.start)) t = t.slice(0, e.start) + e.text + t.slice(e.end);
  return t;
}

const CAPTURE_KEY = "epcsim.capturedVariants";

interface ImportedMutant {
  exports: Record<string, unknown>;
  /** The variants a variant file's copy registered (captured instead). */
  variants: Variant[];
}

/** Copies already imported, by file (a module runs once: its captured variants are kept here). */
const imported = new Map<string, ImportedMutant>();

/** Write the mutated module (named by its content hash) and import it. */
async function importMutant(spec: MutantSpec): Promise<ImportedMutant> {
  await patchApi();
  const dir = join(tmpdir(), "epcsim-mutants");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${basename(spec.file, ".ts")}-${mutantHash(spec)}.ts`);
  const hit = imported.get(file);
  if (hit) return hit;
  const header = `// ${spec.name}: ${spec.what}\n`;
  writeFileSync(
    file,
    header + rewriteImports(mutatedText(spec), srcOf(spec), apiNames!, spec.variant !== undefined),
  );
  await typeScriptLoader();
  const g = globalThis as unknown as Record<symbol, Variant[]>;
  const key = Symbol.for(CAPTURE_KEY);
  g[key] = [];
  const exports = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const out = { exports, variants: g[key] };
  delete g[key];
  imported.set(file, out);
  return out;
}

function srcOf(spec: MutantSpec): string {
  return srcPath("model", "kernel", "sgx", spec.file);
}

/**
 * The running code's instance of each function the copy declares in a table: mainline's, or for
 * the EPC cgroup's real API (mainline carries its CONFIG_CGROUP_MISC=n stubs) the API's.
 */
function originals(api: Record<string, unknown>, table: string, key: string): unknown {
  if (table === "epc_cgroup_api") return (api.epc_cgroup_api as Record<string, unknown>)[key];
  return (api.mainline as Record<string, unknown>)[key];
}

/** The running code's instance of the function `spec` mutates (what a kernel must use to be a target). */
export async function originalFn(spec: MutantSpec): Promise<unknown> {
  if (spec.variant)
    return (getVariant(spec.variant)?.overrides as Record<string, unknown> | undefined)?.[spec.fn];
  const api = await patchApi();
  const table =
    spec.file === "epc_cgroup.ts" && spec.fn in (api.epc_cgroup_api as object)
      ? "epc_cgroup_api"
      : "mainline";
  return originals(api, table, spec.fn);
}

/** Register the variant `name` (`mutant/auto/<fn>/<op>/<n>[@<base>]`). */
export async function registerAutoMutant(name: string): Promise<void> {
  if (getVariant(name)) return;
  const { base } = parseMutantName(name);
  const spec = findMutant(name.split("@")[0]!);
  const baseV = getVariant(base);
  if (!baseV) throw new Error(`${name}: unknown base kernel ${base}`);
  const api = await patchApi();
  const copy = await importMutant(spec);
  const fns = variantFns(baseV) as unknown as Record<string, unknown>;
  // Each function of the copy replaces the running code's instance of it, wherever the base uses it.
  // Paired by table key, not by name: the build renames functions that share a name across files
  // (sgx_reclaim_pages of main.ts and of a variant), the copy's keep theirs.
  const replace = new Map<unknown, unknown>();
  const pair = (o: unknown, f: unknown) => {
    if (typeof f === "function" && typeof o === "function") replace.set(o, f);
  };
  if (spec.variant) {
    const own = getVariant(spec.variant)!.overrides as Record<string, unknown>;
    const mutated = copy.variants.find((v) => v.name === spec.variant);
    if (!mutated) throw new Error(`${name}: the mutated copy of ${spec.file} registered no ${spec.variant}`);
    for (const [k, f] of Object.entries(mutated.overrides)) pair(own[k], f);
  } else
    for (const [table, obj] of Object.entries(copy.exports)) {
      if (!obj || typeof obj !== "object" || Array.isArray(obj)) continue;
      for (const [k, f] of Object.entries(obj as Record<string, unknown>)) pair(originals(api, table, k), f);
    }
  const overrides: Record<string, unknown> = { ...baseV.overrides };
  for (const [k, f] of Object.entries(fns)) if (replace.has(f)) overrides[k] = replace.get(f);
  registerVariant({
    name,
    description: `${base} with ${spec.fn} mutated (${spec.operator}): ${spec.what}`,
    overrides,
    constants: baseV.constants,
    mutant: true,
    ...(baseV.sgx2 === false ? { sgx2: false } : {}),
  });
}
