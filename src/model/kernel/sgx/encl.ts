/**
 * arch/x86/kernel/cpu/sgx/encl.c: loading evicted pages back (ELDU with the 2022 PCMD rules), the
 * page fault handler, the backing store, the mm_list and MMU notifier, VA pages and slots, PTE
 * zapping, and enclave release.
 *
 * Kernel: mainline (~v6.17 encl.c) unless a function says otherwise.
 */

import type { ModelGen } from "../../../rt/ops.ts";
import {
  encls_failed,
  PAGE_SIZE,
  PCMD_SIZE,
  PCMDS_PER_PAGE,
  SGX_PAGE_TYPE_REG,
  SGX_VA_SLOT_COUNT,
} from "../../hw/arch.ts";
import { pcmdPageEmpty, pcmdZero } from "../../hw/memory.ts";
import type { Machine } from "../../machine.ts";
import { kref_get, kref_put, test_bit } from "../lib/atomic.ts";
import { EBUSY, EFAULT, IS_ERR } from "../lib/errno.ts";
import { kmemleak_alloc_object } from "../lib/kmemleak.ts";
import { mutex_lock, mutex_unlock, spin_lock, spin_unlock } from "../lib/locks.ts";
import {
  find_vma,
  type mm_struct,
  mmap_read_lock,
  mmap_read_unlock,
  mmget_not_zero,
  mmput_async,
  mmu_notifier_put,
  mmu_notifier_register,
  ptep_test_and_clear_young,
  VM_EXEC,
  VM_FAULT_NOPAGE,
  VM_FAULT_SIGBUS,
  VM_READ,
  VM_WRITE,
  type vm_area_struct,
  vmf_insert_pfn,
  zap_vma_ptes,
} from "../lib/mm.ts";
import { cond_resched } from "../lib/sched.ts";
import { put_page, shmem_read_mapping_page, shmem_truncate_page } from "../lib/shmem.ts";
import { cleanup_srcu_struct, srcu_read_lock, srcu_read_unlock, synchronize_srcu } from "../lib/srcu.ts";
import { XA_EMPTY, xa_destroy, xa_erase, xa_insert } from "../lib/xarray.ts";
import {
  OWNER_NULL,
  SGX_ENCL_INITIALIZED,
  SGX_ENCL_PAGE_BEING_RECLAIMED,
  SGX_ENCL_PAGE_VA_OFFSET_MASK,
  SGX_EPC_PAGE_RECLAIMER_TRACKED,
  type sgx_backing,
  type sgx_encl,
  sgx_encl_mm,
  sgx_va_page,
} from "./sgx.ts";

/** PCMD_FIRST_MASK = GENMASK(4, 0): 32 PCMD entries share a PCMD page. */
const PCMD_FIRST_MASK = 31;
/** VM_ACCESS_FLAGS. */
const VM_ACCESS_FLAGS = VM_READ | VM_WRITE | VM_EXEC;

/**
 * reclaimer_writing_to_pcmd - is any enclave page sharing this PCMD page being reclaimed (resident
 * with BEING_RECLAIMED set)? Then the PCMD page is about to receive data and must not be truncated.
 * Kernel: encl.c (v5.19+, "Fix race between reclaimer and page fault handler").
 * Context: encl->lock held. `start` is the page index of the first of the 32 siblings.
 */
function reclaimer_writing_to_pcmd(m: Machine, encl: sgx_encl, start: number): boolean {
  const E = m.encl_pages;
  for (let i = 0; i < PCMDS_PER_PAGE; i++) {
    const index = start + i;
    // Stop at the SECS page: it has no page_array entry and is reclaimed entirely under encl->lock.
    if (index === encl.size / PAGE_SIZE) break;
    const entry = encl.page_array.get(index);
    if (entry === XA_EMPTY) continue;
    // The VA offset shares the flag's bit, so only a resident page's flag means anything.
    if (E.epc_page.a[entry]! >= 0 && E.getDesc(entry) & SGX_ENCL_PAGE_BEING_RECLAIMED) return true;
  }
  return false;
}

/** sgx_encl_get_backing_page_pcmd_offset - byte offset of the PCMD of page `page_index` in the backing file. */
function sgx_encl_get_backing_page_pcmd_offset(_m: Machine, encl: sgx_encl, page_index: number): number {
  // Contents pages, then the SECS page (sizeof(struct sgx_secs) = PAGE_SIZE), then the PCMDs.
  const epc_end_off = encl.size + PAGE_SIZE;
  return epc_end_off + page_index * PCMD_SIZE;
}

