/**
 * The SGX2 paths as they changed after the SGX2 series (v6.0), for the kernel variants and the bug
 * catalogue (../shared/reference/kernel.md section 4, B9-B12):
 *   - sgx_encl_eaug_page with or without the SECS reload (B10, v6.6) and the NOPAGE on a busy VA
 *     page (B9, v6.1), and with Kuvaiskii's locked re-check (B11a, posted 2024, not merged);
 *   - the REMOVE_PAGES and MODIFY_TYPES loops with Kuvaiskii's BUSY flag on the entry while
 *     encl->lock is dropped (B11b), which needed BEING_RECLAIMED split in two (B11c);
 *   - the SGX2 ioctls without sgx_reclaim_direct() (B12, fixed inside the SGX2 series itself).
 */
import type { ModelGen } from "../../../rt/ops.ts";
import {
  encls_failed,
  encls_faulted,
  PAGE_SIZE,
  SGX_PAGE_TYPE_REG,
  SGX_PAGE_TYPE_TCS,
  SGX_PAGE_TYPE_TRIM,
  SGX_SECINFO_R,
  SGX_SECINFO_W,
  SGX_SECINFO_X,
  X86_TRAP_PF,
} from "../../hw/arch.ts";
import type { Machine } from "../../machine.ts";
import { test_bit } from "../lib/atomic.ts";
import { EAGAIN, EBUSY, EFAULT, EINVAL, EPERM, IS_ERR } from "../lib/errno.ts";
import { mutex_lock, mutex_unlock } from "../lib/locks.ts";
import {
  VM_EXEC,
  VM_FAULT_NOPAGE,
  VM_FAULT_SIGBUS,
  VM_READ,
  VM_WRITE,
  type vm_area_struct,
  vmf_insert_pfn,
} from "../lib/mm.ts";
import { xa_erase, xa_insert, xa_load_unlocked } from "../lib/xarray.ts";
import {
  SGX_PAGE_TYPE_MASK,
  type sgx_enclave_modify_types,
  type sgx_enclave_remove_pages,
} from "../sgx/ioctl.ts";
import { SGX_ENCL_INITIALIZED, SGX_ENCL_PAGE_BEING_RECLAIMED, type sgx_encl } from "../sgx/sgx.ts";

/** Which fixes an sgx_encl_eaug_page has. */
export interface EaugFixes {
  /** B10 "Resolves SECS reclaim vs. page fault for EAUG race": sgx_encl_load_secs() first. */
  loadSecs: boolean;
  /** B9 "Handle VA page allocation failure for EAUG on PF.": -EBUSY from sgx_encl_grow is NOPAGE. */
  vaBusyNopage: boolean;
  /** B11a "Resolve EAUG race where losing thread returns SIGBUS": re-check page_array under encl->lock. */
  lockedRecheck: boolean;
}

/**
 * sgx_encl_eaug_page with the given fixes (all but lockedRecheck: mainline, see sgx/encl.ts).
 * Without loadSecs, EAUG takes the SECS's EPC page as it is: NULL once the reclaimer evicted the
 * SECS after the enclave's last resident child (B10's NULL pointer dereference).
 */
