/**
 * A KVM guest's EPC as its VMM (QEMU) uses it: open /dev/sgx_vepc, mmap the guest EPC (shared), and
 * let the guest touch its pages: each first touch is an EPT violation that KVM resolves by faulting
 * the host VMA in (sgx_vepc_fault, which may ask to be retried while no EPC page is free). Closing
 * the file gives every page back (sgx_vepc_release).
 */
import type { ModelGen, SpinWaitOp, UserEventOp } from "../../rt/ops.ts";
import { withSite } from "../../rt/site.ts";
import { PAGE_SIZE } from "../hw/arch.ts";
import { down_write, up_write } from "../kernel/lib/locks.ts";
import {
  FAULT_FLAG_ALLOW_RETRY,
  find_vma,
  mmap_read_lock,
  mmap_read_unlock,
  VM_FAULT_RETRY,
  VM_FAULT_SIGBUS,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
  type vm_area_struct,
} from "../kernel/lib/mm.ts";
import type { sgx_vepc } from "../kernel/sgx/virt.ts";
import type { Machine } from "../machine.ts";
import type { Process } from "./process.ts";

/** Where guest EPC mappings are placed: below the enclaves, one 2**38-byte slot per instance. */
const VEPC_BASE = 0x7c00_0000_0000;

/** An open /dev/sgx_vepc of a VMM process and its mapping. */
export class VmGuest {
  vma: vm_area_struct | null = null;
  released = false;
  constructor(
    readonly vepc: sgx_vepc,
    /** Guest EPC size in pages. */
    readonly pages: number,
  ) {}
}

function ev(kind: UserEventOp["kind"], page: number, why: string): UserEventOp {
  return withSite({ kind, page, why });
}

/** open("/dev/sgx_vepc") and mmap(MAP_SHARED) of `pages` pages. Returns the guest or -errno. */
export function* vepc_create(m: Machine, proc: Process, pages: number): ModelGen<VmGuest | number> {
  yield ev("syscall", -1, "open(/dev/sgx_vepc)");
  const vepc = m.fn.sgx_vepc_open(m);
  const g = new VmGuest(vepc, pages);
  proc.vms.push(g);
  const start = VEPC_BASE + vepc.id * 2 ** 38;
  yield ev("syscall", -1, "mmap");
  yield down_write(proc.mm.mmap_lock);
  const vma = m.fn.sgx_vepc_mmap(
    m,
    vepc,
    proc.mm,
    start,
    start + pages * PAGE_SIZE,
    VM_READ | VM_WRITE | VM_SHARED,
  );
  yield up_write(proc.mm.mmap_lock);
  if (typeof vma === "number") return vma;
  g.vma = vma;
  return g;
}

/**
 * The guest touches its EPC page `index` for the first time: KVM faults the host page in. A fault
 * the handler asked to retry (no free EPC page; the mmap_lock was dropped) is retried once
 * another thread moved. Returns the final vm_fault_t.
 */
export function* vepc_touch(m: Machine, proc: Process, g: VmGuest, index: number): ModelGen<number> {
  const mm = proc.mm;
  const addr = g.vma!.vm_start + index * PAGE_SIZE;
  for (;;) {
    // An EPT violation: the vCPU leaves guest mode, where it was preemptible like user mode, and
    // KVM resolves it in the host kernel; each touch is a stretch of its own.
    yield ev("page_fault", index, "EPT violation (guest EPC)");
    yield* m.work("fault_entry", 1);
    yield mmap_read_lock(mm);
    const vma = find_vma(mm, addr);
    const r = vma ? yield* m.fn.sgx_vepc_fault(m, vma, addr, FAULT_FLAG_ALLOW_RETRY) : VM_FAULT_SIGBUS;
    if (!(r & VM_FAULT_RETRY)) {
      yield mmap_read_unlock(mm);
      return r;
    }
    yield* m.mark("vepc_fault_retry", index);
    yield withSite<SpinWaitOp>({ kind: "spin_wait", why: `retry the guest EPC fault of page ${index}` });
  }
}

/** The guest touches every page of its EPC. Returns false if a fault failed (SIGBUS). */
export function* vepc_populate(m: Machine, proc: Process, g: VmGuest): ModelGen<boolean> {
  for (let i = 0; i < g.pages; i++) {
    if ((yield* vepc_touch(m, proc, g, i)) & VM_FAULT_SIGBUS) {
      yield ev("sigbus", i, "SIGBUS (guest EPC)");
      return false;
    }
  }
  return true;
}

/** munmap the guest EPC and close the file: every page goes back to the EPC pool. */
/**
 * ioctl(SGX_IOC_VEPC_REMOVE_ALL): the VMM resets its guest's EPC (every page EREMOVEd, the pages
 * stay the guest's, so its next accesses fault them in again). Returns the ioctl's result.
 */
export function* vepc_remove_all(m: Machine, g: VmGuest): ModelGen<number> {
  if (g.released) return 0;
  yield ev("syscall", -1, "ioctl(SGX_IOC_VEPC_REMOVE_ALL)");
  return yield* m.fn.sgx_vepc_remove_all(m, g.vepc);
}

export function* vepc_close(m: Machine, proc: Process, g: VmGuest): ModelGen {
  if (g.released) return;
  g.released = true;
  yield ev("syscall", -1, "close(/dev/sgx_vepc)");
  if (g.vma) {
    yield down_write(proc.mm.mmap_lock);
    const i = proc.mm.vmas.indexOf(g.vma);
    if (i >= 0) proc.mm.vmas.splice(i, 1);
    yield up_write(proc.mm.mmap_lock);
  }
  yield* m.fn.sgx_vepc_release(m, g.vepc);
}
