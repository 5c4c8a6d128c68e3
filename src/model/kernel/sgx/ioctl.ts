/**
 * arch/x86/kernel/cpu/sgx/ioctl.c: enclave construction (CREATE, ADD_PAGES, INIT) and VA page
 * growth. The SGX2 page-modification ioctls belong to the kernel-history work.
 *
 * Kernel: mainline (~v6.17 ioctl.c).
 */
import type { ModelGen } from "../../../rt/ops.ts";
import {
  encls_failed,
  encls_faulted,
  PAGE_SIZE,
  SGX_PAGE_TYPE_SECS,
  SGX_VA_SLOT_COUNT,
} from "../../hw/arch.ts";
import type { Machine } from "../../machine.ts";
import { clear_bit, set_bit, test_and_set_bit, test_bit } from "../lib/atomic.ts";
import { EBUSY, EINVAL, EIO, EPERM, ERESTARTSYS, IS_ERR } from "../lib/errno.ts";
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

export const SGX_SECINFO_R = 0x01;
export const SGX_SECINFO_W = 0x02;
export const SGX_SECINFO_X = 0x04;
export const SGX_SECINFO_TCS = 0x100; // page type TCS << 8
export const SGX_SECINFO_REG = 0x200; // page type REG << 8
export const SGX_SECINFO_PAGE_TYPE_MASK = 0xff00;
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

export type IoctlCmd =
  | { cmd: "SGX_IOC_ENCLAVE_CREATE"; secs: sgx_secs }
  | { cmd: "SGX_IOC_ENCLAVE_ADD_PAGES"; arg: sgx_enclave_add_pages }
  | { cmd: "SGX_IOC_ENCLAVE_INIT" };

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
      m.hw.EADD(epc_page, secs, offset / PAGE_SIZE, type, srcToken),
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
  sgx_ioctl,
};
