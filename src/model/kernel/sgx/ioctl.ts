/**
 * arch/x86/kernel/cpu/sgx/ioctl.c: enclave construction (CREATE, ADD_PAGES, INIT), VA page growth,
 * and the SGX2 page-modification ioctls (RESTRICT_PERMISSIONS, MODIFY_TYPES, REMOVE_PAGES).
 *
 * Kernel: mainline (~v6.17 ioctl.c).
 */
import type { ModelGen } from "../../../rt/ops.ts";
import {
  encls_failed,
  encls_faulted,
  PAGE_SIZE,
  SGX_PAGE_TYPE_REG,
  SGX_PAGE_TYPE_SECS,
  SGX_PAGE_TYPE_TCS,
  SGX_PAGE_TYPE_TRIM,
  SGX_SECINFO_PERMISSION_MASK,
  SGX_SECINFO_R,
  SGX_SECINFO_W,
  SGX_SECINFO_X,
  SGX_VA_SLOT_COUNT,
  X86_TRAP_PF,
} from "../../hw/arch.ts";
import type { Machine } from "../../machine.ts";
import { clear_bit, set_bit, test_and_set_bit, test_bit } from "../lib/atomic.ts";
import {
  EAGAIN,
  EBUSY,
  EFAULT,
  EINVAL,
  EIO,
  ENODEV,
  ENOTTY,
  EPERM,
  ERESTARTSYS,
  IS_ERR,
} from "../lib/errno.ts";
import { on_each_cpu_mask } from "../lib/ipi.ts";
import { mutex_lock, mutex_unlock } from "../lib/locks.ts";
import { mmap_read_lock, mmap_read_unlock, VM_EXEC, VM_READ, VM_WRITE } from "../lib/mm.ts";
import { cond_resched, signal_pending } from "../lib/sched.ts";
import { xa_erase, xa_insert } from "../lib/xarray.ts";
import { newVaPage } from "./encl.ts";
import {
  SGX_ENCL_CREATED,
  SGX_ENCL_DEBUG,
  SGX_ENCL_INITIALIZED,
  SGX_ENCL_IOCTL,
  type sgx_encl,
  type sgx_va_page,
} from "./sgx.ts";

export {
  SGX_SECINFO_MODIFIED,
  SGX_SECINFO_PENDING,
  SGX_SECINFO_PERMISSION_MASK,
  SGX_SECINFO_PR,
  SGX_SECINFO_R,
  SGX_SECINFO_W,
  SGX_SECINFO_X,
} from "../../hw/arch.ts";
export const SGX_SECINFO_TCS = 0x100; // page type TCS << 8
export const SGX_SECINFO_REG = 0x200; // page type REG << 8
export const SGX_SECINFO_TRIM = 0x400; // page type TRIM << 8
export const SGX_SECINFO_PAGE_TYPE_MASK = 0xff00;
/** SGX_PAGE_TYPE_MASK of the uapi: the page types MODIFY_TYPES accepts fit in one byte. */
export const SGX_PAGE_TYPE_MASK = 0xff;
export const SGX_PAGE_MEASURE = 0x01;
export const SGX_ATTR_DEBUG = 0x02;

/** struct sgx_secs as the CREATE ioctl passes it. */
export interface sgx_secs {
  base: number;
  size: number;
  attributes: number;
}

/** struct sgx_enclave_add_pages; `src(i)` gives the data token of the i-th source page. */
export interface sgx_enclave_add_pages {
  offset: number;
  length: number;
  secinfo: number;
  flags: number;
  src: (i: number) => number;
  /** Out: bytes processed. */
  count: number;
}

/** struct sgx_enclave_restrict_permissions. */
export interface sgx_enclave_restrict_permissions {
  offset: number;
  length: number;
  /** New EPCM permissions (SECINFO R/W/X bits). */
  permissions: number;
  /** Out: the ENCLS return code when EMODPR failed. */
  result: number;
  /** Out: bytes processed. */
  count: number;
}

/** struct sgx_enclave_modify_types. */
export interface sgx_enclave_modify_types {
  offset: number;
  length: number;
  /** SGX_PAGE_TYPE_TCS or SGX_PAGE_TYPE_TRIM. */
  page_type: number;
  result: number;
  count: number;
}

