/**
 * intel/linux-sgx-driver sgx_vma.c (isgx 2.x): the enclave VMA's fault handler.
 *
 * Kernel: sgx_vma.c (isgx 2.x; the vmf-only signature of kernels >= 4.11).
 */
import type { ModelGen } from "../../../../rt/ops.ts";
import type { Machine } from "../../../machine.ts";
import { EBUSY, IS_ERR } from "../../lib/errno.ts";
import { VM_FAULT_NOPAGE, VM_FAULT_SIGBUS, type vm_area_struct } from "../../lib/mm.ts";
import { fn } from "./fns.ts";

/**
 * sgx_vma_fault - fault the page in; -EBUSY (no free EPC page right now) also returns NOPAGE, so the
 * access simply faults again.
 * Kernel: sgx_vma.c (isgx). Context: mmap_lock held for read.
 */
function* sgx_vma_fault(m: Machine, vma: vm_area_struct, addr: number): ModelGen<number> {
  const entry = yield* fn(m).sgx_fault_page(m, vma, addr, 0);
  if (!IS_ERR(entry) || entry === -EBUSY) return VM_FAULT_NOPAGE;
  return VM_FAULT_SIGBUS;
}

export const sgx_vma_c = { sgx_vma_fault };
