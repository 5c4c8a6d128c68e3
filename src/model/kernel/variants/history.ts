/**
 * Kernel versions as variants: the reclaimer as it was in each release, expressed as overrides of
 * the mainline functions that changed (../shared/reference/kernel.md, sections 3 and 4). A variant
 * says which historical bugs it has; `epcsim bugs` maps each bug to the variant that has it and the
 * one that fixed it.
 */
import type { ModelGen } from "../../../rt/ops.ts";
import { encls_failed, PAGE_SIZE, PCMD_SIZE, PCMDS_PER_PAGE } from "../../hw/arch.ts";
import { pcmdPageEmpty, pcmdZero } from "../../hw/memory.ts";
import type { Machine } from "../../machine.ts";
import { EBUSY, EFAULT, ENXIO, IS_ERR } from "../lib/errno.ts";
import { list_add_tail } from "../lib/list.ts";
import { mutex_lock, mutex_unlock, spin_lock, spin_unlock } from "../lib/locks.ts";
import { VM_FAULT_NOPAGE, VM_FAULT_SIGBUS, type vm_area_struct, vmf_insert_pfn } from "../lib/mm.ts";
import type { KernelFns } from "../sgx/index.ts";
import { freeListEmpty, freeListTakeFirst } from "../sgx/main.ts";
import { OWNER_NULL, SGX_ENCL_PAGE_VA_OFFSET_MASK, SGX_EPC_PAGE_IS_FREE, type sgx_encl } from "../sgx/sgx.ts";
import { __sgx_encl_ewb_pre_v5_19, sgx_reclaimer_write_pre_v5_19 } from "./backing_history.ts";
import { sgx_encl_mm_add_v38, sgx_mmu_notifier_free_v38, sgx_release_v38 } from "./mm_list_refs.ts";
import { flawedReclaim } from "./mutants.ts";
import { registerVariant } from "./registry.ts";
import { encl_release_history } from "./release_history.ts";
import {
  __sgx_encl_load_page_b11,
  eaug_page,
  no_reclaim_direct,
  sgx_encl_remove_pages_b11,
  sgx_enclave_modify_types_b11,
} from "./sgx2_history.ts";

/** Which changes an __sgx_encl_eldu has (all: mainline's; only freeBacking: v5.17's; none: v5.11's). */
interface PcmdFixes {
  /** B3 "Free backing memory after faulting the enclave page": zero the PCMD entry, truncate. */
  freeBacking: boolean;
  /** B4 "Mark PCMD page as dirty when modifying contents". */
  dirty: boolean;
  /** B6 "Fix race between reclaimer and page fault handler": reclaimer_writing_to_pcmd(). */
  reclaimerCheck: boolean;
}

/**
 * __sgx_encl_eldu through its history. Before "Free backing memory after faulting the enclave page"
 * (v5.11..v5.16): ELDU and nothing else, the backing stays in the file until the enclave is
 * released. Since (5.17-rc8): the PCMD entry is zeroed, the contents page truncated, and an empty
 * PCMD page truncated, with or without each of the later fixes. Without them (v5.17): no
 * set_page_dirty() after zeroing the entry (B4), no test whether a sibling is being reclaimed (B6),
 * no "not empty after truncate" check (B7).
 */
function eldu_history(fixes: PcmdFixes) {
  return function* __sgx_encl_eldu(
    m: Machine,
    encl_page: number,
    epc_page: number,
    secs_page: number,
  ): ModelGen<number> {
    const E = m.encl_pages;
    const va_offset = E.getDesc(encl_page) & SGX_ENCL_PAGE_VA_OFFSET_MASK;
    const encl = m.enclOf(encl_page);
    const page_index = secs_page >= 0 ? E.index.a[encl_page]! : encl.size / PAGE_SIZE;
    const page_pcmd_off = m.fn.sgx_encl_get_backing_page_pcmd_offset(m, encl, page_index);
    const b = yield* m.fn.sgx_encl_lookup_backing(m, encl, page_index);
    if (!b) return -EFAULT;
    const va_page = m.vaPageOf(encl_page);
    const lin = secs_page >= 0 ? E.index.a[encl_page]! : -1;
    let ret = yield* m.encls("ELDU", epc_page, () =>
      m.hw.ELDU(
        epc_page,
        secs_page,
        lin,
        va_page.epc_page,
        va_offset >> 3,
        b.contents,
        b.pcmd,
        b.pcmd_offset / PCMD_SIZE,
      ),
    );
    if (ret) {
      if (encls_failed(ret)) m.ENCLS_WARN(ret, "ELDU");
      ret = -EFAULT;
    }
    if (!fixes.freeBacking) {
      m.fn.sgx_encl_put_backing(m, b);
      return ret;
    }
    pcmdZero(b.pcmd, b.pcmd_offset / PCMD_SIZE);
    if (fixes.dirty) b.pcmd.dirty = true;
    const pcmd_page_empty = pcmdPageEmpty(b.pcmd);
    m.fn.sgx_encl_put_backing(m, b);
    yield* m.fn.sgx_encl_truncate_backing_page(m, encl, page_index);
    const first_sibling = page_index & ~(PCMDS_PER_PAGE - 1);
    if (pcmd_page_empty && !(fixes.reclaimerCheck && m.fn.reclaimer_writing_to_pcmd(m, encl, first_sibling)))
      yield* m.fn.sgx_encl_truncate_backing_page(m, encl, Math.floor(page_pcmd_off / PAGE_SIZE));
    return ret;
  };
}