/** struct sgx_enclave_remove_pages. */
export interface sgx_enclave_remove_pages {
  offset: number;
  length: number;
  count: number;
}

export type IoctlCmd =
  | { cmd: "SGX_IOC_ENCLAVE_CREATE"; secs: sgx_secs }
  | { cmd: "SGX_IOC_ENCLAVE_ADD_PAGES"; arg: sgx_enclave_add_pages }
  | { cmd: "SGX_IOC_ENCLAVE_INIT" }
  | { cmd: "SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS"; arg: sgx_enclave_restrict_permissions }
  | { cmd: "SGX_IOC_ENCLAVE_MODIFY_TYPES"; arg: sgx_enclave_modify_types }
  | { cmd: "SGX_IOC_ENCLAVE_REMOVE_PAGES"; arg: sgx_enclave_remove_pages };

/**
 * sgx_encl_grow - account one more page needing a VA slot; every 512th page (the SECS first)
 * needs a new VA page. Returns the new VA page (the caller adds it to va_pages under encl->lock),
 * null, or -errno.
 * Kernel: ioctl.c (v6.0+ with the reclaim argument). Context: with reclaim, no encl->lock.
 */
function* sgx_encl_grow(m: Machine, encl: sgx_encl, reclaim: boolean): ModelGen<sgx_va_page | null | number> {
  let va_page: sgx_va_page | null = null;
  if (!(encl.page_cnt % SGX_VA_SLOT_COUNT)) {
    const epc_page = yield* m.fn.sgx_alloc_va_page(m, reclaim);
    if (IS_ERR(epc_page)) return epc_page;
    va_page = newVaPage(m, epc_page);
    if (encl.page_cnt % SGX_VA_SLOT_COUNT) m.warn("grow", "WARN_ON_ONCE(encl->page_cnt % SGX_VA_SLOT_COUNT)");
  }
  encl.page_cnt++;
  return va_page;
}

/**
 * sgx_encl_shrink - undo sgx_encl_grow (error paths, and page removal with va_page NULL).
 * Kernel: ioctl.c (mainline). Context: encl->lock held when the VA page was listed.
 */
function* sgx_encl_shrink(m: Machine, encl: sgx_encl, va_page: sgx_va_page | null): ModelGen {
  encl.page_cnt--;
  if (va_page) {
    yield* m.fn.sgx_encl_free_epc_page(m, va_page.epc_page);
    const i = encl.va_pages.indexOf(va_page);
    if (i >= 0) encl.va_pages.splice(i, 1);
    va_page.epc_page = -1;
    m.kfreeObj(va_page, `struct sgx_va_page #${va_page.id}`);
  }
}

/**
 * sgx_encl_create - ECREATE: the first VA page, the backing file, and the SECS.
 * Kernel: ioctl.c (mainline). Context: no locks held (the SGX_ENCL_IOCTL bit serializes ioctls).
 */
function* sgx_encl_create(m: Machine, encl: sgx_encl, secs: sgx_secs): ModelGen<number> {
  if (secs.size <= 0 || (secs.size & (secs.size - 1)) !== 0) return -EINVAL;
  const va_page = yield* m.fn.sgx_encl_grow(m, encl, true);
  if (typeof va_page === "number") return va_page;
  if (va_page) encl.va_pages.unshift(va_page);

  // The extra page goes to the SECS; PCMDs take 1/32 more.
  const encl_size = secs.size + PAGE_SIZE;
  encl.backing = m.shmem_file_setup("SGX backing", (encl_size + (encl_size >> 5)) / PAGE_SIZE);

  const secs_epc = yield* m.fn.sgx_alloc_epc_page(m, encl.secs, true);
  if (IS_ERR(secs_epc)) {
    m.fput(encl.backing);
    encl.backing = null;
    yield* m.fn.sgx_encl_shrink(m, encl, va_page);
    return secs_epc;
  }
  m.encl_pages.epc_page.a[encl.secs] = secs_epc;
  const out = { eid: -1 };
  const ret = yield* m.encls("ECREATE", secs_epc, () => m.hw.ECREATE(secs_epc, out));
  if (ret) {
    yield* m.fn.sgx_encl_free_epc_page(m, secs_epc);
    m.encl_pages.epc_page.a[encl.secs] = -1;
    m.fput(encl.backing);
    encl.backing = null;
    yield* m.fn.sgx_encl_shrink(m, encl, va_page);
    return -EIO;
  }
  encl.eid = out.eid;
  if (secs.attributes & SGX_ATTR_DEBUG) yield* set_bit(m, SGX_ENCL_DEBUG, encl.flags);
  m.encl_pages.type.a[encl.secs] = SGX_PAGE_TYPE_SECS;
  encl.base = secs.base;
  encl.size = secs.size;
  encl.attributes = secs.attributes;
  // Set only after completion, as encl->lock has not been taken.
  yield* set_bit(m, SGX_ENCL_CREATED, encl.flags);
  return 0;
}

