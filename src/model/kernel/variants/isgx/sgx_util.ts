/**
 * intel/linux-sgx-driver sgx_util.c (isgx 2.x, commit 02b28870): the fault path (sgx_do_fault, all
 * of it under encl->lock), ELDU, EBLOCK, ETRACK with the shadow epoch, and killing an enclave.
 *
 * The fault path never installs a PTE for a page that is already resident ("legal race, page is
 * already faulted"): in isgx a resident page always has its PTE (inserted when the page was EADDed
 * or loaded) until sgx_write_pages zaps it and writes it back under the same encl->lock hold. That,
 * and not a per-page busy flag, is what keeps a fault from mapping a page being reclaimed; the
 * RESERVED flag only turns away debugger accesses (SGX_FAULT_RESERVE) and, with VA eviction, faults
 * whose VA page is being evicted (I2).
 *
 * Kernel: sgx_util.c at 02b28870.
 */
import type { ModelGen } from "../../../../rt/ops.ts";
import { PAGE_SIZE, PCMD_SIZE, SGX_PAGE_TYPE_TCS, SGX_PREV_TRK_INCMPL } from "../../../hw/arch.ts";
import type { Machine } from "../../../machine.ts";
import { EBUSY, EFAULT, ENOMEM, IS_ERR } from "../../lib/errno.ts";
import { on_each_cpu_mask } from "../../lib/ipi.ts";
import { listPages } from "../../lib/list.ts";
import { mutex_lock, mutex_unlock } from "../../lib/locks.ts";
import {
  find_vma,
  VM_FAULT_NOPAGE,
  type vm_area_struct,
  vmf_insert_pfn,
  zap_vma_ptes,
} from "../../lib/mm.ts";
import { XA_EMPTY } from "../../lib/xarray.ts";
import { secsIndex } from "../../sgx/main.ts";
import { SGX_ENCL_INITIALIZED, SGX_ENCL_PAGE_VA_OFFSET_MASK, type sgx_encl } from "../../sgx/sgx.ts";
import { fn } from "./fns.ts";
import {
  encl_page_flags,
  isgx_encl_of,
  load_list_insert_epc_page,
  SGX_ALLOC_ATOMIC,
  SGX_ENCL_DEAD,
  SGX_ENCL_PAGE_RESERVED,
  SGX_ENCL_SECS_EVICTED,
  SGX_FAULT_RESERVE,
  set_encl_page_flags,
} from "./sgx.ts";

/**
 * sgx_zap_tcs_ptes - zap the PTEs of the enclave's resident TCS pages in `vma`, so no thread can
 * enter a dead enclave again.
 * Kernel: sgx_util.c (isgx). Context: encl->lock and the mm's mmap_lock held.
 */
function* sgx_zap_tcs_ptes(m: Machine, encl: sgx_encl, vma: vm_area_struct): ModelGen {
  const E = m.encl_pages;
  for (const epc of listPages(m.pages, isgx_encl_of(m, encl).load_list)) {
    const entry = m.pages.owner.get(epc);
    const addr = m.enclPageAddr(entry);
    if (E.type.a[entry] === SGX_PAGE_TYPE_TCS && addr >= vma.vm_start && addr < vma.vm_end)
      yield* zap_vma_ptes(m, vma, addr);
  }
}

/**
 * sgx_invalidate - kill the enclave: zap its TCS PTEs, mark it DEAD (faults then fail, the reclaimer
 * skips it), and optionally kick its CPUs out.
 * Kernel: sgx_util.c (isgx). Context: encl->lock and encl->mm's mmap_lock held.
 */
