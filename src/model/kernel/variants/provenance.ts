/**
 * Where each historical variant's code comes from. A variant overrides the functions whose code in
 * its release differs from mainline's and inherits the rest. CHANGES lists every change to a
 * modelled function since the first release a variant models (from ../shared/reference/kernel.md
 * sections 3 and 4 and the fixes' postings); a variant older than a change must override that
 * function, or INERT must say why mainline's version behaves as the old one did in that variant.
 * test/model/variant_provenance.test.ts holds every variant to this, and DEVIATIONS.md
 * ("Historical variants") repeats the INERT reasons for readers.
 */

/** A change to a modelled function: mainline's code is the code from `since` on. */
export interface Change {
  fn: string;
  /** The first release with the change (a tag; "-rc" tags order before the release). */
  since: string;
  what: string;
}

/** Mainline's version stands for the older code in the variants before `before`, for this reason. */
export interface Inert {
  fn: string;
  before: string;
  why: string;
}

const SGX2 = "v6.0-rc1";
const SGX2_FNS = [
  "sgx_ioc_sgx2_ready",
  "sgx_enclave_etrack",
  "sgx_enclave_restrict_permissions",
  "sgx_ioc_enclave_restrict_permissions",
  "sgx_enclave_modify_types",
  "sgx_ioc_enclave_modify_types",
  "sgx_encl_remove_pages",
  "sgx_ioc_enclave_remove_pages",
  "sgx_reclaim_direct",
];

export const CHANGES: Change[] = [
  {
    fn: "sgx_release",
    since: "v5.11",
    what: "each drained mm_list entry puts the enclave reference it holds (2ade0d60939b)",
  },
  {
    fn: "sgx_encl_mm_add",
    since: "v5.11",
    what: "takes an enclave reference per mm_list entry (2ade0d60939b)",
  },
  { fn: "sgx_mmu_notifier_free", since: "v5.11", what: "puts the entry's enclave reference (2ade0d60939b)" },
  { fn: "sgx_page_reclaimer_init", since: "v5.11", what: "the thread is ksgxd (ksgxswapd in v38)" },
  {
    fn: "__sgx_alloc_epc_page",
    since: "v5.13",
    what: "NUMA: local node first, then the others (901ddbb9ecf5)",
  },
  { fn: "__sgx_alloc_epc_page_from_node", since: "v5.13", what: "per-node free lists (901ddbb9ecf5)" },
  {
    fn: "__sgx_alloc_epc_page_from_node",
    since: "v5.16-rc2",
    what: "atomic sgx_nr_free_pages outside the node lock (B1)",
  },
  {
    fn: "sgx_free_epc_page",
    since: "v5.16-rc2",
    what: "atomic sgx_nr_free_pages outside the node lock (B1)",
  },
  { fn: "sgx_free_epc_page", since: "v5.17", what: "a poisoned page goes to the poison list" },
  { fn: "arch_memory_failure", since: "v5.17", what: "machine checks on EPC pages handled" },
  { fn: "sgx_encl_release", since: "v5.17", what: "cond_resched() after every page (8795359e35bc, B2)" },
  {
    fn: "sgx_encl_release",
    since: "v6.2",
    what: "batched: XA_CHECK_SCHED entries per cond_resched() under the xarray lock (B2)",
  },
  { fn: "__sgx_encl_eldu", since: "v5.17", what: "frees the backing after ELDU (08999b2489b4, B3)" },
  {
    fn: "__sgx_encl_eldu",
    since: "v5.19",
    what: "dirties the PCMD page (B4), skips truncation while a sibling is reclaimed (B6)",
  },
  {
    fn: "sgx_encl_get_mem_cgroup",
    since: "v5.19",
    what: "charges backing to an enclave mm's memcg, not ksgxd's (B8)",
  },
  {
    fn: "sgx_encl_alloc_backing",
    since: "v5.19",
    what: "split from sgx_encl_get_backing with set_active_memcg (B8)",
  },
  { fn: "sgx_encl_lookup_backing", since: "v5.19", what: "split from sgx_encl_get_backing for ELDU (B8)" },
  { fn: "sgx_encl_put_backing", since: "v5.19", what: "no do_write argument: writers dirty the pages" },
  { fn: "sgx_reclaim_pages", since: "v5.19", what: "backing got under encl->lock (0e4e729a830c, B5)" },
  { fn: "sgx_reclaimer_write", since: "v5.19", what: "puts the backing under encl->lock (B5)" },
  { fn: "__sgx_encl_ewb", since: "v5.19", what: "dirties both backing pages itself" },
  { fn: "sgx_vma_fault", since: SGX2, what: "EAUG of a page not in page_array (SGX2)" },
  { fn: "sgx_encl_eaug_page", since: SGX2, what: "new (SGX2)" },
  { fn: "sgx_encl_eaug_page", since: "v6.0", what: "NOPAGE when no VA page is free (B9)" },
  { fn: "sgx_encl_eaug_page", since: "v6.6", what: "reloads an evicted SECS first (c6c2adcba50c, B10)" },
  { fn: "sgx_encl_load_secs", since: "v6.6", what: "factored out of the ELDU path for EAUG (B10)" },
  { fn: "sgx_encl_grow", since: SGX2, what: "reclaim argument (VA page without reclaim under encl->lock)" },
  { fn: "sgx_alloc_va_page", since: SGX2, what: "reclaim argument" },
  { fn: "sgx_encl_cpumask", since: SGX2, what: "renamed from sgx_encl_ewb_cpumask, exported for SGX2" },
  { fn: "sgx_zap_enclave_ptes", since: SGX2, what: "factored out of sgx_reclaimer_block for SGX2" },
  ...SGX2_FNS.map((fn) => ({ fn, since: SGX2, what: "new (SGX2)" })),
  { fn: "sgx_vepc_open", since: "v5.13", what: "new (KVM virtual EPC)" },
  { fn: "sgx_vepc_remove_all", since: "v5.16", what: "new (SGX_IOC_VEPC_REMOVE_ALL)" },
];

