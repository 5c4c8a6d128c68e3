/**
 * The early EPC cgroup design (RFC to v5, 2022-2023) as the kernel variant `cgroup-v2-oom`: the
 * misc controller's sgx_epc as in cgroup-v16, but
 *  - each cgroup has two lists: reclaimable pages (its LRU) and unreclaimable ones (SECS, VA and
 *    vEPC pages), the latter only to find an OOM victim;
 *  - reclaim isolates up to a batch from the cgroup's whole subtree in pre-order (no round-robin
 *    cursor: the first cgroups of the walk are always scanned first), 16 to 32 pages per call, and
 *    ignores the Accessed bit after 5 failed rounds (SGX_EPC_RECLAIM_IGNORE_AGE_THRESHOLD);
 *  - lowering misc.max queues the cgroup's reclaim work (misc_res_ops.max_write), which reclaims
 *    down to the new max;
 *  - when a cgroup is over its limit and nothing is reclaimable, the reclaim work OOM-kills an
 *    enclave found on the subtree's unreclaimable lists: SGX_ENCL_NO_MEMORY is set (the enclave's
 *    faults get SIGBUS, its ioctls and new mappings -ENOMEM), every PTE of it is zapped and its
 *    mm_list drained; its pages go when the owner closes it;
 *  - a charge that keeps failing with reclaim gives up with -ENOMEM after 5 rounds that found
 *    nothing to reclaim (SGX_EPC_RECLAIM_OOM_THRESHOLD).
 *
 * Kernel: haitaohuang/linux epc_cgroup.c of the v3..v5 era and "[PATCH v5 ...] x86/sgx: Add EPC
 * OOM path to forcefully reclaim EPC" (Sep 2023), kernel.md 3.4.3. The variant keeps the name of
 * the design's first posting with the OOM path (v2, Dec 2022); the OOM killer follows the v3+
 * form, which leaves pages being reclaimed to the reclaimers and frees the rest when the enclave
 * is released (v2 freed them in the OOM path itself). DEVIATIONS.md C9.
 */

import type { ModelGen } from "../../../rt/ops.ts";
import { withSite } from "../../../rt/site.ts";
import { PAGE_SIZE } from "../../hw/arch.ts";
import type { Machine } from "../../machine.ts";
import {
  descendants_pre,
  type misc_cg,
  misc_cg_root,
  misc_cg_set_capacity,
  misc_cg_set_ops,
  misc_cg_try_charge,
  misc_cg_uncharge,
} from "../cgroup/misc.ts";
import { kref_get_unless_zero, kref_put, set_bit, test_bit } from "../lib/atomic.ts";
import { EBUSY, ENOMEM, ERESTARTSYS, IS_ERR } from "../lib/errno.ts";
import {
  list_add_tail,
  list_del,
  list_del_init,
  list_empty,
  list_empty_entry,
  list_first_entry,
} from "../lib/list.ts";
import { mutex_lock, mutex_unlock, spin_lock, spin_unlock } from "../lib/locks.ts";
import {
  find_vma,
  mmap_read_lock,
  mmap_read_unlock,
  mmget_not_zero,
  mmput_async,
  mmu_notifier_unregister,
  VM_FAULT_SIGBUS,
  type vm_area_struct,
  zap_vma_ptes,
} from "../lib/mm.ts";
import { cond_resched, kthread_should_stop, signal_pending, wait_event, wake_up } from "../lib/sched.ts";
import { srcu_read_lock, srcu_read_unlock, synchronize_srcu } from "../lib/srcu.ts";
import { queue_work, type work_struct } from "../lib/workqueue.ts";
import {
  epc_cgroup_api,
  sgx_cgroup,
  sgx_cgroup_from_misc_cg,
  sgx_epc_page_cgroup,
  sgxcg,
} from "../sgx/epc_cgroup.ts";
import { type KernelFns, mainline } from "../sgx/index.ts";
import {
  OWNER_NULL,
  type PageListHead,
  SGX_ENCL_CREATED,
  SGX_ENCL_PAGE_BEING_RECLAIMED,
  SGX_EPC_PAGE_RECLAIMER_TRACKED,
  type sgx_backing,
  type sgx_encl,
} from "../sgx/sgx.ts";
import { allocMark, cgroupV16 } from "./cgroup.ts";
import { registerVariant } from "./registry.ts";

