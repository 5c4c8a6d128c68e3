/**
 * intel/linux-sgx-driver sgx_page_cache.c (isgx 2.x, commit 02b28870): the EPC page cache of the
 * out-of-tree driver. Its reclaimer differs from mainline's in design, not only in detail:
 *   - no global LRU: each enclave keeps its resident pages on its own load list (under encl->lock);
 *   - a cluster is up to 16 pages of ONE enclave, chosen by rotating the process contexts and then
 *     that process's enclaves (round robin), not by global age;
 *   - the whole cluster is zapped, EBLOCKed, tracked and written back under ONE hold of encl->lock,
 *     with one ETRACK per cluster issued before any EWB (no EWB -> ETRACK -> IPI ladder);
 *   - an EWB that still fails after one IPI round kills the enclave;
 *   - one global free list under a spinlock, and allocation that reclaims a cluster directly.
 *
 * Kernel: sgx_page_cache.c at 02b28870 (the version that also has VA-page eviction, "VA2", which the
 * model leaves out: DEVIATIONS.md I2). Names and structure follow the C file; comments say why.
 */
import type { ModelGen } from "../../../../rt/ops.ts";
import { PCMD_SIZE, SGX_NOT_TRACKED, SGX_VA_SLOT_OCCUPIED } from "../../../hw/arch.ts";
import type { Machine } from "../../../machine.ts";
import { kref_get_unless_zero, kref_put } from "../../lib/atomic.ts";
import { EBUSY, ENOMEM, ERESTARTSYS } from "../../lib/errno.ts";
import { down_read, mutex_lock, mutex_unlock, up_read } from "../../lib/locks.ts";
import { find_vma, ptep_test_and_clear_young, zap_vma_ptes } from "../../lib/mm.ts";
import { cond_resched, kthread_should_stop, signal_pending, wait_event, wake_up } from "../../lib/sched.ts";
import { secsIndex } from "../../sgx/main.ts";
import { SGX_ENCL_INITIALIZED, SGX_ENCL_PAGE_VA_OFFSET_MASK, type sgx_encl } from "../../sgx/sgx.ts";
import { fn } from "./fns.ts";
import {
  encl_page_flags,
  epc_encl_page,
  free_list_extract_first,
  free_list_insert_epc_page,
  isgx,
  isgx_encl_of,
  load_is_list_empty,
  load_list_extract_epc_page_to_list,
  load_list_get_first_epc_page,
  load_list_move_tail,
  nr_free_below,
  SGX_ALLOC_ATOMIC,
  SGX_ENCL_DEAD,
  SGX_ENCL_PAGE_RESERVED,
  SGX_ENCL_SECS_EVICTED,
  set_encl_page_flags,
  type sgx_tgid_ctx,
} from "./sgx.ts";

/**
 * sgx_test_and_clear_young - test and clear the Accessed bit of the page's PTE in encl->mm.
 * Kernel: sgx_page_cache.c (isgx). Context: encl->mm's mmap_lock held.
 * Model: VA pages never get here (they are not on load lists, I2).
 */
function* sgx_test_and_clear_young(m: Machine, encl_page: number, encl: sgx_encl): ModelGen<boolean> {
  const mm = isgx_encl_of(m, encl).mm;
  yield* m.work("test_young", 1);
  if (!mm) return false;
  const addr = m.enclPageAddr(encl_page);
  // sgx_encl_find()
  const vma = find_vma(mm, addr);
  if (!vma) return false;
  if (encl !== vma.vm_private_data) return false;
  return yield* ptep_test_and_clear_young(m, vma, addr);
}

/**
 * sgx_isolate_tgid_ctx - pick the next process to reclaim from: rotate the head of the context list
 * to the tail up to `nr_to_scan` times, taking the first context that has enclaves and can be
 * referenced. Round robin across processes is what makes isgx's reclaim fair per process.
 * Kernel: sgx_page_cache.c (isgx). Context: takes sgx_tgid_ctx_mutex.
 */
