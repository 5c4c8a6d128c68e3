/**
 * The out-of-tree driver's reclaim design as the kernel variant `isgx` (intel/linux-sgx-driver 2.x,
 * commit 02b28870; ../shared/reference/kernel.md section 3.5): per-enclave load lists instead of a
 * global LRU, process-then-enclave round robin, clusters of up to 16 pages of one enclave written
 * back under one encl->lock hold with one ETRACK each, a fault path entirely under encl->lock, one
 * global free list, and allocation that reclaims a cluster directly.
 *
 * The driver's own functions live in isgx/ under their C files' names (sgx_page_cache.ts,
 * sgx_util.ts, sgx_vma.ts, sgx_encl.ts) and enter the function table under their own names. The
 * model builds enclaves with mainline's ioctls (ECREATE, ADD_PAGES, EINIT, mmap; DEVIATIONS.md I6), so
 * the mainline functions those call are replaced here by the isgx ones that do the same job
 * (allocation, freeing, "mark reclaimable", the reclaimer entry points, release, the fault handler)
 * or wrapped with isgx's additions (process context at ECREATE, VM_DONTCOPY and the PTEs at mmap).
 *
 * Also here: mutants of isgx for the checker's tests, and the checker set-up's way to evict pages.
 */
import type { ModelGen } from "../../../rt/ops.ts";
import { PAGE_SIZE } from "../../hw/arch.ts";
import type { Machine } from "../../machine.ts";
import { kref_put } from "../lib/atomic.ts";
import { ENXIO, IS_ERR } from "../lib/errno.ts";
import { down_read, mutex_lock, mutex_unlock, up_read } from "../lib/locks.ts";
import {
  find_vma,
  type mm_struct,
  mmgrab,
  ptep_test_and_clear_young,
  VM_DONTCOPY,
  VM_DONTDUMP,
  VM_IO,
  VM_PFNMAP,
  type vm_area_struct,
  vmf_insert_pfn,
  zap_vma_ptes,
} from "../lib/mm.ts";
import { type KernelFns, mainline } from "../sgx/index.ts";
import type { sgx_secs } from "../sgx/ioctl.ts";
import { SGX_ENCL_INITIALIZED, type sgx_encl } from "../sgx/sgx.ts";
import { fn, runsIsgx } from "./isgx/fns.ts";
import {
  encl_page_flags,
  epc_encl_page,
  free_list_insert_epc_page,
  isgx,
  isgx_encl_of,
  load_is_list_empty,
  load_list_extract_epc_page_to_list,
  load_list_get_first_epc_page,
  load_list_insert_epc_page,
  load_list_move_tail,
  SGX_ALLOC_ATOMIC,
  SGX_ENCL_DEAD,
  SGX_ENCL_PAGE_RESERVED,
  SGX_ENCL_SECS_EVICTED,
  SGX_NR_LOW_EPC_PAGES_DEFAULT,
  SGX_NR_SWAP_CLUSTER_MAX,
  set_encl_page_flags,
  type sgx_tgid_ctx,
} from "./isgx/sgx.ts";
import { sgx_encl_c } from "./isgx/sgx_encl.ts";
import { sgx_page_cache_c } from "./isgx/sgx_page_cache.ts";
import { sgx_util_c } from "./isgx/sgx_util.ts";
import { sgx_vma_c } from "./isgx/sgx_vma.ts";
import { registerVariant } from "./registry.ts";

/** The isgx driver's functions, by name. */
export const isgx_fns = { ...sgx_page_cache_c, ...sgx_util_c, ...sgx_vma_c, ...sgx_encl_c };

/*
 * Where mainline's callers (the enclave-building ioctls, the checker's actors) reach isgx. Each is
 * named after the mainline function it replaces, so reports show the caller's view.
 */

/**
 * sgx_alloc_epc_page - MODEL: mainline's allocation entry point as isgx's sgx_alloc_page: with
 * reclaim it may reclaim a cluster directly, without it is SGX_ALLOC_ATOMIC. Sets the owner.
 */