/**
 * __sgx_encl_extend - EEXTEND the page 256 bytes at a time.
 * Kernel: ioctl.c (mainline). Context: encl->lock held.
 */
function* __sgx_encl_extend(m: Machine, encl: sgx_encl, epc_page: number): ModelGen<number> {
  const secs = m.encl_pages.epc_page.a[encl.secs]!;
  for (let offset = 0; offset < PAGE_SIZE; offset += m.c.SGX_EEXTEND_BLOCK_SIZE) {
    const ret = yield* m.encls("EEXTEND", epc_page, () => m.hw.EEXTEND(secs, epc_page));
    if (ret) {
      if (encls_failed(ret)) m.ENCLS_WARN(ret, "EEXTEND");
      return -EIO;
    }
  }
  return 0;
}

/**
 * sgx_encl_add_page - add one page before EINIT: allocate (with direct reclaim), grow the VA space,
 * then under mmap_lock and encl->lock insert, EADD, optionally EEXTEND, and mark it reclaimable.
 * Kernel: ioctl.c (mainline). Context: no locks held on entry.
 */
function* sgx_encl_add_page(
  m: Machine,
  encl: sgx_encl,
  srcToken: number,
  offset: number,
  secinfo: number,
  flags: number,
): ModelGen<number> {
  const E = m.encl_pages;
  let prot = 0;
  if (secinfo & SGX_SECINFO_R) prot |= VM_READ;
  if (secinfo & SGX_SECINFO_W) prot |= VM_WRITE;
  if (secinfo & SGX_SECINFO_X) prot |= VM_EXEC;
  // TCS pages must always have RW for CPU access.
  if ((secinfo & SGX_SECINFO_PAGE_TYPE_MASK) === SGX_SECINFO_TCS) prot |= VM_READ | VM_WRITE;
  const encl_page = m.fn.sgx_encl_page_alloc(m, encl, offset, prot);

  const epc_page = yield* m.fn.sgx_alloc_epc_page(m, encl_page, true);
  if (IS_ERR(epc_page)) {
    E.alive.a[encl_page] = 0;
    return epc_page;
  }

  const va_page = yield* m.fn.sgx_encl_grow(m, encl, true);
  if (typeof va_page === "number") {
    yield* m.fn.sgx_encl_free_epc_page(m, epc_page);
    E.alive.a[encl_page] = 0;
    return va_page;
  }

  const mm = m.current.mm!;
  yield mmap_read_lock(mm);
  yield mutex_lock(encl.lock);
  // Adding to encl->va_pages must be done under encl->lock.
  if (va_page) encl.va_pages.unshift(va_page);

  let ret = yield* xa_insert(m, encl.page_array, offset / PAGE_SIZE, encl_page);
  if (!ret) {
    const type = (secinfo & SGX_SECINFO_PAGE_TYPE_MASK) >> 8;
    const secs = E.epc_page.a[encl.secs]!;
    const r = yield* m.encls("EADD", epc_page, () =>
      m.hw.EADD(epc_page, secs, offset / PAGE_SIZE, type, srcToken, secinfo & SGX_SECINFO_PERMISSION_MASK),
    );
    ret = r ? -EIO : 0;
    if (!ret) {
      E.epc_page.a[encl_page] = epc_page;
      E.type.a[encl_page] = type;
      encl.secs_child_cnt++;
      if (flags & SGX_PAGE_MEASURE) ret = yield* m.fn.__sgx_encl_extend(m, encl, epc_page);
      if (!ret) {
        yield* m.fn.sgx_mark_page_reclaimable(m, epc_page);
        yield mutex_unlock(encl.lock);
        yield mmap_read_unlock(mm);
        return 0;
      }
    }
    // err_out:
    yield* xa_erase(m, encl.page_array, offset / PAGE_SIZE);
  }
  // err_out_unlock:
  yield* m.fn.sgx_encl_shrink(m, encl, va_page);
  yield mutex_unlock(encl.lock);
  yield mmap_read_unlock(mm);
  // err_out_free:
  yield* m.fn.sgx_encl_free_epc_page(m, epc_page);
  E.alive.a[encl_page] = 0;
  return ret;
}