/** SGX_ENCL_NO_MEMORY (SGX_ENCL_OOM in v2): the enclave was OOM-killed. */
export const SGX_ENCL_NO_MEMORY = 4;
/** A page tracked on an unreclaimable list (the early series' SGX_EPC_PAGE_ENCLAVE/VERSION_ARRAY states). */
export const SGX_EPC_PAGE_UNRECLAIMABLE = 1 << 4;

/** Reclaim sizes and thresholds of the early series. */
const SGX_EPC_RECLAIM_MIN_PAGES = 16;
const SGX_NR_TO_SCAN_MAX = 32;
const SGX_EPC_RECLAIM_IGNORE_AGE_THRESHOLD = 5;
const SGX_EPC_RECLAIM_OOM_THRESHOLD = 5;

/** struct sgx_epc_cgroup: the v16 layout plus the unreclaimable list (struct sgx_epc_lru_lists). */
export class sgx_epc_cgroup extends sgx_cgroup {
  readonly unreclaimable: PageListHead;
  constructor(m: Machine, cg: misc_cg) {
    super(m, cg);
    this.unreclaimable = m.pages.newHead(m.newId(), `sgx_epc_cgroup(${cg.name || "/"})->lru.unreclaimable`);
  }
}

/** struct sgx_epc_reclaim_control. */
interface sgx_epc_reclaim_control {
  epc_cg: sgx_epc_cgroup;
  nr_fails: number;
  ignore_age: boolean;
}

const epcCg = (cg: misc_cg): sgx_epc_cgroup => sgx_cgroup_from_misc_cg(cg) as sgx_epc_cgroup;

/** The enclave that owns an EPC page: its enclave page's, or for a SECS or VA page the enclave itself. */
function sgx_epc_page_encl(m: Machine, page: number): sgx_encl | null {
  const owner = m.pages.owner.get(page);
  if (owner >= 0) return m.enclaves[m.encl_pages.encl.a[owner]!] ?? null;
  // MODEL: the series records the enclave of a VA page in the page (SGX_EPC_OWNER_ENCL).
  if (owner === OWNER_NULL)
    for (const e of m.enclaves) if (e.va_pages.some((v) => v.epc_page === page)) return e;
  return null;
}

/**
 * sgx_epc_cgroup_lru_empty - no page on the reclaimable lists of `root`'s subtree.
 * Kernel: early epc_cgroup.c. Context: takes each LRU's lock in turn.
 */
function* sgx_epc_cgroup_lru_empty(m: Machine, root: misc_cg): ModelGen<boolean> {
  let ret = true;
  for (const pos of descendants_pre(root)) {
    const lru = epcCg(pos).lru;
    yield spin_lock(lru.lock);
    ret = list_empty(m.pages, lru.reclaimable);
    yield spin_unlock(lru.lock);
    if (!ret) break;
  }
  return ret;
}

/**
 * sgx_isolate_epc_pages - take up to `nr` pages from the head of one cgroup's reclaimable list,
 * each with a reference on its enclave (a page whose enclave is being released is dropped).
 * Kernel: early main.c. Context: takes the LRU's lock. Model: isolated pages are taken off with
 * list_del_init and kept in an array (mainline's encoding), not moved to a local list.
 */
function* sgx_isolate_epc_pages(
  m: Machine,
  epc_cg: sgx_epc_cgroup,
  nr: number,
  dst: number[],
): ModelGen<number> {
  const P = m.pages;
  const lru = epc_cg.lru;
  yield spin_lock(lru.lock);
  while (nr > 0 && !list_empty(P, lru.reclaimable)) {
    const epc_page = list_first_entry(P, lru.reclaimable);
    list_del_init(m, P, epc_page);
    yield* m.work("lru_op", 1);
    if (yield* kref_get_unless_zero(m, m.enclOf(P.owner.get(epc_page)).refcount)) {
      dst.push(epc_page);
      nr--;
    } else {
      P.flags.set(epc_page, P.flags.get(epc_page) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED);
    }
  }
  yield spin_unlock(lru.lock);
  yield* m.mark("lru_reclaim", epc_cg.cg.id);
  return nr;
}