/**
 * sgx_encl_get_mem_cgroup before "Set active memcg prior to shmem allocation" (B8): there was no
 * such function; backing pages were charged to whoever allocated them, i.e. ksgxd's (root) memcg.
 */
function* sgx_encl_get_mem_cgroup_v5_17(m: Machine, _encl: sgx_encl): ModelGen<unknown> {
  return m.current.mm?.memcg ?? null;
}

/**
 * __sgx_alloc_epc_page_from_node of v5.13..v5.16-rc1 (B1, "Fix free page accounting"): the global
 * sgx_nr_free_pages was a plain counter updated under the *node* lock; two nodes' allocations and
 * frees race on it and lose updates.
 */
function* __sgx_alloc_epc_page_from_node_v5_13(m: Machine, nid: number): ModelGen<number> {
  const node = m.sgx.sgx_numa_nodes[nid]!;
  yield spin_lock(node.lock);
  if (freeListEmpty(m, node)) {
    yield spin_unlock(node.lock);
    return -1;
  }
  const page = freeListTakeFirst(m, node);
  m.pages.flags.set(page, 0);
  yield* m.work("freelist_op", 1);
  yield* plainAdd(m, -1); // sgx_nr_free_pages-- under node->lock only
  yield spin_unlock(node.lock);
  return page;
}

/**
 * sgx_free_epc_page of v5.13..v5.16-rc1: the plain counter again, under the node lock. No poison
 * list yet (machine-check handling of EPC pages came with v5.17).
 */
function* sgx_free_epc_page_v5_13(m: Machine, page: number): ModelGen {
  const node = m.nodeOf(page);
  const P = m.pages;
  yield spin_lock(node.lock);
  P.owner.set(page, OWNER_NULL);
  list_add_tail(P, page, node.free_page_list);
  P.flags.set(page, SGX_EPC_PAGE_IS_FREE);
  yield* m.work("freelist_op", 1);
  yield* plainAdd(m, 1); // sgx_nr_free_pages++ under node->lock only
  yield spin_unlock(node.lock);
}

/** A non-atomic read-modify-write of sgx_nr_free_pages: a load and a store another CPU can split. */
function* plainAdd(m: Machine, d: number): ModelGen {
  const c = m.sgx.sgx_nr_free_pages;
  if (m.interleaveAll) yield m.sharedRead(c, -1, "sgx_nr_free_pages (plain load)");
  const v = c.v;
  if (m.interleaveAll) yield m.sharedWrite(c, "sgx_nr_free_pages (plain store)");
  c.v = v + d;
}

/**
 * __sgx_alloc_epc_page of v5.11/v5.12: no NUMA awareness, sections are tried in array order.
 * Model: one section per node, so the order of the node table stands for the section array.
 */
function* __sgx_alloc_epc_page_v5_11(m: Machine): ModelGen<number> {
  for (const nid of m.sgx.sgx_numa_mask) {
    const page = yield* m.fn.__sgx_alloc_epc_page_from_node(m, nid);
    if (page >= 0) return page;
  }
  return -12; // -ENOMEM
}

/** Before the SGX2 series (v6.0) the fault handler had no EAUG path: a page not in page_array is SIGBUS. */
function* sgx_vma_fault_pre_v6_0(m: Machine, vma: vm_area_struct, addr: number): ModelGen<number> {
  const encl = vma.vm_private_data as sgx_encl | null;
  if (!encl) return VM_FAULT_SIGBUS;
  yield mutex_lock(encl.lock);
  const entry = yield* m.fn.sgx_encl_load_page_in_vma(m, encl, (addr - encl.base) / PAGE_SIZE, vma.vm_flags);
  if (IS_ERR(entry)) {
    yield mutex_unlock(encl.lock);
    return entry === -EBUSY ? VM_FAULT_NOPAGE : VM_FAULT_SIGBUS;
  }
  const ret = yield* vmf_insert_pfn(m, vma, addr, m.encl_pages.epc_page.a[entry]!);
  if (ret !== VM_FAULT_NOPAGE) {
    yield mutex_unlock(encl.lock);
    return VM_FAULT_SIGBUS;
  }
  yield* m.fn.sgx_encl_test_and_clear_young(m, vma.vm_mm, entry);
  yield mutex_unlock(encl.lock);
  return VM_FAULT_NOPAGE;
}

