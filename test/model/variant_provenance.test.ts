/**
 * Every historical variant is the code of its release: for each variant, the functions it
 * overrides (recorded here, so that a change to a variant is deliberate), the ones it inherits from
 * mainline, and for every mainline change newer than its release either an override or a recorded
 * reason why mainline's version behaves as the old code did there (provenance.ts, DEVIATIONS.md).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { mainline } from "../../src/model/kernel/sgx/index.ts";
import "../../src/model/kernel/variants/index.ts";
import { CHANGES, INERT, releaseOrder, VARIANT_RELEASE } from "../../src/model/kernel/variants/provenance.ts";
import { getVariant, variants } from "../../src/model/kernel/variants/registry.ts";

const PRE_V5_19_RECLAIM = ["__sgx_encl_ewb", "sgx_reclaim_pages", "sgx_reclaimer_write"];
const V5_11 = [
  ...PRE_V5_19_RECLAIM,
  "__sgx_alloc_epc_page",
  "__sgx_encl_eldu",
  "arch_memory_failure",
  "sgx_encl_get_mem_cgroup",
  "sgx_encl_release",
  "sgx_vma_fault",
];
const V38 = [...V5_11, "sgx_encl_mm_add", "sgx_mmu_notifier_free", "sgx_page_reclaimer_init", "sgx_release"];

const OVERRIDES: Record<string, string[]> = {
  v38: V38,
  "v38-per-page": V38,
  "v5.11": V5_11,
  // v5.15's __sgx_alloc_epc_page is mainline's (NUMA came in v5.13): set back explicitly.
  "v5.15": [...V5_11, "__sgx_alloc_epc_page_from_node", "sgx_free_epc_page"],
  "v5.17": [
    ...PRE_V5_19_RECLAIM,
    "__sgx_encl_eldu",
    "sgx_encl_get_mem_cgroup",
    "sgx_encl_release",
    "sgx_vma_fault",
  ],
  "v5.19": ["sgx_encl_release", "sgx_vma_fault"],
  "v5.19-B4": ["__sgx_encl_eldu", "sgx_encl_release", "sgx_vma_fault"],
  "v5.19-B5": ["sgx_encl_release", "sgx_reclaim_pages", "sgx_reclaimer_write", "sgx_vma_fault"],
  "v5.19-B6": ["__sgx_encl_eldu", "sgx_encl_release", "sgx_vma_fault"],
  "v6.0-rc1": ["sgx_encl_eaug_page", "sgx_encl_release"],
  "v6.0": ["sgx_encl_eaug_page", "sgx_encl_release"],
  "v6.0-B12": ["sgx_encl_eaug_page", "sgx_encl_release", "sgx_reclaim_direct"],
  "v6.1": ["sgx_encl_eaug_page", "sgx_encl_release"],
  "v6.6": [],
};

const ALL = Object.keys(mainline);

for (const [name, release] of Object.entries(VARIANT_RELEASE)) {
  test(`${name} (${release}): overrides exactly its recorded functions, inherits the other ${ALL.length - OVERRIDES[name]!.length}`, () => {
    const v = getVariant(name);
    assert.ok(v, `no variant ${name}`);
    const overridden = Object.keys(v.overrides).sort();
    assert.deepEqual(overridden, [...new Set(OVERRIDES[name]!)].sort());
    for (const f of overridden)
      assert.ok(f in mainline, `${name} overrides ${f}, which is no kernel function`);
    const inherited = ALL.filter((f) => !overridden.includes(f));
    assert.equal(inherited.length + overridden.length, ALL.length);
  });

  test(`${name} (${release}): every mainline change since ${release} is overridden or recorded as inert`, () => {
    const v = getVariant(name)!;
    const at = releaseOrder(release);
    const missing: string[] = [];
    for (const c of CHANGES) {
      if (releaseOrder(c.since) <= at) continue;
      if (c.fn in v.overrides) continue;
      if (INERT.some((i) => i.fn === c.fn && at < releaseOrder(i.before))) continue;
      missing.push(`${c.fn} (${c.since}: ${c.what})`);
    }
    assert.deepEqual(
      missing,
      [],
      `${name} inherits mainline's version of a function that changed after ${release}`,
    );
  });
}

test("every historical variant has a release, and every change and reason names a kernel function", () => {
  const historical = variants().filter(
    (v) => !v.mutant && /^v\d/.test(v.name) && !v.name.startsWith("mutant/"),
  );
  for (const v of historical)
    assert.ok(v.name in VARIANT_RELEASE, `${v.name} has no release in provenance.ts`);
  for (const c of [...CHANGES, ...INERT]) assert.ok(c.fn in mainline, `${c.fn} is no kernel function`);
  for (const i of INERT)
    assert.ok(
      CHANGES.some((c) => c.fn === i.fn),
      `${i.fn}: a reason for inheriting a function that never changed`,
    );
});

test("DEVIATIONS.md gives each inherited-but-changed function's reason", () => {
  const dev = readFileSync(join(import.meta.dirname, "../../DEVIATIONS.md"), "utf8");
  const section = dev.slice(dev.indexOf("## Historical variants"));
  assert.ok(section.length > 0 && dev.includes("## Historical variants"), "no Historical variants section");
  for (const i of INERT)
    assert.ok(section.includes(`\`${i.fn}\``), `${i.fn} not in DEVIATIONS.md's Historical variants`);
});