function* sgx_isolate_tgid_ctx(m: Machine, nr_to_scan: number): ModelGen<sgx_tgid_ctx | null> {
  const G = isgx(m);
  const list = G.sgx_tgid_ctx_list;
  let ctx: sgx_tgid_ctx | null = null;
  yield mutex_lock(G.sgx_tgid_ctx_mutex);
  if (list.length === 0) {
    yield mutex_unlock(G.sgx_tgid_ctx_mutex);
    return null;
  }
  for (let i = 0; i < nr_to_scan; i++) {
    // Peek the head; move it to the tail so the next scan starts with the next process.
    ctx = list.shift()!;
    list.push(ctx);
    // The list work is priced (lru_op): a ksgxswapd with nothing to reclaim also spins in
    // simulated time, as the real one burns CPU, instead of looping at one instant.
    yield* m.work("lru_op", 1);
    if (ctx.encl_list.length > 0 && (yield* kref_get_unless_zero(m, ctx.refcount))) break;
    ctx = null;
  }
  yield mutex_unlock(G.sgx_tgid_ctx_mutex);
  return ctx;
}

/**
 * sgx_isolate_encl - pick the next enclave of the process the same way: rotate its enclave list,
 * taking the first enclave with resident pages whose reference can be taken. The reference keeps
 * the enclave alive while its cluster is written back.
 * Kernel: sgx_page_cache.c (isgx). Context: takes sgx_tgid_ctx_mutex.
 */
function* sgx_isolate_encl(m: Machine, ctx: sgx_tgid_ctx, nr_to_scan: number): ModelGen<sgx_encl | null> {
  const G = isgx(m);
  const list = ctx.encl_list;
  let encl: sgx_encl | null = null;
  yield mutex_lock(G.sgx_tgid_ctx_mutex);
  if (list.length === 0) {
    yield mutex_unlock(G.sgx_tgid_ctx_mutex);
    return null;
  }
  for (let i = 0; i < nr_to_scan; i++) {
    encl = list.shift()!;
    list.push(encl);
    yield* m.work("lru_op", 1);
    // RACE: the load list is guarded by encl->lock, not by the context mutex; an enclave whose
    // list just changed is only picked (or skipped) one round early or late.
    if (m.interleaveAll) yield m.sharedRead(isgx_encl_of(m, encl).load_list, -1, "load_is_list_empty");
    if (!load_is_list_empty(m, encl) && (yield* kref_get_unless_zero(m, encl.refcount))) break;
    encl = null;
  }
  yield mutex_unlock(G.sgx_tgid_ctx_mutex);
  return encl;
}

/**
 * sgx_isolate_pages - move up to `nr_to_scan` old pages from the head of the enclave's load list to
 * the cluster `dst`, marking each RESERVED; a young or already reserved page goes back to the tail
 * (second chance). Nothing is taken from a dead enclave.
 * Kernel: sgx_page_cache.c (isgx). Context: encl->mm's mmap_lock held (read); takes encl->lock.
 * Model: VA pages are not on load lists (VA2 is left out, I2), so the VA branch never runs.
 */
function* sgx_isolate_pages(m: Machine, encl: sgx_encl, dst: number[], nr_to_scan: number): ModelGen {
  const x = isgx_encl_of(m, encl);
  yield mutex_lock(encl.lock);
  if (!(x.flags & SGX_ENCL_DEAD)) {
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
      // The list operation, priced per page as mainline's isolation under sgx_reclaimer_lock.
      yield* m.work("lru_op", 1);
    }
  }
  yield mutex_unlock(encl.lock);
}

/**
 * __sgx_ewb - pin the page's backing (contents and PCMD), EWB into it with the given VA slot, and
 * unpin it dirty.
 * Kernel: sgx_page_cache.c (isgx). Context: encl->lock held.
 * Model: one backing file in mainline's layout instead of isgx's two files (I5); the VA slot is the
 * one sgx_ewb took (I4).
 */
