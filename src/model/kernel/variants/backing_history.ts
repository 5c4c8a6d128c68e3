/**
 * Backing-page references and dirtying before May 2022 ("Obtain backing storage page with enclave
 * mutex held", 0e4e729a830c, and "Disconnect backing page references from dirty status", both in
 * v5.19): the reclaimer put a page's backing after sgx_reclaimer_write() returned, outside
 * encl->lock, with sgx_encl_put_backing(backing, do_write = true), and that put is what marked the
 * contents and PCMD pages dirty; __sgx_encl_ewb() did not dirty them itself. The put itself is in
 * sgx_reclaim_pages (ReclaimFlaws.putAfterWrite in mutants.ts).
 */
import type { ModelGen } from "../../../rt/ops.ts";
import type { Machine } from "../../machine.ts";
import { test_bit } from "../lib/atomic.ts";
import { mutex_lock, mutex_unlock } from "../lib/locks.ts";
import { secsIndex } from "../sgx/main.ts";
import { SGX_ENCL_INITIALIZED, type sgx_backing } from "../sgx/sgx.ts";

/** sgx_encl_put_backing(backing, do_write) of that time: dirty both pages if written, then put them. */
function put_backing_do_write(m: Machine, b: sgx_backing, do_write: boolean): void {
  if (do_write) b.pcmd.dirty = b.contents.dirty = true;
  m.fn.sgx_encl_put_backing(m, b);
}

/**
 * sgx_reclaimer_write - EWB the page; the caller puts its backing afterwards. The SECS, written
 * back when its last child goes, has its backing got and put here, under encl->lock.
 * Kernel: main.c v5.11 .. v5.18.
 */
export function* sgx_reclaimer_write_pre_v5_19(m: Machine, epc_page: number, backing: sgx_backing): ModelGen {
  const encl_page = m.pages.owner.get(epc_page);
  const encl = m.enclOf(encl_page);
  const E = m.encl_pages;
  yield mutex_lock(encl.lock);
  yield* m.fn.sgx_encl_ewb(m, epc_page, backing);
  E.epc_page.a[encl_page] = -1;
  encl.secs_child_cnt--;
  if (!encl.secs_child_cnt && (yield* test_bit(m, SGX_ENCL_INITIALIZED, encl.flags))) {
    const secs_backing = yield* m.fn.sgx_encl_alloc_backing(m, encl, secsIndex(encl));
    if (secs_backing) {
      const secs_epc = E.epc_page.a[encl.secs]!;
      yield* m.fn.sgx_encl_ewb(m, secs_epc, secs_backing);
      yield* m.fn.sgx_encl_free_epc_page(m, secs_epc);
      E.epc_page.a[encl.secs] = -1;
      put_backing_do_write(m, secs_backing, true);
    }
  }
  yield mutex_unlock(encl.lock);
}

/**
 * __sgx_encl_ewb - EWB into the backing pages; marking them dirty was left to put_backing.
 * Kernel: main.c v5.11 .. v5.18.
 */
export function* __sgx_encl_ewb_pre_v5_19(
  m: Machine,
  epc_page: number,
  va_epc: number,
  va_offset: number,
  backing: sgx_backing,
): ModelGen<number> {
  return yield* m.encls("EWB", epc_page, () =>
    m.hw.EWB(epc_page, va_epc, va_offset >> 3, backing.contents, backing.pcmd, backing.pcmd_offset / 128),
  );
}
