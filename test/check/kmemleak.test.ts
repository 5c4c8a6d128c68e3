/** kmemleak: where an EPC page was allocated is recorded while sites are captured (report replays). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { siteCapture } from "../../src/rt/site.ts";
import { kseq, machine } from "../helpers/model.ts";

test("an EPC page allocated during a report replay records who allocated it, not the allocator", () => {
  const m = machine(16);
  const quiet = kseq(m, () => m.fn.sgx_alloc_epc_page(m, -1, false));
  assert.equal(m.kmemleak_sites.has(quiet), false, "no record while sites are off (the search pays nothing)");
  siteCapture.on = true;
  try {
    const page = kseq(m, () => m.fn.sgx_alloc_epc_page(m, -1, false));
    const site = m.kmemleak_sites.get(page) ?? "";
    assert.match(site, /^sgx_alloc_epc_page \(main\.ts:\d+\)/);
    assert.doesNotMatch(site, /freeListTakeFirst|__sgx_alloc_epc_page/);
  } finally {
    siteCapture.on = false;
  }
});

test("kmemleak scans kernel heap objects too: an sgx_encl_mm unlinked and never freed", async () => {
  const { loadKernel } = await import("../../src/scenario/patches.ts");
  const { loadScenario } = await import("../../src/scenario/load.ts");
  const { runCheckSession } = await import("../../src/check/session.ts");
  const run = async (kernel: string) => {
    await loadKernel(kernel);
    const { scenario: sc, raw } = loadScenario("check-release-vs-reclaim", [`kernel=${kernel}`]);
    return runCheckSession({ sc, raw, seed: 1, schedules: 1000, timeMs: 60_000 });
  };
  // sgx_mmu_notifier_release with its `if (found)` inverted: the unlinked sgx_encl_mm is not freed.
  const r = await run("mutant/auto/sgx_mmu_notifier_release/invert-cond/1");
  assert.equal(r.property, "kmemleak: unreferenced object");
  assert.match(r.detail ?? "", /unreferenced struct sgx_encl_mm/);
  assert.equal((await run("mainline")).found, false);
});

/** The allocators' view inside the kernel's own data structures: xarray nodes, page references, VA pages. */
const INTERNAL: [mutant: string, scenario: string, detail: RegExp][] = [
  // sgx_encl_put_backing without one of its put_page(): a shmem page keeps a reference forever.
  [
    "mutant/auto/sgx_encl_put_backing/drop-put/0",
    "check-fault-vs-reclaim",
    /get_page\(\) without its put_page\(\)/,
  ],
  [
    "mutant/auto/sgx_encl_put_backing/drop-put/1",
    "check-pcmd-truncate",
    /get_page\(\) without its put_page\(\)/,
  ],
  // sgx_encl_release without xa_destroy(): the page_array's nodes outlive the enclave.
  [
    "mutant/auto/sgx_encl_release/drop-put/0",
    "check-release-vs-reclaim",
    /xa_node of the page_array .*xa_destroy/,
  ],
  // sgx_encl_release without kfree(va_page).
  ["mutant/auto/sgx_encl_release/drop-put/2", "check-release-vs-reclaim", /unreferenced struct sgx_va_page/],
  // sgx_alloc_epc_page's error path (charged, then no free EPC page) without sgx_put_cg(): the
  // killed container's cgroup is never freed once removed.
  [
    "mutant/auto/cgroup-v16:sgx_alloc_epc_page/drop-put/1",
    "check-cgroup-charge-fail-rmdir",
    /removed cgroup a still has 1 css reference/,
  ],
  // sgx_cgroup_lru_empty keeping each cgroup it visits pinned: a removed cgroup is never freed.
  [
    "mutant/auto/sgx_cgroup_lru_empty/drop-put/0@cgroup-v16",
    "check-cgroup-rmdir",
    /css_get\(\) without its css_put/,
  ],
];

for (const [mutant, scenario, detail] of INTERNAL)
  test(`kmemleak finds ${mutant.split("/").slice(2).join("/")} on ${scenario}`, async () => {
    const { loadKernel } = await import("../../src/scenario/patches.ts");
    const { loadScenario } = await import("../../src/scenario/load.ts");
    const { runCheckSession } = await import("../../src/check/session.ts");
    await loadKernel(mutant);
    const { scenario: sc, raw } = loadScenario(scenario, [`kernel=${mutant}`]);
    const r = await runCheckSession({ sc, raw, seed: 1, schedules: 2000, timeMs: 60_000 });
    assert.equal(r.property, "kmemleak: unreferenced object", r.detail ?? "not found");
    assert.match(r.detail ?? "", detail);
  });
