/**
 * Mutants: copies of mainline functions with one guard removed. Each stands for a mistake a patch
 * could make; the checker's mutant tests show that the built-in check scenarios find every one of
 * them within a small budget, while mainline stays clean under the same budget.
 * They are variants like any other (`--kernel mutant/<name>`), listed apart from real kernels.
 */
import type { ModelGen } from "../../../rt/ops.ts";
import { encls_failed, SGX_NOT_TRACKED } from "../../hw/arch.ts";
import type { Machine } from "../../machine.ts";
import { atomic_long_inc, kref_get_unless_zero, kref_put } from "../lib/atomic.ts";
import { IS_ERR } from "../lib/errno.ts";
import { on_each_cpu_mask } from "../lib/ipi.ts";
import { list_add_tail, list_del, list_del_init, list_empty, list_first_entry } from "../lib/list.ts";
import { mutex_lock, mutex_unlock, spin_lock, spin_unlock } from "../lib/locks.ts";
import { type mm_struct, mmu_notifier_register } from "../lib/mm.ts";
import { StackArray } from "../lib/stack_array.ts";
import { type KernelFns, mainline } from "../sgx/index.ts";
import {
  OWNER_NULL,
  SGX_ENCL_PAGE_BEING_RECLAIMED,
  SGX_EPC_PAGE_IS_FREE,
  SGX_EPC_PAGE_RECLAIMER_TRACKED,
  type sgx_backing,
  type sgx_encl,
  sgx_encl_mm,
} from "../sgx/sgx.ts";
import { registerVariant } from "./registry.ts";

/**
 * __sgx_encl_load_page without the BEING_RECLAIMED test: a fault maps a page the reclaimer is
 * about to zap, block and write back.
 */
function* load_page_ignoring_reclaim(m: Machine, encl: sgx_encl, entry: number): ModelGen<number> {
  const E = m.encl_pages;
  if (E.epc_page.a[entry]! >= 0) return entry; // MUTANT: no -EBUSY while BEING_RECLAIMED
  let epc_page = yield* m.fn.sgx_encl_load_secs(m, encl);
  if (IS_ERR(epc_page)) return epc_page;
  epc_page = yield* m.fn.sgx_encl_eldu(m, entry, E.epc_page.a[encl.secs]!);
  if (IS_ERR(epc_page)) return epc_page;
  encl.secs_child_cnt++;
  yield* m.fn.sgx_mark_page_reclaimable(m, E.epc_page.a[entry]!);
  return entry;
}

export interface ReclaimFlaws {
  /** Isolate with list_del() instead of list_del_init(). */
  poisonOnIsolate?: boolean;
  /** Take no enclave reference for an isolated page. */
  noRef?: boolean;
  /** Pin the backing pages before taking encl->lock (the code before "Obtain backing storage page with enclave mutex held"). */
  backingOutsideLock?: boolean;
  /**
   * Put the backing pages after sgx_reclaimer_write() returns, outside encl->lock (before the same
   * fix); `dirty`: with put_backing(do_write = true), which marked both pages dirty (before
   * "Disconnect backing page references from dirty status").
   */
  putAfterWrite?: { dirty: boolean };
}

/**
 * sgx_reclaim_pages (mainline) with the given guards removed (also the pre-v5.19 code). Named as
 * the kernel function so that reports show the kernel's name.
 */
