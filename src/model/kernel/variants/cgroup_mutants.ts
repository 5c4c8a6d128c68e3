/**
 * Mutants of the EPC cgroup: cgroup-v16 with one guard removed, each a mistake a patch to the
 * series could make. The checker's cgroup invariants must find each of them with a built-in check
 * scenario within a small budget (test/check/cgroup.test.ts), while cgroup-v16 stays clean.
 */
import type { ModelGen } from "../../../rt/ops.ts";
import { withSite } from "../../../rt/site.ts";
import { PAGE_SIZE } from "../../hw/arch.ts";
import type { Machine } from "../../machine.ts";
import { type misc_cg, misc_cg_uncharge } from "../cgroup/misc.ts";
import { kref_get_unless_zero, kref_put } from "../lib/atomic.ts";
import { EBUSY, ENOMEM, ERESTARTSYS, IS_ERR } from "../lib/errno.ts";
import { list_add, list_add_tail, list_del_init, list_empty, list_first_entry } from "../lib/list.ts";
import { mutex_lock, mutex_unlock, spin_lock, spin_unlock } from "../lib/locks.ts";
import type { mm_struct } from "../lib/mm.ts";
import { cond_resched, signal_pending, wake_up } from "../lib/sched.ts";
import { StackArray } from "../lib/stack_array.ts";
import {
  type sgx_cgroup,
  type sgx_epc_lru_list,
  sgx_epc_page_cgroup,
  sgx_global_lru,
} from "../sgx/epc_cgroup.ts";
import type { KernelFns } from "../sgx/index.ts";
import {
  OWNER_NULL,
  SGX_ENCL_PAGE_BEING_RECLAIMED,
  SGX_EPC_PAGE_IS_FREE,
  SGX_EPC_PAGE_RECLAIMER_TRACKED,
  type sgx_backing,
} from "../sgx/sgx.ts";
import { allocMark, cgroupV16, sgx_can_reclaim_global, sgx_reclaim_pages_global, v16 } from "./cgroup.ts";
import { registerVariant } from "./registry.ts";

/** sgx_alloc_epc_page that keeps the charge when the physical allocation fails (-EBUSY/-ENOMEM). */
function* alloc_leaks_charge(m: Machine, owner: number, reclaim: boolean): ModelGen<number> {
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
    yield* sgx_reclaim_pages_global(m, m.current.mm);
    yield* cond_resched(m);
  }
  if (!IS_ERR(page)) m.pages.sgx_cg.set(page, sgx_cg!.cg.id);
  else yield* allocMark(m, page, owner); // MUTANT: no sgx_cgroup_uncharge()
  if (yield* m.fn.sgx_should_reclaim(m, m.c.SGX_NR_LOW_PAGES)) yield* wake_up(m, m.ksgxd_waitq);
  return page;
}

/**
 * misc_cg_try_charge that adds the page at every level but compares only the charged cgroup's own
 * usage with its own max: an ancestor's limit is never enforced.
 */
function* charge_own_level_only(m: Machine, cg: misc_cg, amount: number): ModelGen<number> {
  for (let i: misc_cg | null = cg; i; i = i.parent) {
    if (m.interleaveAll) yield withSite(i.res.usage.wr);
    i.res.usage.v += amount;
    const new_usage = i.res.usage.v;
    if (i === cg && (new_usage > i.res.max || new_usage > m.misc.capacity)) {
      i.res.events++;
      cg.res.events_local++;
      // Undo every level charged so far (this one included).
      for (let j: misc_cg | null = cg; j; j = j.parent) {
        j.res.usage.v -= amount;
        if (j === i) break;
      }
      return -EBUSY;
    }
    if (new_usage > i.res.watermark) i.res.watermark = new_usage;
  }
  return 0;
}

/** __sgx_cgroup_try_charge with the flawed charge above. */
function* try_charge_ignores_ancestors(m: Machine, epc_cg: sgx_cgroup): ModelGen<number> {
  if (!(yield* charge_own_level_only(m, epc_cg.cg, PAGE_SIZE))) return 0;
  if (yield* m.fn.sgx_cgroup_lru_empty(m, epc_cg.cg)) return -ENOMEM;
  if (signal_pending(m)) return -ERESTARTSYS;
  return -EBUSY;
}

/**
 * The series' sgx_reclaim_pages whose skip path puts a young page back on the global
 * sgx_active_page_list (the pre-series code) instead of the LRU it came from.
 */