/** sgx_encl_truncate_backing_page - free one page of the backing file. */
function* sgx_encl_truncate_backing_page(m: Machine, encl: sgx_encl, page_index: number): ModelGen {
  yield* m.work("shmem_truncate", 1);
  shmem_truncate_page(m, encl.backing!, page_index);
}

/**
 * __sgx_encl_eldu - ELDU a page from backing into `epc_page`, zero its PCMD entry, free the contents
 * page, and free the PCMD page when it became empty and no sibling is being reclaimed.
 * Kernel: encl.c (v5.19+). Context: encl->lock held. `secs_page` is -1 when loading the SECS.
 */
function* __sgx_encl_eldu(
  m: Machine,
  encl_page: number,
  epc_page: number,
  secs_page: number,
): ModelGen<number> {
  const E = m.encl_pages;
  const va_offset = E.getDesc(encl_page) & SGX_ENCL_PAGE_VA_OFFSET_MASK;
  const encl = m.enclOf(encl_page);
  const page_index = secs_page >= 0 ? E.index.a[encl_page]! : encl.size / PAGE_SIZE;
  const pcmd_first_page = page_index & ~PCMD_FIRST_MASK;
  const page_pcmd_off = m.fn.sgx_encl_get_backing_page_pcmd_offset(m, encl, page_index);

  const b = yield* m.fn.sgx_encl_lookup_backing(m, encl, page_index);
  if (!b) return -EFAULT;

  const va_page = m.vaPageOf(encl_page);
  const lin = secs_page >= 0 ? E.index.a[encl_page]! : -1;
  let ret = yield* m.encls("ELDU", epc_page, () =>
    m.hw.ELDU(
      epc_page,
      secs_page,
      lin,
      va_page.epc_page,
      va_offset >> 3,
      b.contents,
      b.pcmd,
      b.pcmd_offset / PCMD_SIZE,
    ),
  );
  if (ret) {
    if (encls_failed(ret)) m.ENCLS_WARN(ret, "ELDU");
    ret = -EFAULT;
  }

  pcmdZero(m.kasanUse(b.pcmd, "the PCMD page (a freed shmem page)"), b.pcmd_offset / PCMD_SIZE);
  b.pcmd.dirty = true;
  // The PCMD area of this page was zeroed: is the whole PCMD page empty now?
  const pcmd_page_empty = pcmdPageEmpty(b.pcmd);
  // get_page(): keep the PCMD page referenced to look at it after a truncation (B7).
  const pcmd = b.pcmd;
  pcmd.refs++;
  m.fn.sgx_encl_put_backing(m, b);

  yield* m.fn.sgx_encl_truncate_backing_page(m, encl, page_index);

  if (pcmd_page_empty && !m.fn.reclaimer_writing_to_pcmd(m, encl, pcmd_first_page)) {
    yield* m.fn.sgx_encl_truncate_backing_page(m, encl, Math.floor(page_pcmd_off / PAGE_SIZE));
    if (!pcmdPageEmpty(pcmd)) m.warn("pcmd_not_empty", "PCMD page not empty after truncate.");
  }
  put_page(pcmd);
  return ret;
}

/**
 * sgx_encl_eldu - allocate an EPC page (without reclaim) and load `encl_page` into it.
 * Returns the EPC page or -errno (-EBUSY when no page is free: the fault is retried).
 * Kernel: encl.c (mainline). Context: encl->lock held.
 */
function* sgx_encl_eldu(m: Machine, encl_page: number, secs_page: number): ModelGen<number> {
  const E = m.encl_pages;
  const va_offset = E.getDesc(encl_page) & SGX_ENCL_PAGE_VA_OFFSET_MASK;
  const encl = m.enclOf(encl_page);
  const epc_page = yield* m.fn.sgx_alloc_epc_page(m, encl_page, false);
  if (IS_ERR(epc_page)) return epc_page;

  const ret = yield* m.fn.__sgx_encl_eldu(m, encl_page, epc_page, secs_page);
  if (ret) {
    yield* m.fn.sgx_encl_free_epc_page(m, epc_page);
    return ret;
  }

  const va_page = m.vaPageOf(encl_page);
  m.fn.sgx_free_va_slot(m, va_page, va_offset);
  // list_move(&va_page->list, &encl->va_pages): a page with a free slot goes to the head.
  const at = encl.va_pages.indexOf(va_page);
  if (at > 0) {
    encl.va_pages.splice(at, 1);
    encl.va_pages.unshift(va_page);
  }
  E.setDesc(encl_page, E.desc.a[encl_page]! & ~SGX_ENCL_PAGE_VA_OFFSET_MASK);
  E.epc_page.a[encl_page] = epc_page;
  return epc_page;
}

