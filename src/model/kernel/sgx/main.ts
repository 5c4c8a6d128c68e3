/**
 * arch/x86/kernel/cpu/sgx/main.c: the EPC page allocator, the reclaimer (sgx_reclaim_pages and
 * ksgxd), mark/unmark reclaimable, and memory-failure handling.
 *
 * Kernel: mainline (~v6.16, main.c at e65d9626) unless a function says otherwise.
 */
import type { ModelGen, SharedOp } from "../../../rt/ops.ts";
import { withSite } from "../../../rt/site.ts";
import { encls_failed, SGX_NOT_TRACKED } from "../../hw/arch.ts";
import type { Machine } from "../../machine.ts";
import {
  atomic_long_dec,
  atomic_long_inc,
  atomic_long_read,
  kref_get_unless_zero,
  kref_put,
  test_bit,
} from "../lib/atomic.ts";
import { EBUSY, ENOMEM, ENXIO, ERESTARTSYS, IS_ERR } from "../lib/errno.ts";
import { on_each_cpu_mask } from "../lib/ipi.ts";
import { kmemleak_alloc } from "../lib/kmemleak.ts";
import {
  list_add,
  list_add_tail,
  list_del,
  list_del_init,
  list_empty,
  list_empty_entry,
  list_first_entry,
  list_move,
} from "../lib/list.ts";
import { mutex_lock, mutex_unlock, spin_lock, spin_unlock } from "../lib/locks.ts";
import * as mm from "../lib/mm.ts";
import { cond_resched, kthread_should_stop, signal_pending, wait_event, wake_up } from "../lib/sched.ts";
import { srcu_read_lock, srcu_read_unlock } from "../lib/srcu.ts";
import { StackArray } from "../lib/stack_array.ts";
import { mmOf } from "./encl.ts";
import {
  LINK_NONE,
  OWNER_NULL,
  SGX_ENCL_INITIALIZED,
  SGX_ENCL_PAGE_BEING_RECLAIMED,
  SGX_EPC_PAGE_IS_FREE,
  SGX_EPC_PAGE_RECLAIMER_TRACKED,
  type sgx_backing,
  type sgx_encl,
  type sgx_numa_node,
} from "./sgx.ts";

/** PFN_DOWN(encl->size): the backing page index of the SECS. */
export function secsIndex(encl: sgx_encl): number {
  return encl.size / 4096;
}

/**
 * sgx_reclaimer_age - was the page accessed since the last scan? Returns true when the page is old
 * (may be reclaimed), false when some mm reports it young.
 * Kernel: main.c (mainline). Context: no locks held; takes SRCU and each mm's mmap_lock for read.
 */
function* sgx_reclaimer_age(m: Machine, epc_page: number): ModelGen<boolean> {
  const page = m.pages.owner.get(epc_page);
  const encl = m.enclOf(page);
  let ret = true;
  const idx = yield* srcu_read_lock(m, encl.srcu);
  // MODEL: list_for_each_entry_rcu walks a snapshot of mm_list; RCU readers may or may not see
  // concurrent additions, and deleted entries stay valid until synchronize_srcu().
  for (const encl_mm of encl.mm_list.slice()) {
    if (!(yield* mm.mmget_not_zero(m, mmOf(m, encl_mm)))) continue;
    yield mm.mmap_read_lock(mmOf(m, encl_mm));
    ret = !(yield* m.fn.sgx_encl_test_and_clear_young(m, mmOf(m, encl_mm), page));
    yield mm.mmap_read_unlock(mmOf(m, encl_mm));
    yield* mm.mmput_async(m, mmOf(m, encl_mm));
    if (!ret) break;
  }
  yield* srcu_read_unlock(m, encl.srcu, idx);
  return ret;
}

/**
 * sgx_reclaimer_block - zap every PTE of the page, then EBLOCK it so no new TLB entry can be made.
 * Kernel: main.c (mainline; the zap loop moved to sgx_zap_enclave_ptes in v6.0).
 * Context: no locks held; takes encl->lock around EBLOCK.
 */
