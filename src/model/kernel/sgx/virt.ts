/**
 * arch/x86/kernel/cpu/sgx/virt.c: /dev/sgx_vepc, the virtual EPC KVM gives a guest. A guest's EPC
 * pages are ordinary host EPC pages allocated on the guest's first touch (a host page fault on the
 * VMA), owned by the vEPC instance, and never marked reclaimable: the host cannot EWB a page whose
 * contents the guest's own enclaves own. They only count against the free pool until the file is
 * closed, when every page is EREMOVEd (SECS pages whose children live in another instance go to a
 * global zombie list and are retried on later releases).
 *
 * Kernel: mainline (~v6.17 virt.c).
 * Model: the guest's own ENCLS (ECREATE, EADD... inside its EPC) are not modeled: its pages stay
 * uninitialized in the EPCM, so every EREMOVE succeeds and the zombie list stays empty (DEVIATIONS.md).
 */
import type { ModelGen } from "../../../rt/ops.ts";
import { encls_faulted, SGX_CHILD_PRESENT, X86_TRAP_GP } from "../../hw/arch.ts";
import type { Machine } from "../../machine.ts";
import { EBUSY, EFAULT, EINVAL, IS_ERR } from "../lib/errno.ts";
import { mutex, mutex_lock, mutex_unlock } from "../lib/locks.ts";
import {
  FAULT_FLAG_ALLOW_RETRY,
  type mm_struct,
  mmap_read_unlock,
  VM_DONTCOPY,
  VM_DONTDUMP,
  VM_FAULT_NOPAGE,
  VM_FAULT_RETRY,
  VM_FAULT_SIGBUS,
  VM_IO,
  VM_PFNMAP,
  VM_SHARED,
  vm_area_struct,
  vmf_insert_pfn,
} from "../lib/mm.ts";
import { cond_resched } from "../lib/sched.ts";
import { XA_EMPTY, xa_destroy, xa_erase, xa_store, xarray } from "../lib/xarray.ts";

/** struct sgx_vepc: one open /dev/sgx_vepc (one guest's EPC). */
export class sgx_vepc {
  /** Guest EPC page index -> host EPC page. */
  readonly page_array: xarray;
  readonly lock: mutex;
  /** Model: set by kfree(vepc) in sgx_vepc_release. */
  freed = false;
  constructor(
    /** Instance number; its pages have owner vepcOwner(vepc). */
    readonly id: number,
    ids: () => number,
  ) {
    this.page_array = new xarray(ids(), "vepc->page_array", ids());
    this.lock = new mutex(ids(), "vepc->lock");
  }
}

/** The statics of virt.c: the zombie SECS pages and their lock; plus the model's instance table. */
export class VepcGlobals {
  /** Model: every vEPC instance by id (an EPC page's owner field refers to one). */
  readonly instances: sgx_vepc[] = [];
  /** zombie_secs_pages: SECS pages that could not be EREMOVEd yet (children in another instance). */
  readonly zombie_secs_pages: number[] = [];
  readonly zombie_secs_pages_lock: mutex;
  constructor(ids: () => number) {
    this.zombie_secs_pages_lock = new mutex(ids(), "zombie_secs_pages_lock");
  }
}

/** Owner encoding of a vEPC's EPC pages: -(id + 2), i.e. <= -2 (see OWNER_NULL in sgx.ts). */
export function vepcOwner(vepc: sgx_vepc): number {
  return -(vepc.id + 2);
}

/**
 * sgx_vepc_open - a new vEPC instance (its xarray and mutex).
 * Kernel: virt.c (mainline).
 */
function sgx_vepc_open(m: Machine): sgx_vepc {
  const vepc = new sgx_vepc(m.vepc.instances.length, () => m.newId());
  m.vepc.instances.push(vepc);
  return vepc;
}

/**
 * sgx_vepc_mmap - map the guest EPC: shared only; PFN mapping, never copied into a forked child.
 * Kernel: virt.c (mainline). Context: mm's mmap_lock held for write. Returns the VMA or -errno.
 */
function sgx_vepc_mmap(
  m: Machine,
  vepc: sgx_vepc,
  mm: mm_struct,
  start: number,
  end: number,
  vm_flags: number,
): vm_area_struct | number {
  if (!(vm_flags & VM_SHARED)) return -EINVAL;
  const flags = vm_flags | VM_PFNMAP | VM_IO | VM_DONTDUMP | VM_DONTCOPY;
  const vma = new vm_area_struct(m.newId(), mm, start, end, flags, vepc);
  mm.vmas.push(vma);
  return vma;
}

/**
 * __sgx_vepc_fault - give the guest page at `addr` a host EPC page (without reclaim: -EBUSY when
 * none is free) and map it. A page already present needs nothing.
 * Kernel: virt.c (mainline). Context: vepc->lock held.
 */
function* __sgx_vepc_fault(m: Machine, vepc: sgx_vepc, vma: vm_area_struct, addr: number): ModelGen<number> {
  if (m.debugLocks && vepc.lock.owner !== m.current.pid) m.bug("__sgx_vepc_fault without vepc->lock");
  const index = vma.pageOf(addr);
  if (vepc.page_array.get(index) !== XA_EMPTY) return 0;
  const epc_page = yield* m.fn.sgx_alloc_epc_page(m, vepcOwner(vepc), false);
  if (IS_ERR(epc_page)) return epc_page;
  yield* xa_store(m, vepc.page_array, index, epc_page);
  const ret = yield* vmf_insert_pfn(m, vma, addr, epc_page);
  if (ret !== VM_FAULT_NOPAGE) {
    yield* xa_erase(m, vepc.page_array, index);
    yield* m.fn.sgx_free_epc_page(m, epc_page);
    return -EFAULT;
  }
  return 0;
}