/**
 * sgx_encl_load_secs - reload the SECS if it was evicted.
 * Kernel: encl.c (v6.6+, "Resolves SECS reclaim vs. page fault for EAUG race"). Context: encl->lock held.
 */
function* sgx_encl_load_secs(m: Machine, encl: sgx_encl): ModelGen<number> {
  let epc_page = m.encl_pages.epc_page.a[encl.secs]!;
  if (epc_page < 0) epc_page = yield* m.fn.sgx_encl_eldu(m, encl.secs, -1);
  return epc_page;
}

/**
 * __sgx_encl_load_page - make `entry` resident: -EBUSY while the reclaimer holds it, else ELDU it
 * (and the SECS first) and put it on the active list.
 * Kernel: encl.c (mainline). Context: encl->lock held.
 */
function* __sgx_encl_load_page(m: Machine, encl: sgx_encl, entry: number): ModelGen<number> {
  const E = m.encl_pages;
  if (E.epc_page.a[entry]! >= 0) {
    if (E.getDesc(entry) & SGX_ENCL_PAGE_BEING_RECLAIMED) return -EBUSY;
    return entry;
  }
  let epc_page = yield* m.fn.sgx_encl_load_secs(m, encl);
  if (IS_ERR(epc_page)) return epc_page;
  epc_page = yield* m.fn.sgx_encl_eldu(m, entry, E.epc_page.a[encl.secs]!);
  if (IS_ERR(epc_page)) return epc_page;
  encl.secs_child_cnt++;
  yield* m.fn.sgx_mark_page_reclaimable(m, E.epc_page.a[entry]!);
  return entry;
}

/**
 * sgx_encl_load_page_in_vma - look up the page of `index` and load it, checking the VMA's
 * permissions against the page's build-time maximum.
 * Kernel: encl.c (mainline). Context: encl->lock held.
 */
function* sgx_encl_load_page_in_vma(
  m: Machine,
  encl: sgx_encl,
  index: number,
  vm_flags: number,
): ModelGen<number> {
  const vm_prot_bits = vm_flags & VM_ACCESS_FLAGS;
  const entry = encl.page_array.get(index);
  if (entry === XA_EMPTY) return -EFAULT;
  if ((m.encl_pages.vm_max_prot_bits.a[entry]! & vm_prot_bits) !== vm_prot_bits) return -EFAULT;
  return yield* m.fn.__sgx_encl_load_page(m, encl, entry);
}

/** sgx_encl_load_page - look up and load an enclave page (used by the SGX2 ioctls). Context: encl->lock held. */
function* sgx_encl_load_page(m: Machine, encl: sgx_encl, index: number): ModelGen<number> {
  const entry = encl.page_array.get(index);
  if (entry === XA_EMPTY) return -EFAULT;
  return yield* m.fn.__sgx_encl_load_page(m, encl, entry);
}

/**
 * sgx_vma_fault - the enclave VMA's fault handler: load the page and insert its PFN.
 * Returns VM_FAULT_NOPAGE (also when the page is busy: the access simply faults again) or
 * VM_FAULT_SIGBUS.
 * Kernel: encl.c (mainline). Context: mmap_lock held for read; takes encl->lock.
 */
function* sgx_vma_fault(m: Machine, vma: vm_area_struct, addr: number): ModelGen<number> {
  const encl = vma.vm_private_data as sgx_encl | null;
  // A forked mm whose sgx_encl_mm_add() failed has vm_private_data == NULL.
  if (!encl) return VM_FAULT_SIGBUS;
  const index = (addr - encl.base) / PAGE_SIZE;
  if (m.c.sgx2) {
    // RACE: xa_load() without encl->lock; a page added concurrently is caught by xa_insert().
    const e = yield* m.xaLoadUnlocked(encl.page_array, index);
    if (e === XA_EMPTY) return yield* m.fn.sgx_encl_eaug_page(m, vma, encl, addr);
  }
  yield mutex_lock(encl.lock);
  const entry = yield* m.fn.sgx_encl_load_page_in_vma(m, encl, index, vma.vm_flags);
  if (IS_ERR(entry)) {
    yield mutex_unlock(encl.lock);
    if (entry === -EBUSY) return VM_FAULT_NOPAGE;
    return VM_FAULT_SIGBUS;
  }
  const ret = yield* vmf_insert_pfn(m, vma, addr, m.encl_pages.epc_page.a[entry]!);
  if (ret !== VM_FAULT_NOPAGE) {
    yield mutex_unlock(encl.lock);
    return VM_FAULT_SIGBUS;
  }
  yield* m.fn.sgx_encl_test_and_clear_young(m, vma.vm_mm, entry);
  yield mutex_unlock(encl.lock);
  return VM_FAULT_NOPAGE;
}