/**
 * sgx_reclaim_epc_pages - reclaim up to `nr_to_scan` pages of `epc_cg`'s subtree (the whole tree
 * for NULL): isolate walking the subtree in pre-order, then mainline's age, block and write
 * phases; with `ignore_age` every isolated page is written back, young or not. Returns the number
 * of pages written back.
 * Kernel: early main.c. Context: no locks held; may sleep.
 */
function* sgx_reclaim_epc_pages(
  m: Machine,
  nr_to_scan: number,
  ignore_age: boolean,
  epc_cg: sgx_epc_cgroup | null,
): ModelGen<number> {
  const P = m.pages;
  const chunk: number[] = [];
  const root = epc_cg ? epc_cg.cg : misc_cg_root(m);
  let nr = nr_to_scan;
  for (const pos of descendants_pre(root)) {
    nr = yield* sgx_isolate_epc_pages(m, epcCg(pos), nr, chunk);
    if (!nr) break;
  }
  const cnt = chunk.length;
  yield* m.mark("reclaim_isolated", cnt);
  const backing: (sgx_backing | null)[] = chunk.map(() => null);
  for (let i = 0; i < cnt; i++) {
    const epc_page = chunk[i]!;
    const encl_page = P.owner.get(epc_page);
    const encl = m.enclOf(encl_page);
    let skip = !ignore_age && !(yield* m.fn.sgx_reclaimer_age(m, epc_page));
    if (!skip) {
      yield mutex_lock(encl.lock);
      const b = yield* m.fn.sgx_encl_alloc_backing(m, encl, m.encl_pages.index.a[encl_page]!);
      if (!b) {
        yield mutex_unlock(encl.lock);
        skip = true;
      } else {
        backing[i] = b;
        m.encl_pages.setDesc(encl_page, m.encl_pages.desc.a[encl_page]! | SGX_ENCL_PAGE_BEING_RECLAIMED);
        yield mutex_unlock(encl.lock);
        continue;
      }
    }
    const lru = sgx_epc_page_cgroup(m, epc_page)!.lru;
    yield spin_lock(lru.lock);
    list_add_tail(P, epc_page, lru.reclaimable);
    yield* m.work("lru_op", 1);
    yield spin_unlock(lru.lock);
    yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
    chunk[i] = -1;
  }
  for (const epc_page of chunk) if (epc_page >= 0) yield* m.fn.sgx_reclaimer_block(m, epc_page);
  let reclaimed = 0;
  for (let i = 0; i < cnt; i++) {
    const epc_page = chunk[i]!;
    if (epc_page < 0) continue;
    const encl = m.enclOf(P.owner.get(epc_page));
    yield* m.fn.sgx_reclaimer_write(m, epc_page, backing[i]!);
    yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
    if (m.interleaveAll) yield m.epcFlagsWrite(epc_page);
    P.flags.set(epc_page, P.flags.get(epc_page) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED);
    yield* m.fn.sgx_free_epc_page(m, epc_page);
    reclaimed++;
  }
  return reclaimed;
}

/**
 * sgx_epc_cgroup_reclaim_pages - reclaim for a cgroup between SGX_EPC_RECLAIM_MIN_PAGES and
 * SGX_NR_TO_SCAN_MAX pages (too few fails often, too many holds locks too long).
 * Kernel: early epc_cgroup.c.
 */
function* sgx_epc_cgroup_reclaim_pages(
  m: Machine,
  nr_pages: number,
  rc: sgx_epc_reclaim_control,
): ModelGen<number> {
  const nr = Math.min(Math.max(nr_pages, SGX_EPC_RECLAIM_MIN_PAGES), SGX_NR_TO_SCAN_MAX);
  return yield* sgx_reclaim_epc_pages(m, nr, rc.ignore_age, rc.epc_cg);
}