/**
 * sgx_ioc_enclave_add_pages - add `length` bytes of pages; stops at a pending signal.
 * Kernel: ioctl.c (mainline).
 */
function* sgx_ioc_enclave_add_pages(
  m: Machine,
  encl: sgx_encl,
  arg: sgx_enclave_add_pages,
): ModelGen<number> {
  if (
    !(yield* test_bit(m, SGX_ENCL_CREATED, encl.flags)) ||
    (yield* test_bit(m, SGX_ENCL_INITIALIZED, encl.flags))
  )
    return -EINVAL;
  if (arg.offset % PAGE_SIZE || !arg.length || arg.length % PAGE_SIZE) return -EINVAL;
  if (arg.offset + arg.length - PAGE_SIZE >= encl.size) return -EINVAL;
  let ret = 0;
  let c = 0;
  for (; c < arg.length; c += PAGE_SIZE) {
    if (signal_pending(m)) {
      if (!c) ret = -ERESTARTSYS;
      break;
    }
    // if (need_resched()) cond_resched();
    yield* cond_resched(m);
    ret = yield* m.fn.sgx_encl_add_page(
      m,
      encl,
      arg.src(c / PAGE_SIZE),
      arg.offset + c,
      arg.secinfo,
      arg.flags,
    );
    if (ret) break;
  }
  arg.count = c;
  return ret;
}

/**
 * sgx_encl_init - EINIT under encl->lock; the enclave becomes initialized (and its SECS evictable).
 * Kernel: ioctl.c (mainline). Model: EINIT never reports SGX_UNMASKED_EVENT, so the retry loop is
 * not modeled.
 */
function* sgx_encl_init(m: Machine, encl: sgx_encl): ModelGen<number> {
  yield mutex_lock(encl.lock);
  const secs = m.encl_pages.epc_page.a[encl.secs]!;
  let ret = yield* m.encls("EINIT", secs, () => m.hw.EINIT(secs));
  if (encls_faulted(ret)) {
    if (encls_failed(ret)) m.ENCLS_WARN(ret, "EINIT");
    ret = -EIO;
  } else if (ret) {
    ret = -EPERM;
  } else {
    yield* set_bit(m, SGX_ENCL_INITIALIZED, encl.flags);
  }
  yield mutex_unlock(encl.lock);
  return ret;
}

/**
 * sgx_validate_offset_length - a page-aligned, non-empty range inside the ELRANGE.
 * Kernel: ioctl.c (mainline).
 */
function sgx_validate_offset_length(_m: Machine, encl: sgx_encl, offset: number, length: number): number {
  if (offset % PAGE_SIZE || !length || length % PAGE_SIZE) return -EINVAL;
  if (offset + length < offset) return -EINVAL;
  if (offset + length - PAGE_SIZE >= encl.size) return -EINVAL;
  return 0;
}

/**
 * sgx_ioc_sgx2_ready - SGX2 ioctls need SGX2 hardware (-ENODEV) and an initialized enclave
 * (-EINVAL). Kernel: ioctl.c (v6.0+).
 */
function* sgx_ioc_sgx2_ready(m: Machine, encl: sgx_encl): ModelGen<number> {
  if (!m.c.sgx2) return -ENODEV;
  if (!(yield* test_bit(m, SGX_ENCL_INITIALIZED, encl.flags))) return -EINVAL;
  return 0;
}

/**
 * sgx_enclave_etrack - after EMODPR/EMODT: ETRACK, then IPI every CPU that may run in the enclave
 * so their cached translations are gone before the enclave EACCEPTs. An ETRACK that fails (the
 * previous cycle is incomplete) is retried after an IPI round.
 * Kernel: ioctl.c (v6.0+). Context: encl->lock held from the leaf until this returns.
 */
