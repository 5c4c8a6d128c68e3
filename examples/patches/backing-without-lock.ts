/**
 * A patch that drops encl->lock around the reclaimer's backing-store access: phase 2 of
 * sgx_reclaim_pages pins the backing pages first and takes encl->lock only to set
 * SGX_ENCL_PAGE_BEING_RECLAIMED, as the code did before "x86/sgx: Obtain backing storage page
 * with enclave mutex held" (May 2022). The checker finds the race this opens with the fault
 * handler truncating the shared PCMD page:
 *
 *   npx epcsim check check-pcmd-truncate --patch ./examples/patches/backing-without-lock.ts
 *
 * Only sgx_reclaim_pages changes; every function it calls is mainline's.
 */
import {
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
  const chunk: number[] = [];
  const backing: (sgx_backing | null)[] = [];
  const P = m.pages;
  const G = m.sgx;

  yield spin_lock(G.sgx_reclaimer_lock);
  for (let i = 0; i < m.c.SGX_NR_TO_SCAN; i++) {
    if (list_empty(P, G.sgx_active_page_list)) break;
    const epc_page = list_first_entry(P, G.sgx_active_page_list);
    list_del_init(m, P, epc_page);
    if (yield* kref_get_unless_zero(m, m.enclOf(P.owner.get(epc_page)).refcount)) {
      chunk.push(epc_page);
      backing.push(null);
    } else {
      P.flags.set(epc_page, P.flags.get(epc_page) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED);
    }
  }
  yield spin_unlock(G.sgx_reclaimer_lock);
  yield* m.mark("reclaim_isolated", chunk.length);

  for (let i = 0; i < chunk.length; i++) {
    const epc_page = chunk[i]!;
    const encl_page = P.owner.get(epc_page);
    const encl = m.enclOf(encl_page);
    if (yield* m.fn.sgx_reclaimer_age(m, epc_page)) {
      // THE PATCH: the backing pages are pinned before encl->lock is taken.
      const b = yield* m.fn.sgx_encl_alloc_backing(m, encl, m.encl_pages.index.a[encl_page]!);
      if (b) {
        yield mutex_lock(encl.lock);
        backing[i] = b;
        m.encl_pages.desc.a[encl_page]! |= SGX_ENCL_PAGE_BEING_RECLAIMED;
        yield mutex_unlock(encl.lock);
        continue;
      }
    }
    yield spin_lock(G.sgx_reclaimer_lock);
    list_add_tail(P, epc_page, G.sgx_active_page_list);
    yield spin_unlock(G.sgx_reclaimer_lock);
    yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
    chunk[i] = -1;
  }

  for (const epc_page of chunk) if (epc_page >= 0) yield* m.fn.sgx_reclaimer_block(m, epc_page);

  for (let i = 0; i < chunk.length; i++) {
    const epc_page = chunk[i]!;
    if (epc_page < 0) continue;
    const encl = m.enclOf(P.owner.get(epc_page));
    yield* m.fn.sgx_reclaimer_write(m, epc_page, backing[i]!);
    yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
    if (m.interleaveAll) yield m.epcFlagsWrite(epc_page);
    P.flags.set(epc_page, P.flags.get(epc_page) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED);
    yield* m.fn.sgx_free_epc_page(m, epc_page);
  }
}

export default definePatch({
  name: "backing-without-lock",
  description: "sgx_reclaim_pages pins the backing pages before taking encl->lock",
  overrides: { sgx_reclaim_pages },
});