function* sgx_reclaimer_block(m: Machine, epc_page: number): ModelGen {
  const page = m.pages.owner.get(epc_page);
  const encl = m.enclOf(page);
  const addr = m.enclPageAddr(page);
  yield* m.fn.sgx_zap_enclave_ptes(m, encl, addr);
  yield mutex_lock(encl.lock);
  const ret = yield* m.encls("EBLOCK", epc_page, () => m.hw.EBLOCK(epc_page));
  if (encls_failed(ret)) m.ENCLS_WARN(ret, "EBLOCK");
  yield mutex_unlock(encl.lock);
}

/**
 * __sgx_encl_ewb - issue EWB into the backing pages and mark them dirty.
 * Kernel: main.c (mainline). Context: encl->lock held.
 */
function* __sgx_encl_ewb(
  m: Machine,
  epc_page: number,
  va_epc: number,
  va_offset: number,
  backing: sgx_backing,
): ModelGen<number> {
  const ret = yield* m.encls("EWB", epc_page, () =>
    m.hw.EWB(epc_page, va_epc, va_offset >> 3, backing.contents, backing.pcmd, backing.pcmd_offset / 128),
  );
  // set_page_dirty() on both pages, even when EWB failed.
  backing.pcmd.dirty = true;
  backing.contents.dirty = true;
  return ret;
}

/**
 * sgx_encl_ewb - EWB with the three-stage ladder: EWB; ETRACK + EWB; IPI + EWB.
 * Kernel: main.c (mainline). Context: encl->lock held.
 */