function* sgx_invalidate(m: Machine, encl: sgx_encl, flush_cpus: boolean): ModelGen {
  const x = isgx_encl_of(m, encl);
  for (let addr = encl.base; x.mm && addr < encl.base + encl.size; ) {
    const vma = find_vma(x.mm, addr);
    if (!vma || encl !== vma.vm_private_data) break;
    yield* fn(m).sgx_zap_tcs_ptes(m, encl, vma);
    addr = vma.vm_end;
  }
  x.flags |= SGX_ENCL_DEAD;
  if (flush_cpus) yield* fn(m).sgx_flush_cpus(m, encl);
}

/**
 * sgx_flush_cpus - IPI every CPU running encl->mm (empty callback, wait): each one inside the enclave
 * takes an AEX, which completes the tracking cycle of the last ETRACK.
 * Kernel: sgx_util.c (isgx). Context: any.
 */
function* sgx_flush_cpus(m: Machine, encl: sgx_encl): ModelGen {
  const mm = isgx_encl_of(m, encl).mm;
  const mask = new Uint8Array(m.nrCpus);
  if (mm) {
    // RACE: mm_cpumask() changes at every context switch; a CPU that enters the enclave after this
    // read entered after the ETRACK and is not part of its tracking cycle.
    if (m.interleaveAll) yield m.sharedRead(m.locs.mm_cpumask, mm.id, "mm_cpumask");
    mask.set(mm.cpumask);
  }
  yield* on_each_cpu_mask(m, mask, "sgx_ewb");
}

/**
 * sgx_eldu - load an evicted page (or the SECS) from its backing into `epc_page` with ELDU.
 * Kernel: sgx_util.c (isgx). Context: encl->lock held. Returns 0 or -errno.
 * Model: no VA page to reload first (VA2 is left out, I2); the VA slot is freed on success as in
 * mainline (I4); the backing is never truncated afterwards (isgx keeps it until release).
 */
function* sgx_eldu(
  m: Machine,
  encl: sgx_encl,
  epage: number,
  epc_page: number,
  is_secs: boolean,
): ModelGen<number> {
  const E = m.encl_pages;
  const page_index = is_secs ? secsIndex(encl) : E.index.a[epage]!;
  const backing = yield* m.fn.sgx_encl_lookup_backing(m, encl, page_index);
  if (!backing) {
    m.warn("isgx_backing", "Pinning backing page failed ret=-12");
    return -ENOMEM;
  }
  const va_page = m.vaPageOf(epage);
  const va_offset = E.getDesc(epage) & SGX_ENCL_PAGE_VA_OFFSET_MASK;
  const secs_page = is_secs ? -1 : E.epc_page.a[encl.secs]!;
  const linaddr = is_secs ? -1 : E.index.a[epage]!;
  let ret = yield* m.encls("ELDU", epc_page, () =>
    m.hw.ELDU(
      epc_page,
      secs_page,
      linaddr,
      va_page.epc_page,
      va_offset >> 3,
      backing.contents,
      backing.pcmd,
      backing.pcmd_offset / PCMD_SIZE,
    ),
  );
  if (ret) {
    m.warn("encls:ELDU", `ELDU returned ${ret}`);
    ret = -EFAULT;
  }
  // sgx_put_backing(pcmd, false), sgx_put_backing(backing, false): nothing was written.
  m.fn.sgx_encl_put_backing(m, backing);
  if (!ret) {
    // MODEL: the slot is free again (isgx keeps it reserved for the page, I4).
    m.fn.sgx_free_va_slot(m, va_page, va_offset);
    const at = encl.va_pages.indexOf(va_page);
    if (at > 0) {
      encl.va_pages.splice(at, 1);
      encl.va_pages.unshift(va_page);
    }
    E.setDesc(epage, E.desc.a[epage]! & ~SGX_ENCL_PAGE_VA_OFFSET_MASK);
  }
  return ret;
}

