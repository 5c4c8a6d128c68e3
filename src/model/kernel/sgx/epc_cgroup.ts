/**
 * arch/x86/kernel/cpu/sgx/epc_cgroup.c (and epc_cgroup.h): the EPC cgroup of the unmerged series
 * "x86/sgx: Add support for EPC cgroup" (Huang, Accardi, Christopherson; v16, Aug 2024).
 *
 * Every cgroup of the misc controller gets a struct sgx_cgroup: its own LRU of reclaimable EPC
 * pages (replacing the global sgx_active_page_list), a work item that reclaims in the background,
 * and a cursor (next_cg) that makes reclaim of a subtree visit its cgroups in turn. A page is
 * charged to the cgroup of the task that allocates it, hierarchically, before it is allocated.
 *
 * The function table carries every function of this file. Mainline has no EPC cgroup: there the
 * header's API is the kernel's CONFIG_CGROUP_MISC=n stubs (`epc_cgroup_h_stubs`: charging always
 * succeeds, no LRU is ever non-empty) and nothing calls the rest. The `cgroup-v16` variant replaces
 * the stubs with the real API (`epc_cgroup_api`) and main.c's functions with the series' versions
 * (variants/cgroup.ts).
 *
 * Kernel: intel-lab-lkp epc_cgroup.c of the v16 series (kernel.md 3.4.2).
 * Model: cgroups are never removed, so css_tryget() always succeeds, sgx_cgroup_free() and
 * sgx_cgroup_next_skip() never run and css references are not counted (DEVIATIONS.md C1, C2).
 */
import type { ModelGen } from "../../../rt/ops.ts";
import { withSite } from "../../../rt/site.ts";
import { PAGE_SIZE } from "../../hw/arch.ts";
import type { Machine } from "../../machine.ts";
import {
  css_get,
  css_next_descendant_pre,
  css_put,
  css_tryget,
  get_current_misc_cg,
  type misc_cg,
  misc_cg_root,
  misc_cg_set_capacity,
  misc_cg_set_ops,
  misc_cg_try_charge,
  misc_cg_uncharge,
} from "../cgroup/misc.ts";
import { EBUSY, ENOMEM, ERESTARTSYS } from "../lib/errno.ts";
import { list_empty } from "../lib/list.ts";
import { spin_lock, spin_unlock, spinlock_t } from "../lib/locks.ts";
import type { mm_struct } from "../lib/mm.ts";
import { cond_resched, signal_pending } from "../lib/sched.ts";
import {
  cancel_work_sync,
  queue_work,
  work_struct as WorkStruct,
  type work_struct,
  workqueue_struct,
} from "../lib/workqueue.ts";
import type { PageListHead } from "./sgx.ts";

/**
 * struct sgx_epc_lru_list (sgx.h in the series): the reclaimable pages of one LRU and the spinlock
 * that guards the list and the RECLAIMER_TRACKED transitions of its pages (what
 * sgx_reclaimer_lock guards for the global list).
 */
export interface sgx_epc_lru_list {
  readonly lock: spinlock_t;
  readonly reclaimable: PageListHead;
  /** Model: the cgroup the LRU belongs to (-1: the global LRU). */
  readonly cg: number;
}

/** struct sgx_cgroup. */
export class sgx_cgroup {
  readonly lru: sgx_epc_lru_list;
  readonly reclaim_work: work_struct;
  /**
   * The cgroup of the subtree to reclaim from next (round robin over a pre-order walk). Holds no
   * reference (in the kernel a dying cgroup is skipped by sgx_cgroup_next_skip()).
   */
  next_cg: sgx_cgroup;
  readonly next_cg_lock: spinlock_t;
  constructor(
    m: Machine,
    readonly cg: misc_cg,
  ) {
    const label = cg.name || "/";
    this.lru = {
      lock: new spinlock_t(m.newId(), "sgx_cgroup->lru.lock"),
      reclaimable: m.pages.newHead(m.newId(), `sgx_cgroup(${label})->lru.reclaimable`),
      cg: cg.id,
    };
    this.reclaim_work = new WorkStruct(
      m.newId(),
      `sgx_cgroup(${label})->reclaim_work`,
      reclaim_work_fn,
      this,
      m.newId(),
    );
    this.next_cg = this;
    this.next_cg_lock = new spinlock_t(m.newId(), "sgx_cgroup->next_cg_lock");
  }
}