function* sgx_encl_ewb(m: Machine, epc_page: number, backing: sgx_backing): ModelGen {
  const encl_page = m.pages.owner.get(epc_page);
  const encl = m.enclOf(encl_page);
  const E = m.encl_pages;
  E.setDesc(encl_page, E.desc.a[encl_page]! & ~SGX_ENCL_PAGE_BEING_RECLAIMED);

  const va_page = encl.va_pages[0]!;
  const va_offset = m.fn.sgx_alloc_va_slot(m, va_page);
  if (m.fn.sgx_va_page_full(m, va_page)) {
    // list_move_tail(&va_page->list, &encl->va_pages)
    encl.va_pages.push(encl.va_pages.shift()!);
  }

  let ret = yield* m.fn.__sgx_encl_ewb(m, epc_page, va_page.epc_page, va_offset, backing);
  if (ret === SGX_NOT_TRACKED) {
    const secs = E.epc_page.a[encl.secs]!;
    ret = yield* m.encls("ETRACK", secs, () => m.hw.ETRACK(secs));
    if (ret && encls_failed(ret)) m.ENCLS_WARN(ret, "ETRACK");
    ret = yield* m.fn.__sgx_encl_ewb(m, epc_page, va_page.epc_page, va_offset, backing);
    if (ret === SGX_NOT_TRACKED) {
      // ORDER: the cpumask is computed *after* ETRACK, else CPUs that entered the enclave between
      // building the mask and the epoch increment would be missed.
      const mask = yield* m.fn.sgx_encl_cpumask(m, encl);
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

/**
 * sgx_reclaimer_write - write one isolated page back, and the SECS too once no child is resident.
 * Kernel: main.c (mainline; put_backing under encl->lock since May 2022).
 * Context: takes encl->lock.
 */
function* sgx_reclaimer_write(m: Machine, epc_page: number, backing: sgx_backing): ModelGen {
  const encl_page = m.pages.owner.get(epc_page);
  const encl = m.enclOf(encl_page);
  const E = m.encl_pages;
  yield mutex_lock(encl.lock);

  yield* m.fn.sgx_encl_ewb(m, epc_page, backing);
  E.epc_page.a[encl_page] = -1;
  encl.secs_child_cnt--;
  m.fn.sgx_encl_put_backing(m, backing);

  if (!encl.secs_child_cnt && (yield* test_bit(m, SGX_ENCL_INITIALIZED, encl.flags))) {
    const secs_backing = yield* m.fn.sgx_encl_alloc_backing(m, encl, secsIndex(encl));
    if (secs_backing) {
      const secs_epc = E.epc_page.a[encl.secs]!;
      yield* m.fn.sgx_encl_ewb(m, secs_epc, secs_backing);
      yield* m.fn.sgx_encl_free_epc_page(m, secs_epc);
      E.epc_page.a[encl.secs] = -1;
      m.fn.sgx_encl_put_backing(m, secs_backing);
    }
  }

  yield mutex_unlock(encl.lock);
}

/**
 * sgx_reclaim_pages - reclaim up to SGX_NR_TO_SCAN pages from the head of the active list:
 * isolate (under sgx_reclaimer_lock), age and pin backing, block all, then write each back.
 * Batching keeps ETRACKs and IPIs to one round per enclave per batch.
 * Kernel: main.c (mainline). Context: no locks held; may sleep.
 */
function* sgx_reclaim_pages(m: Machine): ModelGen {
  const nr = m.c.SGX_NR_TO_SCAN;
  const chunk = new StackArray<number>(m, "sgx_reclaim_pages", "chunk[SGX_NR_TO_SCAN]", nr);
  const backing = new StackArray<sgx_backing | null>(m, "sgx_reclaim_pages", "backing[SGX_NR_TO_SCAN]", nr);
  const P = m.pages;
  const G = m.sgx;

  yield spin_lock(G.sgx_reclaimer_lock);
  for (let i = 0; i < nr; i++) {
    if (list_empty(P, G.sgx_active_page_list)) break;
    const epc_page = list_first_entry(P, G.sgx_active_page_list);
    list_del_init(m, P, epc_page);
    // The time the list walk holds sgx_reclaimer_lock (t_lru_isolate), paid per page.
    yield* m.work("lru_op", 1);
    const encl_page = P.owner.get(epc_page);
    if (yield* kref_get_unless_zero(m, m.enclOf(encl_page).refcount)) {
      chunk.push(epc_page);
      backing.push(null);
    } else {
      // The owner is freeing the page; it is not put back on the list.
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
      yield mutex_lock(encl.lock);
      const b = yield* m.fn.sgx_encl_alloc_backing(m, encl, page_index);
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
    // skip:
    yield spin_lock(G.sgx_reclaimer_lock);
    list_add_tail(P, epc_page, G.sgx_active_page_list);
    yield* m.work("lru_op", 1);
    yield spin_unlock(G.sgx_reclaimer_lock);
    // ORDER: the page is back on the list before the reference is dropped, so a release triggered
    // by this kref_put finds it there.
    yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
    chunk.set(i, -1);
  }

  for (let i = 0; i < cnt; i++) {
    const epc_page = chunk.at(i);
    if (epc_page >= 0) yield* m.fn.sgx_reclaimer_block(m, epc_page);
  }

  for (let i = 0; i < cnt; i++) {
    const epc_page = chunk.at(i);
    if (epc_page < 0) continue;
    const encl = m.enclOf(P.owner.get(epc_page));
    yield* m.fn.sgx_reclaimer_write(m, epc_page, backing.at(i)!);
    yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
    // RACE: page->flags is written without sgx_reclaimer_lock: the page is isolated (off every
    // list), so no other path tests or sets RECLAIMER_TRACKED on it concurrently.
    if (m.interleaveAll) yield m.epcFlagsWrite(epc_page);
    P.flags.set(epc_page, P.flags.get(epc_page) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED);
    yield* m.fn.sgx_free_epc_page(m, epc_page);
  }
}

/**
 * sgx_should_reclaim - fewer than `watermark` pages free and something to reclaim.
 * Kernel: main.c (mainline). Context: any; both reads are unlocked.
 */
function* sgx_should_reclaim(m: Machine, watermark: number): ModelGen<boolean> {
  const free = yield* atomic_long_read(m, m.sgx.sgx_nr_free_pages);
  if (!(free < watermark)) return false;
  // RACE: list_empty() on the active list without sgx_reclaimer_lock; a stale answer only delays
  // or adds one reclaim round.
  if (m.interleaveAll) yield withSite(m.activeListRead);
  return !list_empty(m.pages, m.sgx.sgx_active_page_list);
}

/**
 * sgx_reclaim_direct - reclaim one batch if free pages are below the low watermark.
 * Kernel: main.c (v6.0+). Context: must not hold encl->lock.
 */
function* sgx_reclaim_direct(m: Machine): ModelGen {
  if (yield* m.fn.sgx_should_reclaim(m, m.c.SGX_NR_LOW_PAGES)) yield* m.fn.sgx_reclaim_pages(m);
}

/**
 * ksgxd - the reclaimer thread: sleep until free pages drop below the high watermark (woken by
 * allocations below the low one), then reclaim a batch at a time.
 * Kernel: main.c (mainline). Model: boot-time sanitization of the dirty list is not modeled (EPC
 * starts clean and free, see DEVIATIONS.md).
 */
function* ksgxd(m: Machine): ModelGen {
  while (!kthread_should_stop(m)) {
    yield* wait_event(m, m.ksgxd_waitq, function* () {
      if (kthread_should_stop(m)) return true;
      return yield* m.fn.sgx_should_reclaim(m, m.c.SGX_NR_HIGH_PAGES);
    });
    if (yield* m.fn.sgx_should_reclaim(m, m.c.SGX_NR_HIGH_PAGES)) yield* m.fn.sgx_reclaim_pages(m);
    yield* cond_resched(m);
  }
}

/**
 * current_is_ksgxd - is current a reclaimer thread?
 * Model: with more than one reclaim thread (a model extension), any of them counts.
 */
function current_is_ksgxd(m: Machine): boolean {
  return m.sgx.ksgxd_tsk.includes(m.current.pid);
}

/**
 * __sgx_alloc_epc_page_from_node - take the first page of a node's free list.
 * Kernel: main.c (v5.13+). Context: takes node->lock. Model: never-touched pages are taken from the
 * node's fresh ranges, which stand for the head of the free list.
 */
function* __sgx_alloc_epc_page_from_node(m: Machine, nid: number): ModelGen<number> {
  const node = m.sgx.sgx_numa_nodes[nid]!;
  const P = m.pages;
  yield spin_lock(node.lock);
  if (freeListEmpty(m, node)) {
    yield spin_unlock(node.lock);
    return -1;
  }
  const page = freeListTakeFirst(m, node);
  P.flags.set(page, 0);
  yield* m.work("freelist_op", 1);
  yield spin_unlock(node.lock);
  yield* atomic_long_dec(m, m.sgx.sgx_nr_free_pages);
  return page;
}

/** list_empty(&node->free_page_list), counting the fresh ranges at its head. */
export function freeListEmpty(m: Machine, node: sgx_numa_node): boolean {
  while (node.fresh.length > 0 && node.fresh[0]!.next >= node.fresh[0]!.end) node.fresh.shift();
  return node.fresh.length === 0 && list_empty(m.pages, node.free_page_list);
}

/** list_first_entry + list_del_init on a node's free list. */
export function freeListTakeFirst(m: Machine, node: sgx_numa_node): number {
  const P = m.pages;
  const r = node.fresh[0];
  if (r !== undefined && r.next < r.end) {
    const page = r.next++;
    P.next.set(page, page);
    P.prev.set(page, page);
    kmemleak_alloc(m, page);
    return page;
  }
  const page = list_first_entry(P, node.free_page_list);
  list_del_init(m, P, page);
  kmemleak_alloc(m, page);
  return page;
}

/** Is `page` a never-touched page still in a fresh range of its node? */
export function isFresh(m: Machine, page: number): boolean {
  const node = m.nodeOf(page);
  for (const r of node.fresh) if (page >= r.next && page < r.end) return true;
  return false;
}

/** Take a never-touched page out of the middle of its fresh range (keeps the others' order). */
function freshTake(m: Machine, node: sgx_numa_node, page: number): void {
  for (let i = 0; i < node.fresh.length; i++) {
    const r = node.fresh[i]!;
    if (page < r.next || page >= r.end) continue;
    const tail = { next: page + 1, end: r.end };
    r.end = page;
    node.fresh.splice(i + 1, 0, tail);
    m.pages.next.set(page, page);
    m.pages.prev.set(page, page);
    return;
  }
}

/**
 * __sgx_alloc_epc_page - allocate from the local node first, then the other nodes with EPC.
 * Kernel: main.c (v5.13+). Returns a page or -ENOMEM.
 */
function* __sgx_alloc_epc_page(m: Machine): ModelGen<number> {
  const mask = m.sgx.sgx_numa_mask;
  const nid_of_current = m.hw.cpus[m.current.cpu]?.node ?? 0;
  let start = mask.indexOf(nid_of_current);
  if (start < 0) {
    // next_node_in(nid_of_current, sgx_numa_mask)
    start = mask.findIndex((n) => n > nid_of_current);
    if (start < 0) start = 0;
  }
  let i = start;
  do {
    const page = yield* m.fn.__sgx_alloc_epc_page_from_node(m, mask[i]!);
    if (page >= 0) return page;
    i = (i + 1) % mask.length;
  } while (i !== start);
  return -ENOMEM;
}

/**
 * sgx_mark_page_reclaimable - put a page on the tail of the active list.
 * Kernel: main.c (mainline). Context: takes sgx_reclaimer_lock.
 */
function* sgx_mark_page_reclaimable(m: Machine, page: number): ModelGen {
  const G = m.sgx;
  yield spin_lock(G.sgx_reclaimer_lock);
  m.pages.flags.set(page, m.pages.flags.get(page) | SGX_EPC_PAGE_RECLAIMER_TRACKED);
  list_add_tail(m.pages, page, G.sgx_active_page_list);
  yield* m.work("lru_op", 1);
  yield spin_unlock(G.sgx_reclaimer_lock);
}

/**
 * sgx_unmark_page_reclaimable - take a page off the active list; -EBUSY while the reclaimer has it
 * isolated (TRACKED and not on the list).
 * Kernel: main.c (mainline). Context: takes sgx_reclaimer_lock.
 */
function* sgx_unmark_page_reclaimable(m: Machine, page: number): ModelGen<number> {
  const G = m.sgx;
  const P = m.pages;
  yield spin_lock(G.sgx_reclaimer_lock);
  if (P.flags.get(page) & SGX_EPC_PAGE_RECLAIMER_TRACKED) {
    // The page is being reclaimed.
    if (list_empty_entry(P, page)) {
      yield spin_unlock(G.sgx_reclaimer_lock);
      return -EBUSY;
    }
    list_del(m, P, page);
    P.flags.set(page, P.flags.get(page) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED);
    yield* m.work("lru_op", 1);
  }
  yield spin_unlock(G.sgx_reclaimer_lock);
  return 0;
}

/**
 * sgx_alloc_epc_page - allocate an EPC page for `owner`; with `reclaim`, reclaim directly until a
 * page is free. Returns the page, -ENOMEM (nothing reclaimable), -EBUSY (!reclaim) or -ERESTARTSYS.
 * Wakes ksgxd when free pages drop below the low watermark.
 * Kernel: main.c (mainline). Context: with reclaim, no mm locks and no encl->lock held.
 */
function* sgx_alloc_epc_page(m: Machine, owner: number, reclaim: boolean): ModelGen<number> {
  let page: number;
  for (;;) {
    page = yield* m.fn.__sgx_alloc_epc_page(m);
    if (!IS_ERR(page)) {
      m.pages.owner.set(page, owner);
      break;
    }
    // RACE: unlocked list_empty(); ksgxd is not woken on this path.
    if (m.interleaveAll) yield withSite(m.activeListRead);
    if (list_empty(m.pages, m.sgx.sgx_active_page_list)) {
      yield* m.mark("alloc_enomem", owner);
      return -ENOMEM;
    }
    if (!reclaim) {
      yield* m.mark("alloc_ebusy", owner);
      page = -EBUSY;
      break;
    }
    if (signal_pending(m)) {
      page = -ERESTARTSYS;
      break;
    }
    yield* m.fn.sgx_reclaim_pages(m);
    yield* cond_resched(m);
  }
  if (yield* m.fn.sgx_should_reclaim(m, m.c.SGX_NR_LOW_PAGES)) yield* wake_up(m, m.ksgxd_waitq);
  return page;
}

/**
 * sgx_free_epc_page - put a page (already uninitialized by EWB or EREMOVE) on its node's free list,
 * or on the poison list if it was poisoned while in use.
 * Kernel: main.c (mainline). Context: takes node->lock.
 */
function* sgx_free_epc_page(m: Machine, page: number): ModelGen {
  const node = m.nodeOf(page);
  const P = m.pages;
  yield spin_lock(node.lock);
  P.owner.set(page, OWNER_NULL);
  if (P.poison.get(page)) list_add(P, page, node.sgx_poison_page_list);
  else list_add_tail(P, page, node.free_page_list);
  P.flags.set(page, SGX_EPC_PAGE_IS_FREE);
  P.sgx_cg.set(page, -1);
  yield* m.work("freelist_op", 1);
  yield spin_unlock(node.lock);
  // ORDER: the counter is updated after dropping the node lock (it may lag the lists).
  yield* atomic_long_inc(m, m.sgx.sgx_nr_free_pages);
}

/**
 * arch_memory_failure - a machine check reported poison in an EPC page: mark it, move a free page
 * to the poison list, or take an in-use page off the reclaimer's list so it is never EWB'd.
 * Kernel: main.c (v5.17+). Context: takes node->lock, then sgx_reclaimer_lock.
 */
function* arch_memory_failure(m: Machine, pfn: number, _flags: number): ModelGen<number> {
  if (pfn < 0 || pfn >= m.pages.nr_pages) return -ENXIO;
  const page = pfn;
  const node = m.nodeOf(page);
  const P = m.pages;
  yield spin_lock(node.lock);
  if (!P.poison.get(page)) {
    P.poison.set(page, 1);
    if (P.flags.get(page) & SGX_EPC_PAGE_IS_FREE) {
      if (isFresh(m, page)) freshTake(m, node, page);
      if (P.next.get(page) === LINK_NONE) m.bug(`free EPC page ${page} has no list links`);
      list_move(m, P, page, node.sgx_poison_page_list);
    } else {
      yield* m.fn.sgx_unmark_page_reclaimable(m, page);
    }
  }
  yield spin_unlock(node.lock);
  return 0;
}

/**
 * sgx_page_reclaimer_init - start ksgxd (and, as a model extension, more reclaim threads).
 * Kernel: main.c (mainline).
 */
function* sgx_page_reclaimer_init(m: Machine): ModelGen<boolean> {
  for (let i = 0; i < Math.max(1, m.c.nr_ksgxd); i++) {
    const name = i === 0 ? "ksgxd" : `ksgxd/${i}`;
    const pid = yield* m.kthread_run(name, () => m.fn.ksgxd(m));
    m.sgx.ksgxd_tsk.push(pid);
  }
  return true;
}

/** Unlocked write of an EPC page's flags (op for the checker). */
export function epcFlagsWriteOp(m: Machine, page: number): SharedOp {
  return { kind: "write", loc: m.locs.epc_flags, sub: page, what: "epc_page->flags" };
}

export const main_c = {
  sgx_reclaimer_age,
  sgx_reclaimer_block,
  __sgx_encl_ewb,
  sgx_encl_ewb,
  sgx_reclaimer_write,
  sgx_reclaim_pages,
  sgx_should_reclaim,
  sgx_reclaim_direct,
  ksgxd,
  current_is_ksgxd,
  __sgx_alloc_epc_page_from_node,
  __sgx_alloc_epc_page,
  sgx_mark_page_reclaimable,
  sgx_unmark_page_reclaimable,
  sgx_alloc_epc_page,
  sgx_free_epc_page,
  arch_memory_failure,
  sgx_page_reclaimer_init,
};