/**
 * sgx_do_fault - resolve a fault on an enclave page, everything under encl->lock: look the page up;
 * fail for a dead or uninitialized enclave; -EBUSY for a reserving caller whose page is reserved;
 * nothing to do if the page is already resident; otherwise allocate without reclaim (-EBUSY when no
 * page is free: the access is retried while ksgxswapd reclaims), reload the SECS first if it was
 * evicted, ELDU, count the child, put it on the load list and insert its PTE.
 * Kernel: sgx_util.c (isgx). Context: the mm's mmap_lock held (read); takes encl->lock.
 * Returns the enclave page id or -errno. Model: a page not in page_array is -EFAULT (no SGX2
 * augmentation, I8).
 */
function* sgx_do_fault(m: Machine, vma: vm_area_struct, addr: number, flags: number): ModelGen<number> {
  const encl = vma.vm_private_data as sgx_encl | null;
  const E = m.encl_pages;
  let epc_page = -1;
  let secs_epc_page = -1;
  const reserve = (flags & SGX_FAULT_RESERVE) !== 0;
  let rc = 0;
  // A forked process's VMA has vm_private_data NULL.
  if (!encl) return -EFAULT;
  const x = isgx_encl_of(m, encl);
  let entry = XA_EMPTY;

  // out: drop the lock, free the pages allocated but not used; the page, or -errno.
  function* out(): ModelGen<number> {
    yield mutex_unlock(encl!.lock);
    if (epc_page >= 0) yield* fn(m).sgx_free_page(m, epc_page);
    if (secs_epc_page >= 0) yield* fn(m).sgx_free_page(m, secs_epc_page);
    return rc ? rc : entry;
  }

  yield mutex_lock(encl.lock);
  entry = encl.page_array.get((addr - encl.base) / PAGE_SIZE);
  // No entry found can not happen in the reloading-an-evicted-page flow.
  if (entry === XA_EMPTY) {
    rc = -EFAULT;
    return yield* out();
  }
  if (x.flags & SGX_ENCL_DEAD) {
    rc = -EFAULT;
    return yield* out();
  }
  if (!(encl.flags.v & (1 << SGX_ENCL_INITIALIZED))) {
    rc = -EFAULT;
    return yield* out();
  }
  if (reserve && encl_page_flags(m, entry) & SGX_ENCL_PAGE_RESERVED) {
    rc = -EBUSY;
    return yield* out();
  }
  // (The VA page's RESERVED test: VA pages are never evicted in the model, I2.)

  // Legal race condition, page is already faulted.
  if (E.epc_page.a[entry]! >= 0) {
    if (reserve) set_encl_page_flags(m, entry, encl_page_flags(m, entry) | SGX_ENCL_PAGE_RESERVED);
    return yield* out();
  }

  epc_page = yield* fn(m).sgx_alloc_page(m, SGX_ALLOC_ATOMIC);
  if (IS_ERR(epc_page)) {
    rc = epc_page;
    epc_page = -1;
    return yield* out();
  }

  // If SECS is evicted then reload it first
  if (x.flags & SGX_ENCL_SECS_EVICTED) {
    secs_epc_page = yield* fn(m).sgx_alloc_page(m, SGX_ALLOC_ATOMIC);
    if (IS_ERR(secs_epc_page)) {
      rc = secs_epc_page;
      secs_epc_page = -1;
      return yield* out();
    }
    rc = yield* fn(m).sgx_eldu(m, encl, encl.secs, secs_epc_page, true);
    if (rc) return yield* out();
    m.pages.owner.set(secs_epc_page, encl.secs);
    E.epc_page.a[encl.secs] = secs_epc_page;
    x.flags &= ~SGX_ENCL_SECS_EVICTED;
    // Do not free
    secs_epc_page = -1;
  }

  rc = yield* fn(m).sgx_eldu(m, encl, entry, epc_page, false);
  if (rc) return yield* out();

  // Track the EPC page even if the PTE insertion fails: the page must be freed properly.
  encl.secs_child_cnt++;
  m.pages.owner.set(epc_page, entry);
  E.epc_page.a[entry] = epc_page;
  if (reserve) set_encl_page_flags(m, entry, encl_page_flags(m, entry) | SGX_ENCL_PAGE_RESERVED);
  // Do not free
  epc_page = -1;
  load_list_insert_epc_page(m, E.epc_page.a[entry]!, encl);
  yield* m.work("lru_op", 1);

  rc = yield* vmf_insert_pfn(m, vma, encl.base + E.index.a[entry]! * PAGE_SIZE, E.epc_page.a[entry]!);
  if (rc !== VM_FAULT_NOPAGE) {
    // Kill the enclave: only a driver bug or an unrecoverable issue (OOM) gets here.
    m.warn("isgx_insert_pfn", `vm_insert_pfn returned ${rc}`);
    yield* fn(m).sgx_invalidate(m, encl, true);
    return yield* out();
  }
  rc = 0;
  yield* fn(m).sgx_test_and_clear_young(m, entry, encl);
  return yield* out();
}