/** The statics of epc_cgroup.c. */
export class SgxCgroupGlobals {
  /** sgx_cg_root: the root cgroup's sgx_cgroup. */
  sgx_cg_root: sgx_cgroup | null = null;
  /** sgx_cg_wq: the unbound workqueue the per-cgroup reclaim work runs on. */
  sgx_cg_wq: workqueue_struct | null = null;
}

/** The EPC cgroup statics of a machine (kept with the misc controller's state). */
export function sgxcg(m: Machine): SgxCgroupGlobals {
  let g = m.misc.epc as SgxCgroupGlobals | null;
  if (!g) {
    g = new SgxCgroupGlobals();
    m.misc.epc = g;
  }
  return g;
}

/**
 * SGX_CG_MIN_FREE_PAGE: the margin below the limit a cgroup's reclaim keeps free (ksgxd's low
 * watermark). SGX_CG_LOW_LIMIT: below this limit no margin is kept (it would leave too little).
 */
export function SGX_CG_MIN_FREE_PAGE(m: Machine): number {
  return m.c.SGX_NR_LOW_PAGES;
}
export function SGX_CG_LOW_LIMIT(m: Machine): number {
  return SGX_CG_MIN_FREE_PAGE(m) * 4;
}

/** sgx_cgroup_from_misc_cg: the sgx_cgroup in the cgroup's sgx_epc resource. */
export function sgx_cgroup_from_misc_cg(cg: misc_cg): sgx_cgroup {
  return cg.res.priv as sgx_cgroup;
}

/** The cgroup an EPC page is charged to (epc_page->sgx_cg), or null. */
export function sgx_epc_page_cgroup(m: Machine, page: number): sgx_cgroup | null {
  const id = m.pages.sgx_cg.get(page);
  return id < 0 ? null : sgx_cgroup_from_misc_cg(m.misc.all[id]!);
}

/**
 * The main.c view of an sgx_cgroup's LRU: for code that takes an LRU (sgx_reclaim_pages), the
 * global list is sgx_global_lru = {sgx_reclaimer_lock, sgx_active_page_list}.
 */
export function sgx_global_lru(m: Machine): sgx_epc_lru_list {
  return { lock: m.sgx.sgx_reclaimer_lock, reclaimable: m.sgx.sgx_active_page_list, cg: -1 };
}

/** The kernel functions of the series whose signatures differ from mainline's (see variants/cgroup.ts). */
export interface CgroupMainFns {
  sgx_reclaim_pages(m: Machine, lru?: sgx_epc_lru_list, charge_mm?: mm_struct | null): ModelGen<number>;
}

/** m.fn with the series' signature of sgx_reclaim_pages(lru, charge_mm). */
export const cgfn = (m: Machine): CgroupMainFns => m.fn as unknown as CgroupMainFns;

/**
 * sgx_get_current_cg - the EPC cgroup of current (takes a css reference, put by sgx_put_cg).
 * Kernel: epc_cgroup.h (v16). Context: any.
 */
function sgx_get_current_cg(m: Machine): sgx_cgroup | null {
  const cg = get_current_misc_cg(m);
  css_get(m, cg);
  return sgx_cgroup_from_misc_cg(cg);
}

/** sgx_put_cg - drop the reference of sgx_get_current_cg (put_misc_cg). Kernel: epc_cgroup.h (v16). */
function* sgx_put_cg(m: Machine, sgx_cg: sgx_cgroup | null): ModelGen {
  if (sgx_cg) yield* css_put(m, sgx_cg.cg);
}

/**
 * sgx_cgroup_next_skip - no cursor may keep pointing at a cgroup being freed: every ancestor whose
 * cursor is on it restarts its walk at itself.
 * Kernel: epc_cgroup.c (v16). Context: takes each ancestor's next_cg_lock.
 */
function* sgx_cgroup_next_skip(m: Machine, sgx_cg: sgx_cgroup): ModelGen {
  for (let p = sgx_cg.cg.parent; p; p = p.parent) {
    const a = sgx_cgroup_from_misc_cg(p);
    yield spin_lock(a.next_cg_lock);
    if (a.next_cg === sgx_cg) a.next_cg = a;
    yield spin_unlock(a.next_cg_lock);
  }
}

