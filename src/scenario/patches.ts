/**
 * Loading users' patches. A kernel name may carry patches: `mainline+./a.ts+./b.ts` is mainline
 * with a.ts then b.ts applied. Patches load asynchronously (they are TypeScript modules), so every
 * entry point calls `loadKernel()` before it builds a machine; the composite variant is then
 * registered under the full name, and worker threads do the same with the name they receive.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { register as nodeRegister } from "node:module";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { mainline } from "../model/kernel/sgx/index.ts";
import { DEFAULT_SGX_CONSTANTS } from "../model/kernel/sgx/sgx.ts";
import { capabilities, getVariant, registerVariant, variantNames } from "../model/kernel/variants/index.ts";
import type { Patch } from "../patch.ts";
import { PATCH_API_URL, srcUrl } from "../paths.ts";
import { FRAMES_GENERATOR } from "../rt/frames.ts";
import { didYouMean, nearest } from "./did_you_mean.ts";
import { ScenarioError } from "./load.ts";

/** Split "base+patch1+patch2" into the base variant and the patch paths (absolute). */
export function splitKernel(name: string): { base: string; patches: string[] } {
  const [base, ...patches] = name.split("+");
  return { base: base!, patches: patches.map((p) => resolve(p)) };
}

/** The canonical kernel name: base plus absolute patch paths. */
export function kernelName(base: string, patches: string[]): string {
  return [base, ...patches.map((p) => resolve(p))].join("+");
}

/**
 * Hashes of kernels whose patches were loaded from copies (a queue worker receives a patch's content,
 * not the submitter's file): the name keeps the submitter's paths, the hashes are the shipped ones.
 */
const shippedHashes = new Map<string, { path: string; sha: string }[]>();

/** sha256 (16 hex digits) of each patch file, for replay tokens and result caches. */
export function patchHashes(name: string): { path: string; sha: string }[] {
  const shipped = shippedHashes.get(name);
  if (shipped) return shipped;
  return splitKernel(name).patches.map((path) => ({
    path,
    sha: createHash("sha256").update(readFileSync(path)).digest("hex").slice(0, 16),
  }));
}

/**
 * Check a loaded patch module; throws ScenarioError naming the file and the problem. `extra` holds
 * the functions of the base variant that mainline does not have (isgx's sgx_swap_pages, ...), which a
 * patch on that variant may replace too.
 */
/** The values a patch may give each numeric constant (the same bounds as the scenario's knobs). */
const CONSTANT_RANGE: Record<string, [number, number]> = {
  SGX_NR_TO_SCAN: [1, 4096],
  SGX_NR_LOW_PAGES: [0, 1 << 30],
  SGX_NR_HIGH_PAGES: [0, 1 << 30],
  SGX_MAX_EPC_SECTIONS: [1, 64],
  SGX_EEXTEND_BLOCK_SIZE: [1, 4096],
  XA_CHECK_SCHED: [1, Number.POSITIVE_INFINITY],
  nr_ksgxd: [1, 256],
};

/** A generator function, as written or as the build's frames transform compiled it (rt/frames.ts). */
function isGenerator(f: unknown): boolean {
  if (typeof f !== "function") return false;
  return f.constructor?.name === "GeneratorFunction" || FRAMES_GENERATOR in f;
}