/**
 * sgx_encl_eaug_page - SGX2: add a page to an initialized enclave on its first access (the enclave
 * must EACCEPT it before using it). The page_array lookup that led here was done without
 * encl->lock, so a concurrent fault may have added the same page: xa_insert() then fails and the
 * loser frees its own new EPC page and returns SIGBUS for a page that exists (B11a, mainline).
 * Kernel: encl.c (v6.0+; SECS reload since v6.6, VA page without reclaim returns NOPAGE since
 * B9). Context: mmap_lock held for read; takes encl->lock. Returns VM_FAULT_NOPAGE, _SIGBUS or _OOM.
 */
function* sgx_encl_eaug_page(
  m: Machine,
  vma: vm_area_struct,
  encl: sgx_encl,
  addr: number,
): ModelGen<number> {
  const E = m.encl_pages;
  let vmret = VM_FAULT_SIGBUS;
  if (!(yield* test_bit(m, SGX_ENCL_INITIALIZED, encl.flags))) return VM_FAULT_SIGBUS;

  // Dynamically added pages get RWX as their maximum: the enclave decides with EACCEPT/EMODPE.
  const encl_page = m.fn.sgx_encl_page_alloc(m, encl, addr - encl.base, VM_READ | VM_WRITE | VM_EXEC);
  const index = E.index.a[encl_page]!;

  yield mutex_lock(encl.lock);

  let epc_page = yield* m.fn.sgx_encl_load_secs(m, encl);
  if (IS_ERR(epc_page)) {
    if (epc_page === -EBUSY) vmret = VM_FAULT_NOPAGE;
    // err_out_unlock:
    yield mutex_unlock(encl.lock);
    E.alive.a[encl_page] = 0; // kfree(encl_page)
    return vmret;
  }

  epc_page = yield* m.fn.sgx_alloc_epc_page(m, encl_page, false);
  if (IS_ERR(epc_page)) {
    if (epc_page === -EBUSY) vmret = VM_FAULT_NOPAGE;
    yield mutex_unlock(encl.lock);
    E.alive.a[encl_page] = 0;
    return vmret;
  }

  const va_page = yield* m.fn.sgx_encl_grow(m, encl, false);
  if (typeof va_page === "number") {
    if (va_page === -EBUSY) vmret = VM_FAULT_NOPAGE;
    // err_out_epc:
    yield* m.fn.sgx_encl_free_epc_page(m, epc_page);
    yield mutex_unlock(encl.lock);
    E.alive.a[encl_page] = 0;
    return vmret;
  }
  if (va_page) encl.va_pages.unshift(va_page);

  // -EBUSY: the page was added by another flow while this one ran without encl->lock.
  let ret = yield* xa_insert(m, encl.page_array, index, encl_page);
  if (!ret) {
    const secs = E.epc_page.a[encl.secs]!;
    ret = yield* m.encls("EAUG", epc_page, () => m.hw.EAUG(epc_page, secs, index));
    if (!ret) {
      E.epc_page.a[encl_page] = epc_page;
      E.type.a[encl_page] = SGX_PAGE_TYPE_REG;
      encl.secs_child_cnt++;
      yield* m.fn.sgx_mark_page_reclaimable(m, epc_page);
      // A failed PTE insertion keeps the page: the next fault finds it ready for a PTE.
      vmret = yield* vmf_insert_pfn(m, vma, addr, epc_page);
      yield mutex_unlock(encl.lock);
      return vmret !== VM_FAULT_NOPAGE ? VM_FAULT_SIGBUS : VM_FAULT_NOPAGE;
    }
    // err_out:
    yield* xa_erase(m, encl.page_array, index);
  }
  // err_out_shrink:
  yield* m.fn.sgx_encl_shrink(m, encl, va_page);
  // err_out_epc:
  yield* m.fn.sgx_encl_free_epc_page(m, epc_page);
  // err_out_unlock:
  yield mutex_unlock(encl.lock);
  E.alive.a[encl_page] = 0;
  return vmret;
}

/**
 * sgx_vma_open - a VMA was duplicated (fork): register the child's mm with the enclave.
 * Kernel: encl.c (mainline). Context: the new mm's mmap_lock held for write.
 */