/**
 * sgx_epc_cgroup_reclaim_failed - a reclaim call freed nothing: -ENOMEM when nothing is
 * reclaimable; else count the failure and ignore the Accessed bit after too many.
 * Kernel: early epc_cgroup.c.
 */
function* sgx_epc_cgroup_reclaim_failed(m: Machine, rc: sgx_epc_reclaim_control): ModelGen<number> {
  if (yield* sgx_epc_cgroup_lru_empty(m, rc.epc_cg.cg)) return -ENOMEM;
  if (++rc.nr_fails > SGX_EPC_RECLAIM_IGNORE_AGE_THRESHOLD) rc.ignore_age = true;
  return 0;
}

/** The usage of a cgroup in pages. */
function* page_counter_read(m: Machine, cg: misc_cg): ModelGen<number> {
  if (m.interleaveAll) yield withSite(cg.res.usage.rd);
  return Math.floor(cg.res.usage.v / PAGE_SIZE);
}

/** The lowest misc.max from the cgroup up to the root, in pages. */
function* max_pages_to_root(m: Machine, cg: misc_cg): ModelGen<number> {
  let max = Number.POSITIVE_INFINITY;
  for (let i: misc_cg | null = cg; i; i = i.parent) {
    if (m.interleaveAll) yield m.sharedRead(i.res.usage, -1, "READ_ONCE(misc max)");
    max = Math.min(max, i.res.max);
  }
  return Math.floor(max / PAGE_SIZE);
}

/**
 * sgx_epc_cgroup_reclaim_work_func - reclaim the cgroup below its limit (minus one page, and half a
 * minimum batch when the limit is not tiny); when nothing is reclaimable OOM-kill an enclave of
 * the subtree and look again. Queued by faults at the limit and by lowering misc.max.
 * Kernel: early epc_cgroup.c (v3..v5). Context: a worker of the cgroup workqueue; may sleep.
 */
function* sgx_epc_cgroup_reclaim_work_func(m: Machine, work: work_struct): ModelGen {
  const epc_cg = work.owner as sgx_epc_cgroup;
  const rc: sgx_epc_reclaim_control = { epc_cg, nr_fails: 0, ignore_age: false };
  for (;;) {
    let max = yield* max_pages_to_root(m, epc_cg.cg);
    // The goal is to free pages for faults, not just to obey the limit.
    if (max) max--;
    if (max > SGX_NR_TO_SCAN_MAX) max -= SGX_EPC_RECLAIM_MIN_PAGES / 2;
    max = Math.min(max, m.pages.nr_pages);
    const cur = yield* page_counter_read(m, epc_cg.cg);
    if (cur <= max) break;
    // Nothing reclaimable: kill an enclave.
    if (yield* sgx_epc_cgroup_lru_empty(m, epc_cg.cg)) {
      if (!(yield* sgx_epc_cgroup_oom(m, epc_cg))) break;
      continue;
    }
    if (!(yield* sgx_epc_cgroup_reclaim_pages(m, cur - max, rc))) {
      if (yield* sgx_epc_cgroup_reclaim_failed(m, rc)) break;
    }
    yield* cond_resched(m);
  }
}

/**
 * __sgx_epc_cgroup_try_charge - charge a page, reclaiming in the cgroup's subtree if allowed;
 * give up after SGX_EPC_RECLAIM_OOM_THRESHOLD rounds in which reclaim found nothing.
 * Kernel: early epc_cgroup.c. Context: with reclaim, no encl->lock held.
 */