export function validatePatch(file: string, mod: unknown, extra: object = {}): Patch {
  const p = ((mod as { default?: unknown })?.default ?? (mod as { patch?: unknown })?.patch) as
    | Patch
    | undefined;
  if (!p || typeof p !== "object")
    throw new ScenarioError([
      `${file}: a patch module must \`export default definePatch({ name, overrides, constants })\``,
    ]);
  if (typeof p.name !== "string" || !p.name) throw new ScenarioError([`${file}: the patch needs a name`]);
  const fns = [...Object.keys(mainline), ...Object.keys(extra)];
  for (const [k, v] of Object.entries(p.overrides ?? {})) {
    if (!(k in mainline) && !(k in extra)) {
      const near = nearest(k, fns);
      throw new ScenarioError([
        `${file}: overrides.${k}: no kernel function of that name${near ? ` (did you mean ${near}?)` : ""}`,
      ]);
    }
    if (typeof v !== "function") throw new ScenarioError([`${file}: overrides.${k}: expected a function`]);
    // Model code calls kernel functions with yield*: a generator function must stay one.
    const orig = (mainline as Record<string, unknown>)[k] ?? (extra as Record<string, unknown>)[k];
    if (typeof orig === "function" && isGenerator(orig) !== isGenerator(v))
      throw new ScenarioError([
        `${file}: overrides.${k}: ${k} is ${isGenerator(orig) ? "a generator function (function*), which model code runs with yield*" : "a plain function"}; the override must be ${isGenerator(orig) ? "one too" : "plain too"}`,
      ]);
  }
  for (const [k, v] of Object.entries(p.constants ?? {})) {
    if (!(k in DEFAULT_SGX_CONSTANTS))
      throw new ScenarioError([
        `${file}: constants.${k}: no such constant (known: ${Object.keys(DEFAULT_SGX_CONSTANTS).join(", ")})`,
      ]);
    if (typeof v !== typeof DEFAULT_SGX_CONSTANTS[k as keyof typeof DEFAULT_SGX_CONSTANTS])
      throw new ScenarioError([
        `${file}: constants.${k}: expected a ${typeof DEFAULT_SGX_CONSTANTS[k as keyof typeof DEFAULT_SGX_CONSTANTS]}`,
      ]);
    const range = CONSTANT_RANGE[k];
    if (
      range &&
      typeof v === "number" &&
      !(v >= range[0] && v <= range[1] && (Number.isInteger(v) || v === Infinity))
    )
      throw new ScenarioError([
        `${file}: constants.${k}: ${v} is out of range (an integer ${range[0]}..${range[1]})`,
      ]);
  }
  return p;
}

/**
 * Make sure the variant `name` exists: a built-in one, or a base variant with patches, which are
 * imported, validated and registered under `name`.
 */
export async function loadKernel(name: string): Promise<void> {
  if (getVariant(name)) return;
  const { base, patches } = splitKernel(name);
  // Automatic mutants are rebuilt from their name (src/mutate), patches applied on top of one too.
  if (base.startsWith("mutant/auto/")) {
    await loadAutoMutant(base);
    if (!patches.length) return;
  }
  await registerPatched(name, patches);
}

/** Register an automatic mutant from its name; loaded on use (it needs the TypeScript parser). */
async function loadAutoMutant(name: string): Promise<void> {
  if (getVariant(name)) return;
  const { registerAutoMutant } = await import("../mutate/load.ts");
  const { UnknownMutant } = await import("../mutate/generate.ts");
  try {
    await registerAutoMutant(name);
  } catch (e) {
    if (e instanceof UnknownMutant) throw new ScenarioError([`kernel: ${e.message}`]);
    throw e;
  }
}

/**
 * Register the kernel `name` (base plus patches at the submitter's paths) from local copies of its
 * patch files, whose hashes the caller has verified (see experiment/queue/patches.ts).
 */
/**
 * Why `kernel` cannot run scenario `sc` (null when it can): an SGX2 workload on a release before
 * v6.0, or EPC cgroup limits on a kernel without the sgx_epc misc controller would run as if the
 * feature were there, or silently without it; either way the result would mean nothing.
 */
export function kernelMismatch(
  sc: { name: string; kernel: string; machine: { sgx2: boolean }; cgroups: object },
  ownKernel?: string,
): string | null {
  const v = getVariant(sc.kernel);
  if (!v) return null;
  const caps = capabilities(v);
  if (sc.machine.sgx2 && !caps.sgx2)
    return `kernel ${sc.kernel} predates SGX2 (v6.0); ${sc.name} is an SGX2 workload (machine.sgx2)`;
  const own = ownKernel ? getVariant(ownKernel) : undefined;
  if (own && capabilities(own).epc_cgroup && !caps.epc_cgroup)
    return `kernel ${sc.kernel} has no EPC cgroup (sgx_epc misc controller); ${sc.name} is written for ${ownKernel}`;
  return null;
}

export async function loadKernelFrom(
  name: string,
  files: string[],
  hashes: { path: string; sha: string }[],
): Promise<void> {
  const before = shippedHashes.get(name);
  shippedHashes.set(name, hashes);
  const { base } = splitKernel(name);
  if (base.startsWith("mutant/auto/")) await loadAutoMutant(base);
  // The same name with other contents (the submitter edited a patch) is registered anew.
  if (getVariant(name) && JSON.stringify(before) === JSON.stringify(hashes)) return;
  await registerPatched(name, files);
}