export function eaug_page(fixes: EaugFixes) {
  return function* sgx_encl_eaug_page(
    m: Machine,
    vma: vm_area_struct,
    encl: sgx_encl,
    addr: number,
  ): ModelGen<number> {
    const E = m.encl_pages;
    let vmret = VM_FAULT_SIGBUS;
    if (!(yield* test_bit(m, SGX_ENCL_INITIALIZED, encl.flags))) return VM_FAULT_SIGBUS;
    const encl_page = m.fn.sgx_encl_page_alloc(m, encl, addr - encl.base, VM_READ | VM_WRITE | VM_EXEC);
    const index = E.index.a[encl_page]!;
    const unlockAndFree = function* () {
      // err_out_unlock:
      yield mutex_unlock(encl.lock);
      E.alive.a[encl_page] = 0; // kfree(encl_page)
      return vmret;
    };

    yield mutex_lock(encl.lock);

    // B11a: another fault may have added the page since the unlocked lookup in sgx_vma_fault.
    if (fixes.lockedRecheck && (yield* xa_load_unlocked(m, encl.page_array, index)) >= 0) {
      vmret = VM_FAULT_NOPAGE;
      return yield* unlockAndFree();
    }

    if (fixes.loadSecs) {
      const secs = yield* m.fn.sgx_encl_load_secs(m, encl);
      if (IS_ERR(secs)) {
        if (secs === -EBUSY) vmret = VM_FAULT_NOPAGE;
        return yield* unlockAndFree();
      }
    }

    const epc_page = yield* m.fn.sgx_alloc_epc_page(m, encl_page, false);
    if (IS_ERR(epc_page)) {
      if (epc_page === -EBUSY) vmret = VM_FAULT_NOPAGE;
      return yield* unlockAndFree();
    }

    const va_page = yield* m.fn.sgx_encl_grow(m, encl, false);
    if (typeof va_page === "number") {
      // B9: before the fix every error, -EBUSY included, was SIGBUS.
      if (fixes.vaBusyNopage && va_page === -EBUSY) vmret = VM_FAULT_NOPAGE;
      yield* m.fn.sgx_encl_free_epc_page(m, epc_page);
      return yield* unlockAndFree();
    }
    if (va_page) encl.va_pages.unshift(va_page);

    let ret = yield* xa_insert(m, encl.page_array, index, encl_page);
    if (!ret) {
      const secs = E.epc_page.a[encl.secs]!;
      // pginfo.secs = sgx_get_epc_virt_addr(encl->secs.epc_page): NULL->section without B10's fix.
      if (secs < 0) m.bug("BUG: kernel NULL pointer dereference in sgx_encl_eaug_page (SECS evicted)");
      ret = yield* m.encls("EAUG", epc_page, () => m.hw.EAUG(epc_page, secs, index));
      if (!ret) {
        E.epc_page.a[encl_page] = epc_page;
        E.type.a[encl_page] = SGX_PAGE_TYPE_REG;
        encl.secs_child_cnt++;
        yield* m.fn.sgx_mark_page_reclaimable(m, epc_page);
        vmret = yield* vmf_insert_pfn(m, vma, addr, epc_page);
        yield mutex_unlock(encl.lock);
        return vmret !== VM_FAULT_NOPAGE ? VM_FAULT_SIGBUS : VM_FAULT_NOPAGE;
      }
      yield* xa_erase(m, encl.page_array, index);
    }
    yield* m.fn.sgx_encl_shrink(m, encl, va_page);
    yield* m.fn.sgx_encl_free_epc_page(m, epc_page);
    return yield* unlockAndFree();
  };
}

/** Before B12's fix the SGX2 ioctls did not reclaim directly: sgx_reclaim_direct did not exist. */
export function* no_reclaim_direct(_m: Machine): ModelGen {}

/*
 * B11b/B11c (Kuvaiskii, v6 2024): BEING_RECLAIMED (bit 3) becomes PCMD_BUSY ("do not truncate the
 * PCMD page") and a new BUSY (bit 2, free in desc because VA offsets are 8-byte aligned) means "do
 * not load". The reclaimer sets and clears both together, so the model keeps its single bit 3 for
 * the reclaimer and a loader tests BUSY | PCMD_BUSY: the same answer as testing BUSY alone.
 * REMOVE_PAGES and MODIFY_TYPES set only BUSY while encl->lock is dropped.
 */
export const SGX_ENCL_PAGE_BUSY = 1 << 2;
const SGX_ENCL_PAGE_PCMD_BUSY = SGX_ENCL_PAGE_BEING_RECLAIMED;