function* sgx_reclaim_pages(m: Machine, f: ReclaimFlaws): ModelGen {
  const chunk = new StackArray<number>(m, "sgx_reclaim_pages", "chunk[SGX_NR_TO_SCAN]", m.c.SGX_NR_TO_SCAN);
  const backing = new StackArray<sgx_backing | null>(
    m,
    "sgx_reclaim_pages",
    "backing[SGX_NR_TO_SCAN]",
    m.c.SGX_NR_TO_SCAN,
  );
  const P = m.pages;
  const G = m.sgx;
  yield spin_lock(G.sgx_reclaimer_lock);
  for (let i = 0; i < m.c.SGX_NR_TO_SCAN; i++) {
    if (list_empty(P, G.sgx_active_page_list)) break;
    const epc_page = list_first_entry(P, G.sgx_active_page_list);
    if (f.poisonOnIsolate) list_del(m, P, epc_page);
    else list_del_init(m, P, epc_page);
    yield* m.work("lru_op", 1);
    const encl_page = P.owner.get(epc_page);
    if (f.noRef || (yield* kref_get_unless_zero(m, m.enclOf(encl_page).refcount))) {
      chunk.push(epc_page);
      backing.push(null);
    } else {
      P.flags.set(epc_page, P.flags.get(epc_page) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED);
    }
  }
  yield spin_unlock(G.sgx_reclaimer_lock);
  const cnt = chunk.length;
  yield* m.mark("reclaim_isolated", cnt);
  for (let i = 0; i < cnt; i++) {
    const epc_page = chunk.at(i);
    const encl_page = P.owner.get(epc_page);
    const encl = m.enclOf(encl_page);
    let skip = !(yield* m.fn.sgx_reclaimer_age(m, epc_page));
    if (!skip) {
      const page_index = m.encl_pages.index.a[encl_page]!;
      let b: sgx_backing | null = null;
      if (f.backingOutsideLock) b = yield* m.fn.sgx_encl_alloc_backing(m, encl, page_index);
      yield mutex_lock(encl.lock);
      if (!f.backingOutsideLock) b = yield* m.fn.sgx_encl_alloc_backing(m, encl, page_index);
      if (!b) {
        yield mutex_unlock(encl.lock);
        skip = true;
      } else {
        backing.set(i, b);
        m.encl_pages.setDesc(encl_page, m.encl_pages.desc.a[encl_page]! | SGX_ENCL_PAGE_BEING_RECLAIMED);
        yield mutex_unlock(encl.lock);
        continue;
      }
    }
    yield spin_lock(G.sgx_reclaimer_lock);
    list_add_tail(P, epc_page, G.sgx_active_page_list);
    yield* m.work("lru_op", 1);
    yield spin_unlock(G.sgx_reclaimer_lock);
    if (!f.noRef) yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
    chunk.set(i, -1);
  }
  for (let i = 0; i < cnt; i++) if (chunk.at(i) >= 0) yield* m.fn.sgx_reclaimer_block(m, chunk.at(i));
  for (let i = 0; i < cnt; i++) {
    const epc_page = chunk.at(i);
    if (epc_page < 0) continue;
    const encl = m.enclOf(P.owner.get(epc_page));
    yield* m.fn.sgx_reclaimer_write(m, epc_page, backing.at(i)!);
    if (f.putAfterWrite) {
      const b = backing.at(i)!;
      if (f.putAfterWrite.dirty) b.pcmd.dirty = b.contents.dirty = true;
      m.fn.sgx_encl_put_backing(m, b);
    }
    if (!f.noRef) yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
    if (m.interleaveAll) yield m.epcFlagsWrite(epc_page);
    P.flags.set(epc_page, P.flags.get(epc_page) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED);
    yield* m.fn.sgx_free_epc_page(m, epc_page);
  }
}

export const flawedReclaim = sgx_reclaim_pages;

/** sgx_encl_ewb computing the IPI mask before ETRACK: a CPU that enters in between is never kicked out. */
function* ewb_mask_before_etrack(m: Machine, epc_page: number, backing: sgx_backing): ModelGen {
  const encl_page = m.pages.owner.get(epc_page);
  const encl = m.enclOf(encl_page);
  const E = m.encl_pages;
  E.setDesc(encl_page, E.desc.a[encl_page]! & ~SGX_ENCL_PAGE_BEING_RECLAIMED);
  const va_page = encl.va_pages[0]!;
  const va_offset = m.fn.sgx_alloc_va_slot(m, va_page);
  if (m.fn.sgx_va_page_full(m, va_page)) encl.va_pages.push(encl.va_pages.shift()!);
  let ret = yield* m.fn.__sgx_encl_ewb(m, epc_page, va_page.epc_page, va_offset, backing);
  if (ret === SGX_NOT_TRACKED) {
    const mask = Uint8Array.from(yield* m.fn.sgx_encl_cpumask(m, encl)); // MUTANT: before ETRACK
    const secs = E.epc_page.a[encl.secs]!;
    ret = yield* m.encls("ETRACK", secs, () => m.hw.ETRACK(secs));
    if (ret && encls_failed(ret)) m.ENCLS_WARN(ret, "ETRACK");
    ret = yield* m.fn.__sgx_encl_ewb(m, epc_page, va_page.epc_page, va_offset, backing);
    if (ret === SGX_NOT_TRACKED) {
      yield* on_each_cpu_mask(m, mask, "sgx_ewb");
      ret = yield* m.fn.__sgx_encl_ewb(m, epc_page, va_page.epc_page, va_offset, backing);
    }
  }
  if (ret) {
    if (encls_failed(ret)) m.ENCLS_WARN(ret, "EWB");
    m.fn.sgx_free_va_slot(m, va_page, va_offset);
  } else {
    E.setDesc(encl_page, E.desc.a[encl_page]! | va_offset);
    E.va_page.a[encl_page] = va_page.id;
  }
}

