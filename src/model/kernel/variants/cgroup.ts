/**
 * The EPC cgroup series v16 ("x86/sgx: Add support for EPC cgroup", Aug 2024; never merged) as the
 * kernel variant `cgroup-v16` on top of mainline: main.c and encl.c functions as the series changes
 * them, plus the real epc_cgroup.h API (sgx/epc_cgroup.ts) in place of mainline's stubs.
 *
 * What changes against mainline (kernel.md 3.4.2):
 *  - every EPC allocation is first charged to the allocating task's cgroup (sgx_cgroup_try_charge)
 *    and the page remembers the cgroup (epc_page->sgx_cg) until sgx_free_epc_page uncharges it;
 *  - reclaimable pages live on their cgroup's LRU (sgx_epc_page_lru), not on sgx_active_page_list;
 *    mark/unmark take that LRU's lock instead of sgx_reclaimer_lock;
 *  - sgx_reclaim_pages(lru, charge_mm) reclaims from one LRU and says how many pages it scanned;
 *    the backing store is charged to `charge_mm`'s memcg, or to an mm of the enclave when NULL;
 *  - ksgxd and the allocator's direct reclaim go through sgx_reclaim_pages_global: a round over
 *    every cgroup by the root's round-robin cursor.
 *
 * Kernel: the v16 patches as in intel-lab-lkp main.c/encl.c (names kept; the v17 repost of Aug 30
 * 2024 is identical in these functions).
 */
import type { ModelGen } from "../../../rt/ops.ts";
import type { Machine } from "../../machine.ts";
import { misc_cg_root } from "../cgroup/misc.ts";
import {
  atomic_long_inc,
  atomic_long_read,
  kref_get_unless_zero,
  kref_put,
  test_bit,
} from "../lib/atomic.ts";
import { EBUSY, ENOMEM, ERESTARTSYS, IS_ERR } from "../lib/errno.ts";
import {
  list_add,
  list_add_tail,
  list_del,
  list_del_init,
  list_empty,
  list_empty_entry,
  list_first_entry,
} from "../lib/list.ts";
import { mutex_lock, mutex_unlock, spin_lock, spin_unlock } from "../lib/locks.ts";
import type { mm_struct } from "../lib/mm.ts";
import * as mm from "../lib/mm.ts";
import { cond_resched, kthread_should_stop, signal_pending, wait_event, wake_up } from "../lib/sched.ts";
import { srcu_read_lock, srcu_read_unlock } from "../lib/srcu.ts";
import { StackArray } from "../lib/stack_array.ts";
import {
  epc_cgroup_api,
  type sgx_cgroup,
  type sgx_epc_lru_list,
  sgx_epc_page_cgroup,
  sgx_global_lru,
} from "../sgx/epc_cgroup.ts";
import type { KernelFns } from "../sgx/index.ts";
import { secsIndex } from "../sgx/main.ts";
import {
  OWNER_NULL,
  SGX_ENCL_INITIALIZED,
  SGX_ENCL_PAGE_BEING_RECLAIMED,
  SGX_EPC_PAGE_IS_FREE,
  SGX_EPC_PAGE_RECLAIMER_TRACKED,
  type sgx_backing,
  type sgx_encl,
} from "../sgx/sgx.ts";
import { registerVariant } from "./registry.ts";

/** The series' signatures of the functions that gained parameters (charge_mm, lru). */
export interface V16Fns {
  sgx_reclaim_pages(m: Machine, lru?: sgx_epc_lru_list, charge_mm?: mm_struct | null): ModelGen<number>;
  sgx_reclaimer_write(
    m: Machine,
    epc_page: number,
    backing: sgx_backing,
    charge_mm?: mm_struct | null,
  ): ModelGen;
  sgx_encl_alloc_backing(
    m: Machine,
    encl: sgx_encl,
    page_index: number,
    charge_mm?: mm_struct | null,
  ): ModelGen<sgx_backing | null>;
  sgx_encl_get_mem_cgroup(m: Machine, encl: sgx_encl, charge_mm?: mm_struct | null): ModelGen<unknown>;
}