/**
 * sgx_cgroup_free - misc_res_ops.free: the cgroup's last css reference is gone. Its reclaim work
 * must not run any more and no cursor may point at it before the sgx_cgroup is freed.
 * Kernel: epc_cgroup.c (v16). Context: the css_free worker; may sleep.
 */
function* sgx_cgroup_free(m: Machine, cg: misc_cg): ModelGen {
  const sgx_cg = sgx_cgroup_from_misc_cg(cg);
  yield* cancel_work_sync(m, sgx_cg.reclaim_work);
  yield* m.fn.sgx_cgroup_next_skip(m, sgx_cg);
  // kfree(sgx_cg): KASAN watches its cursor lock, reclaim work and LRU lock from now on.
  m.kfree(sgx_cg, `struct sgx_cgroup ${cg.name || "/"}`);
  m.kfree(sgx_cg.lru, `struct sgx_cgroup ${cg.name || "/"} (lru)`);
}

/**
 * sgx_cgroup_next_descendant_pre - the cgroup after `cg` in a pre-order walk of `root`'s subtree,
 * or `root` when the walk is over (the cursor wraps).
 * Kernel: epc_cgroup.c (v16). Context: RCU read side. Model: css_tryget() always succeeds.
 */
function sgx_cgroup_next_descendant_pre(_m: Machine, root: sgx_cgroup, cg: sgx_cgroup): sgx_cgroup {
  const next = css_next_descendant_pre(cg.cg, root.cg);
  return next ? sgx_cgroup_from_misc_cg(next) : root;
}

/**
 * sgx_cgroup_next_get - the cgroup `root`'s cursor points to; advance the cursor so the next caller
 * gets the next cgroup (added in v16 after a review found that a busy parent could starve its
 * descendants' reclaim).
 * Kernel: epc_cgroup.c (v16). Context: takes root->next_cg_lock.
 */
function* sgx_cgroup_next_get(m: Machine, root: sgx_cgroup): ModelGen<sgx_cgroup> {
  yield spin_lock(root.next_cg_lock);
  let p = root.next_cg;
  // A descendant is handed out with a reference; one already released (dying) is skipped.
  while (p !== root && !css_tryget(m, p.cg)) p = m.fn.sgx_cgroup_next_descendant_pre(m, root, p);
  root.next_cg = m.fn.sgx_cgroup_next_descendant_pre(m, root, p);
  yield spin_unlock(root.next_cg_lock);
  return p;
}

/**
 * sgx_cgroup_page_counter_read - the cgroup's usage in pages (misc.current / PAGE_SIZE).
 * Kernel: epc_cgroup.c (v16). Context: any (atomic read).
 */
function* sgx_cgroup_page_counter_read(m: Machine, sgx_cg: sgx_cgroup): ModelGen<number> {
  const usage = sgx_cg.cg.res.usage;
  if (m.interleaveAll) yield withSite(usage.rd);
  return Math.floor(usage.v / PAGE_SIZE);
}

/**
 * sgx_cgroup_max_pages_to_root - the lowest misc.max from the cgroup up to the root, in pages.
 * Kernel: epc_cgroup.c (v16). Context: any; each max is read with READ_ONCE.
 */
function* sgx_cgroup_max_pages_to_root(m: Machine, sgx_cg: sgx_cgroup): ModelGen<number> {
  let max = Number.POSITIVE_INFINITY;
  for (let i: misc_cg | null = sgx_cg.cg; i; i = i.parent) {
    // RACE: READ_ONCE of misc.max; a concurrent write is seen now or on the next check.
    if (m.interleaveAll) yield m.sharedRead(i.res.usage, -1, "READ_ONCE(misc max)");
    max = Math.min(max, i.res.max);
  }
  return Math.floor(max / PAGE_SIZE);
}

/**
 * sgx_cgroup_lru_empty - are the LRUs of every cgroup in `root`'s subtree empty?
 * Kernel: epc_cgroup.c (v16). Context: takes each LRU's lock in turn (RCU walk of the subtree).
 */