/** Machine-check handling of EPC pages arrived with v5.17; before, arch_memory_failure did not know EPC. */
function* arch_memory_failure_pre_v5_17(_m: Machine, _pfn: number, _flags: number): ModelGen<number> {
  return -ENXIO;
}

/** v38 named the thread ksgxswapd. */
function* sgx_page_reclaimer_init_v38(m: Machine): ModelGen<boolean> {
  for (let i = 0; i < Math.max(1, m.c.nr_ksgxd); i++) {
    const pid = yield* m.kthread_run(i === 0 ? "ksgxswapd" : `ksgxswapd/${i}`, () => m.fn.ksgxd(m));
    m.sgx.ksgxd_tsk.push(pid);
  }
  return true;
}

export function registerHistory(mainline: KernelFns): void {
  /** Before May 2022: backing pinned before encl->lock, put (and dirtied) after the write-back, outside it. */
  const pre_v5_19_reclaim: Partial<KernelFns> = {
    sgx_reclaim_pages: (m: Machine) =>
      flawedReclaim(m, { backingOutsideLock: true, putAfterWrite: { dirty: true } }),
    sgx_reclaimer_write: sgx_reclaimer_write_pre_v5_19,
    __sgx_encl_ewb: __sgx_encl_ewb_pre_v5_19,
  };
  /** v5.11: the merged reclaimer (backing pinned before encl->lock, no truncation after ELDU). */
  const v5_11: Partial<KernelFns> = {
    ...pre_v5_19_reclaim,
    sgx_encl_release: encl_release_history(false),
    __sgx_encl_eldu: eldu_history({ freeBacking: false, dirty: false, reclaimerCheck: false }),
    sgx_encl_get_mem_cgroup: sgx_encl_get_mem_cgroup_v5_17,
    __sgx_alloc_epc_page: __sgx_alloc_epc_page_v5_11,
    sgx_vma_fault: sgx_vma_fault_pre_v6_0,
    arch_memory_failure: arch_memory_failure_pre_v5_17,
  };
  /** v38: as v5.11, but the mm_list entries held no enclave reference (B0) and the thread was ksgxswapd. */
  const v38: Partial<KernelFns> = {
    ...v5_11,
    sgx_page_reclaimer_init: sgx_page_reclaimer_init_v38,
    sgx_release: sgx_release_v38,
    sgx_encl_mm_add: sgx_encl_mm_add_v38,
    sgx_mmu_notifier_free: sgx_mmu_notifier_free_v38,
  };
  registerVariant({
    name: "v38",
    sgx2: false,
    description:
      "the v38 patch reviewed in the seed (Sep 2020): ksgxswapd, backing pinned before encl->lock, no NUMA, no enclave reference per mm_list entry (B0)",
    overrides: v38,
  });
  registerVariant({
    name: "v38-per-page",
    sgx2: false,
    description:
      "v38 with the change proposed in the review: reclaim one page per round (SGX_NR_TO_SCAN = 1)",
    overrides: v38,
    constants: { SGX_NR_TO_SCAN: 1 },
  });
  registerVariant({
    name: "v5.11",
    sgx2: false,
    description:
      "the merged reclaimer (1728ab54): ksgxd, per-section free lists, release without cond_resched",
    overrides: v5_11,
  });
  registerVariant({
    name: "v5.15",
    sgx2: false,
    description:
      "NUMA allocation with the plain sgx_nr_free_pages updated under node locks (B1), release without cond_resched (B2)",
    overrides: {
      ...v5_11,
      __sgx_alloc_epc_page: mainline.__sgx_alloc_epc_page,
      __sgx_alloc_epc_page_from_node: __sgx_alloc_epc_page_from_node_v5_13,
      sgx_free_epc_page: sgx_free_epc_page_v5_13,
    },
  });
  /** From v5.17 to v6.1 the release reschedules after every page (B2's first fix). */
  const releaseEveryPage: Partial<KernelFns> = { sgx_encl_release: encl_release_history(true) };
  const v5_17: Partial<KernelFns> = {
    ...pre_v5_19_reclaim,
    ...releaseEveryPage,
    __sgx_encl_eldu: eldu_history({ freeBacking: true, dirty: false, reclaimerCheck: false }),
    sgx_encl_get_mem_cgroup: sgx_encl_get_mem_cgroup_v5_17,
    sgx_vma_fault: sgx_vma_fault_pre_v6_0,
  };
  registerVariant({
    name: "v5.17",
    sgx2: false,
    description:
      'after "Free backing memory after faulting the enclave page", before the PCMD fixes (B4, B5, B6; B8)',
    overrides: v5_17,
  });
  const v5_19: Partial<KernelFns> = { ...releaseEveryPage, sgx_vma_fault: sgx_vma_fault_pre_v6_0 };
  registerVariant({
    name: "v5.19",
    sgx2: false,
    description: "after the 2022 PCMD fixes and the memcg fix, before SGX2",
    overrides: v5_19,
  });
  // v5.19 with one of the May 2022 fixes reverted: each PCMD bug on its own, for `epcsim bugs`.
  registerVariant({
    name: "v5.19-B4",
    sgx2: false,
    description: 'v5.19 without "Mark PCMD page as dirty when modifying contents" (B4)',
    overrides: {
      ...v5_19,
      __sgx_encl_eldu: eldu_history({ freeBacking: true, dirty: false, reclaimerCheck: true }),
    },
  });
  registerVariant({
    name: "v5.19-B5",
    sgx2: false,
    description: 'v5.19 without "Obtain backing storage page with enclave mutex held" (B5)',
    // Both halves of the fix reverted (get under encl->lock, put in sgx_reclaimer_write); pages
    // are dirtied by __sgx_encl_ewb since v5.19, so the late put does not dirty them.
    overrides: {
      ...v5_19,
      sgx_reclaim_pages: (m: Machine) =>
        flawedReclaim(m, { backingOutsideLock: true, putAfterWrite: { dirty: false } }),
      sgx_reclaimer_write: sgx_reclaimer_write_pre_v5_19,
    },
  });
  registerVariant({
    name: "v5.19-B6",
    sgx2: false,
    description: 'v5.19 without "Fix race between reclaimer and page fault handler" (B6)',
    overrides: {
      ...v5_19,
      __sgx_encl_eldu: eldu_history({ freeBacking: true, dirty: true, reclaimerCheck: false }),
    },
  });
  // SGX2 arrived in the v6.0 merge window (x86_sgx_for_v6.0-2022-08-03); "Handle VA page allocation
  // failure for EAUG on PF." (B9) followed in Sep 2022, before v6.0 was released.
  registerVariant({
    name: "v6.0-rc1",
    description:
      "SGX2 merged (EAUG, page-modification ioctls, direct reclaim); EAUG without SECS reload (B10) and SIGBUS on a busy VA page (B9)",
    overrides: {
      ...releaseEveryPage,
      sgx_encl_eaug_page: eaug_page({ loadSecs: false, vaBusyNopage: false, lockedRecheck: false }),
    },
  });
  const v6_0: Partial<KernelFns> = {
    ...releaseEveryPage,
    sgx_encl_eaug_page: eaug_page({ loadSecs: false, vaBusyNopage: true, lockedRecheck: false }),
  };
  registerVariant({
    name: "v6.0",
    description:
      "SGX2 as released: EAUG returns NOPAGE when no VA page is free (B9 fixed); no SECS reload before EAUG (B10)",
    overrides: v6_0,
  });
  registerVariant({
    name: "v6.0-B12",
    description: 'v6.0 without "Free up EPC pages directly to support large page ranges" (B12)',
    overrides: { ...v6_0, sgx_reclaim_direct: no_reclaim_direct },
  });
  registerVariant({
    name: "v6.1",
    description:
      "the last release whose enclave release reschedules after every page; still no SECS reload before EAUG (B10)",
    overrides: v6_0,
  });
  registerVariant({
    name: "v6.6",
    description: "SECS reload before EAUG (B10 fixed); the reclaimer as in mainline",
    overrides: {},
  });
  registerVariant({
    name: "kuvaiskii-v6",
    description:
      'mainline with "Fix two data races in EAUG/EREMOVE flows" v6 (2024, not merged): B11a, B11b, B11c fixed',
    overrides: {
      sgx_encl_eaug_page: eaug_page({ loadSecs: true, vaBusyNopage: true, lockedRecheck: true }),
      __sgx_encl_load_page: __sgx_encl_load_page_b11,
      sgx_encl_remove_pages: sgx_encl_remove_pages_b11,
      sgx_enclave_modify_types: sgx_enclave_modify_types_b11,
    },
  });
}
