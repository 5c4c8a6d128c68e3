/**
 * intel/linux-sgx-driver sgx_encl.c (isgx 2.x, commit 02b28870): process contexts, enclave release
 * and the MMU notifier.
 *
 * Kernel: sgx_encl.c at 02b28870. Model: enclaves are built with mainline's ioctls (I6); the isgx
 * parts of sgx_encl_create and sgx_mmap are in ../isgx.ts.
 */
import type { ModelGen } from "../../../../rt/ops.ts";
import { PAGE_SIZE } from "../../../hw/arch.ts";
import type { Machine } from "../../../machine.ts";
import { kref_get_unless_zero, kref_put } from "../../lib/atomic.ts";
import { mutex_lock, mutex_unlock } from "../../lib/locks.ts";
import { type mm_struct, mmdrop } from "../../lib/mm.ts";
import { XA_EMPTY, xa_destroy } from "../../lib/xarray.ts";
import { mainline } from "../../sgx/index.ts";
import type { sgx_encl, sgx_encl_mm } from "../../sgx/sgx.ts";
import { fn } from "./fns.ts";
import { isgx, isgx_encl_of, load_list_del_epc_page, SGX_ENCL_DEAD, sgx_tgid_ctx } from "./sgx.ts";

/**
 * sgx_add_to_tgid_ctx - attach the enclave to current's process context, creating the context (at
 * the head of sgx_tgid_ctx_list) if the process has none or only a dying one.
 * Kernel: sgx_encl.c (isgx). Context: takes sgx_tgid_ctx_mutex.
 * Model: a process is identified by its mm (tgid).
 */
function* sgx_add_to_tgid_ctx(m: Machine, encl: sgx_encl): ModelGen<number> {
  const G = isgx(m);
  const x = isgx_encl_of(m, encl);
  const tgid = m.current.mm?.id ?? -1;
  yield mutex_lock(G.sgx_tgid_ctx_mutex);
  const found = G.sgx_tgid_ctx_list.find((c) => c.tgid === tgid);
  if (found) {
    if (yield* kref_get_unless_zero(m, found.refcount)) {
      x.tgid_ctx = found;
      yield mutex_unlock(G.sgx_tgid_ctx_mutex);
      return 0;
    }
    // Its last reference is being dropped: list_del_init, a fresh context replaces it.
    G.sgx_tgid_ctx_list.splice(G.sgx_tgid_ctx_list.indexOf(found), 1);
  }
  const ctx = new sgx_tgid_ctx(m.newId(), tgid);
  G.sgx_tgid_ctx_list.unshift(ctx);
  x.tgid_ctx = ctx;
  yield mutex_unlock(G.sgx_tgid_ctx_mutex);
  return 0;
}

/**
 * sgx_tgid_ctx_release - the last reference to a process context is gone: unlink it.
 * Kernel: sgx_encl.c (isgx). Context: takes sgx_tgid_ctx_mutex.
 */
function* sgx_tgid_ctx_release(m: Machine, ctx: sgx_tgid_ctx): ModelGen {
  const G = isgx(m);
  yield mutex_lock(G.sgx_tgid_ctx_mutex);
  const i = G.sgx_tgid_ctx_list.indexOf(ctx);
  if (i >= 0) G.sgx_tgid_ctx_list.splice(i, 1);
  yield mutex_unlock(G.sgx_tgid_ctx_mutex);
}

/**
 * sgx_encl_release - the last enclave reference is gone: take the enclave off its process's list
 * (so the reclaimer cannot pick it), free every resident page, the VA pages and the SECS, drop the
 * context reference, close the backing.
 * Kernel: sgx_encl.c (isgx). Context: no encl->lock (nobody else can reach the enclave: the
 * reclaimer only takes enclaves whose reference it can still get). No cond_resched in the walk.
 * Model: the page walk runs without the xarray lock, as isgx's radix-tree walk does.
 */
function* sgx_encl_release(m: Machine, encl: sgx_encl): ModelGen {
  const G = isgx(m);
  const x = isgx_encl_of(m, encl);
  const E = m.encl_pages;
  yield* m.mark("encl_release", encl.id);

  yield mutex_lock(G.sgx_tgid_ctx_mutex);
  const ctx = x.tgid_ctx;
  if (ctx) {
    const i = ctx.encl_list.indexOf(encl);
    if (i >= 0) ctx.encl_list.splice(i, 1);
  }
  yield mutex_unlock(G.sgx_tgid_ctx_mutex);

  for (const index of encl.page_array.indices(0, encl.size / PAGE_SIZE)) {
    const entry = encl.page_array.get(index);
    if (entry === XA_EMPTY) continue;
    const epc = E.epc_page.a[entry]!;
    if (epc >= 0) {
      load_list_del_epc_page(m, epc);
      yield* m.work("lru_op", 1);
      yield* fn(m).sgx_free_page(m, epc);
      E.epc_page.a[entry] = -1;
    }
    E.alive.a[entry] = 0; // radix_tree_delete + kfree(entry)
  }
  xa_destroy(encl.page_array);

  while (encl.va_pages.length > 0) {
    const va_page = encl.va_pages.shift()!;
    if (va_page.epc_page >= 0) yield* fn(m).sgx_free_page(m, va_page.epc_page);
    va_page.epc_page = -1;
    m.kfreeObj(va_page, `struct sgx_va_page #${va_page.id}`);
  }

  const secs = E.epc_page.a[encl.secs]!;
  if (secs >= 0) {
    yield* fn(m).sgx_free_page(m, secs);
    E.epc_page.a[encl.secs] = -1;
  }

  if (ctx) yield* kref_put(m, ctx.refcount, () => fn(m).sgx_tgid_ctx_release(m, ctx));
  // mmu_notifier_unregister_no_release(&encl->mmu_notifier, encl->mm): the mm_count it held.
  if (x.mm) mmdrop(m, x.mm);
  if (encl.backing) m.fput(encl.backing);
  E.alive.a[encl.secs] = 0;
  m.kfreeObj(encl, `struct sgx_encl ${encl.name || encl.id}`);
}

/**
 * sgx_mmu_notifier_release - encl->mm is going away: the enclave is dead (faults fail, the
 * reclaimer skips it).
 * Kernel: sgx_encl.c (isgx). Context: takes encl->lock.
 * Model: then mainline's bookkeeping of the mm (unlink from mm_list, drop that reference), because
 * the model keeps mainline's owners of the enclave reference (I6).
 */
function* sgx_mmu_notifier_release(m: Machine, encl_mm: sgx_encl_mm, mm: mm_struct): ModelGen {
  const encl = encl_mm.encl;
  yield mutex_lock(encl.lock);
  isgx_encl_of(m, encl).flags |= SGX_ENCL_DEAD;
  yield mutex_unlock(encl.lock);
  yield* mainline.sgx_mmu_notifier_release(m, encl_mm, mm);
}

export const sgx_encl_c = {
  sgx_add_to_tgid_ctx,
  sgx_tgid_ctx_release,
  sgx_encl_release,
  sgx_mmu_notifier_release,
};