function* sgx_cgroup_lru_empty(m: Machine, root: misc_cg): ModelGen<boolean> {
  let ret = true;
  // css_for_each_descendant_pre under RCU; each cgroup is pinned (css_tryget) while its LRU lock is
  // taken outside the RCU section. Model: the next position is computed in the step that still
  // holds the reference, which is what RCU guarantees the kernel's walk.
  for (let pos = css_next_descendant_pre(null, root); pos; ) {
    if (!css_tryget(m, pos)) {
      pos = css_next_descendant_pre(pos, root);
      continue;
    }
    const sgx_cg = sgx_cgroup_from_misc_cg(pos);
    yield spin_lock(sgx_cg.lru.lock);
    ret = list_empty(m.pages, sgx_cg.lru.reclaimable);
    yield spin_unlock(sgx_cg.lru.lock);
    const next = css_next_descendant_pre(pos, root);
    yield* css_put(m, pos);
    if (!ret) break;
    pos = next;
  }
  return ret;
}

/**
 * sgx_cgroup_reclaim_pages - scan at least `nr_to_scan` pages of `root`'s subtree, one
 * sgx_reclaim_pages() round at a time on the cgroup the cursor gives, charging backing pages to
 * `charge_mm` (NULL: an mm of the enclave).
 * Kernel: epc_cgroup.c (v16). Context: no locks held; may sleep.
 */
function* sgx_cgroup_reclaim_pages(
  m: Machine,
  root: sgx_cgroup,
  charge_mm: mm_struct | null,
  nr_to_scan: number,
): ModelGen {
  let cnt = 0;
  while (!(yield* m.fn.sgx_cgroup_lru_empty(m, root.cg)) && cnt < nr_to_scan) {
    const next_cg = yield* m.fn.sgx_cgroup_next_get(m, root);
    cnt += yield* cgfn(m).sgx_reclaim_pages(m, next_cg.lru, charge_mm);
    if (next_cg !== root) yield* m.fn.sgx_put_cg(m, next_cg);
  }
}

/**
 * sgx_cgroup_should_reclaim - the subtree has reclaimable pages and the usage is within
 * SGX_CG_MIN_FREE_PAGE of the lowest limit up to the root (at the limit itself when that limit is
 * below SGX_CG_LOW_LIMIT).
 * Kernel: epc_cgroup.c (v16). Context: any; usage and limits are read unlocked.
 */
function* sgx_cgroup_should_reclaim(m: Machine, sgx_cg: sgx_cgroup): ModelGen<boolean> {
  if (yield* m.fn.sgx_cgroup_lru_empty(m, sgx_cg.cg)) return false;
  let max = yield* m.fn.sgx_cgroup_max_pages_to_root(m, sgx_cg);
  // Keep some credit for new charges unless the limit is so low that would thrash.
  if (max > SGX_CG_LOW_LIMIT(m)) max -= SGX_CG_MIN_FREE_PAGE(m);
  const cur = yield* m.fn.sgx_cgroup_page_counter_read(m, sgx_cg);
  return cur >= max;
}

/**
 * sgx_cgroup_reclaim_direct - before an operation that will allocate: if current's cgroup is near
 * its limit, reclaim a batch from its subtree, charging current's mm.
 * Kernel: epc_cgroup.c (v16). Context: no encl->lock held; may sleep.
 */
function* sgx_cgroup_reclaim_direct(m: Machine): ModelGen {
  const sgx_cg = m.fn.sgx_get_current_cg(m)!;
  if (yield* m.fn.sgx_cgroup_should_reclaim(m, sgx_cg))
    yield* m.fn.sgx_cgroup_reclaim_pages(m, sgx_cg, m.current.mm, m.c.SGX_NR_TO_SCAN);
  yield* m.fn.sgx_put_cg(m, sgx_cg);
}

/**
 * sgx_cgroup_reclaim_pages_global - one round of global reclaim: a batch from the whole tree,
 * cgroup after cgroup by the root's cursor.
 * Kernel: epc_cgroup.c (v16). Context: no locks held; may sleep.
 */
function* sgx_cgroup_reclaim_pages_global(m: Machine, charge_mm: mm_struct | null): ModelGen {
  yield* m.fn.sgx_cgroup_reclaim_pages(m, sgxcg(m).sgx_cg_root!, charge_mm, m.c.SGX_NR_TO_SCAN);
}

/**
 * sgx_cgroup_reclaim_work_func - the asynchronous reclaim of one cgroup (queued when a fault could
 * not charge it): reclaim batches from its subtree while it is near its limit.
 * Kernel: epc_cgroup.c (v16). Context: a worker of sgx_cg_wq; may sleep.
 */
