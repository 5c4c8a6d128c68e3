import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { replayToken, runCheckSession } from "../../src/check/session.ts";
import { runScenario } from "../../src/experiment/run.ts";
import { getVariant, variantNames } from "../../src/model/kernel/variants/index.ts";
import { loadScenario, ScenarioError } from "../../src/scenario/load.ts";
import { kernelName, loadKernel } from "../../src/scenario/patches.ts";

const EX = resolve(import.meta.dirname, "../../examples/patches");

test("every built-in kernel variant the issue names exists", () => {
  for (const v of ["mainline", "v38", "v38-per-page", "v5.11", "v5.17", "v5.19", "v6.0", "v6.6"]) {
    assert.ok(variantNames().includes(v), v);
  }
});

test("a patch module is applied on top of its base variant, under its full kernel name", async () => {
  const name = kernelName("v5.19", [join(EX, "per-page-reclaim.ts")]);
  await loadKernel(name);
  const v = getVariant(name)!;
  assert.equal(v.constants?.SGX_NR_TO_SCAN, 1);
  assert.equal(
    v.overrides.sgx_vma_fault,
    getVariant("v5.19")!.overrides.sgx_vma_fault,
    "the base variant's overrides stay",
  );
});

test("the per-page patch makes every reclaim round take one page", async () => {
  const name = kernelName("mainline", [join(EX, "per-page-reclaim.ts")]);
  await loadKernel(name);
  const { scenario } = loadScenario("seed-batching", [
    `kernel=${name}`,
    "run.duration=5ms",
    "machine.epc=1024",
  ]);
  const m = runScenario(scenario).result.metrics;
  assert.ok(m.reclaimed_pages > 10);
  assert.equal(m.reclaim_isolated, m.reclaim_rounds, "one isolated page per round");
});

test("the checker finds the race the backing-without-lock patch opens, and its token replays", async () => {
  const name = kernelName("mainline", [join(EX, "backing-without-lock.ts")]);
  await loadKernel(name);
  const { scenario: sc, raw } = loadScenario("check-pcmd-truncate", [`kernel=${name}`]);
  const r = runCheckSession({ sc, raw, seed: 1, schedules: 500, timeMs: 60_000 });
  assert.equal(r.found, true);
  assert.match(r.property!, /evicted data is in the backing store/);
  assert.equal(replayToken(r.replay_token!).report.text, r.report);
});

test("a patch naming an unknown function is refused with the file and a suggestion", async () => {
  const dir = mkdtempSync(join(tmpdir(), "epcsim-patch-"));
  const f = join(dir, "bad.ts");
  writeFileSync(f, 'export default { name: "bad", overrides: { sgx_reclaim_page: function* () {} } };\n');
  await assert.rejects(loadKernel(`mainline+${f}`), (e: unknown) => {
    assert.ok(e instanceof ScenarioError);
    assert.match(
      e.lines[0]!,
      /bad\.ts: overrides\.sgx_reclaim_page: no kernel function of that name \(did you mean sgx_reclaim_pages\?\)/,
    );
    return true;
  });
  const g = join(dir, "const.ts");
  writeFileSync(g, 'export default { name: "c", constants: { SGX_NR_TO_SCAN: "16" } };\n');
  await assert.rejects(loadKernel(`mainline+${g}`), /constants\.SGX_NR_TO_SCAN: expected a number/);
  await assert.rejects(loadKernel("nosuchkernel"), /unknown kernel variant "nosuchkernel"/);
});

test("an exception in a patch's code ends the CLI with the patch's file:line:col, exit 2, no stack trace", () => {
  const dir = mkdtempSync(join(tmpdir(), "epcsim-patch-"));
  const f = join(dir, "oops.mts");
  writeFileSync(
    f,
    [
      "export default {",
      '  name: "oops",',
      "  overrides: {",
      "    *sgx_reclaimer_age() {",
      "      const page = undefined;",
      "      return page.young;",
      "    },",
      "  },",
      "};",
      "",
    ].join("\n"),
  );
  const bin = resolve(import.meta.dirname, "../../bin/epcsim.js");
  const r = spawnSync(
    process.execPath,
    [bin, "check", "check-fault-vs-reclaim", "--patch", f, "--budget", "50"],
    {
      encoding: "utf8",
    },
  );
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /oops\.mts:6:\d+: exception in patch code: TypeError: .*young/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});