function* __sgx_ewb(
  m: Machine,
  encl: sgx_encl,
  entry: number,
  va_epc: number,
  va_offset: number,
): ModelGen<number> {
  const E = m.encl_pages;
  const page_index = entry === encl.secs ? secsIndex(encl) : E.index.a[entry]!;
  const backing = yield* m.fn.__sgx_encl_get_backing(m, encl, page_index);
  if (!backing) {
    m.warn("isgx_backing", "pinning the backing page for EWB failed with -12");
    return -ENOMEM;
  }
  const epc = E.epc_page.a[entry]!;
  const ret = yield* m.encls("EWB", epc, () =>
    m.hw.EWB(epc, va_epc, va_offset >> 3, backing.contents, backing.pcmd, backing.pcmd_offset / PCMD_SIZE),
  );
  // sgx_put_backing(pcmd, true), sgx_put_backing(backing, true): dirty even if EWB failed.
  backing.pcmd.dirty = true;
  backing.contents.dirty = true;
  m.fn.sgx_encl_put_backing(m, backing);
  return ret;
}

/**
 * sgx_ewb - EWB a page; on SGX_NOT_TRACKED kick the CPUs of encl->mm out once (IPI) and try again.
 * The cluster's ETRACK was issued before the first EWB, so one IPI round must be enough: any other
 * failure kills the enclave. Returns whether the page was written back.
 * Kernel: sgx_page_cache.c (isgx). Context: encl->lock held.
 * Model: the VA slot is taken here and given back if the EWB fails (isgx reserves one per page for
 * the page's life, I4).
 */
function* sgx_ewb(m: Machine, encl: sgx_encl, entry: number): ModelGen<boolean> {
  const E = m.encl_pages;
  const va_page = encl.va_pages[0]!;
  const va_offset = m.fn.sgx_alloc_va_slot(m, va_page);
  if (m.fn.sgx_va_page_full(m, va_page)) encl.va_pages.push(encl.va_pages.shift()!);

  let ret = yield* fn(m).__sgx_ewb(m, encl, entry, va_page.epc_page, va_offset);
  if (ret === SGX_NOT_TRACKED) {
    // slow path, IPI needed
    yield* fn(m).sgx_flush_cpus(m, encl);
    ret = yield* fn(m).__sgx_ewb(m, encl, entry, va_page.epc_page, va_offset);
  }
  if (ret && ret !== SGX_VA_SLOT_OCCUPIED) {
    m.fn.sgx_free_va_slot(m, va_page, va_offset);
    // make enclave inaccessible
    yield* fn(m).sgx_invalidate(m, encl, true);
    if (ret > 0) m.warn("encls:EWB", `EWB returned ${ret}, enclave killed`);
    return false;
  }
  E.setDesc(entry, (E.desc.a[entry]! & ~SGX_ENCL_PAGE_VA_OFFSET_MASK) | va_offset);
  E.va_page.a[entry] = va_page.id;
  return true;
}

/**
 * sgx_evict_page - write a page back and free its EPC page (whether or not the EWB succeeded: a
 * failed EWB has killed the enclave). Returns 1 if a child page was evicted.
 * Kernel: sgx_page_cache.c (isgx). Context: encl->lock held.
 */
function* sgx_evict_page(m: Machine, entry: number, encl: sgx_encl): ModelGen<number> {
  const E = m.encl_pages;
  const evicted = yield* fn(m).sgx_ewb(m, encl, entry);
  yield* fn(m).sgx_free_page(m, E.epc_page.a[entry]!);
  E.epc_page.a[entry] = -1;
  set_encl_page_flags(m, entry, encl_page_flags(m, entry) & ~SGX_ENCL_PAGE_RESERVED);
  // VA pages (not modeled) would not count as children.
  return evicted ? 1 : 0;
}

/**
 * sgx_write_pages - write a cluster back under ONE hold of encl->lock: zap the PTE and EBLOCK every
 * page, ETRACK once for the whole cluster, then EWB each page; evict the SECS too once no child is
 * resident. Holding the lock across the cluster means the enclave's faults wait for all of it.
 * Kernel: sgx_page_cache.c (isgx). Context: encl->mm's mmap_lock held (read); takes encl->lock.
 */