function* sgx_cgroup_reclaim_work_func(m: Machine, work: work_struct): ModelGen {
  const root = work.owner as sgx_cgroup;
  while (yield* m.fn.sgx_cgroup_should_reclaim(m, root)) {
    // Indirect reclaim: no mm to charge, the backing goes to an mm of the enclave.
    yield* m.fn.sgx_cgroup_reclaim_pages(m, root, null, m.c.SGX_NR_TO_SCAN);
    yield* cond_resched(m);
  }
}

/**
 * __sgx_cgroup_try_charge - one attempt: 0 when charged; else -ENOMEM when nothing in the subtree
 * can be reclaimed, -ERESTARTSYS on a pending signal, -EBUSY when reclaim could help.
 * Kernel: epc_cgroup.c (v16). Context: any.
 */
function* __sgx_cgroup_try_charge(m: Machine, epc_cg: sgx_cgroup): ModelGen<number> {
  const r = yield* misc_cg_try_charge(m, epc_cg.cg, PAGE_SIZE);
  if (!r) return 0;
  yield* m.mark("misc_charge_failed", epc_cg.cg.id);
  // No reclaimable pages left in the cgroup's subtree (only SECS/VA pages, or nothing).
  if (yield* m.fn.sgx_cgroup_lru_empty(m, epc_cg.cg)) return -ENOMEM;
  if (signal_pending(m)) return -ERESTARTSYS;
  return -EBUSY;
}

/**
 * sgx_cgroup_try_charge - charge one page to `sgx_cg`. Without reclaim (fault paths holding
 * encl->lock) a busy cgroup queues its reclaim work and returns -EBUSY; with reclaim it reclaims
 * from its own subtree until the charge succeeds, nothing is reclaimable (-ENOMEM) or a signal
 * is pending (-ERESTARTSYS).
 * Kernel: epc_cgroup.c (v16). Context: with reclaim, no encl->lock and no mm lock held.
 * Model: the series' check after the loop (queue the work when a successful charge leaves the
 * cgroup near its limit) is unreachable in the v16 code (every exit of the loop jumps past it), so
 * it is left out as the kernel effectively does (kernel.md 3.4.2).
 */
function* sgx_cgroup_try_charge(m: Machine, sgx_cg: sgx_cgroup | null, reclaim: boolean): ModelGen<number> {
  const cg = sgx_cg!;
  for (;;) {
    const ret = yield* m.fn.__sgx_cgroup_try_charge(m, cg);
    if (ret !== -EBUSY) return ret;
    if (!reclaim) {
      yield* queue_work(m, sgxcg(m).sgx_cg_wq!, cg.reclaim_work);
      return -EBUSY;
    }
    yield* m.fn.sgx_cgroup_reclaim_pages(m, cg, m.current.mm, 1);
    yield* cond_resched(m);
  }
}

/**
 * sgx_cgroup_uncharge - give back the page charged to `sgx_cg`.
 * Kernel: epc_cgroup.c (v16). Context: any.
 */
function* sgx_cgroup_uncharge(m: Machine, sgx_cg: sgx_cgroup | null): ModelGen {
  yield* misc_cg_uncharge(m, sgx_cg!.cg, PAGE_SIZE);
}

/**
 * sgx_cgroup_misc_init - set up the sgx_cgroup of a misc cgroup: empty LRU, reclaim work, cursor
 * on itself. Kernel: epc_cgroup.c (v16).
 */
function sgx_cgroup_misc_init(m: Machine, cg: misc_cg): sgx_cgroup {
  const sgx_cg = new sgx_cgroup(m, cg);
  cg.res.priv = sgx_cg;
  return sgx_cg;
}

/**
 * sgx_cgroup_alloc - misc_res_ops.alloc: a new cgroup was created. Kernel: epc_cgroup.c (v16).
 * Returns 0 (the allocation failure of kzalloc is not modeled).
 */
function sgx_cgroup_alloc(m: Machine, cg: misc_cg): number {
  m.fn.sgx_cgroup_misc_init(m, cg);
  return 0;
}