function* reclaim_skip_to_global(
  m: Machine,
  lru: sgx_epc_lru_list = sgx_global_lru(m),
  charge_mm: mm_struct | null = null,
): ModelGen<number> {
  const chunk = new StackArray<number>(m, "sgx_reclaim_pages", "chunk[SGX_NR_TO_SCAN]", m.c.SGX_NR_TO_SCAN);
  const backing = new StackArray<sgx_backing | null>(
    m,
    "sgx_reclaim_pages",
    "backing[SGX_NR_TO_SCAN]",
    m.c.SGX_NR_TO_SCAN,
  );
  const P = m.pages;
  yield spin_lock(lru.lock);
  for (let i = 0; i < m.c.SGX_NR_TO_SCAN; i++) {
    if (list_empty(P, lru.reclaimable)) break;
    const epc_page = list_first_entry(P, lru.reclaimable);
    list_del_init(m, P, epc_page);
    yield* m.work("lru_op", 1);
    if (yield* kref_get_unless_zero(m, m.enclOf(P.owner.get(epc_page)).refcount)) {
      chunk.push(epc_page);
      backing.push(null);
    } else P.flags.set(epc_page, P.flags.get(epc_page) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED);
  }
  yield spin_unlock(lru.lock);
  const cnt = chunk.length;
  yield* m.mark("lru_reclaim", lru.cg);
  yield* m.mark("reclaim_isolated", cnt);
  for (let i = 0; i < cnt; i++) {
    const epc_page = chunk.at(i);
    const encl_page = P.owner.get(epc_page);
    const encl = m.enclOf(encl_page);
    let skip = !(yield* m.fn.sgx_reclaimer_age(m, epc_page));
    if (!skip) {
      yield mutex_lock(encl.lock);
      const b = yield* v16(m).sgx_encl_alloc_backing(m, encl, m.encl_pages.index.a[encl_page]!, charge_mm);
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
    yield spin_lock(m.sgx.sgx_reclaimer_lock);
    list_add_tail(P, epc_page, m.sgx.sgx_active_page_list); // MUTANT: not lru->reclaimable
    yield* m.work("lru_op", 1);
    yield spin_unlock(m.sgx.sgx_reclaimer_lock);
    yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
    chunk.set(i, -1);
  }
  for (let i = 0; i < cnt; i++) if (chunk.at(i) >= 0) yield* m.fn.sgx_reclaimer_block(m, chunk.at(i));
  for (let i = 0; i < cnt; i++) {
    const epc_page = chunk.at(i);
    if (epc_page < 0) continue;
    const encl = m.enclOf(P.owner.get(epc_page));
    yield* v16(m).sgx_reclaimer_write(m, epc_page, backing.at(i)!, charge_mm);
    yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
    if (m.interleaveAll) yield m.epcFlagsWrite(epc_page);
    P.flags.set(epc_page, P.flags.get(epc_page) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED);
    yield* m.fn.sgx_free_epc_page(m, epc_page);
  }
  return cnt;
}

/** sgx_free_epc_page that uncharges only pages with an owner: VA pages (owner NULL) keep their charge. */
function* free_skips_va_uncharge(m: Machine, page: number): ModelGen {
  const P = m.pages;
  const sgx_cg = sgx_epc_page_cgroup(m, page);
  if (sgx_cg) {
    // MUTANT: the owner test skips VA pages.
    if (P.owner.get(page) !== OWNER_NULL) yield* misc_cg_uncharge(m, sgx_cg.cg, PAGE_SIZE);
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
  if (m.interleaveAll) yield withSite(m.sgx.sgx_nr_free_pages.wr);
  m.sgx.sgx_nr_free_pages.v++;
}

interface CgroupMutant {
  name: string;
  guard: string;
  overrides: Partial<KernelFns>;
}

export const CGROUP_MUTANTS: CgroupMutant[] = [
  {
    name: "cgroup-alloc-leaks-charge",
    guard: "the uncharge when the physical allocation fails after a successful charge",
    overrides: { sgx_alloc_epc_page: alloc_leaks_charge },
  },
  {
    name: "cgroup-charge-ignores-ancestors",
    guard: "the ancestors' misc.max in the hierarchical charge",
    overrides: { __sgx_cgroup_try_charge: try_charge_ignores_ancestors },
  },
  {
    name: "cgroup-reclaim-skip-to-global",
    guard: "putting a skipped (young) page back on the LRU it came from",
    overrides: { sgx_reclaim_pages: reclaim_skip_to_global } as unknown as Partial<KernelFns>,
  },
  {
    name: "cgroup-free-skips-va-uncharge",
    guard: "the uncharge of pages without an owner (VA pages) in sgx_free_epc_page",
    overrides: { sgx_free_epc_page: free_skips_va_uncharge },
  },
];

for (const mu of CGROUP_MUTANTS) {
  registerVariant({
    name: `mutant/${mu.name}`,
    description: `cgroup-v16 without ${mu.guard}`,
    overrides: { ...cgroupV16, ...mu.overrides },
    mutant: true,
  });
}
