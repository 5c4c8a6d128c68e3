/**
 * The enclave's lifetime before "x86/sgx: Maintain encl->refcount for each encl->mm_list entry"
 * (2ade0d60939b, merged after v5.11-rc7, so in v5.11): only the file held a reference on the
 * enclave. An sgx_encl_mm on mm_list held none, so the last close of the file could free the
 * enclave while an exiting mm's sgx_mmu_notifier_release() had unlinked its entry and not yet
 * called synchronize_srcu(&encl->srcu): sgx_release() found mm_list empty, sgx_encl_release() ran
 * cleanup_srcu_struct() and kfree(encl), and the notifier then used the freed enclave ("WARNING ...
 * at kernel/rcu/srcutree.c cleanup_srcu_struct" in the fix's log). The v38 patch of the seed mail
 * has this code.
 */

import type { ModelGen } from "../../../rt/ops.ts";
import type { Machine } from "../../machine.ts";
import { kref_put } from "../lib/atomic.ts";
import { kmemleak_alloc_object } from "../lib/kmemleak.ts";
import { spin_lock, spin_unlock } from "../lib/locks.ts";
import { type mm_struct, mmu_notifier_register, mmu_notifier_unregister } from "../lib/mm.ts";
import { synchronize_srcu } from "../lib/srcu.ts";
import { type sgx_encl, sgx_encl_mm } from "../sgx/sgx.ts";

/**
 * sgx_release - drain mm_list, then drop the file's reference; the drained entries held none.
 * Kernel: driver.c before 2ade0d60939b (v38 .. v5.11-rc7).
 */
export function* sgx_release_v38(m: Machine, encl: sgx_encl): ModelGen {
  for (;;) {
    yield spin_lock(encl.mm_lock);
    const encl_mm = encl.mm_list.length ? encl.mm_list.shift()! : null; // list_del_rcu
    yield spin_unlock(encl.mm_lock);
    // The enclave is no longer mapped by any mm (or an exiting mm just unlinked itself).
    if (!encl_mm) break;
    yield* synchronize_srcu(m, encl.srcu);
    yield* mmu_notifier_unregister(m, encl_mm.notifier!, encl_mm.mm);
    m.kfreeObj(encl_mm, "struct sgx_encl_mm");
  }
  yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
}

/**
 * sgx_encl_mm_add - register `mm` with the enclave, taking no enclave reference.
 * Kernel: encl.c before 2ade0d60939b. Context: mm's mmap_lock held for write.
 */
export function* sgx_encl_mm_add_v38(m: Machine, encl: sgx_encl, mm: mm_struct): ModelGen<number> {
  if (yield* m.fn.sgx_encl_find_mm(m, encl, mm)) return 0;
  const encl_mm = new sgx_encl_mm(encl, mm);
  m.encl_mms.push(encl_mm);
  kmemleak_alloc_object(m, encl_mm);
  encl_mm.notifier = { owner: encl_mm };
  mmu_notifier_register(m, encl_mm.notifier, mm);
  yield spin_lock(encl.mm_lock);
  encl.mm_list.unshift(encl_mm); // list_add_rcu
  if (m.interleaveAll) yield m.sharedWrite(encl.mm_list_version_loc, "mm_list_version++");
  encl.mm_list_version++;
  yield spin_unlock(encl.mm_lock);
  return 0;
}

/** sgx_mmu_notifier_free - free the sgx_encl_mm; there is no enclave reference to drop. Kernel: encl.c before 2ade0d60939b. */
export function* sgx_mmu_notifier_free_v38(m: Machine, encl_mm: sgx_encl_mm): ModelGen {
  const mm = encl_mm.mm;
  const k = mm.notifiers.indexOf(encl_mm.notifier!);
  if (k >= 0) mm.notifiers.splice(k, 1);
  m.kfreeObj(encl_mm, "struct sgx_encl_mm");
}