function* __sgx_epc_cgroup_try_charge(
  m: Machine,
  epc_cg: sgx_epc_cgroup,
  reclaim: boolean,
): ModelGen<number> {
  const rc: sgx_epc_reclaim_control = { epc_cg, nr_fails: 0, ignore_age: false };
  let nr_empty = 0;
  for (;;) {
    if (!(yield* misc_cg_try_charge(m, epc_cg.cg, PAGE_SIZE))) break;
    yield* m.mark("misc_charge_failed", epc_cg.cg.id);
    if (yield* sgx_epc_cgroup_lru_empty(m, epc_cg.cg)) return -ENOMEM;
    if (signal_pending(m)) return -ERESTARTSYS;
    if (!reclaim) {
      yield* queue_work(m, sgxcg(m).sgx_cg_wq!, epc_cg.reclaim_work);
      return -EBUSY;
    }
    if (!(yield* sgx_epc_cgroup_reclaim_pages(m, 1, rc))) {
      if (yield* sgx_epc_cgroup_reclaim_failed(m, rc)) {
        if (++nr_empty > SGX_EPC_RECLAIM_OOM_THRESHOLD) return -ENOMEM;
        yield* cond_resched(m); // schedule()
      }
    }
  }
  return 0;
}

/**
 * sgx_epc_cgroup_try_charge - charge a page to current's cgroup. Returns 0 or -errno (the series
 * returns the cgroup or an ERR_PTR). Kernel: early epc_cgroup.c.
 */
function* sgx_epc_cgroup_try_charge(
  m: Machine,
  sgx_cg: sgx_cgroup | null,
  reclaim: boolean,
): ModelGen<number> {
  return yield* __sgx_epc_cgroup_try_charge(m, sgx_cg as sgx_epc_cgroup, reclaim);
}

/** sgx_epc_cgroup_uncharge. Kernel: early epc_cgroup.c. */
function* sgx_epc_cgroup_uncharge(m: Machine, sgx_cg: sgx_cgroup | null): ModelGen {
  yield* misc_cg_uncharge(m, sgx_cg!.cg, PAGE_SIZE);
}

/**
 * sgx_epc_cgroup_oom - OOM-kill one enclave of `root`'s subtree. Returns true when a victim was
 * found (or one is still on its way out). Kernel: early epc_cgroup.c.
 */
function* sgx_epc_cgroup_oom(m: Machine, root: sgx_epc_cgroup): ModelGen<boolean> {
  for (const pos of descendants_pre(root.cg)) if (yield* sgx_epc_oom(m, epcCg(pos))) return true;
  return false;
}

/**
 * sgx_epc_oom - pick a victim on the cgroup's unreclaimable list (a SECS or VA page whose enclave
 * can still be referenced; pages looked at are taken off the list) and kill its enclave.
 * Kernel: "x86/sgx: Add EPC OOM path to forcefully reclaim EPC" (main.c). Context: takes the LRU lock.
 */
function* sgx_epc_oom(m: Machine, epc_cg: sgx_epc_cgroup): ModelGen<boolean> {
  const P = m.pages;
  let victim: sgx_encl | null = null;
  yield spin_lock(epc_cg.lru.lock);
  // sgx_oom_get_victim
  while (!list_empty(P, epc_cg.unreclaimable)) {
    const page = list_first_entry(P, epc_cg.unreclaimable);
    list_del_init(m, P, page);
    const encl = sgx_epc_page_encl(m, page);
    if (encl && !encl.freed && (yield* kref_get_unless_zero(m, encl.refcount))) {
      victim = encl;
      break;
    }
  }
  yield spin_unlock(epc_cg.lru.lock);
  if (!victim) return false;
  yield* m.mark("epc_oom", epc_cg.cg.id);
  return yield* sgx_oom_encl(m, victim);
}

/**
 * sgx_oom_encl - kill an enclave: mark it NO_MEMORY (faults SIGBUS, ioctls -ENOMEM), zap every
 * mapping of it in every mm (until mm_list is stable), drain mm_list. Its EPC pages are freed when
 * its owner closes it; pages being reclaimed are left to the reclaimers.
 * Kernel: early main.c (v3+). Context: holds a reference on the enclave, dropped here.
 */