function* sgx_alloc_epc_page(m: Machine, owner: number, reclaim: boolean): ModelGen<number> {
  const page = yield* fn(m).sgx_alloc_page(m, reclaim ? 0 : SGX_ALLOC_ATOMIC);
  if (!IS_ERR(page)) m.pages.owner.set(page, owner);
  return page;
}

/** sgx_free_epc_page - MODEL: a page its caller already EREMOVEd goes back to isgx's free list. */
function* sgx_free_epc_page(m: Machine, page: number): ModelGen {
  yield* free_list_insert_epc_page(m, page);
}

/** sgx_encl_free_epc_page - MODEL: isgx's sgx_free_page (EREMOVE, then free even if it failed). */
function* sgx_encl_free_epc_page(m: Machine, page: number): ModelGen {
  yield* fn(m).sgx_free_page(m, page);
}

/**
 * sgx_mark_page_reclaimable - MODEL: a page EADDed by mainline's ADD_PAGES goes on its enclave's load
 * list, as isgx's add-page worker does. Context: encl->lock held (sgx_encl_add_page holds it).
 */
function* sgx_mark_page_reclaimable(m: Machine, page: number): ModelGen {
  load_list_insert_epc_page(m, page, m.enclOf(m.pages.owner.get(page)));
  yield* m.work("lru_op", 1);
}

/** sgx_reclaim_pages - MODEL: the reclaimer entry point of mainline's callers: one isgx cluster. */
function* sgx_reclaim_pages(m: Machine): ModelGen {
  yield* fn(m).sgx_swap_pages(m, m.c.SGX_NR_TO_SCAN);
}

/** arch_memory_failure - isgx has no EPC machine-check handling. */
function* arch_memory_failure(_m: Machine, _pfn: number, _flags: number): ModelGen<number> {
  return -ENXIO;
}

/**
 * sgx_encl_create - mainline's ECREATE, plus what isgx's sgx_encl_create adds: the enclave belongs
 * to current's address space (encl->mm) and process context, and goes on that context's enclave
 * list, where the reclaimer finds it.
 * Kernel: sgx_encl.c (isgx). Context: no locks held; takes sgx_tgid_ctx_mutex.
 */
function* sgx_encl_create(m: Machine, encl: sgx_encl, secs: sgx_secs): ModelGen<number> {
  const ret = yield* mainline.sgx_encl_create(m, encl, secs);
  if (ret) return ret;
  const x = isgx_encl_of(m, encl);
  x.mm = m.current.mm;
  // isgx registers the enclave's own MMU notifier on encl->mm (its mm_count keeps encl->mm valid
  // until the enclave is released); the model's notifier bookkeeping is mainline's (DEVIATIONS I6).
  if (x.mm) mmgrab(m, x.mm);
  yield* fn(m).sgx_add_to_tgid_ctx(m, encl);
  const G = isgx(m);
  yield mutex_lock(G.sgx_tgid_ctx_mutex);
  x.tgid_ctx!.encl_list.push(encl);
  yield mutex_unlock(G.sgx_tgid_ctx_mutex);
  return 0;
}

/**
 * sgx_mmap - mainline's mmap, with isgx's VMA flags (VM_DONTCOPY: a child gets no mapping, so an
 * enclave has one mm), and the PTE of every resident page installed.
 * Model: isgx inserts each page's PTE when its EADD runs (the enclave is mapped before ECREATE);
 * the model's enclaves are mapped after EINIT (I6), so the PTEs the add-page worker would have made
 * are made here. From then on a resident page has a PTE until reclaim zaps and evicts it.
 * Context: mm's mmap_lock held for write; takes encl->lock.
 */