function* sgx_write_pages(m: Machine, encl: sgx_encl, src: number[]): ModelGen {
  const x = isgx_encl_of(m, encl);
  const va = 0; // VA pages are never in a cluster in the model (I2)
  let nva = 0;
  if (src.length === 0) return;
  yield mutex_lock(encl.lock);

  // EBLOCK
  for (const entry of src) {
    nva++;
    const addr = m.enclPageAddr(epc_encl_page(m, entry));
    const vma = x.mm ? find_vma(x.mm, addr) : null;
    if (vma && encl === vma.vm_private_data) yield* zap_vma_ptes(m, vma, addr);
    yield* fn(m).sgx_eblock(m, encl, entry);
  }

  // ETRACK - only for a non-VA cluster, once, before any EWB.
  if (nva) yield* fn(m).sgx_etrack(m, encl, x.shadow_epoch);

  // EWB
  while (src.length > 0) {
    const entry = src.shift()!;
    if (yield* fn(m).sgx_evict_page(m, epc_encl_page(m, entry), encl)) encl.secs_child_cnt--;
  }

  // The SECS goes too when no child is resident, the enclave is initialized (EINIT and EADD still
  // need it otherwise) and this was not a VA cluster.
  if (!encl.secs_child_cnt && encl.flags.v & (1 << SGX_ENCL_INITIALIZED) && !va) {
    yield* fn(m).sgx_evict_page(m, encl.secs, encl);
    x.flags |= SGX_ENCL_SECS_EVICTED;
  }

  yield mutex_unlock(encl.lock);
}

/**
 * sgx_swap_pages - reclaim one cluster: the next process, its next enclave, up to `nr_to_scan` of
 * that enclave's old pages, written back together.
 * Kernel: sgx_page_cache.c (isgx). Context: no locks held; takes encl->mm's mmap_lock for read.
 */
function* sgx_swap_pages(m: Machine, nr_to_scan: number): ModelGen {
  const ctx = yield* fn(m).sgx_isolate_tgid_ctx(m, nr_to_scan);
  if (!ctx) {
    yield* m.mark("reclaim_isolated", 0);
    return;
  }
  const encl = yield* fn(m).sgx_isolate_encl(m, ctx, nr_to_scan);
  if (encl) {
    const cluster: number[] = [];
    const mm = isgx_encl_of(m, encl).mm!;
    yield down_read(mm.mmap_lock);
    yield* fn(m).sgx_isolate_pages(m, encl, cluster, nr_to_scan);
    yield* m.mark("reclaim_isolated", cluster.length);
    yield* fn(m).sgx_write_pages(m, encl, cluster);
    yield up_read(mm.mmap_lock);
    yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
  } else {
    yield* m.mark("reclaim_isolated", 0);
  }
  yield* kref_put(m, ctx.refcount, () => fn(m).sgx_tgid_ctx_release(m, ctx));
}

/**
 * ksgxswapd - the reclaimer thread: while fewer than the high watermark (2 x low) pages are free,
 * swap out a cluster at a time; sleep otherwise (allocations below the low watermark wake it).
 * Kernel: sgx_page_cache.c (isgx). Model: the freezer is not modeled; as in isgx there is no
 * cond_resched() between clusters and no test that anything is reclaimable, so with nothing to
 * reclaim below the watermark the thread keeps scanning.
 */
function* ksgxswapd(m: Machine): ModelGen {
  while (!kthread_should_stop(m)) {
    yield* wait_event(m, m.ksgxd_waitq, function* () {
      if (kthread_should_stop(m)) return true;
      return yield* nr_free_below(m, m.c.SGX_NR_HIGH_PAGES);
    });
    if (yield* nr_free_below(m, m.c.SGX_NR_HIGH_PAGES)) yield* fn(m).sgx_swap_pages(m, m.c.SGX_NR_TO_SCAN);
  }
}

