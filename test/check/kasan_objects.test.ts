/**
 * KASAN for struct sgx_encl_mm: an mm_list walker that reads an sgx_encl_mm freed under it. The
 * kernel frees it only after synchronize_srcu(); the automatic mutant without that grace period is
 * found on check-mm-exit-vs-reclaim, which mainline passes under the same budget.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runCheckSession } from "../../src/check/session.ts";
import { loadScenario } from "../../src/scenario/load.ts";
import { loadKernel } from "../../src/scenario/patches.ts";

async function check(kernel: string) {
  await loadKernel(kernel);
  const { scenario: sc, raw } = loadScenario("check-mm-exit-vs-reclaim", [`kernel=${kernel}`]);
  return runCheckSession({ sc, raw, seed: 1, schedules: 5000, timeMs: 60_000 });
}

test("an sgx_encl_mm freed without an SRCU grace period is a use-after-free in the reclaimer's mm_list walk", async () => {
  const r = await check("mutant/auto/sgx_mmu_notifier_release/drop-barrier/0");
  assert.equal(r.property, "KASAN: use-after-free");
  assert.match(r.detail ?? "", /struct sgx_encl_mm/);
  const clean = await check("mainline");
  assert.equal(clean.found, false, clean.report ?? "");
});