function* sgx_mmap(
  m: Machine,
  encl: sgx_encl,
  mm: mm_struct,
  start: number,
  end: number,
  vm_flags: number,
): ModelGen<vm_area_struct | number> {
  const vma = yield* mainline.sgx_mmap(m, encl, mm, start, end, vm_flags);
  if (typeof vma === "number") return vma;
  vma.vm_flags |= VM_PFNMAP | VM_IO | VM_DONTCOPY | VM_DONTDUMP;
  const E = m.encl_pages;
  yield mutex_lock(encl.lock);
  for (const index of encl.page_array.indices(
    (start - encl.base) / PAGE_SIZE,
    (end - encl.base) / PAGE_SIZE,
  )) {
    const epc = E.epc_page.a[encl.page_array.get(index)]!;
    if (epc < 0) continue;
    const addr = encl.base + index * PAGE_SIZE;
    yield* vmf_insert_pfn(m, vma, addr, epc);
    // The add-page worker tests and clears the young bit right after inserting the PTE.
    yield* ptep_test_and_clear_young(m, vma, addr);
  }
  yield mutex_unlock(encl.lock);
  return vma;
}

/** Mainline functions isgx replaces (same role, isgx's behaviour). */
const replaced: Partial<KernelFns> = {
  sgx_page_reclaimer_init: sgx_page_cache_c.sgx_page_cache_init,
  ksgxd: sgx_page_cache_c.ksgxswapd,
  sgx_reclaim_pages,
  sgx_alloc_epc_page,
  sgx_free_epc_page,
  sgx_encl_free_epc_page,
  sgx_mark_page_reclaimable,
  arch_memory_failure,
  sgx_encl_create,
  sgx_mmap,
  sgx_vma_fault: sgx_vma_c.sgx_vma_fault,
  sgx_encl_release: sgx_encl_c.sgx_encl_release,
  sgx_mmu_notifier_release: sgx_encl_c.sgx_mmu_notifier_release,
};

/** The constants isgx uses (same values as mainline's, under its names). */
const ISGX_CONSTANTS = {
  SGX_NR_TO_SCAN: SGX_NR_SWAP_CLUSTER_MAX,
  SGX_NR_LOW_PAGES: SGX_NR_LOW_EPC_PAGES_DEFAULT,
  SGX_NR_HIGH_PAGES: 2 * SGX_NR_LOW_EPC_PAGES_DEFAULT,
  // Release walks every page with no reschedule point.
  XA_CHECK_SCHED: Number.POSITIVE_INFINITY,
};

function isgxOverrides(extra: Partial<typeof isgx_fns> = {}): Partial<KernelFns> {
  return { ...replaced, ...isgx_fns, ...extra } as Partial<KernelFns>;
}

registerVariant({
  name: "isgx",
  sgx2: false,
  description:
    "the out-of-tree driver (isgx 2.x): per-enclave LRUs, process/enclave round robin, one ETRACK and one encl->lock hold per 16-page cluster",
  overrides: isgxOverrides(),
  constants: ISGX_CONSTANTS,
});

/**
 * For the checker's set-up (check/world.ts): evict exactly `pages` (EPC pages of `encl`) as one
 * cluster: reserve them, take them off the load list, and write them back with sgx_write_pages.
 * Returns null when the machine does not run isgx (mainline's set-up then uses its active list).
 */
export function isgxSetupEvict(m: Machine, encl: sgx_encl, pages: number[]): (() => ModelGen) | null {
  if (!runsIsgx(m)) return null;
  return function* () {
    const mm = isgx_encl_of(m, encl).mm!;
    const cluster: number[] = [];
    yield down_read(mm.mmap_lock);
    yield mutex_lock(encl.lock);
    for (const p of pages) {
      const entry = m.pages.owner.get(p);
      set_encl_page_flags(m, entry, encl_page_flags(m, entry) | SGX_ENCL_PAGE_RESERVED);
      load_list_extract_epc_page_to_list(m, p, cluster);
    }
    yield mutex_unlock(encl.lock);
    yield* fn(m).sgx_write_pages(m, encl, cluster);
    yield up_read(mm.mmap_lock);
  };
}

/*
 * Mutants of isgx: copies with one guard removed (or, for the last one, two). Each is a variant
 * `mutant/isgx-*`; test/model/kernel/isgx.test.ts shows which the checker finds.
 */