function* sgx_oom_encl(m: Machine, encl: sgx_encl): ModelGen<boolean> {
  let ret = false;
  if (yield* test_bit(m, SGX_ENCL_CREATED, encl.flags)) {
    ret = true;
    // Done before: still true so the OOM killer waits for this victim instead of another.
    if (!(yield* test_bit(m, SGX_ENCL_NO_MEMORY, encl.flags))) {
      yield* set_bit(m, SGX_ENCL_NO_MEMORY, encl.flags);
      let version: number;
      do {
        if (m.interleaveAll) yield m.sharedRead(encl.mm_list_version_loc, -1, "mm_list_version");
        version = encl.mm_list_version;
        const idx = yield* srcu_read_lock(m, encl.srcu);
        for (const encl_mm of encl.mm_list.slice()) {
          if (!(yield* mmget_not_zero(m, encl_mm.mm))) continue;
          yield mmap_read_lock(encl_mm.mm);
          const vma = find_vma(encl_mm.mm, encl.base);
          if (vma && vma.vm_private_data === encl) yield* sgx_epc_oom_zap(m, vma);
          yield mmap_read_unlock(encl_mm.mm);
          yield* mmput_async(m, encl_mm.mm);
        }
        yield* srcu_read_unlock(m, encl.srcu, idx);
      } while (encl.mm_list_version !== version);
      yield* sgx_encl_mm_drain(m, encl);
    }
  }
  yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
  return ret;
}

/** sgx_epc_oom_zap: zap_vma_pages() of the enclave's mapping (every present PTE). */
function* sgx_epc_oom_zap(m: Machine, vma: vm_area_struct): ModelGen {
  const present: number[] = [];
  vma.pte.forEachSet((i) => {
    present.push(i);
  });
  for (const i of present) yield* zap_vma_ptes(m, vma, vma.vm_start + i * PAGE_SIZE);
}

/**
 * sgx_encl_mm_drain - remove every mm from the enclave's mm_list (what sgx_release does when the
 * file is closed). Kernel: early encl.c (OOM patch). Context: takes encl->mm_lock; sleeps.
 */
function* sgx_encl_mm_drain(m: Machine, encl: sgx_encl): ModelGen {
  for (;;) {
    yield spin_lock(encl.mm_lock);
    const encl_mm = encl.mm_list.length ? encl.mm_list.shift()! : null;
    yield spin_unlock(encl.mm_lock);
    if (!encl_mm) break;
    yield* synchronize_srcu(m, encl.srcu);
    yield* mmu_notifier_unregister(m, encl_mm.notifier!, encl_mm.mm);
    m.kfreeObj(encl_mm, "struct sgx_encl_mm");
    yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
  }
}

/**
 * sgx_epc_cgroup_max_write - misc.max was written: let the reclaim work bring the usage under it
 * (asynchronously, so the writer is not blocked). Kernel: early epc_cgroup.c (v3+).
 */
function* sgx_epc_cgroup_max_write(m: Machine, cg: misc_cg): ModelGen {
  yield* queue_work(m, sgxcg(m).sgx_cg_wq!, epcCg(cg).reclaim_work);
}

/** sgx_epc_cgroup_alloc: a new cgroup's struct sgx_epc_cgroup. Kernel: early epc_cgroup.c. */
function sgx_epc_cgroup_alloc(m: Machine, cg: misc_cg): number {
  cg.res.priv = new sgx_epc_cgroup(m, cg);
  return 0;
}

/** sgx_epc_cgroup_init: the root's struct, the callbacks (with max_write) and the capacity. */
function sgx_epc_cgroup_init(m: Machine): void {
  sgx_epc_cgroup_alloc(m, misc_cg_root(m));
  sgxcg(m).sgx_cg_root = epcCg(misc_cg_root(m));
  // free: the series' sgx_epc_cgroup_free (cancel the reclaim work, then kfree), as v16's.
  misc_cg_set_ops(m, {
    alloc: sgx_epc_cgroup_alloc,
    free: (mm, cg) => mm.fn.sgx_cgroup_free(mm, cg),
    max_write: sgx_epc_cgroup_max_write,
  });
  let capacity = 0;
  for (const nid of m.sgx.sgx_numa_mask) capacity += m.sgx.sgx_numa_nodes[nid]!.size;
  misc_cg_set_capacity(m, capacity * PAGE_SIZE);
}

