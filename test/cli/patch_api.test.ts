/**
 * Patches from anywhere: a patch in a directory outside the checkout imports "epcsim/patch", runs,
 * and its ops carry its own source positions in reports; src/patch.ts exports every name a
 * built-in variant imports from the model, so a patch can do what a variant does with one import.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import ts from "typescript";

const ROOT = join(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/epcsim.js");

const RESCHED_PATCH = `import {
  cond_resched,
  definePatch,
  list_add_tail,
  type Machine,
  type ModelGen,
  SGX_EPC_PAGE_RECLAIMER_TRACKED,
  spin_lock,
  spin_unlock,
} from "epcsim/patch";

export default definePatch({
  name: "resched-in-lock",
  overrides: {
    *sgx_mark_page_reclaimable(m: Machine, page: number): ModelGen {
      yield spin_lock(m.sgx.sgx_reclaimer_lock);
      m.pages.flags.set(page, m.pages.flags.get(page) | SGX_EPC_PAGE_RECLAIMER_TRACKED);
      list_add_tail(m.pages, page, m.sgx.sgx_active_page_list);
      yield* cond_resched(m);
      yield spin_unlock(m.sgx.sgx_reclaimer_lock);
    },
  },
});
`;

function epcsim(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", cwd });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('a patch outside the checkout imports "epcsim/patch", runs, and reports its own source lines', () => {
  const dir = mkdtempSync(join(tmpdir(), "epcsim-patch-"));
  try {
    assert.ok(relative(ROOT, dir).startsWith(".."), "the directory is outside the checkout");
    writeFileSync(
      join(dir, "batch8.ts"),
      'import { definePatch } from "epcsim/patch";\nexport default definePatch({ name: "batch8", constants: { SGX_NR_TO_SCAN: 8 } });\n',
    );
    const run = epcsim(dir, "run", "seed-batching", "--patch", "./batch8.ts", "--set", "run.duration=1ms");
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /kernel mainline\+.*batch8\.ts/);

    writeFileSync(join(dir, "resched.ts"), RESCHED_PATCH);
    const check = epcsim(
      dir,
      "check",
      "check-fault-during-reclaim",
      "--patch",
      "./resched.ts",
      "--budget",
      "300",
    );
    assert.equal(check.code, 1, check.err);
    assert.match(check.out, /^BUG: sleeping function called from invalid context/);
    // The op sites point into the patch file (line 19 is its cond_resched), not "?".
    assert.match(check.out, /does cond_resched, at: sgx_mark_page_reclaimable \(resched\.ts:19\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The names each built-in variant file imports from model modules outside the variants. */
function namesVariantsImport(): Map<string, string> {
  const variants = join(ROOT, "src/model/kernel/variants");
  const files: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith(".ts")) files.push(p);
    }
  };
  walk(variants);
  const need = new Map<string, string>();
  for (const f of files) {
    const sf = ts.createSourceFile(f, readFileSync(f, "utf8"), ts.ScriptTarget.Latest);
    for (const st of sf.statements) {
      if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier)) continue;
      const from = resolve(dirname(f), st.moduleSpecifier.text);
      if (from.startsWith(variants) || !from.startsWith(join(ROOT, "src"))) continue;
      const bindings = st.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings))
        for (const e of bindings.elements)
          need.set((e.propertyName ?? e.name).text, `${relative(ROOT, f)} (from ${relative(ROOT, from)})`);
    }
  }
  return need;
}

test("src/patch.ts exports every name a built-in variant imports from the model", () => {
  const api = join(ROOT, "src/patch.ts");
  const program = ts.createProgram([api], {
    allowImportingTsExtensions: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
  });
  const checker = program.getTypeChecker();
  const sym = checker.getSymbolAtLocation(program.getSourceFile(api)!)!;
  const exported = new Set(checker.getExportsOfModule(sym).map((s) => s.name));
  const need = namesVariantsImport();
  assert.ok(need.size > 50, `${need.size} names found`);
  const missing = [...need].filter(([n]) => !exported.has(n)).map(([n, where]) => `${n} in ${where}`);
  assert.deepEqual(missing, []);
});

test("patch check: a type error in an override is reported with its position (exit 2); a good patch lists what it overrides", () => {
  const dir = mkdtempSync(join(tmpdir(), "epcsim-patch-"));
  try {
    writeFileSync(join(dir, "resched.ts"), RESCHED_PATCH);
    writeFileSync(
      join(dir, "bad.ts"),
      `import { definePatch, type Machine, type ModelGen } from "epcsim/patch";
export default definePatch({
  name: "bad",
  overrides: {
    *sgx_should_reclaim(_m: Machine, _watermark: number): ModelGen<string> {
      return "yes";
    },
  },
});
`,
    );
    const bad = epcsim(dir, "patch", "check", "bad.ts");
    assert.equal(bad.code, 2, bad.out + bad.err);
    assert.match(bad.out, /bad\.ts:5:\d+: Type .*ModelGen<string>.* is not assignable/);
    const good = epcsim(dir, "patch", "check", "resched.ts", "--json");
    assert.equal(good.code, 0, good.err);
    const [r] = JSON.parse(good.out) as { name: string; overrides: string[]; errors: string[] }[];
    assert.deepEqual(r, {
      ...r,
      name: "resched-in-lock",
      overrides: ["sgx_mark_page_reclaimable"],
      errors: [],
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a scenario knob that overrides a patch's constant is warned about; reclaimer.batch=kernel keeps the patch's", () => {
  const patch = join(ROOT, "examples/patches/per-page-reclaim.ts");
  const args = ["run", "fault-pressure", "--patch", patch, "--set", "run.duration=1ms"];
  const warned = epcsim(ROOT, ...args);
  assert.equal(warned.code, 0, warned.err);
  assert.match(
    warned.err,
    /warning: reclaimer\.batch: the scenario's 16 overrides SGX_NR_TO_SCAN = 1 from the patch/,
  );
  const kept = epcsim(ROOT, ...args, "--set", "reclaimer.batch=kernel");
  assert.equal(kept.code, 0, kept.err);
  assert.doesNotMatch(kept.err, /warning/);
});