/** sgx_isolate_pages without encl->lock: two reclaimers can take the same page. */
function* sgx_isolate_pages_unlocked(
  m: Machine,
  encl: sgx_encl,
  dst: number[],
  nr_to_scan: number,
): ModelGen {
  const x = isgx_encl_of(m, encl);
  // MUTANT: no mutex_lock(&encl->lock)
  if (x.flags & SGX_ENCL_DEAD) return;
  for (let i = 0; i < nr_to_scan; i++) {
    if (load_is_list_empty(m, encl)) break;
    const entry = load_list_get_first_epc_page(m, encl);
    const encl_page = epc_encl_page(m, entry);
    if (
      !(yield* fn(m).sgx_test_and_clear_young(m, encl_page, encl)) &&
      !(encl_page_flags(m, encl_page) & SGX_ENCL_PAGE_RESERVED)
    ) {
      set_encl_page_flags(m, encl_page, encl_page_flags(m, encl_page) | SGX_ENCL_PAGE_RESERVED);
      load_list_extract_epc_page_to_list(m, entry, dst);
    } else {
      load_list_move_tail(m, entry, encl);
    }
    yield* m.work("lru_op", 1);
  }
}

/**
 * sgx_do_fault that also maps a page that is already resident (what mainline's fault handler does
 * for a resident page), with no test whether it is reserved for eviction.
 */
function* sgx_do_fault_remapping(
  m: Machine,
  vma: vm_area_struct,
  addr: number,
  flags: number,
): ModelGen<number> {
  const entry = yield* isgx_fns.sgx_do_fault(m, vma, addr, flags);
  if (IS_ERR(entry)) return entry;
  const encl = vma.vm_private_data as sgx_encl;
  yield mutex_lock(encl.lock);
  const epc = m.encl_pages.epc_page.a[entry]!;
  // MUTANT: map the resident page even if the reclaimer has it (no SGX_ENCL_PAGE_RESERVED test).
  if (epc >= 0) yield* vmf_insert_pfn(m, vma, addr, epc);
  yield mutex_unlock(encl.lock);
  return entry;
}

/**
 * sgx_write_pages that drops encl->lock after the EBLOCK phase and takes it again for ETRACK and the
 * EWBs (two holds per cluster instead of one).
 */
function* sgx_write_pages_split(m: Machine, encl: sgx_encl, src: number[]): ModelGen {
  const x = isgx_encl_of(m, encl);
  let nva = 0;
  if (src.length === 0) return;
  yield mutex_lock(encl.lock);
  for (const entry of src) {
    nva++;
    const addr = m.enclPageAddr(epc_encl_page(m, entry));
    const vma = x.mm ? find_vma(x.mm, addr) : null;
    if (vma && encl === vma.vm_private_data) yield* zap_vma_ptes(m, vma, addr);
    yield* fn(m).sgx_eblock(m, encl, entry);
  }
  // MUTANT: the cluster's pages are blocked and unmapped but still resident while the lock is free.
  yield mutex_unlock(encl.lock);
  yield mutex_lock(encl.lock);
  if (nva) yield* fn(m).sgx_etrack(m, encl, x.shadow_epoch);
  while (src.length > 0) {
    const entry = src.shift()!;
    if (yield* fn(m).sgx_evict_page(m, epc_encl_page(m, entry), encl)) encl.secs_child_cnt--;
  }
  if (!encl.secs_child_cnt && encl.flags.v & (1 << SGX_ENCL_INITIALIZED)) {
    yield* fn(m).sgx_evict_page(m, encl.secs, encl);
    x.flags |= SGX_ENCL_SECS_EVICTED;
  }
  yield mutex_unlock(encl.lock);
}

/** sgx_isolate_encl taking no enclave reference (the cluster's enclave can be released under it). */
function* sgx_isolate_encl_noref(
  m: Machine,
  ctx: sgx_tgid_ctx,
  nr_to_scan: number,
): ModelGen<sgx_encl | null> {
  const G = isgx(m);
  const list = ctx.encl_list;
  let encl: sgx_encl | null = null;
  yield mutex_lock(G.sgx_tgid_ctx_mutex);
  for (let i = 0; i < nr_to_scan && list.length > 0; i++) {
    encl = list.shift()!;
    list.push(encl);
    yield* m.work("lru_op", 1);
    if (m.interleaveAll) yield m.sharedRead(isgx_encl_of(m, encl).load_list, -1, "load_is_list_empty");
    // MUTANT: no kref_get_unless_zero(&encl->refcount)
    if (!load_is_list_empty(m, encl)) break;
    encl = null;
  }
  yield mutex_unlock(G.sgx_tgid_ctx_mutex);
  return encl;
}