/**
 * sgx_record_epc_page for unreclaimable pages: a SECS, VA or vEPC page goes on its cgroup's
 * unreclaimable list when it is allocated. Kernel: early main.c (its callers in encl.c/ioctl.c).
 * Model: done in sgx_alloc_epc_page for pages whose owner is a SECS, NULL (VA) or a vEPC.
 */
function* sgx_record_unreclaimable(m: Machine, page: number): ModelGen {
  const owner = m.pages.owner.get(page);
  const isSecs = owner >= 0 && m.enclaves[m.encl_pages.encl.a[owner]!]?.secs === owner;
  if (owner >= 0 && !isSecs) return;
  const epc_cg = sgx_epc_page_cgroup(m, page) as sgx_epc_cgroup;
  yield spin_lock(epc_cg.lru.lock);
  m.pages.flags.set(page, m.pages.flags.get(page) | SGX_EPC_PAGE_UNRECLAIMABLE);
  list_add_tail(m.pages, page, epc_cg.unreclaimable);
  yield* m.work("lru_op", 1);
  yield spin_unlock(epc_cg.lru.lock);
}

/**
 * sgx_alloc_epc_page - charge current's cgroup, then allocate (as v16, with the early charge);
 * SECS, VA and vEPC pages go on the unreclaimable list. Kernel: early main.c.
 */