/** m.fn with the series' signatures. */
export const v16 = (m: Machine): V16Fns => m.fn as unknown as V16Fns;

/**
 * sgx_epc_page_lru - the LRU tracking a reclaimable page: the one of the cgroup it is charged to.
 * Kernel: main.c (v16). Context: any; the series states epc_page->sgx_cg is set from allocation to
 * free and the function is never used outside that window. arch_memory_failure() can call it
 * (through sgx_unmark_page_reclaimable) for a page that sgx_free_epc_page() has already uncharged
 * but not yet put on a free list: &NULL->lru (check-poison-vs-release finds it).
 */
export function sgx_epc_page_lru(m: Machine, epc_page: number): sgx_epc_lru_list {
  const cg = sgx_epc_page_cgroup(m, epc_page);
  if (!cg)
    return m.bug(
      `kernel NULL pointer dereference in sgx_epc_page_lru(): EPC page ${epc_page} has no sgx_cg (uncharged by sgx_free_epc_page, not yet free)`,
    );
  return cg.lru;
}

/**
 * sgx_can_reclaim_global - is any page of any cgroup on an LRU?
 * Kernel: main.c (v16, CONFIG_CGROUP_MISC). Context: takes every LRU lock in turn.
 */
export function* sgx_can_reclaim_global(m: Machine): ModelGen<boolean> {
  return !(yield* m.fn.sgx_cgroup_lru_empty(m, misc_cg_root(m)));
}

/**
 * sgx_reclaim_pages - reclaim up to SGX_NR_TO_SCAN pages from the head of `lru`, exactly as
 * mainline's three phases (isolate under the LRU's lock; age and pin the backing, charged to
 * `charge_mm`; block; write back). Returns the number of pages isolated (scanned).
 * Kernel: main.c (v16). Context: no locks held; may sleep.
 * Model: callers from mainline paths that pass no LRU (the checker's setup) reclaim from
 * sgx_global_lru, as the series does without CONFIG_CGROUP_MISC.
 */