function* sgx_vma_open(m: Machine, vma: vm_area_struct): ModelGen {
  const encl = vma.vm_private_data as sgx_encl | null;
  if (!encl) return;
  if (yield* m.fn.sgx_encl_mm_add(m, encl, vma.vm_mm)) vma.vm_private_data = null;
}

/**
 * sgx_encl_release - free every EPC page, VA page and the backing of an enclave whose last
 * reference was dropped. May run in ksgxd (from the reclaimer's kref_put), a faulting task, or the
 * task closing the file.
 * Kernel: encl.c (v6.2+, batched cond_resched every XA_CHECK_SCHED entries). Context: no encl->lock.
 */
function* sgx_encl_release(m: Machine, encl: sgx_encl): ModelGen {
  const E = m.encl_pages;
  const xa = encl.page_array;
  let count = 0;
  yield* m.mark("encl_release", encl.id);
  yield spin_lock(xa.xa_lock);
  for (const index of xa.indices(0, encl.size / PAGE_SIZE)) {
    const entry = xa.get(index);
    if (entry === XA_EMPTY) continue;
    const epc_page = E.epc_page.a[entry]!;
    if (epc_page >= 0) {
      // The page and its entry cannot be freed while the reclaimer holds the page.
      if (yield* m.fn.sgx_unmark_page_reclaimable(m, epc_page)) continue;
      yield* m.fn.sgx_encl_free_epc_page(m, epc_page);
      encl.secs_child_cnt--;
      E.epc_page.a[entry] = -1;
    }
    E.alive.a[entry] = 0; // kfree(entry)
    if (!(++count % m.c.XA_CHECK_SCHED)) {
      yield spin_unlock(xa.xa_lock);
      yield* cond_resched(m);
      yield spin_lock(xa.xa_lock);
    }
  }
  yield spin_unlock(xa.xa_lock);
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
  // Detect EPC page leaks.
  if (encl.secs_child_cnt)
    m.warn("release_leak", `WARN_ON_ONCE(encl->secs_child_cnt) = ${encl.secs_child_cnt}`);
  if (E.epc_page.a[encl.secs]! >= 0) m.warn("release_leak", "WARN_ON_ONCE(encl->secs.epc_page)");
  E.alive.a[encl.secs] = 0;
  m.kfreeObj(encl, `struct sgx_encl ${encl.name || encl.id}`);
}

/**
 * sgx_mmu_notifier_release - an mm that maps the enclave is exiting: unlink its sgx_encl_mm.
 * Kernel: encl.c (mainline). Context: takes encl->mm_lock; sleeps in synchronize_srcu().
 * Model: mmu_notifier_put() runs the free callback right away instead of after an SRCU grace period.
 */
function* sgx_mmu_notifier_release(m: Machine, encl_mm: sgx_encl_mm, mm: mm_struct): ModelGen {
  const encl = encl_mm.encl;
  let found = false;
  yield spin_lock(encl.mm_lock);
  const i = encl.mm_list.indexOf(encl_mm);
  if (i >= 0) {
    encl.mm_list.splice(i, 1); // list_del_rcu
    found = true;
  }
  yield spin_unlock(encl.mm_lock);
  if (found) {
    yield* synchronize_srcu(m, encl.srcu);
    yield* mmu_notifier_put(m, mm, () => m.fn.sgx_mmu_notifier_free(m, encl_mm));
  }
}

/** sgx_mmu_notifier_free - drop the enclave reference the sgx_encl_mm held. Kernel: encl.c (mainline). */
function* sgx_mmu_notifier_free(m: Machine, encl_mm: sgx_encl_mm): ModelGen {
  const encl = encl_mm.encl;
  const mm = encl_mm.mm;
  const k = mm.notifiers.indexOf(encl_mm.notifier!);
  if (k >= 0) mm.notifiers.splice(k, 1);
  // 'encl_mm' is going away: put its enclave reference, then free it (as encl.c does).
  yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
  m.kfreeObj(encl_mm, "struct sgx_encl_mm");
}

/** sgx_encl_find_mm - the sgx_encl_mm of `mm`, if any. Kernel: encl.c. Context: takes SRCU. */
function* sgx_encl_find_mm(m: Machine, encl: sgx_encl, mm: mm_struct): ModelGen<sgx_encl_mm | null> {
  const idx = yield* srcu_read_lock(m, encl.srcu);
  const found = encl.mm_list.find((e) => e.mm === mm) ?? null;
  yield* srcu_read_unlock(m, encl.srcu, idx);
  return found;
}