function* sgx_enclave_etrack(m: Machine, encl: sgx_encl): ModelGen<number> {
  const secs = m.encl_pages.epc_page.a[encl.secs]!;
  let ret = yield* m.encls("ETRACK", secs, () => m.hw.ETRACK(secs));
  if (ret) {
    // ETRACK only fails when the OS sent two without a completed IPI round between them.
    m.warn("etrack", `ETRACK returned ${ret} (0x${ret.toString(16)})`);
    // ORDER: the cpumask is computed after the ETRACK it follows.
    yield* on_each_cpu_mask(m, yield* m.fn.sgx_encl_cpumask(m, encl), "sgx_etrack");
    ret = yield* m.encls("ETRACK", secs, () => m.hw.ETRACK(secs));
    if (ret) {
      m.warn("etrack", `ETRACK repeat returned ${ret} (0x${ret.toString(16)})`);
      return -EFAULT;
    }
  }
  yield* on_each_cpu_mask(m, yield* m.fn.sgx_encl_cpumask(m, encl), "sgx_etrack");
  return 0;
}

/**
 * sgx_enclave_restrict_permissions - EMODPR each page of the range (regular pages only), each
 * followed by ETRACK and an IPI round; the enclave must EACCEPT the change. Stops at the first
 * failure; `count` says how far it got.
 * Kernel: ioctl.c (v6.0+). Context: per page, direct reclaim first, then encl->lock.
 */
function* sgx_enclave_restrict_permissions(
  m: Machine,
  encl: sgx_encl,
  modp: sgx_enclave_restrict_permissions,
): ModelGen<number> {
  const E = m.encl_pages;
  const perm = modp.permissions & SGX_SECINFO_PERMISSION_MASK;
  let c = 0;
  let ret = 0;
  for (; c < modp.length; c += PAGE_SIZE) {
    const index = (modp.offset + c) / PAGE_SIZE;
    yield* m.fn.sgx_reclaim_direct(m);
    yield mutex_lock(encl.lock);
    const entry = yield* m.fn.sgx_encl_load_page(m, encl, index);
    if (IS_ERR(entry)) {
      ret = entry === -EBUSY ? -EAGAIN : -EFAULT;
      break;
    }
    // Changing EPCM permissions is only supported on regular pages (others would #PF).
    if (E.type.a[entry] !== SGX_PAGE_TYPE_REG) {
      ret = -EINVAL;
      break;
    }
    const epc_page = E.epc_page.a[entry]!;
    const r = yield* m.encls("EMODPR", epc_page, () => m.hw.EMODPR(epc_page, perm));
    if (encls_faulted(r)) {
      // All faults are avoidable: parameters were checked, the page is regular, encl->lock is held.
      m.warn("emodpr", `EMODPR encountered exception ${r & 0xff}`);
      ret = -EFAULT;
      break;
    }
    if (encls_failed(r)) {
      modp.result = r;
      ret = -EFAULT;
      break;
    }
    if (yield* m.fn.sgx_enclave_etrack(m, encl)) {
      ret = -EFAULT;
      break;
    }
    yield mutex_unlock(encl.lock);
  }
  // out_unlock:
  if (ret) yield mutex_unlock(encl.lock);
  modp.count = c;
  return ret;
}

/**
 * sgx_ioc_enclave_restrict_permissions - SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS: validate, then
 * restrict. W without R is refused here, before EMODPR could fault on it.
 * Kernel: ioctl.c (v6.0+).
 */
function* sgx_ioc_enclave_restrict_permissions(
  m: Machine,
  encl: sgx_encl,
  params: sgx_enclave_restrict_permissions,
): ModelGen<number> {
  const ret = yield* m.fn.sgx_ioc_sgx2_ready(m, encl);
  if (ret) return ret;
  if (m.fn.sgx_validate_offset_length(m, encl, params.offset, params.length)) return -EINVAL;
  if (params.permissions & ~SGX_SECINFO_PERMISSION_MASK) return -EINVAL;
  if (params.permissions & SGX_SECINFO_W && !(params.permissions & SGX_SECINFO_R)) return -EINVAL;
  if (params.result || params.count) return -EINVAL;
  return yield* m.fn.sgx_enclave_restrict_permissions(m, encl, params);
}