/**
 * sgx_page_cache_init - start ksgxswapd (and, as a model extension, more reclaim threads).
 * Kernel: sgx_page_cache.c (isgx). Model: sgx_nr_high_pages = 2 x sgx_nr_low_pages comes from the
 * constants (SGX_NR_LOW_PAGES 32, SGX_NR_HIGH_PAGES 64), which scenarios may set; the EPC banks are
 * the machine's sections.
 */
function* sgx_page_cache_init(m: Machine): ModelGen<boolean> {
  isgx(m);
  for (let i = 0; i < Math.max(1, m.c.nr_ksgxd); i++) {
    const pid = yield* m.kthread_run(i === 0 ? "ksgxswapd" : `ksgxswapd/${i}`, () => m.fn.ksgxd(m));
    m.sgx.ksgxd_tsk.push(pid);
  }
  return true;
}

/**
 * atomic_read(&sgx_va_pages_cnt): the VA pages of live enclaves.
 * Model: counted from the VA page table instead of kept in a counter (the same number).
 */
function* read_sgx_va_pages_cnt(m: Machine): ModelGen<number> {
  if (m.interleaveAll) yield m.sharedRead(isgx(m).va_pages_cnt_loc, -1, "atomic_read(&sgx_va_pages_cnt)");
  let n = 0;
  for (const v of m.va_pages) if (v.epc_page >= 0) n++;
  return n;
}

/**
 * sgx_alloc_page - take a page from the free list. If it is empty: -ENOMEM when VA pages already
 * hold all but two EPC pages (the fault handler needs two), -EBUSY for atomic callers (the fault
 * path, which holds encl->lock), -ERESTARTSYS on a pending signal, and otherwise reclaim one cluster
 * directly and retry. Wakes ksgxswapd below the low watermark.
 * Kernel: sgx_page_cache.c (isgx). Context: with flags 0 may sleep; no encl->lock held then.
 */
function* sgx_alloc_page(m: Machine, flags: number): ModelGen<number> {
  let entry: number;
  for (;;) {
    entry = yield* free_list_extract_first(m);
    if (entry >= 0) break;
    // We need at minimum two pages for the #PF handler.
    if ((yield* read_sgx_va_pages_cnt(m)) > m.pages.nr_pages - 2) {
      yield* m.mark("alloc_enomem", -1);
      return -ENOMEM;
    }
    if (flags & SGX_ALLOC_ATOMIC) {
      yield* m.mark("alloc_ebusy", -1);
      entry = -EBUSY;
      break;
    }
    if (signal_pending(m)) {
      entry = -ERESTARTSYS;
      break;
    }
    yield* fn(m).sgx_swap_pages(m, m.c.SGX_NR_TO_SCAN);
    // schedule()
    yield* cond_resched(m);
  }
  if (yield* nr_free_below(m, m.c.SGX_NR_LOW_PAGES)) yield* wake_up(m, m.ksgxd_waitq);
  return entry;
}

/**
 * sgx_free_page - EREMOVE a page and put it back on the free list. A failed EREMOVE is only logged:
 * unlike mainline, isgx frees the page anyway.
 * Kernel: sgx_page_cache.c (isgx). Context: any; takes sgx_free_list_lock.
 */
function* sgx_free_page(m: Machine, page: number): ModelGen {
  const ret = yield* m.encls("EREMOVE", page, () => m.hw.EREMOVE(page));
  if (ret) m.warn("eremove", `intel_sgx: EREMOVE returned ${ret}`);
  yield* free_list_insert_epc_page(m, page);
}

export const sgx_page_cache_c = {
  sgx_test_and_clear_young,
  sgx_isolate_tgid_ctx,
  sgx_isolate_encl,
  sgx_isolate_pages,
  __sgx_ewb,
  sgx_ewb,
  sgx_evict_page,
  sgx_write_pages,
  sgx_swap_pages,
  ksgxswapd,
  sgx_page_cache_init,
  sgx_alloc_page,
  sgx_free_page,
};