/**
 * sgx_encl_mm_add - register `mm` with the enclave (mmap, fork): take an enclave reference, hook
 * the MMU notifier, add to mm_list and bump mm_list_version.
 * Kernel: encl.c (mainline). Context: mm's mmap_lock held for write; takes encl->mm_lock.
 */
function* sgx_encl_mm_add(m: Machine, encl: sgx_encl, mm: mm_struct): ModelGen<number> {
  if (m.debugLocks && mm.mmap_lock.owner !== m.current.pid)
    m.bug("sgx_encl_mm_add without mmap_lock held for write");
  if (yield* m.fn.sgx_encl_find_mm(m, encl, mm)) return 0;
  const encl_mm = new sgx_encl_mm(encl, mm);
  m.encl_mms.push(encl_mm); // kzalloc: kmemleak tracks it
  kmemleak_alloc_object(m, encl_mm);
  yield* kref_get(m, encl.refcount);
  encl_mm.notifier = { owner: encl_mm };
  mmu_notifier_register(m, encl_mm.notifier, mm);
  yield spin_lock(encl.mm_lock);
  encl.mm_list.unshift(encl_mm); // list_add_rcu
  // ORDER: pairs with the read of mm_list_version before the walk in sgx_zap_enclave_ptes().
  if (m.interleaveAll) yield m.sharedWrite(encl.mm_list_version_loc, "mm_list_version++");
  encl.mm_list_version++;
  yield spin_unlock(encl.mm_lock);
  return 0;
}

/**
 * sgx_encl_cpumask - the CPUs that might be executing in the enclave: the OR of mm_cpumask() of
 * every mm on mm_list.
 * Kernel: encl.c (v6.0+). Context: must be called after ETRACK; takes SRCU.
 */
function* sgx_encl_cpumask(m: Machine, encl: sgx_encl): ModelGen<Uint8Array> {
  const cpumask = encl.cpumask;
  cpumask.fill(0);
  const idx = yield* srcu_read_lock(m, encl.srcu);
  for (const encl_mm of encl.mm_list.slice()) {
    if (!(yield* mmget_not_zero(m, mmOf(m, encl_mm)))) continue;
    // RACE: mm_cpumask() changes at every context switch; a CPU that enters the enclave after this
    // read is covered by the ETRACK that preceded it.
    if (m.interleaveAll) yield m.sharedRead(m.locs.mm_cpumask, mmOf(m, encl_mm).id, "mm_cpumask");
    const mc = mmOf(m, encl_mm).cpumask;
    for (let c = 0; c < mc.length; c++) if (mc[c]) cpumask[c] = 1;
    yield* mmput_async(m, mmOf(m, encl_mm));
  }
  yield* srcu_read_unlock(m, encl.srcu, idx);
  return cpumask;
}

/**
 * encl_mm->mm, read under SRCU by the mm_list walkers: KASAN reports it if the sgx_encl_mm was
 * freed (sgx_mmu_notifier_release frees it only after synchronize_srcu, so a walker never sees that).
 */
export function mmOf(m: Machine, encl_mm: sgx_encl_mm): mm_struct {
  return m.kasanUse(encl_mm, "struct sgx_encl_mm").mm;
}

/**
 * __sgx_encl_get_backing - pin the contents page and the PCMD page of `page_index`.
 * Kernel: encl.c (mainline). Returns null when shmem cannot provide a page (-ENOMEM).
 */
function* __sgx_encl_get_backing(
  m: Machine,
  encl: sgx_encl,
  page_index: number,
): ModelGen<sgx_backing | null> {
  const page_pcmd_off = m.fn.sgx_encl_get_backing_page_pcmd_offset(m, encl, page_index);
  const contents = yield* shmem_read_mapping_page(m, encl.backing!, page_index);
  if (!contents) return null;
  const pcmd = yield* shmem_read_mapping_page(m, encl.backing!, Math.floor(page_pcmd_off / PAGE_SIZE));
  if (!pcmd) {
    put_page(contents);
    return null;
  }
  return { contents, pcmd, pcmd_offset: page_pcmd_off % PAGE_SIZE };
}

/**
 * sgx_encl_get_mem_cgroup - the memcg to charge backing pages to: current's, or for ksgxd the memcg
 * of the first live mm on the enclave's mm_list.
 * Kernel: encl.c (v5.19+, "Set active memcg prior to shmem allocation"). Context: takes SRCU.
 */