const NO_SGX2 =
  "SGX2 paths: a variant before v6.0 declares sgx2: false, so no scenario that reaches them runs on it (refused at load)";

export const INERT: Inert[] = [
  ...SGX2_FNS.map((fn) => ({ fn, before: SGX2, why: NO_SGX2 })),
  { fn: "sgx_encl_eaug_page", before: SGX2, why: NO_SGX2 },
  {
    fn: "sgx_encl_grow",
    before: SGX2,
    why: "before SGX2 every caller reclaimed; mainline's non-SGX2 callers pass reclaim = true",
  },
  {
    fn: "sgx_alloc_va_page",
    before: SGX2,
    why: "before SGX2 every caller reclaimed; mainline's non-SGX2 callers pass reclaim = true",
  },
  { fn: "sgx_encl_cpumask", before: SGX2, why: "a rename: the same walk of mm_list building the IPI mask" },
  { fn: "sgx_zap_enclave_ptes", before: SGX2, why: "the same PTE zap, inline in sgx_reclaimer_block before" },
  {
    fn: "sgx_encl_load_secs",
    before: "v6.6",
    why: "the ELDU path reloaded an evicted SECS the same way inline; B10 only factored it out for EAUG",
  },
  {
    fn: "sgx_encl_alloc_backing",
    before: "v5.19",
    why: "the variants' sgx_encl_get_mem_cgroup returns current's memcg, so setting it active changes nothing: the old sgx_encl_get_backing's charge",
  },
  {
    fn: "sgx_encl_lookup_backing",
    before: "v5.19",
    why: "the same __sgx_encl_get_backing (which creates a missing page, as the old sgx_encl_get_backing did) without the memcg switch",
  },
  {
    fn: "sgx_encl_put_backing",
    before: "v5.19",
    why: "the old put_backing(do_write) is the callers' dirtying plus this put: the variants' reclaimer dirties before putting, ELDU passed do_write = false",
  },
  {
    fn: "__sgx_alloc_epc_page_from_node",
    before: "v5.13",
    why: "v5.11 took the first page of a section's free list under the section lock and kept free_cnt per section; the variants have one section per node, and the counter's sum is read unlocked either way",
  },
  {
    fn: "sgx_free_epc_page",
    before: "v5.13",
    why: "as __sgx_alloc_epc_page_from_node; the poison branch is dead because arch_memory_failure is the pre-v5.17 one (no page is ever poisoned)",
  },
  {
    fn: "sgx_vepc_open",
    before: "v5.13",
    why: "no built-in scenario opens /dev/sgx_vepc on these variants; one that does runs mainline's vEPC (not refused)",
  },
  {
    fn: "sgx_vepc_remove_all",
    before: "v5.16",
    why: "no scenario op issues SGX_IOC_VEPC_REMOVE_ALL",
  },
];

/** The release a variant stands for (derived variants, e.g. v5.19-B4, stand for their base release). */
export const VARIANT_RELEASE: Record<string, string> = {
  v38: "v38",
  "v38-per-page": "v38",
  "v5.11": "v5.11",
  "v5.15": "v5.15",
  "v5.17": "v5.17",
  "v5.19": "v5.19",
  "v5.19-B4": "v5.19",
  "v5.19-B5": "v5.19",
  "v5.19-B6": "v5.19",
  "v6.0-rc1": "v6.0-rc1",
  "v6.0": "v6.0",
  "v6.0-B12": "v6.0",
  "v6.1": "v6.1",
  "v6.6": "v6.6",
};

/** A sortable number for a release tag: v38 (Sep 2020) before v5.11; vX.Y-rcN before vX.Y. */
export function releaseOrder(tag: string): number {
  if (tag === "v38") return 5_010_000;
  const m = /^v(\d+)\.(\d+)(?:-rc(\d+))?$/.exec(tag);
  if (!m) throw new Error(`not a release tag: ${tag}`);
  const rc = m[3] === undefined ? 99 : Number(m[3]);
  return Number(m[1]) * 1_000_000 + Number(m[2]) * 1_000 + rc;
}
