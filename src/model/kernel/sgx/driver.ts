/**
 * arch/x86/kernel/cpu/sgx/driver.c: /dev/sgx_enclave open, release (close) and mmap.
 *
 * Kernel: mainline (~v6.17 driver.c).
 */
import type { ModelGen } from "../../../rt/ops.ts";
import { PAGE_SIZE } from "../../hw/arch.ts";
import type { Machine } from "../../machine.ts";
import { kref_put, test_bit } from "../lib/atomic.ts";
import { EACCES } from "../lib/errno.ts";
import { mutex_lock, mutex_unlock, spin_lock, spin_unlock } from "../lib/locks.ts";
import { type mm_struct, mmu_notifier_unregister, vm_area_struct } from "../lib/mm.ts";
import { cond_resched } from "../lib/sched.ts";
import { synchronize_srcu } from "../lib/srcu.ts";
import { SGX_ENCL_INITIALIZED, type sgx_encl } from "./sgx.ts";

/**
 * sgx_open - allocate a struct sgx_encl for a new file (refcount 1, held by the file).
 * Kernel: driver.c (mainline).
 */
function sgx_open(m: Machine, name: string): sgx_encl {
  const encl = m.newEncl(name);
  // The embedded struct sgx_encl_page of the SECS.
  encl.secs = m.encl_pages.alloc(encl.id, -1, 0);
  return encl;
}

/**
 * sgx_release - the file was closed: drain mm_list (processes that closed the file but still
 * run), then drop the file's reference.
 * Kernel: driver.c (mainline). Context: takes encl->mm_lock; sleeps in synchronize_srcu().
 */
function* sgx_release(m: Machine, encl: sgx_encl): ModelGen {
  for (;;) {
    yield spin_lock(encl.mm_lock);
    const encl_mm = encl.mm_list.length ? encl.mm_list.shift()! : null; // list_del_rcu
    yield spin_unlock(encl.mm_lock);
    // The enclave is no longer mapped by any mm.
    if (!encl_mm) break;
    yield* synchronize_srcu(m, encl.srcu);
    yield* mmu_notifier_unregister(m, encl_mm.notifier!, encl_mm.mm);
    m.kfreeObj(encl_mm, "struct sgx_encl_mm");
    // 'encl_mm' is gone, put encl_mm->encl reference:
    yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
  }
  yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
}

/**
 * sgx_encl_may_map - a mapping may not exceed the build-time permissions of any page in it.
 * Kernel: encl.c (mainline). Context: takes encl->lock (the page walk runs under it, dropping it
 * with the xarray lock every XA_CHECK_SCHED entries for cond_resched()).
 * Model: the xarray's own spinlock is not taken (the walk already holds encl->lock, which every
 * writer of page_array holds too).
 */
function* sgx_encl_may_map(
  m: Machine,
  encl: sgx_encl,
  start: number,
  end: number,
  vm_flags: number,
): ModelGen<number> {
  if (
    (yield* test_bit(m, SGX_ENCL_INITIALIZED, encl.flags)) &&
    (start < encl.base || end > encl.base + encl.size)
  )
    return -EACCES;
  const prot = vm_flags & 7;
  const E = m.encl_pages;
  let ret = 0;
  let count = 0;
  // Model: the walk's time is charged per stretch between scheduling points (one op, not one per entry).
  let walked = 0;
  yield mutex_lock(encl.lock);
  for (const i of encl.page_array.indices((start - encl.base) / PAGE_SIZE, (end - encl.base) / PAGE_SIZE)) {
    const e = encl.page_array.get(i);
    walked++;
    if (~E.vm_max_prot_bits.a[e]! & prot) {
      ret = -EACCES;
      break;
    }
    // Reschedule on every XA_CHECK_SCHED iteration.
    if (!(++count % m.c.XA_CHECK_SCHED)) {
      yield* m.work("xa_walk", walked);
      walked = 0;
      yield mutex_unlock(encl.lock);
      yield* cond_resched(m);
      yield mutex_lock(encl.lock);
    }
  }
  if (walked) yield* m.work("xa_walk", walked);
  yield mutex_unlock(encl.lock);
  return ret;
}

/**
 * sgx_mmap - map the enclave into `mm`: permission check, register the mm, create the VMA.
 * Kernel: driver.c (mainline). Context: mm's mmap_lock held for write (the mmap() syscall).
 * Returns the VMA or -errno.
 */
function* sgx_mmap(
  m: Machine,
  encl: sgx_encl,
  mm: mm_struct,
  start: number,
  end: number,
  vm_flags: number,
): ModelGen<vm_area_struct | number> {
  let ret = yield* m.fn.sgx_encl_may_map(m, encl, start, end, vm_flags);
  if (ret) return ret;
  ret = yield* m.fn.sgx_encl_mm_add(m, encl, mm);
  if (ret) return ret;
  const vma = new vm_area_struct(m.newId(), mm, start, end, vm_flags, encl);
  mm.vmas.push(vma);
  return vma;
}

export const driver_c = {
  sgx_open,
  sgx_release,
  sgx_encl_may_map,
  sgx_mmap,
};