function* sgx_encl_get_mem_cgroup(m: Machine, encl: sgx_encl): ModelGen<unknown> {
  if (!m.fn.current_is_ksgxd(m)) return m.current.mm?.memcg ?? null;
  let memcg: unknown = null;
  const idx = yield* srcu_read_lock(m, encl.srcu);
  for (const encl_mm of encl.mm_list.slice()) {
    if (!(yield* mmget_not_zero(m, mmOf(m, encl_mm)))) continue;
    memcg = mmOf(m, encl_mm).memcg;
    yield* mmput_async(m, mmOf(m, encl_mm));
    break;
  }
  yield* srcu_read_unlock(m, encl.srcu, idx);
  return memcg;
}

/**
 * sgx_encl_alloc_backing - pin (allocating if needed) the backing pages of `page_index`, charging
 * new shmem pages to the enclave's memcg.
 * Kernel: encl.c (v5.19+). Context: encl->lock held (since May 2022).
 */
function* sgx_encl_alloc_backing(
  m: Machine,
  encl: sgx_encl,
  page_index: number,
): ModelGen<sgx_backing | null> {
  const encl_memcg = yield* m.fn.sgx_encl_get_mem_cgroup(m, encl);
  const memcg = m.current.active_memcg;
  m.current.active_memcg = encl_memcg;
  const b = yield* m.fn.__sgx_encl_get_backing(m, encl, page_index);
  m.current.active_memcg = memcg;
  return b;
}

/**
 * sgx_encl_lookup_backing - pin the existing backing pages of `page_index` for ELDU.
 * Kernel: encl.c (v5.19+). Context: encl->lock held.
 */
function* sgx_encl_lookup_backing(
  m: Machine,
  encl: sgx_encl,
  page_index: number,
): ModelGen<sgx_backing | null> {
  return yield* m.fn.__sgx_encl_get_backing(m, encl, page_index);
}

/**
 * sgx_encl_put_backing - unpin the backing pages: a referenced page is never swapped out, and a
 * truncated page stays reachable by its holder. Kernel: encl.c (v5.19+: dirtiness is set by the
 * writers, "Disconnect backing page references from dirty status").
 */
function sgx_encl_put_backing(_m: Machine, backing: sgx_backing): void {
  put_page(backing.pcmd);
  put_page(backing.contents);
}

/**
 * sgx_encl_test_and_clear_young - test and clear the Accessed bit of the page's PTE in `mm`.
 * Kernel: encl.c (mainline). Context: mm's mmap_lock held.
 */
function* sgx_encl_test_and_clear_young(m: Machine, mm: mm_struct, page: number): ModelGen<boolean> {
  const addr = m.enclPageAddr(page);
  const encl = m.enclOf(page);
  yield* m.work("test_young", 1);
  // sgx_encl_find(): every VMA of the model is an enclave mapping.
  const vma = find_vma(mm, addr);
  if (!vma) return false;
  if (encl !== vma.vm_private_data) return false;
  return yield* ptep_test_and_clear_young(m, vma, addr);
}

/**
 * sgx_encl_page_alloc - allocate a struct sgx_encl_page for the page at `offset` (bytes).
 * Kernel: encl.c (mainline). `prot` is the page's maximum VM protection bits.
 */
function sgx_encl_page_alloc(m: Machine, encl: sgx_encl, offset: number, prot: number): number {
  const entry = m.encl_pages.alloc(encl.id, offset / PAGE_SIZE, prot);
  kmemleak_alloc_object(m, entry);
  return entry;
}

/**
 * sgx_zap_enclave_ptes - remove the PTEs mapping `addr` from every mm of the enclave, looping until
 * mm_list_version is stable so an mm added during the walk is not missed.
 * Kernel: encl.c (v6.0+; inline in sgx_reclaimer_block before). Context: no encl->lock.
 */
function* sgx_zap_enclave_ptes(m: Machine, encl: sgx_encl, addr: number): ModelGen {
  let mm_list_version: number;
  do {
    // RACE: unlocked read; pairs with the smp_wmb() in sgx_encl_mm_add().
    if (m.interleaveAll) yield m.sharedRead(encl.mm_list_version_loc, -1, "mm_list_version");
    mm_list_version = encl.mm_list_version;
    const idx = yield* srcu_read_lock(m, encl.srcu);
    for (const encl_mm of encl.mm_list.slice()) {
      if (!(yield* mmget_not_zero(m, mmOf(m, encl_mm)))) continue;
      yield mmap_read_lock(mmOf(m, encl_mm));
      const vma = find_vma(mmOf(m, encl_mm), addr);
      if (vma && encl === vma.vm_private_data) yield* zap_vma_ptes(m, vma, addr);
      yield mmap_read_unlock(mmOf(m, encl_mm));
      yield* mmput_async(m, mmOf(m, encl_mm));
    }
    yield* srcu_read_unlock(m, encl.srcu, idx);
    if (m.interleaveAll) yield m.sharedRead(encl.mm_list_version_loc, -1, "mm_list_version");
  } while (encl.mm_list_version !== mm_list_version);
}