/** reclaimer_writing_to_pcmd that never sees a sibling being reclaimed (the v5.17 truncation). */
function pcmd_never_busy(_m: Machine, _encl: sgx_encl, _start: number): boolean {
  return false;
}

/**
 * sgx_reclaimer_block taking encl->lock before zapping the PTEs: mmap_lock is then taken under
 * encl->lock, while the fault path takes encl->lock under mmap_lock (an ABBA order for lockdep).
 */
function* block_zap_under_encl_lock(m: Machine, epc_page: number): ModelGen {
  const page = m.pages.owner.get(epc_page);
  const encl = m.enclOf(page);
  const addr = m.enclPageAddr(page);
  yield mutex_lock(encl.lock); // MUTANT: taken before sgx_zap_enclave_ptes, not after
  yield* m.fn.sgx_zap_enclave_ptes(m, encl, addr);
  const ret = yield* m.encls("EBLOCK", epc_page, () => m.hw.EBLOCK(epc_page));
  if (encls_failed(ret)) m.ENCLS_WARN(ret, "EBLOCK");
  yield mutex_unlock(encl.lock);
}

/** sgx_mark_page_reclaimable with a scheduling point inside sgx_reclaimer_lock (a spinlock). */
function* mark_reclaimable_resched_in_lock(m: Machine, page: number): ModelGen {
  const G = m.sgx;
  yield spin_lock(G.sgx_reclaimer_lock);
  m.pages.flags.set(page, m.pages.flags.get(page) | SGX_EPC_PAGE_RECLAIMER_TRACKED);
  list_add_tail(m.pages, page, G.sgx_active_page_list);
  yield { kind: "cond_resched" }; // MUTANT: might sleep under a spinlock
  yield spin_unlock(G.sgx_reclaimer_lock);
}

/** sgx_free_epc_page without the poison test: a poisoned page goes back on the free list. */
function* free_ignoring_poison(m: Machine, page: number): ModelGen {
  const node = m.nodeOf(page);
  const P = m.pages;
  yield spin_lock(node.lock);
  P.owner.set(page, OWNER_NULL);
  list_add_tail(P, page, node.free_page_list); // MUTANT: no sgx_poison_page_list for a poisoned page
  P.flags.set(page, SGX_EPC_PAGE_IS_FREE);
  P.sgx_cg.set(page, -1);
  yield* m.work("freelist_op", 1);
  yield spin_unlock(node.lock);
  yield* atomic_long_inc(m, m.sgx.sgx_nr_free_pages);
}

/**
 * sgx_reclaim_pages that waits for pages instead of returning when the active list is empty: it
 * drops sgx_reclaimer_lock and tries again, forever once nothing can become reclaimable.
 */
function* reclaim_spinning_on_empty(m: Machine): ModelGen {
  const G = m.sgx;
  for (;;) {
    yield spin_lock(G.sgx_reclaimer_lock);
    const empty = list_empty(m.pages, G.sgx_active_page_list);
    yield spin_unlock(G.sgx_reclaimer_lock);
    if (!empty) break; // MUTANT: retries on an empty list instead of returning
  }
  yield* mainline.sgx_reclaim_pages(m);
}