let tsxRegistered = false;

/**
 * Patches are TypeScript: the built command line (dist/) runs without tsx, so its loader is
 * registered the first time a patch is imported (again under tsx, which is harmless).
 */
export async function typeScriptLoader(): Promise<void> {
  if (tsxRegistered) return;
  const { register } = await import("tsx/esm/api");
  register();
  // A patch's stack traces (its exceptions, its op sites) in terms of its own lines: node keeps the
  // source map of every module loaded from here on (src/rt/built_stacks.ts asks it for them).
  process.setSourceMapsEnabled(true);
  // Registered after tsx, so it runs first: "epcsim/patch" means this epcsim's own patch API.
  const root = srcUrl("..").href.replace(/\/?$/, "/");
  nodeRegister(srcUrl("scenario", "patch_hooks.mjs"), {
    data: {
      target: PATCH_API_URL.href,
      srcPatch: srcUrl("patch.ts").href,
      own: [`${root}src/`, `${root}dist/`, `${root}test/`, `${root}bench/`],
    },
  });
  tsxRegistered = true;
}

/**
 * Import a patch module (TypeScript, anywhere on disk) and validate it; `extra` as in validatePatch.
 * Throws ScenarioError naming the file when it does not load or is not a patch.
 */
export async function importPatch(file: string, extra: object = {}): Promise<Patch> {
  await typeScriptLoader();
  if (!existsSync(file)) throw new ScenarioError([`${file}: no such patch file`]);
  let mod: unknown;
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (e) {
    const msg = (e as Error).message.split("\n")[0] ?? "";
    throw new ScenarioError([`${file}: the patch does not load: ${msg}`]);
  }
  return validatePatch(file, mod, extra);
}

/** The constants each patched kernel's patches set (not its base variant's), by kernel name. */
const patchConstants = new Map<string, Record<string, unknown>>();

/** Scenario knob -> the kernel constant it overrides. */
const KNOB_CONSTANT = {
  batch: "SGX_NR_TO_SCAN",
  threads: "nr_ksgxd",
  low_pages: "SGX_NR_LOW_PAGES",
  high_pages: "SGX_NR_HIGH_PAGES",
} as const;

/**
 * Where a scenario's reclaimer knob overrides a constant that a patch of `kernel` sets (a per-page
 * patch under a scenario with `batch: 16` would change nothing): one sentence per knob.
 */
export function knobOverrides(
  kernel: string,
  reclaimer: Partial<Record<keyof typeof KNOB_CONSTANT, number | undefined>>,
): string[] {
  const set = patchConstants.get(kernel);
  if (!set) return [];
  const out: string[] = [];
  for (const [knob, constant] of Object.entries(KNOB_CONSTANT)) {
    const v = reclaimer[knob as keyof typeof KNOB_CONSTANT];
    if (v === undefined || !(constant in set) || set[constant] === v) continue;
    out.push(
      `reclaimer.${knob}: the scenario's ${v} overrides ${constant} = ${set[constant]} from the patch (kernel ${kernel}); --set reclaimer.${knob}=kernel keeps the patch's value`,
    );
  }
  return out;
}

async function registerPatched(name: string, patches: string[]): Promise<void> {
  const { base } = splitKernel(name);
  const v = getVariant(base);
  if (!v)
    throw new ScenarioError([
      `kernel: unknown kernel variant "${base}"${didYouMean(base, variantNames())} (see \`epcsim kernels\`)`,
    ]);
  let overrides = { ...v.overrides };
  let constants = { ...v.constants };
  const names: string[] = [];
  let own: Record<string, unknown> = {};
  for (const file of patches) {
    const p = await importPatch(file, v.overrides);
    overrides = { ...overrides, ...p.overrides };
    constants = { ...constants, ...p.constants };
    own = { ...own, ...p.constants };
    names.push(p.name);
  }
  patchConstants.set(name, own);
  registerVariant({
    name,
    description: `${base} with ${names.join(", ")}`,
    overrides,
    constants,
    ...(v.sgx2 === false ? { sgx2: false } : {}),
  });
}