function* sgx_alloc_epc_page(m: Machine, owner: number, reclaim: boolean): ModelGen<number> {
  // The page keeps the css reference until sgx_free_epc_page() (v16's sgx_put_cg there).
  const epc_cg = m.fn.sgx_get_current_cg(m) as sgx_epc_cgroup;
  const ret = yield* m.fn.sgx_cgroup_try_charge(m, epc_cg, reclaim);
  if (ret) {
    yield* m.fn.sgx_put_cg(m, epc_cg);
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
    if (yield* sgx_epc_cgroup_lru_empty(m, misc_cg_root(m))) {
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
    yield* sgx_reclaim_epc_pages(m, m.c.SGX_NR_TO_SCAN, false, null);
    yield* cond_resched(m);
  }
  if (!IS_ERR(page)) {
    m.pages.sgx_cg.set(page, epc_cg.cg.id);
    yield* sgx_record_unreclaimable(m, page);
  } else {
    yield* m.fn.sgx_cgroup_uncharge(m, epc_cg);
    yield* m.fn.sgx_put_cg(m, epc_cg);
    yield* allocMark(m, page, owner);
  }
  if (yield* m.fn.sgx_should_reclaim(m, m.c.SGX_NR_LOW_PAGES)) yield* wake_up(m, m.ksgxd_waitq);
  return page;
}

/**
 * sgx_free_epc_page - drop an unreclaimable page from its list (sgx_drop_epc_page in the callers),
 * uncharge, and free as v16 does. Kernel: early main.c.
 */
function* sgx_free_epc_page(m: Machine, page: number): ModelGen {
  const P = m.pages;
  if (P.flags.get(page) & SGX_EPC_PAGE_UNRECLAIMABLE) {
    const epc_cg = sgx_epc_page_cgroup(m, page) as sgx_epc_cgroup;
    yield spin_lock(epc_cg.lru.lock);
    // The OOM killer may have taken it off the list already (list_del_init).
    if (!list_empty_entry(P, page)) {
      list_del(m, P, page);
      yield* m.work("lru_op", 1);
    }
    P.flags.set(page, P.flags.get(page) & ~SGX_EPC_PAGE_UNRECLAIMABLE);
    yield spin_unlock(epc_cg.lru.lock);
  }
  yield* cgroupV16.sgx_free_epc_page!(m, page);
}

/** The global reclaim of ksgxd and of direct reclaim: a batch from the whole tree in pre-order. */
function* sgx_reclaim_pages_early(m: Machine): ModelGen<number> {
  return yield* sgx_reclaim_epc_pages(m, m.c.SGX_NR_TO_SCAN, false, null);
}

/** sgx_should_reclaim with per-cgroup lists. Kernel: early main.c. */
function* sgx_should_reclaim(m: Machine, watermark: number): ModelGen<boolean> {
  if (m.interleaveAll) yield withSite(m.sgx.sgx_nr_free_pages.rd);
  if (!(m.sgx.sgx_nr_free_pages.v < watermark)) return false;
  return !(yield* sgx_epc_cgroup_lru_empty(m, misc_cg_root(m)));
}

/** sgx_reclaim_direct. Kernel: early main.c. */
function* sgx_reclaim_direct(m: Machine): ModelGen {
  if (yield* m.fn.sgx_should_reclaim(m, m.c.SGX_NR_LOW_PAGES)) yield* m.fn.sgx_reclaim_pages(m);
}

/** ksgxd with the early global reclaim. Kernel: early main.c. */
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

/** A killed enclave's faults get SIGBUS. Kernel: early encl.c (OOM patch). */
function* sgx_vma_fault(m: Machine, vma: vm_area_struct, addr: number): ModelGen<number> {
  const encl = vma.vm_private_data as sgx_encl | null;
  if (encl && (yield* test_bit(m, SGX_ENCL_NO_MEMORY, encl.flags))) return VM_FAULT_SIGBUS;
  return yield* mainline.sgx_vma_fault(m, vma, addr);
}

/** A killed enclave cannot be mapped again. Kernel: early encl.c (OOM patch). */
function* sgx_encl_mm_add(
  m: Machine,
  encl: sgx_encl,
  mm: Parameters<KernelFns["sgx_encl_mm_add"]>[2],
): ModelGen<number> {
  if (yield* test_bit(m, SGX_ENCL_NO_MEMORY, encl.flags)) return -ENOMEM;
  return yield* mainline.sgx_encl_mm_add(m, encl, mm);
}

/** A killed enclave's ioctls fail with -ENOMEM. Kernel: early ioctl.c (OOM patch). */
function* sgx_ioctl(
  m: Machine,
  encl: sgx_encl,
  cmd: Parameters<KernelFns["sgx_ioctl"]>[2],
): ModelGen<number> {
  if (cmd.cmd !== "SGX_IOC_ENCLAVE_CREATE" && (yield* test_bit(m, SGX_ENCL_NO_MEMORY, encl.flags)))
    return -ENOMEM;
  return yield* mainline.sgx_ioctl(m, encl, cmd);
}

registerVariant({
  name: "cgroup-v2-oom",
  description:
    "the early EPC cgroup design (v2-v5, 2022-23): reclaimable/unreclaimable lists, reclaim on lowering misc.max, EPC OOM killer, ignore-age after 5 failures",
  overrides: {
    ...cgroupV16,
    ...epc_cgroup_api,
    sgx_cgroup_init: sgx_epc_cgroup_init,
    sgx_cgroup_alloc: sgx_epc_cgroup_alloc,
    sgx_cgroup_reclaim_work_func: sgx_epc_cgroup_reclaim_work_func,
    sgx_cgroup_try_charge: sgx_epc_cgroup_try_charge,
    sgx_cgroup_uncharge: sgx_epc_cgroup_uncharge,
    sgx_cgroup_lru_empty: sgx_epc_cgroup_lru_empty,
    sgx_alloc_epc_page,
    sgx_free_epc_page,
    // Before "Charge mem_cgroup for per-cgroup reclamation" (v10): mainline's memcg choice, which
    // charges a cgroup worker's backing allocations to the root memcg.
    sgx_reclaimer_write: mainline.sgx_reclaimer_write,
    sgx_encl_alloc_backing: mainline.sgx_encl_alloc_backing,
    sgx_encl_get_mem_cgroup: mainline.sgx_encl_get_mem_cgroup,
    sgx_reclaim_pages: sgx_reclaim_pages_early,
    sgx_should_reclaim,
    sgx_reclaim_direct,
    ksgxd,
    sgx_vma_fault,
    sgx_encl_mm_add,
    sgx_ioctl,
  } as unknown as Partial<KernelFns>,
});