function* sgx_reclaim_pages(
  m: Machine,
  lru: sgx_epc_lru_list = sgx_global_lru(m),
  charge_mm: mm_struct | null = null,
): ModelGen<number> {
  const nr = m.c.SGX_NR_TO_SCAN;
  const chunk = new StackArray<number>(m, "sgx_reclaim_pages", "chunk[SGX_NR_TO_SCAN]", nr);
  const backing = new StackArray<sgx_backing | null>(m, "sgx_reclaim_pages", "backing[SGX_NR_TO_SCAN]", nr);
  const P = m.pages;

  yield spin_lock(lru.lock);
  for (let i = 0; i < nr; i++) {
    if (list_empty(P, lru.reclaimable)) break;
    const epc_page = list_first_entry(P, lru.reclaimable);
    list_del_init(m, P, epc_page);
    // The time the list walk holds the LRU's lock, paid per page (as mainline's).
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
  yield spin_unlock(lru.lock);
  const cnt = chunk.length;
  // Tracepoint-like marks: the round and the cgroup whose LRU it took pages from (DEVIATIONS K16).
  yield* m.mark("lru_reclaim", lru.cg);
  yield* m.mark("reclaim_isolated", cnt);

  for (let i = 0; i < cnt; i++) {
    const epc_page = chunk.at(i);
    const encl_page = P.owner.get(epc_page);
    const encl = m.enclOf(encl_page);
    let skip = !(yield* m.fn.sgx_reclaimer_age(m, epc_page));
    if (!skip) {
      const page_index = m.encl_pages.index.a[encl_page]!;
      yield mutex_lock(encl.lock);
      const b = yield* v16(m).sgx_encl_alloc_backing(m, encl, page_index, charge_mm);
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
    yield spin_lock(lru.lock);
    list_add_tail(P, epc_page, lru.reclaimable);
    yield* m.work("lru_op", 1);
    yield spin_unlock(lru.lock);
    // ORDER: back on the list before the reference is dropped (a release it triggers finds it there).
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
    yield* v16(m).sgx_reclaimer_write(m, epc_page, backing.at(i)!, charge_mm);
    yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
    // RACE: flags written without the LRU lock: the page is isolated, nobody else tests it.
    if (m.interleaveAll) yield m.epcFlagsWrite(epc_page);
    P.flags.set(epc_page, P.flags.get(epc_page) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED);
    yield* m.fn.sgx_free_epc_page(m, epc_page);
  }
  return cnt;
}

/**
 * sgx_reclaimer_write - mainline's, with the SECS backing charged to `charge_mm`.
 * Kernel: main.c (v16, "Charge mem_cgroup for per-cgroup reclamation"). Context: takes encl->lock.
 */
function* sgx_reclaimer_write(
  m: Machine,
  epc_page: number,
  backing: sgx_backing,
  charge_mm: mm_struct | null = null,
): ModelGen {
  const encl_page = m.pages.owner.get(epc_page);
  const encl = m.enclOf(encl_page);
  const E = m.encl_pages;
  yield mutex_lock(encl.lock);

  yield* m.fn.sgx_encl_ewb(m, epc_page, backing);
  E.epc_page.a[encl_page] = -1;
  encl.secs_child_cnt--;
  m.fn.sgx_encl_put_backing(m, backing);

  if (!encl.secs_child_cnt && (yield* test_bit(m, SGX_ENCL_INITIALIZED, encl.flags))) {
    const secs_backing = yield* v16(m).sgx_encl_alloc_backing(m, encl, secsIndex(encl), charge_mm);
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
 * sgx_should_reclaim_global - fewer than `watermark` pages free and some cgroup LRU non-empty
 * (mainline's sgx_should_reclaim, renamed by the series).
 * Kernel: main.c (v16). Context: any; both reads are unlocked.
 */
function* sgx_should_reclaim_global(m: Machine, watermark: number): ModelGen<boolean> {
  const free = yield* atomic_long_read(m, m.sgx.sgx_nr_free_pages);
  return free < watermark && (yield* sgx_can_reclaim_global(m));
}

/**
 * sgx_reclaim_pages_global - one global round: a batch over all cgroups by the root's cursor.
 * Kernel: main.c (v16). Context: no locks held; may sleep.
 */
export function* sgx_reclaim_pages_global(m: Machine, charge_mm: mm_struct | null): ModelGen {
  yield* m.fn.sgx_cgroup_reclaim_pages_global(m, charge_mm);
}

/**
 * sgx_reclaim_direct - before an operation that allocates: reclaim in current's cgroup if it is
 * near its limit, then globally if free pages are low.
 * Kernel: main.c (v16). Context: must not hold encl->lock.
 */
function* sgx_reclaim_direct(m: Machine): ModelGen {
  yield* m.fn.sgx_cgroup_reclaim_direct(m);
  if (yield* m.fn.sgx_should_reclaim(m, m.c.SGX_NR_LOW_PAGES))
    yield* sgx_reclaim_pages_global(m, m.current.mm);
}

/**
 * ksgxd - sleep until free pages drop below the high watermark, then reclaim globally (no mm to
 * charge: the backing goes to an mm of each enclave).
 * Kernel: main.c (v16). Model: sanitization at boot is not modeled (DEVIATIONS.md K1).
 */
function* ksgxd(m: Machine): ModelGen {
  while (!kthread_should_stop(m)) {
    yield* wait_event(m, m.ksgxd_waitq, function* () {
      if (kthread_should_stop(m)) return true;
      return yield* m.fn.sgx_should_reclaim(m, m.c.SGX_NR_HIGH_PAGES);
    });
    if (yield* m.fn.sgx_should_reclaim(m, m.c.SGX_NR_HIGH_PAGES)) yield* sgx_reclaim_pages_global(m, null);
    yield* cond_resched(m);
  }
}

/**
 * sgx_mark_page_reclaimable - put a page on the tail of its cgroup's LRU.
 * Kernel: main.c (v16). Context: takes the LRU's lock.
 */
function* sgx_mark_page_reclaimable(m: Machine, page: number): ModelGen {
  const lru = sgx_epc_page_lru(m, page);
  yield spin_lock(lru.lock);
  m.pages.flags.set(page, m.pages.flags.get(page) | SGX_EPC_PAGE_RECLAIMER_TRACKED);
  list_add_tail(m.pages, page, lru.reclaimable);
  yield* m.work("lru_op", 1);
  yield spin_unlock(lru.lock);
}

/**
 * sgx_unmark_page_reclaimable - take a page off its cgroup's LRU; -EBUSY while a reclaimer has it
 * isolated.
 * Kernel: main.c (v16). Context: takes the LRU's lock.
 */
function* sgx_unmark_page_reclaimable(m: Machine, page: number): ModelGen<number> {
  const P = m.pages;
  const lru = sgx_epc_page_lru(m, page);
  yield spin_lock(lru.lock);
  if (P.flags.get(page) & SGX_EPC_PAGE_RECLAIMER_TRACKED) {
    if (list_empty_entry(P, page)) {
      yield spin_unlock(lru.lock);
      return -EBUSY;
    }
    list_del(m, P, page);
    P.flags.set(page, P.flags.get(page) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED);
    yield* m.work("lru_op", 1);
  }
  yield spin_unlock(lru.lock);
  return 0;
}

/**
 * sgx_alloc_epc_page - charge current's cgroup (reclaiming in it if allowed), then allocate a
 * physical page, reclaiming globally when none is free; on failure the charge is given back.
 * Returns the page, -ENOMEM, -EBUSY or -ERESTARTSYS; wakes ksgxd below the low watermark.
 * Kernel: main.c (v16). Context: with reclaim, no mm locks and no encl->lock held.
 */
function* sgx_alloc_epc_page(m: Machine, owner: number, reclaim: boolean): ModelGen<number> {
  const sgx_cg = m.fn.sgx_get_current_cg(m);
  const ret = yield* m.fn.sgx_cgroup_try_charge(m, sgx_cg, reclaim);
  if (ret) {
    yield* m.fn.sgx_put_cg(m, sgx_cg);
    yield* allocMark(m, ret, owner);
    return ret;
  }
  let page: number;
  for (;;) {
    page = yield* m.fn.__sgx_alloc_epc_page(m);
    if (!IS_ERR(page)) {
      m.pages.owner.set(page, owner);
      break;
    }
    // Nothing reclaimable in any cgroup.
    if (!(yield* sgx_can_reclaim_global(m))) {
      page = -ENOMEM;
      break;
    }
    if (!reclaim) {
      page = -EBUSY;
      break;
    }
    if (signal_pending(m)) {
      page = -ERESTARTSYS;
      break;
    }
    // The cgroup is under its limit but no physical page is free: reclaim from any cgroup.
    yield* sgx_reclaim_pages_global(m, m.current.mm);
    yield* cond_resched(m);
  }
  if (!IS_ERR(page)) {
    // sgx_put_cg() in sgx_free_epc_page().
    m.pages.sgx_cg.set(page, sgx_cg!.cg.id);
  } else {
    yield* m.fn.sgx_cgroup_uncharge(m, sgx_cg);
    yield* m.fn.sgx_put_cg(m, sgx_cg);
    yield* allocMark(m, page, owner);
  }
  if (yield* m.fn.sgx_should_reclaim(m, m.c.SGX_NR_LOW_PAGES)) yield* wake_up(m, m.ksgxd_waitq);
  return page;
}

/** The tracepoint-like marks of a failed allocation (alloc_ebusy / alloc_enomem metrics). */
export function* allocMark(m: Machine, err: number, owner: number): ModelGen {
  if (err === -EBUSY) yield* m.mark("alloc_ebusy", owner);
  else if (err === -ENOMEM) yield* m.mark("alloc_enomem", owner);
}

/**
 * sgx_free_epc_page - uncharge the page's cgroup, then put the page on its node's free list (or
 * the poison list).
 * Kernel: main.c (v16). Context: takes node->lock.
 */
function* sgx_free_epc_page(m: Machine, page: number): ModelGen {
  const P = m.pages;
  const sgx_cg: sgx_cgroup | null = sgx_epc_page_cgroup(m, page);
  if (sgx_cg) {
    yield* m.fn.sgx_cgroup_uncharge(m, sgx_cg);
    yield* m.fn.sgx_put_cg(m, sgx_cg);
    P.sgx_cg.set(page, -1);
  }
  const node = m.nodeOf(page);
  yield spin_lock(node.lock);
  P.owner.set(page, OWNER_NULL);
  if (P.poison.get(page)) list_add(P, page, node.sgx_poison_page_list);
  else list_add_tail(P, page, node.free_page_list);
  P.flags.set(page, SGX_EPC_PAGE_IS_FREE);
  yield* m.work("freelist_op", 1);
  yield spin_unlock(node.lock);
  // ORDER: the counter is updated after dropping the node lock (it may lag the lists).
  yield* atomic_long_inc(m, m.sgx.sgx_nr_free_pages);
}

/**
 * sgx_encl_get_mem_cgroup - the memcg to charge backing pages to: `charge_mm`'s, or when it is NULL
 * (ksgxd, the cgroup reclaim work) the memcg of the first live mm on the enclave's mm_list.
 * Kernel: encl.c (v16: current_is_ksgxd() replaced by the charge_mm argument). Context: takes SRCU.
 */
function* sgx_encl_get_mem_cgroup(
  m: Machine,
  encl: sgx_encl,
  charge_mm: mm_struct | null = null,
): ModelGen<unknown> {
  if (charge_mm) return charge_mm.memcg;
  let memcg: unknown = null;
  const idx = yield* srcu_read_lock(m, encl.srcu);
  for (const encl_mm of encl.mm_list.slice()) {
    if (!(yield* mm.mmget_not_zero(m, encl_mm.mm))) continue;
    memcg = encl_mm.mm.memcg;
    yield* mm.mmput_async(m, encl_mm.mm);
    break;
  }
  yield* srcu_read_unlock(m, encl.srcu, idx);
  return memcg;
}

/**
 * sgx_encl_alloc_backing - pin (allocating if needed) the backing pages of `page_index` with the
 * active memcg set to the one sgx_encl_get_mem_cgroup picks for `charge_mm`.
 * Kernel: encl.c (v16). Context: encl->lock held.
 */
function* sgx_encl_alloc_backing(
  m: Machine,
  encl: sgx_encl,
  page_index: number,
  charge_mm: mm_struct | null = null,
): ModelGen<sgx_backing | null> {
  const encl_memcg = yield* v16(m).sgx_encl_get_mem_cgroup(m, encl, charge_mm);
  const memcg = m.current.active_memcg;
  m.current.active_memcg = encl_memcg;
  const b = yield* m.fn.__sgx_encl_get_backing(m, encl, page_index);
  m.current.active_memcg = memcg;
  return b;
}

/** The series' main.c and encl.c, plus the real epc_cgroup.h API. */
export const cgroupV16: Partial<KernelFns> = {
  ...epc_cgroup_api,
  sgx_reclaim_pages,
  sgx_reclaimer_write,
  // The series renames sgx_should_reclaim to sgx_should_reclaim_global (same arguments).
  sgx_should_reclaim: sgx_should_reclaim_global,
  sgx_reclaim_direct,
  ksgxd,
  sgx_mark_page_reclaimable,
  sgx_unmark_page_reclaimable,
  sgx_alloc_epc_page,
  sgx_free_epc_page,
  sgx_encl_get_mem_cgroup,
  sgx_encl_alloc_backing,
} as unknown as Partial<KernelFns>;

registerVariant({
  name: "cgroup-v16",
  description:
    "mainline with the EPC cgroup series v16 (unmerged): misc controller sgx_epc, per-cgroup LRUs, asynchronous per-cgroup reclaim, round-robin global reclaim",
  overrides: cgroupV16,
});
