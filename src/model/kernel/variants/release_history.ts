/**
 * sgx_encl_release before "x86/sgx: Reduce delay and interference of enclave release" (v6.2): the
 * page walk is xa_for_each() without the xarray lock. v5.11 .. v5.16 walk every page without a
 * scheduling point (B2: soft lockups on large enclaves); "Silence softlockup detection when
 * releasing large enclaves" (8795359e35bc, v5.17-rc4) added cond_resched() after every entry. The
 * batched walk (XA_CHECK_SCHED entries per cond_resched() under the xarray lock) is mainline's.
 * sgx_encl_may_map() rescheduled every XA_CHECK_SCHED entries from v5.11 on, so the variants keep
 * that constant and differ here only.
 */
import type { ModelGen } from "../../../rt/ops.ts";
import { PAGE_SIZE } from "../../hw/arch.ts";
import type { Machine } from "../../machine.ts";
import { cond_resched } from "../lib/sched.ts";
import { cleanup_srcu_struct } from "../lib/srcu.ts";
import { XA_EMPTY, xa_destroy } from "../lib/xarray.ts";
import type { sgx_encl } from "../sgx/sgx.ts";

/** sgx_encl_release of v5.11 .. v5.16 (`reschedEveryPage` false) or v5.17 .. v6.1 (true). */
export function encl_release_history(reschedEveryPage: boolean) {
  return function* sgx_encl_release(m: Machine, encl: sgx_encl): ModelGen {
    const E = m.encl_pages;
    const xa = encl.page_array;
    yield* m.mark("encl_release", encl.id);
    for (const index of xa.indices(0, encl.size / PAGE_SIZE)) {
      const entry = xa.get(index);
      if (entry === XA_EMPTY) continue;
      const epc_page = E.epc_page.a[entry]!;
      if (epc_page >= 0) {
        // The reclaimer holds the page: it frees it (and the entry stays until then).
        if (yield* m.fn.sgx_unmark_page_reclaimable(m, epc_page)) continue;
        yield* m.fn.sgx_encl_free_epc_page(m, epc_page);
        encl.secs_child_cnt--;
        E.epc_page.a[entry] = -1;
      }
      E.alive.a[entry] = 0; // kfree(entry)
      if (reschedEveryPage) yield* cond_resched(m);
    }
    xa_destroy(xa);

    const secs = E.epc_page.a[encl.secs]!;
    if (!encl.secs_child_cnt && secs >= 0) {
      yield* m.fn.sgx_encl_free_epc_page(m, secs);
      E.epc_page.a[encl.secs] = -1;
    }
    while (encl.va_pages.length > 0) {
      const va_page = encl.va_pages.shift()!;
      yield* m.fn.sgx_encl_free_epc_page(m, va_page.epc_page);
      va_page.epc_page = -1;
      m.kfreeObj(va_page, `struct sgx_va_page #${va_page.id}`);
    }
    if (encl.backing) m.fput(encl.backing);
    cleanup_srcu_struct(m, encl.srcu);
    if (encl.mm_list.length) m.warn("release_mm_list", "WARN_ON_ONCE(!list_empty(&encl->mm_list))");
    if (encl.secs_child_cnt)
      m.warn("release_leak", `WARN_ON_ONCE(encl->secs_child_cnt) = ${encl.secs_child_cnt}`);
    if (E.epc_page.a[encl.secs]! >= 0) m.warn("release_leak", "WARN_ON_ONCE(encl->secs.epc_page)");
    E.alive.a[encl.secs] = 0;
    m.kfreeObj(encl, `struct sgx_encl ${encl.name || encl.id}`);
  };
}