/** __sgx_encl_load_page with B11b: -EBUSY for a BUSY entry (being reclaimed, removed or retyped). */
export function* __sgx_encl_load_page_b11(m: Machine, encl: sgx_encl, entry: number): ModelGen<number> {
  const E = m.encl_pages;
  if (E.epc_page.a[entry]! >= 0) {
    if (E.getDesc(entry) & (SGX_ENCL_PAGE_BUSY | SGX_ENCL_PAGE_PCMD_BUSY)) return -EBUSY;
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
 * sgx_encl_remove_pages with B11b: the entry is BUSY from before encl->lock is dropped to zap its
 * PTEs until it is erased, so a fault in that window gets NOPAGE and retries instead of mapping a
 * page about to be removed. Otherwise as mainline (sgx/ioctl.ts).
 */
export function* sgx_encl_remove_pages_b11(
  m: Machine,
  encl: sgx_encl,
  params: sgx_enclave_remove_pages,
): ModelGen<number> {
  const E = m.encl_pages;
  const rwx = SGX_SECINFO_R | SGX_SECINFO_W | SGX_SECINFO_X;
  let c = 0;
  let ret = 0;
  for (; c < params.length; c += PAGE_SIZE) {
    const index = (params.offset + c) / PAGE_SIZE;
    yield* m.fn.sgx_reclaim_direct(m);
    yield mutex_lock(encl.lock);
    const entry = yield* m.fn.sgx_encl_load_page(m, encl, index);
    if (IS_ERR(entry)) {
      ret = entry === -EBUSY ? -EAGAIN : -EFAULT;
      break;
    }
    if (E.type.a[entry] !== SGX_PAGE_TYPE_TRIM) {
      ret = -EPERM;
      break;
    }
    const epc_page = E.epc_page.a[entry]!;
    const r = yield* m.encls("EMODPR", epc_page, () => m.hw.EMODPR(epc_page, rwx));
    if (!encls_faulted(r) || (r & 0xff) !== X86_TRAP_PF) {
      ret = -EPERM;
      break;
    }
    if (yield* m.fn.sgx_unmark_page_reclaimable(m, epc_page)) {
      ret = -EBUSY;
      break;
    }
    // B11b: nobody may load the page while encl->lock is dropped.
    E.setDesc(entry, E.desc.a[entry]! | SGX_ENCL_PAGE_BUSY);
    yield mutex_unlock(encl.lock);
    yield* m.fn.sgx_zap_enclave_ptes(m, encl, encl.base + index * PAGE_SIZE);
    yield mutex_lock(encl.lock);
    yield* m.fn.sgx_encl_free_epc_page(m, E.epc_page.a[entry]!);
    encl.secs_child_cnt--;
    E.epc_page.a[entry] = -1;
    yield* xa_erase(m, encl.page_array, index);
    yield* m.fn.sgx_encl_shrink(m, encl, null);
    E.alive.a[entry] = 0;
    yield mutex_unlock(encl.lock);
  }
  if (ret) yield mutex_unlock(encl.lock);
  params.count = c;
  return ret;
}

/**
 * sgx_enclave_modify_types with B11b: a REG page becoming a TCS is BUSY while encl->lock is
 * dropped to zap its PTEs, and stops being BUSY once the lock is retaken. Otherwise as mainline.
 */
export function* sgx_enclave_modify_types_b11(
  m: Machine,
  encl: sgx_encl,
  modt: sgx_enclave_modify_types,
): ModelGen<number> {
  const E = m.encl_pages;
  const page_type = modt.page_type & SGX_PAGE_TYPE_MASK;
  if (page_type !== SGX_PAGE_TYPE_TCS && page_type !== SGX_PAGE_TYPE_TRIM) return -EINVAL;
  let c = 0;
  let ret = 0;
  let entry = -1;
  let max_prot_restore = 0;
  let entryChanged = false;
  for (; c < modt.length; c += PAGE_SIZE) {
    const index = (modt.offset + c) / PAGE_SIZE;
    yield* m.fn.sgx_reclaim_direct(m);
    yield mutex_lock(encl.lock);
    entry = yield* m.fn.sgx_encl_load_page(m, encl, index);
    if (IS_ERR(entry)) {
      ret = entry === -EBUSY ? -EAGAIN : -EFAULT;
      break;
    }
    const type = E.type.a[entry]!;
    if (!(type === SGX_PAGE_TYPE_REG || (type === SGX_PAGE_TYPE_TCS && page_type === SGX_PAGE_TYPE_TRIM))) {
      ret = -EINVAL;
      break;
    }
    max_prot_restore = E.vm_max_prot_bits.a[entry]!;
    if (type === SGX_PAGE_TYPE_REG && page_type === SGX_PAGE_TYPE_TCS) {
      if (~E.vm_max_prot_bits.a[entry]! & (VM_READ | VM_WRITE)) {
        ret = -EPERM;
        break;
      }
      E.vm_max_prot_bits.a[entry] = VM_READ | VM_WRITE;
      if (yield* m.fn.sgx_unmark_page_reclaimable(m, E.epc_page.a[entry]!)) {
        ret = -EAGAIN;
        entryChanged = true;
        break;
      }
      E.setDesc(entry, E.desc.a[entry]! | SGX_ENCL_PAGE_BUSY);
      yield mutex_unlock(encl.lock);
      yield* m.fn.sgx_zap_enclave_ptes(m, encl, encl.base + index * PAGE_SIZE);
      yield mutex_lock(encl.lock);
      E.setDesc(entry, E.desc.a[entry]! & ~SGX_ENCL_PAGE_BUSY);
      yield* m.fn.sgx_mark_page_reclaimable(m, E.epc_page.a[entry]!);
    }
    const epc_page = E.epc_page.a[entry]!;
    const r = yield* m.encls("EMODT", epc_page, () => m.hw.EMODT(epc_page, page_type));
    if (encls_faulted(r)) {
      m.warn("emodt", `EMODT encountered exception ${r & 0xff}`);
      ret = -EFAULT;
      entryChanged = true;
      break;
    }
    if (encls_failed(r)) {
      modt.result = r;
      ret = -EFAULT;
      entryChanged = true;
      break;
    }
    if (yield* m.fn.sgx_enclave_etrack(m, encl)) {
      ret = -EFAULT;
      break;
    }
    E.type.a[entry] = page_type;
    yield mutex_unlock(encl.lock);
  }
  if (entryChanged) E.vm_max_prot_bits.a[entry] = max_prot_restore;
  if (ret) yield mutex_unlock(encl.lock);
  modt.count = c;
  return ret;
}