/**
 * sgx_fault_page - sgx_do_fault, repeated while a reserving caller gets -EBUSY.
 * Kernel: sgx_util.c (isgx). Context: the mm's mmap_lock held (read).
 */
function* sgx_fault_page(m: Machine, vma: vm_area_struct, addr: number, flags: number): ModelGen<number> {
  let entry: number;
  do {
    entry = yield* fn(m).sgx_do_fault(m, vma, addr, flags);
    if (!(flags & SGX_FAULT_RESERVE)) break;
  } while (entry === -EBUSY);
  return entry;
}

/**
 * sgx_eblock - EBLOCK a page: no new TLB translation can be made to it. A failure kills the enclave.
 * Kernel: sgx_util.c (isgx). Context: encl->lock held.
 */
function* sgx_eblock(m: Machine, encl: sgx_encl, epc_page: number): ModelGen {
  const ret = yield* m.encls("EBLOCK", epc_page, () => m.hw.EBLOCK(epc_page));
  if (ret) {
    m.warn("encls:EBLOCK", `EBLOCK returned ${ret}`);
    yield* fn(m).sgx_invalidate(m, encl, true);
  }
}

/**
 * sgx_etrack - ETRACK the enclave unless another ETRACK was issued since `epoch` was read (the
 * shadow epoch advanced). If the previous tracking cycle is still open, IPI every CPU (which ends
 * it) and ETRACK again, which must then succeed.
 * Kernel: sgx_util.c (isgx). Context: encl->lock held.
 * Note: sgx_write_pages passes the current shadow_epoch under encl->lock, so the skip never happens
 * there: every cluster gets its ETRACK.
 */
function* sgx_etrack(m: Machine, encl: sgx_encl, epoch: number): ModelGen {
  const x = isgx_encl_of(m, encl);
  // If someone already called etrack in the meantime
  if (epoch < x.shadow_epoch) return;
  const secs = m.encl_pages.epc_page.a[encl.secs]!;
  const ret = yield* m.encls("ETRACK", secs, () => m.hw.ETRACK(secs));
  x.shadow_epoch++;
  if (ret === SGX_PREV_TRK_INCMPL) {
    // smp_call_function(): every other online CPU.
    yield* on_each_cpu_mask(m, new Uint8Array(m.nrCpus).fill(1), "sgx_ewb");
    const again = yield* m.encls("ETRACK", secs, () => m.hw.ETRACK(secs));
    if (again) m.bug(`BUG_ON(__etrack(epc)): ETRACK returned ${again} after the IPI round`);
  } else if (ret) {
    m.warn("encls:ETRACK", `ETRACK returned ${ret}`);
    yield* fn(m).sgx_invalidate(m, encl, true);
  }
}

export const sgx_util_c = {
  sgx_zap_tcs_ptes,
  sgx_invalidate,
  sgx_flush_cpus,
  sgx_eldu,
  sgx_do_fault,
  sgx_fault_page,
  sgx_eblock,
  sgx_etrack,
};