/**
 * sgx_enclave_modify_types - EMODT each page of the range to TCS (regular pages only) or TRIM,
 * each followed by ETRACK and an IPI round. REG to TCS first drops the page off the active list,
 * drops encl->lock to zap its PTEs (zapping takes mmap_lock, which ranks before encl->lock), retakes
 * encl->lock and puts the page back: during that window the entry is resident, not busy, and a
 * fault can map it again (B11b, mainline).
 * Kernel: ioctl.c (v6.0+). Context: per page, direct reclaim first, then encl->lock.
 */
function* sgx_enclave_modify_types(
  m: Machine,
  encl: sgx_encl,
  modt: sgx_enclave_modify_types,
): ModelGen<number> {
  const E = m.encl_pages;
  const page_type = modt.page_type & SGX_PAGE_TYPE_MASK;
  // The only new page types the hardware allows are TCS and TRIM.
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
    // As the SDM: REG may become TCS or TRIM; TCS may only be trimmed.
    const type = E.type.a[entry]!;
    if (!(type === SGX_PAGE_TYPE_REG || (type === SGX_PAGE_TYPE_TCS && page_type === SGX_PAGE_TYPE_TRIM))) {
      ret = -EINVAL;
      break;
    }
    max_prot_restore = E.vm_max_prot_bits.a[entry]!;
    if (type === SGX_PAGE_TYPE_REG && page_type === SGX_PAGE_TYPE_TCS) {
      // A TCS page stays RW from the kernel's view (and inaccessible to the enclave): it must
      // have been vetted RW.
      if (~E.vm_max_prot_bits.a[entry]! & (VM_READ | VM_WRITE)) {
        ret = -EPERM;
        break;
      }
      E.vm_max_prot_bits.a[entry] = VM_READ | VM_WRITE;
      // Keep the reclaimer away while encl->lock is dropped.
      if (yield* m.fn.sgx_unmark_page_reclaimable(m, E.epc_page.a[entry]!)) {
        ret = -EAGAIN;
        entryChanged = true;
        break;
      }
      // Not under encl->lock: sgx_zap_enclave_ptes() takes mmap_lock.
      yield mutex_unlock(encl.lock);
      yield* m.fn.sgx_zap_enclave_ptes(m, encl, encl.base + index * PAGE_SIZE);
      yield mutex_lock(encl.lock);
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
  // out_entry_changed:
  if (entryChanged) E.vm_max_prot_bits.a[entry] = max_prot_restore;
  // out_unlock:
  if (ret) yield mutex_unlock(encl.lock);
  modt.count = c;
  return ret;
}

/**
 * sgx_ioc_enclave_modify_types - SGX_IOC_ENCLAVE_MODIFY_TYPES: validate, then modify.
 * Kernel: ioctl.c (v6.0+).
 */
function* sgx_ioc_enclave_modify_types(
  m: Machine,
  encl: sgx_encl,
  params: sgx_enclave_modify_types,
): ModelGen<number> {
  const ret = yield* m.fn.sgx_ioc_sgx2_ready(m, encl);
  if (ret) return ret;
  if (m.fn.sgx_validate_offset_length(m, encl, params.offset, params.length)) return -EINVAL;
  if (params.page_type & ~SGX_PAGE_TYPE_MASK) return -EINVAL;
  if (params.result || params.count) return -EINVAL;
  return yield* m.fn.sgx_enclave_modify_types(m, encl, params);
}

/**
 * sgx_encl_remove_pages - remove trimmed pages the enclave has EACCEPTed: for each, an EMODPR
 * probe (it #PFs only on an accepted TRIM page; otherwise -EPERM), take it off the active list
 * (-EBUSY while the reclaimer holds it), drop encl->lock to zap its PTEs, retake it, EREMOVE and
 * free the EPC page, erase the entry. While encl->lock is dropped the entry is still in
 * page_array, resident and not busy, so a fault can install a PTE to a page about to be removed
 * (B11b, mainline). VA pages are never freed here (sgx_encl_shrink with NULL).
 * Kernel: ioctl.c (v6.0+). Context: per page, direct reclaim first, then encl->lock.
 */
function* sgx_encl_remove_pages(
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
    // EMODPR with RWX is a no-op probe: SGX_PAGE_NOT_MODIFIABLE before the enclave accepted the
    // trim, a #PF after.
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
    // Not under encl->lock: sgx_zap_enclave_ptes() takes mmap_lock.
    yield mutex_unlock(encl.lock);
    yield* m.fn.sgx_zap_enclave_ptes(m, encl, encl.base + index * PAGE_SIZE);
    yield mutex_lock(encl.lock);
    yield* m.fn.sgx_encl_free_epc_page(m, E.epc_page.a[entry]!);
    encl.secs_child_cnt--;
    E.epc_page.a[entry] = -1;
    yield* xa_erase(m, encl.page_array, index);
    yield* m.fn.sgx_encl_shrink(m, encl, null);
    E.alive.a[entry] = 0; // kfree(entry)
    yield mutex_unlock(encl.lock);
  }
  if (ret) yield mutex_unlock(encl.lock);
  params.count = c;
  return ret;
}