/** sgx_encl_mm_add without the enclave reference the sgx_encl_mm holds (a missing kref_get). */
function* mm_add_without_kref(m: Machine, encl: sgx_encl, mm: mm_struct): ModelGen<number> {
  if (yield* m.fn.sgx_encl_find_mm(m, encl, mm)) return 0;
  const encl_mm = new sgx_encl_mm(encl, mm);
  // MUTANT: no kref_get(&encl->refcount)
  encl_mm.notifier = { owner: encl_mm };
  mmu_notifier_register(m, encl_mm.notifier, mm);
  yield spin_lock(encl.mm_lock);
  encl.mm_list.unshift(encl_mm);
  encl.mm_list_version++;
  yield spin_unlock(encl.mm_lock);
  return 0;
}

/** sgx_encl_release that forgets the enclave's VA pages (a cleanup dropped from the release). */
function* release_forgetting_va_pages(m: Machine, encl: sgx_encl): ModelGen {
  encl.va_pages.length = 0; // MUTANT: the VA pages' EPC pages are never freed
  yield* mainline.sgx_encl_release(m, encl);
}

interface Mutant {
  name: string;
  guard: string;
  overrides: Partial<KernelFns>;
}

export const MUTANTS: Mutant[] = [
  {
    name: "no-being-reclaimed-check",
    guard: "the BEING_RECLAIMED test in __sgx_encl_load_page (a fault maps a page being reclaimed)",
    overrides: { __sgx_encl_load_page: load_page_ignoring_reclaim },
  },
  {
    name: "isolate-list-del",
    guard: "list_del_init (not list_del) when the reclaimer isolates a page",
    overrides: { sgx_reclaim_pages: (m: Machine) => flawedReclaim(m, { poisonOnIsolate: true }) },
  },
  {
    name: "backing-without-encl-lock",
    guard: "encl->lock held while the reclaimer pins the backing pages",
    overrides: { sgx_reclaim_pages: (m: Machine) => flawedReclaim(m, { backingOutsideLock: true }) },
  },
  {
    name: "cpumask-before-etrack",
    guard: "building the IPI cpumask after ETRACK in sgx_encl_ewb",
    overrides: { sgx_encl_ewb: ewb_mask_before_etrack },
  },
  {
    name: "no-pcmd-busy-check",
    guard: "reclaimer_writing_to_pcmd before truncating an empty PCMD page",
    overrides: { reclaimer_writing_to_pcmd: pcmd_never_busy },
  },
  {
    name: "no-kref-per-page",
    guard: "the enclave reference the reclaimer holds for every isolated page",
    overrides: { sgx_reclaim_pages: (m: Machine) => flawedReclaim(m, { noRef: true }) },
  },
  {
    name: "block-lock-order",
    guard: "the order of encl->lock after the PTE zap in sgx_reclaimer_block (mmap_lock under encl->lock)",
    overrides: { sgx_reclaimer_block: block_zap_under_encl_lock },
  },
  {
    name: "resched-under-reclaimer-lock",
    guard: "no scheduling point under sgx_reclaimer_lock in sgx_mark_page_reclaimable",
    overrides: { sgx_mark_page_reclaimable: mark_reclaimable_resched_in_lock },
  },
  {
    name: "free-ignores-poison",
    guard: "the poison test in sgx_free_epc_page (a poisoned page back on the free list)",
    overrides: { sgx_free_epc_page: free_ignoring_poison },
  },
  {
    name: "mm-add-without-kref",
    guard: "the enclave reference taken by sgx_encl_mm_add for its sgx_encl_mm",
    overrides: { sgx_encl_mm_add: mm_add_without_kref },
  },
  {
    name: "release-leaks-va-pages",
    guard: "the freeing of the VA pages in sgx_encl_release",
    overrides: { sgx_encl_release: release_forgetting_va_pages },
  },
  {
    name: "reclaim-spins-on-empty-list",
    guard: "the early return of sgx_reclaim_pages when the active list is empty",
    overrides: { sgx_reclaim_pages: reclaim_spinning_on_empty },
  },
];

for (const mu of MUTANTS) {
  registerVariant({
    name: `mutant/${mu.name}`,
    description: `mainline without ${mu.guard}`,
    overrides: mu.overrides,
    mutant: true,
  });
}