/** misc_res_ops of sgx_epc: calls go through the function table so patches see them. */
const sgx_cgroup_ops_alloc = (m: Machine, cg: misc_cg): number => m.fn.sgx_cgroup_alloc(m, cg);
const sgx_cgroup_ops_free = (m: Machine, cg: misc_cg): ModelGen => m.fn.sgx_cgroup_free(m, cg);

/** The function of every cgroup's reclaim_work (INIT_WORK), through the table. */
const reclaim_work_fn = (m: Machine, w: work_struct): ModelGen => m.fn.sgx_cgroup_reclaim_work_func(m, w);

/**
 * sgx_cgroup_wq_init - allocate sgx_cg_wq (WQ_UNBOUND | WQ_FREEZABLE). Kernel: epc_cgroup.c (v16),
 * called from sgx_init(). Returns 0.
 */
function sgx_cgroup_wq_init(m: Machine): number {
  sgxcg(m).sgx_cg_wq = new workqueue_struct(m.newId(), "sgx_cg_wq");
  return 0;
}

/**
 * sgx_cgroup_init - at the end of sgx_init(): the root's sgx_cgroup, the ops, and misc.capacity
 * = the EPC of every node (bytes).
 * Kernel: epc_cgroup.c (v16; only at the end of sgx_init() since v16's init-failure fixes).
 */
function sgx_cgroup_init(m: Machine): void {
  const root = misc_cg_root(m);
  sgxcg(m).sgx_cg_root = m.fn.sgx_cgroup_misc_init(m, root);
  misc_cg_set_ops(m, { alloc: sgx_cgroup_ops_alloc, free: sgx_cgroup_ops_free });
  let capacity = 0;
  for (const nid of m.sgx.sgx_numa_mask) capacity += m.sgx.sgx_numa_nodes[nid]!.size;
  misc_cg_set_capacity(m, capacity * PAGE_SIZE);
}

/** The API of epc_cgroup.h (what main.c calls), with CONFIG_CGROUP_MISC=y. */
export const epc_cgroup_api = {
  sgx_get_current_cg,
  sgx_put_cg,
  sgx_cgroup_try_charge,
  sgx_cgroup_uncharge,
  sgx_cgroup_lru_empty,
  sgx_cgroup_init,
  sgx_cgroup_wq_init,
  sgx_cgroup_reclaim_direct,
  sgx_cgroup_reclaim_pages_global,
};

/**
 * The same API with CONFIG_CGROUP_MISC=n (epc_cgroup.h's inline stubs): mainline's table. Charging
 * always succeeds, no cgroup LRU ever holds a page, sgx_epc is not registered (no misc.capacity).
 */
export const epc_cgroup_h_stubs: typeof epc_cgroup_api = {
  sgx_get_current_cg: (_m: Machine): sgx_cgroup | null => null,
  *sgx_put_cg(_m: Machine, _sgx_cg: sgx_cgroup | null): ModelGen {},
  *sgx_cgroup_try_charge(_m: Machine, _sgx_cg: sgx_cgroup | null, _reclaim: boolean): ModelGen<number> {
    return 0;
  },
  *sgx_cgroup_uncharge(_m: Machine, _sgx_cg: sgx_cgroup | null): ModelGen {},
  *sgx_cgroup_lru_empty(_m: Machine, _root: misc_cg): ModelGen<boolean> {
    return true;
  },
  sgx_cgroup_init: (_m: Machine): void => {},
  sgx_cgroup_wq_init: (_m: Machine): number => 0,
  *sgx_cgroup_reclaim_direct(_m: Machine): ModelGen {},
  *sgx_cgroup_reclaim_pages_global(_m: Machine, _charge_mm: mm_struct | null): ModelGen {},
};

/** Every function of epc_cgroup.c, by kernel name (the static ones are reached only through the API). */
export const epc_cgroup_c = {
  sgx_cgroup_next_descendant_pre,
  sgx_cgroup_next_get,
  sgx_cgroup_page_counter_read,
  sgx_cgroup_max_pages_to_root,
  sgx_cgroup_reclaim_pages,
  sgx_cgroup_should_reclaim,
  sgx_cgroup_reclaim_work_func,
  __sgx_cgroup_try_charge,
  sgx_cgroup_misc_init,
  sgx_cgroup_alloc,
  sgx_cgroup_free,
  sgx_cgroup_next_skip,
  ...epc_cgroup_h_stubs,
};