/**
 * sgx_vepc_fault - the vEPC VMA's fault handler. No free EPC page (-EBUSY): if the fault may be
 * retried, drop the mmap_lock and return VM_FAULT_RETRY (the caller faults again), else SIGBUS.
 * Kernel: virt.c (mainline). Context: mmap_lock held for read (dropped on VM_FAULT_RETRY).
 */
function* sgx_vepc_fault(m: Machine, vma: vm_area_struct, addr: number, flags: number): ModelGen<number> {
  const vepc = vma.vm_private_data as sgx_vepc;
  yield mutex_lock(vepc.lock);
  const ret = yield* m.fn.__sgx_vepc_fault(m, vepc, vma, addr);
  yield mutex_unlock(vepc.lock);
  if (!ret) return VM_FAULT_NOPAGE;
  if (ret === -EBUSY && flags & FAULT_FLAG_ALLOW_RETRY) {
    yield mmap_read_unlock(vma.vm_mm);
    return VM_FAULT_RETRY;
  }
  return VM_FAULT_SIGBUS;
}

/**
 * sgx_vepc_remove_page - EREMOVE a page the guest used (unconditionally: the guest cannot be
 * trusted to have left it uninitialized). Kernel: virt.c (mainline).
 */
function* sgx_vepc_remove_page(m: Machine, epc_page: number): ModelGen<number> {
  return yield* m.encls("EREMOVE", epc_page, () => m.hw.EREMOVE(epc_page));
}

/**
 * sgx_vepc_free_page - EREMOVE and free a guest page; an EREMOVE failure (expected only for a SECS
 * with children: SGX_CHILD_PRESENT) leaves the page to the caller.
 * Kernel: virt.c (mainline).
 */
function* sgx_vepc_free_page(m: Machine, epc_page: number): ModelGen<number> {
  const ret = yield* m.fn.sgx_vepc_remove_page(m, epc_page);
  if (ret) {
    if (ret !== SGX_CHILD_PRESENT)
      m.warn("eremove", `EREMOVE returned ${ret} (0x${ret.toString(16)}) and an EPC page was leaked.`);
    return ret;
  }
  yield* m.fn.sgx_free_epc_page(m, epc_page);
  return 0;
}

/**
 * sgx_vepc_remove_all - SGX_IOC_VEPC_REMOVE_ALL: EREMOVE every page (the pages stay the guest's);
 * returns the number of SECS pages that still had children, or -EBUSY on another failure.
 * Kernel: virt.c (v5.13+).
 */
function* sgx_vepc_remove_all(m: Machine, vepc: sgx_vepc): ModelGen<number> {
  let failures = 0;
  for (const index of vepc.page_array.indices(0, Number.MAX_SAFE_INTEGER)) {
    const entry = vepc.page_array.get(index);
    const ret = yield* m.fn.sgx_vepc_remove_page(m, entry);
    if (ret) {
      if (ret === SGX_CHILD_PRESENT) {
        failures++;
      } else {
        // Userspace can cause #GP or SGX_ENCLAVE_ACT; only a #PF means a kernel or hardware issue.
        if (encls_faulted(ret) && (ret & 0xff) !== X86_TRAP_GP)
          m.warn("vepc_remove_all", `EREMOVE faulted (${ret & 0xff})`);
        return -EBUSY;
      }
    }
    yield* cond_resched(m);
  }
  return failures;
}

/**
 * sgx_vepc_release - the vEPC file was closed: EREMOVE and free every child page, then retry the
 * SECS pages (their children in this instance are gone now), then retry the zombies of earlier
 * releases; SECS pages that still fail become zombies.
 * Kernel: virt.c (mainline). Context: takes zombie_secs_pages_lock.
 */
function* sgx_vepc_release(m: Machine, vepc: sgx_vepc): ModelGen {
  const xa = vepc.page_array;
  const secs_pages: number[] = [];
  for (const index of xa.indices(0, Number.MAX_SAFE_INTEGER)) {
    // EREMOVE fails on a SECS with children: retried below.
    if (yield* m.fn.sgx_vepc_free_page(m, xa.get(index))) continue;
    yield* xa_erase(m, xa, index);
    yield* cond_resched(m);
  }
  for (const index of xa.indices(0, Number.MAX_SAFE_INTEGER)) {
    const epc_page = xa.get(index);
    // Still failing: the SECS has a child in another instance.
    if (yield* m.fn.sgx_vepc_free_page(m, epc_page)) secs_pages.push(epc_page);
    yield* xa_erase(m, xa, index);
    yield* cond_resched(m);
  }
  const G = m.vepc;
  yield mutex_lock(G.zombie_secs_pages_lock);
  for (const epc_page of G.zombie_secs_pages.splice(0)) {
    if (yield* m.fn.sgx_vepc_free_page(m, epc_page)) secs_pages.push(epc_page);
    yield* cond_resched(m);
  }
  G.zombie_secs_pages.push(...secs_pages);
  yield mutex_unlock(G.zombie_secs_pages_lock);
  xa_destroy(xa);
  m.kfreeObj(vepc, "struct sgx_vepc");
}

export const virt_c = {
  sgx_vepc_open,
  sgx_vepc_mmap,
  __sgx_vepc_fault,
  sgx_vepc_fault,
  sgx_vepc_remove_page,
  sgx_vepc_free_page,
  sgx_vepc_remove_all,
  sgx_vepc_release,
};