/**
 * sgx_ioc_enclave_remove_pages - SGX_IOC_ENCLAVE_REMOVE_PAGES: the last step of removing pages
 * (MODIFY_TYPES to TRIM, EACCEPT in the enclave, then this). Kernel: ioctl.c (v6.0+).
 */
function* sgx_ioc_enclave_remove_pages(
  m: Machine,
  encl: sgx_encl,
  params: sgx_enclave_remove_pages,
): ModelGen<number> {
  const ret = yield* m.fn.sgx_ioc_sgx2_ready(m, encl);
  if (ret) return ret;
  if (m.fn.sgx_validate_offset_length(m, encl, params.offset, params.length)) return -EINVAL;
  if (params.count) return -EINVAL;
  return yield* m.fn.sgx_encl_remove_pages(m, encl, params);
}

/**
 * sgx_ioctl - dispatch an enclave ioctl; one at a time per enclave (SGX_ENCL_IOCTL bit, else -EBUSY).
 * Kernel: ioctl.c (mainline).
 */
function* sgx_ioctl(m: Machine, encl: sgx_encl, cmd: IoctlCmd): ModelGen<number> {
  if (yield* test_and_set_bit(m, SGX_ENCL_IOCTL, encl.flags)) return -EBUSY;
  let ret: number;
  switch (cmd.cmd) {
    case "SGX_IOC_ENCLAVE_CREATE":
      ret = (yield* test_bit(m, SGX_ENCL_CREATED, encl.flags))
        ? -EINVAL
        : yield* m.fn.sgx_encl_create(m, encl, cmd.secs);
      break;
    case "SGX_IOC_ENCLAVE_ADD_PAGES":
      ret = yield* m.fn.sgx_ioc_enclave_add_pages(m, encl, cmd.arg);
      break;
    case "SGX_IOC_ENCLAVE_INIT":
      ret =
        !(yield* test_bit(m, SGX_ENCL_CREATED, encl.flags)) ||
        (yield* test_bit(m, SGX_ENCL_INITIALIZED, encl.flags))
          ? -EINVAL
          : yield* m.fn.sgx_encl_init(m, encl);
      break;
    case "SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS":
      ret = yield* m.fn.sgx_ioc_enclave_restrict_permissions(m, encl, cmd.arg);
      break;
    case "SGX_IOC_ENCLAVE_MODIFY_TYPES":
      ret = yield* m.fn.sgx_ioc_enclave_modify_types(m, encl, cmd.arg);
      break;
    case "SGX_IOC_ENCLAVE_REMOVE_PAGES":
      ret = yield* m.fn.sgx_ioc_enclave_remove_pages(m, encl, cmd.arg);
      break;
    default:
      ret = -ENOTTY;
      break;
  }
  yield* clear_bit(m, SGX_ENCL_IOCTL, encl.flags);
  return ret;
}

export const ioctl_c = {
  sgx_encl_grow,
  sgx_encl_shrink,
  sgx_encl_create,
  __sgx_encl_extend,
  sgx_encl_add_page,
  sgx_ioc_enclave_add_pages,
  sgx_encl_init,
  sgx_validate_offset_length,
  sgx_ioc_sgx2_ready,
  sgx_enclave_etrack,
  sgx_enclave_restrict_permissions,
  sgx_ioc_enclave_restrict_permissions,
  sgx_enclave_modify_types,
  sgx_ioc_enclave_modify_types,
  sgx_encl_remove_pages,
  sgx_ioc_enclave_remove_pages,
  sgx_ioctl,
};
