/**
 * A change in the middle of a function: sgx_reclaim_pages() with a cond_resched() after each page
 * it writes back (a patch one could propose to shorten ksgxd's non-preemptible stretch). The rest
 * is mainline's function as the model has it, including its cost hooks (`m.work`, `m.mark`), so
 * the simulator charges the copy what it charges the original. docs/patches.md shows the C diff.
 */
import {
  cond_resched,
  definePatch,
  kref_get_unless_zero,
  kref_put,
  list_add_tail,
  list_del_init,
  list_empty,
  list_first_entry,
  type Machine,
  type ModelGen,
  mutex_lock,
  mutex_unlock,
  SGX_ENCL_PAGE_BEING_RECLAIMED,
  SGX_EPC_PAGE_RECLAIMER_TRACKED,
  type sgx_backing,
  spin_lock,
  spin_unlock,
} from "../../src/patch.ts";

function* sgx_reclaim_pages(m: Machine): ModelGen {
  const nr = m.c.SGX_NR_TO_SCAN;
  const chunk: number[] = [];
  const backing: (sgx_backing | null)[] = [];
  const P = m.pages;
  const G = m.sgx;

  yield spin_lock(G.sgx_reclaimer_lock);
  for (let i = 0; i < nr; i++) {
    if (list_empty(P, G.sgx_active_page_list)) break;
    const epc_page = list_first_entry(P, G.sgx_active_page_list);
    list_del_init(m, P, epc_page);
    yield* m.work("lru_op", 1);
    const encl_page = P.owner.get(epc_page);
    if (yield* kref_get_unless_zero(m, m.enclOf(encl_page).refcount)) {
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
    const epc_page = chunk[i]!;
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
        backing[i] = b;
        m.encl_pages.desc.a[encl_page]! |= SGX_ENCL_PAGE_BEING_RECLAIMED;
        yield mutex_unlock(encl.lock);
        continue;
      }
    }
    yield spin_lock(G.sgx_reclaimer_lock);
    list_add_tail(P, epc_page, G.sgx_active_page_list);
    yield* m.work("lru_op", 1);
    yield spin_unlock(G.sgx_reclaimer_lock);
    yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
    chunk[i] = -1;
  }

  for (let i = 0; i < cnt; i++) {
    const epc_page = chunk[i]!;
    if (epc_page >= 0) yield* m.fn.sgx_reclaimer_block(m, epc_page);
  }

  for (let i = 0; i < cnt; i++) {
    const epc_page = chunk[i]!;
    if (epc_page < 0) continue;
    const encl = m.enclOf(P.owner.get(epc_page));
    yield* m.fn.sgx_reclaimer_write(m, epc_page, backing[i]!);
    yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
    if (m.interleaveAll) yield m.epcFlagsWrite(epc_page);
    P.flags.set(epc_page, P.flags.get(epc_page) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED);
    yield* m.fn.sgx_free_epc_page(m, epc_page);
    // THE PATCH: a scheduling point after each page written back.
    yield* cond_resched(m);
  }
}

export default definePatch({
  name: "reclaim-resched-per-page",
  description: "sgx_reclaim_pages calls cond_resched() after each page it writes back",
  overrides: { sgx_reclaim_pages },
});