/** sgx_swap_pages that drops no enclave reference (it took none). */
function* sgx_swap_pages_noref(m: Machine, nr_to_scan: number): ModelGen {
  const ctx = yield* fn(m).sgx_isolate_tgid_ctx(m, nr_to_scan);
  if (!ctx) return;
  const encl = yield* fn(m).sgx_isolate_encl(m, ctx, nr_to_scan);
  if (encl) {
    const cluster: number[] = [];
    const mm = isgx_encl_of(m, encl).mm!;
    yield down_read(mm.mmap_lock);
    yield* fn(m).sgx_isolate_pages(m, encl, cluster, nr_to_scan);
    yield* m.mark("reclaim_isolated", cluster.length);
    yield* fn(m).sgx_write_pages(m, encl, cluster);
    yield up_read(mm.mmap_lock);
    // MUTANT: no kref_put(&encl->refcount, sgx_encl_release)
  }
  yield* kref_put(m, ctx.refcount, () => fn(m).sgx_tgid_ctx_release(m, ctx));
}

interface IsgxMutant {
  name: string;
  description: string;
  overrides: Partial<typeof isgx_fns>;
}

/** The isgx mutants (variants `mutant/<name>`). */
export const ISGX_MUTANTS: IsgxMutant[] = [
  {
    name: "isgx-isolate-unlocked",
    description: "isgx without encl->lock in sgx_isolate_pages (two reclaimers can isolate the same page)",
    overrides: {
      sgx_isolate_pages: function* sgx_isolate_pages(m, encl, dst, nr) {
        yield* sgx_isolate_pages_unlocked(m, encl, dst, nr);
      },
    },
  },
  {
    name: "isgx-no-encl-ref",
    description: "isgx whose reclaimer takes no enclave reference for the cluster it writes back",
    overrides: {
      sgx_isolate_encl: function* sgx_isolate_encl(m, ctx, nr) {
        return yield* sgx_isolate_encl_noref(m, ctx, nr);
      },
      sgx_swap_pages: function* sgx_swap_pages(m, nr) {
        yield* sgx_swap_pages_noref(m, nr);
      },
    },
  },
  {
    name: "isgx-fault-maps-resident",
    description:
      "isgx whose fault path maps a resident page without testing SGX_ENCL_PAGE_RESERVED (safe alone: the cluster's lock hold covers it)",
    overrides: {
      sgx_do_fault: function* sgx_do_fault(m, vma, addr, flags) {
        return yield* sgx_do_fault_remapping(m, vma, addr, flags);
      },
    },
  },
  {
    name: "isgx-split-cluster-lock",
    description:
      "isgx whose sgx_write_pages drops encl->lock between the EBLOCKs and ETRACK (safe alone: faults never map a resident page)",
    overrides: {
      sgx_write_pages: function* sgx_write_pages(m, encl, src) {
        yield* sgx_write_pages_split(m, encl, src);
      },
    },
  },
  {
    name: "isgx-remap-and-split-lock",
    description:
      "isgx with both of the above: a fault maps a page blocked for eviction (found by check-fault-vs-reclaim)",
    overrides: {
      sgx_do_fault: function* sgx_do_fault(m, vma, addr, flags) {
        return yield* sgx_do_fault_remapping(m, vma, addr, flags);
      },
      sgx_write_pages: function* sgx_write_pages(m, encl, src) {
        yield* sgx_write_pages_split(m, encl, src);
      },
    },
  },
];

for (const mu of ISGX_MUTANTS) {
  registerVariant({
    name: `mutant/${mu.name}`,
    description: mu.description,
    overrides: isgxOverrides(mu.overrides),
    constants: ISGX_CONSTANTS,
    mutant: true,
    sgx2: false,
  });
}