/**
 * sgx_alloc_va_page - allocate an EPC page and turn it into a Version Array page with EPA.
 * Kernel: encl.c (v6.0+ with the reclaim argument). Context: with reclaim, no encl->lock held.
 */
function* sgx_alloc_va_page(m: Machine, reclaim: boolean): ModelGen<number> {
  const epc_page = yield* m.fn.sgx_alloc_epc_page(m, OWNER_NULL, reclaim);
  if (IS_ERR(epc_page)) return epc_page;
  const ret = yield* m.encls("EPA", epc_page, () => m.hw.EPA(epc_page));
  if (ret) {
    m.warn("epa", `EPA returned ${ret} (0x${ret.toString(16)})`);
    yield* m.fn.sgx_encl_free_epc_page(m, epc_page);
    return -EFAULT;
  }
  return epc_page;
}

/** sgx_alloc_va_slot - take the first free slot of a VA page; returns its byte offset. Context: encl->lock. */
function sgx_alloc_va_slot(_m: Machine, va_page: sgx_va_page): number {
  const slot = va_page.slots.indexOf(0);
  const s = slot < 0 ? SGX_VA_SLOT_COUNT : slot;
  if (s < SGX_VA_SLOT_COUNT) {
    va_page.slots[s] = 1;
    va_page.used++;
  }
  return s << 3;
}

/** sgx_free_va_slot - free a VA slot. Context: encl->lock. */
function sgx_free_va_slot(_m: Machine, va_page: sgx_va_page, offset: number): void {
  const s = offset >> 3;
  if (va_page.slots[s]) {
    va_page.slots[s] = 0;
    va_page.used--;
  }
}

/** sgx_va_page_full - are all 512 slots taken? */
function sgx_va_page_full(_m: Machine, va_page: sgx_va_page): boolean {
  return va_page.used >= SGX_VA_SLOT_COUNT;
}

/**
 * sgx_encl_free_epc_page - EREMOVE an enclave's EPC page and free it; on EREMOVE failure the page
 * is leaked with a warning.
 * Kernel: encl.c (v5.13+).
 */
function* sgx_encl_free_epc_page(m: Machine, page: number): ModelGen {
  if (m.pages.flags.get(page) & SGX_EPC_PAGE_RECLAIMER_TRACKED)
    m.warn("free_tracked", `WARN_ON_ONCE(page->flags & SGX_EPC_PAGE_RECLAIMER_TRACKED) page ${page}`);
  const ret = yield* m.encls("EREMOVE", page, () => m.hw.EREMOVE(page));
  if (ret) {
    m.warn("eremove", `EREMOVE returned ${ret} (0x${ret.toString(16)}) and an EPC page was leaked.`);
    return;
  }
  yield* m.fn.sgx_free_epc_page(m, page);
}

/** New struct sgx_va_page. */
export function newVaPage(m: Machine, epc_page: number): sgx_va_page {
  const v = new sgx_va_page(m.va_pages.length, epc_page);
  m.va_pages.push(v);
  kmemleak_alloc_object(m, v);
  return v;
}

export const encl_c = {
  reclaimer_writing_to_pcmd,
  sgx_encl_get_backing_page_pcmd_offset,
  sgx_encl_truncate_backing_page,
  __sgx_encl_eldu,
  sgx_encl_eldu,
  sgx_encl_load_secs,
  __sgx_encl_load_page,
  sgx_encl_load_page_in_vma,
  sgx_encl_load_page,
  sgx_encl_eaug_page,
  sgx_vma_fault,
  sgx_vma_open,
  sgx_encl_release,
  sgx_mmu_notifier_release,
  sgx_mmu_notifier_free,
  sgx_encl_find_mm,
  sgx_encl_mm_add,
  sgx_encl_cpumask,
  __sgx_encl_get_backing,
  sgx_encl_get_mem_cgroup,
  sgx_encl_alloc_backing,
  sgx_encl_lookup_backing,
  sgx_encl_put_backing,
  sgx_encl_test_and_clear_young,
  sgx_encl_page_alloc,
  sgx_zap_enclave_ptes,
  sgx_alloc_va_page,
  sgx_alloc_va_slot,
  sgx_free_va_slot,
  sgx_va_page_full,
  sgx_encl_free_epc_page,
};
