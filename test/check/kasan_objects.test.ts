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
  // The walker trips over the freed sgx_encl_mm, or over the mm_struct whose last mm_count the
  // freed subscription dropped (whichever read the schedule reaches first).
  assert.match(r.detail ?? "", /struct sgx_encl_mm|struct mm_struct/);
  const clean = await check("mainline");
  assert.equal(clean.found, false, clean.report ?? "");
});

test("an MMU notifier subscription that holds no mm_count frees the mm_struct early (mm lifetimes)", async () => {
  const { registerVariant } = await import("../../src/model/kernel/variants/registry.ts");
  const { sgx_encl_mm } = await import("../../src/model/kernel/sgx/sgx.ts");
  const { spin_lock, spin_unlock } = await import("../../src/model/kernel/lib/locks.ts");
  const { kref_get } = await import("../../src/model/kernel/lib/atomic.ts");
  type M = import("../../src/model/machine.ts").Machine;
  type Encl = import("../../src/model/kernel/sgx/sgx.ts").sgx_encl;
  type Mm = import("../../src/model/kernel/lib/mm.ts").mm_struct;
  registerVariant({
    name: "test/notifier-without-mmgrab",
    description: "sgx_encl_mm_add subscribing its MMU notifier without the mm_count the subscription holds",
    mutant: true,
    overrides: {
      *sgx_encl_mm_add(m: M, encl: Encl, mm: Mm) {
        if (yield* m.fn.sgx_encl_find_mm(m, encl, mm)) return 0;
        const encl_mm = new sgx_encl_mm(encl, mm);
        m.encl_mms.push(encl_mm);
        yield* kref_get(m, encl.refcount);
        encl_mm.notifier = { owner: encl_mm };
        mm.notifiers.push(encl_mm.notifier); // MUTANT: mmu_notifier_register without mmgrab()
        yield spin_lock(encl.mm_lock);
        encl.mm_list.unshift(encl_mm);
        encl.mm_list_version++;
        yield spin_unlock(encl.mm_lock);
        return 0;
      },
    },
  });
  const r = await check("test/notifier-without-mmgrab");
  assert.ok(r.found, "not found");
  assert.ok(
    ["KASAN: use-after-free", "WARN mmdrop"].includes(r.property ?? ""),
    `${r.property}: ${r.detail}`,
  );
  assert.match(`${r.detail}`, /mm_struct|mm_count/);
});

/**
 * Cgroup lifetimes (EPC cgroup v16): rmdir drops the base css reference; pages and cursor hand-outs
 * hold references; the last put frees the cgroup after sgx_cgroup_free() cancelled its reclaim work
 * and moved the ancestors' cursors off it. Without either step KASAN reports the freed cgroup.
 */
for (const [mutant, what, strategy] of [
  // The scenario's own strategy (DFS) keeps the queued work item's worker waiting long enough.
  ["mutant/auto/sgx_cgroup_free/drop-barrier/0@cgroup-v16", /reclaim_work.*struct sgx_cgroup p\/a/, "dfs"],
  // A cursor left on the freed cgroup: the sampling portfolio reaches it in a few executions.
  [
    "mutant/auto/sgx_cgroup_next_skip/invert-cond/0@cgroup-v16",
    /struct misc_cg p\/a|struct sgx_cgroup p\/a/,
    "portfolio",
  ],
] as const)
  test(`a freed cgroup is watched: ${mutant.split("/").slice(2, 4).join(" ")} is a use-after-free`, async () => {
    const { loadKernel } = await import("../../src/scenario/patches.ts");
    await loadKernel(mutant);
    const { scenario: sc, raw } = loadScenario("check-cgroup-rmdir", [`kernel=${mutant}`]);
    const r = await runCheckSession({ sc, raw, seed: 1, schedules: 5000, timeMs: 60_000, strategy });
    assert.equal(r.property, "KASAN: use-after-free", r.detail ?? "not found");
    assert.match(r.detail ?? "", what);
  });

test("the cgroup-v16 kernel removes a cgroup cleanly while ksgxd walks the tree", async () => {
  const { loadKernel } = await import("../../src/scenario/patches.ts");
  await loadKernel("cgroup-v16");
  const { scenario: sc, raw } = loadScenario("check-cgroup-rmdir");
  const r = await runCheckSession({ sc, raw, seed: 1, schedules: 5000, timeMs: 60_000 });
  assert.equal(r.found, false, r.report ?? "");
});

test("the last EPC page of a removed cgroup is uncharged before its css reference goes", async () => {
  const { loadKernel } = await import("../../src/scenario/patches.ts");
  // sgx_free_epc_page with sgx_put_cg() moved before the uncharge: the put that frees the removed
  // cgroup comes first, the uncharge then writes its usage counter.
  const mutant = "mutant/auto/cgroup-v16:sgx_free_epc_page/swap-adjacent/0";
  for (const [kernel, want] of [
    ["cgroup-v16", false],
    [mutant, true],
  ] as const) {
    await loadKernel(kernel);
    const { scenario: sc, raw } = loadScenario("check-cgroup-rmdir-charged", [`kernel=${kernel}`]);
    const r = await runCheckSession({ sc, raw, seed: 1, schedules: 5000, timeMs: 60_000 });
    assert.equal(r.found, want, r.report ?? `${kernel}: not found`);
    if (want) assert.match(r.detail ?? "", /misc_res\(c\)->usage.* inside struct misc_cg c, which was freed/);
  }
});

test("a backing page used after its last reference went and it was truncated is a use-after-free", async () => {
  const { registerVariant, getVariant } = await import("../../src/model/kernel/variants/registry.ts");
  const { mutex_lock, mutex_unlock } = await import("../../src/model/kernel/lib/locks.ts");
  type M = import("../../src/model/machine.ts").Machine;
  type B = import("../../src/model/kernel/sgx/sgx.ts").sgx_backing;
  // On v5.19-B6 a fault may truncate the PCMD page the reclaimer has pinned (B6); with the pin
  // dropped before the write-back, EWB then writes into the freed page.
  registerVariant({
    name: "test/put-backing-before-ewb",
    description:
      "v5.19-B6 with sgx_reclaimer_write putting the backing pages before the EWB that writes them",
    mutant: true,
    sgx2: false,
    overrides: {
      ...getVariant("v5.19-B6")!.overrides,
      *sgx_reclaimer_write(m: M, epc_page: number, backing: B) {
        const encl_page = m.pages.owner.get(epc_page);
        const encl = m.enclOf(encl_page);
        yield mutex_lock(encl.lock);
        m.fn.sgx_encl_put_backing(m, backing); // MUTANT: before the write-back
        yield* m.fn.sgx_encl_ewb(m, epc_page, backing);
        m.encl_pages.epc_page.a[encl_page] = -1;
        encl.secs_child_cnt--;
        yield mutex_unlock(encl.lock);
      },
    },
  });
  await (await import("../../src/scenario/patches.ts")).loadKernel("test/put-backing-before-ewb");
  const { scenario: sc, raw } = loadScenario("check-pcmd-truncate", ["kernel=test/put-backing-before-ewb"]);
  const r = await runCheckSession({ sc, raw, seed: 1, schedules: 5000, timeMs: 60_000 });
  assert.equal(r.property, "KASAN: use-after-free", `${r.property}: ${r.detail}`);
  assert.match(r.detail ?? "", /a freed shmem page/);
});
