import assert from "node:assert/strict";
import { test } from "node:test";
import { ENOMEM } from "../../../../src/model/kernel/lib/errno.ts";
import { listPages } from "../../../../src/model/kernel/lib/list.ts";
import {
  FAULT_FLAG_ALLOW_RETRY,
  find_vma,
  mmap_read_lock,
  mmap_read_unlock,
  VM_FAULT_NOPAGE,
  VM_FAULT_RETRY,
} from "../../../../src/model/kernel/lib/mm.ts";
import { SGX_EPC_PAGE_RECLAIMER_TRACKED } from "../../../../src/model/kernel/sgx/sgx.ts";
import { vepcOwner } from "../../../../src/model/kernel/sgx/virt.ts";
import { fork, newProcess } from "../../../../src/model/user/process.ts";
import { type VmGuest, vepc_close, vepc_create, vepc_populate } from "../../../../src/model/user/vm.ts";
import { enclave, kseq, machine, useq, warnings } from "../../../helpers/model.ts";

function guest(m: ReturnType<typeof machine>, pages: number) {
  const vmm = newProcess(m, "qemu");
  const g = useq(m, vmm, () => vepc_create(m, vmm, pages));
  if (typeof g === "number") throw new Error(`vepc mmap failed: ${g}`);
  return { vmm, g: g as VmGuest };
}

test("a guest's EPC pages belong to its vEPC, are never on the active list and count against the free pool", () => {
  const m = machine(32);
  const { vmm, g } = guest(m, 8);
  assert.equal(
    useq(m, vmm, () => vepc_populate(m, vmm, g)),
    true,
  );
  assert.equal(m.sgx.sgx_nr_free_pages.v, 32 - 8);
  const pages = g.vepc.page_array.indices(0, 8).map((i) => g.vepc.page_array.get(i));
  assert.equal(pages.length, 8);
  for (const p of pages) {
    assert.equal(m.pages.owner.get(p), vepcOwner(g.vepc));
    assert.ok(m.pages.owner.get(p) <= -2, "owner <= -2 encodes a vEPC");
    assert.equal(m.pages.flags.get(p) & SGX_EPC_PAGE_RECLAIMER_TRACKED, 0);
  }
  assert.deepEqual(listPages(m.pages, m.sgx.sgx_active_page_list), []);
  assert.equal(g.vma!.pte.get(3), pages[3], "the host PTE maps the page");
  // Touching a page again needs nothing.
  assert.equal(
    useq(m, vmm, () => vepc_populate(m, vmm, g)),
    true,
  );
  assert.equal(m.sgx.sgx_nr_free_pages.v, 32 - 8);
});

test("the reclaimer cannot take vEPC pages: with only them left, sgx_alloc_epc_page returns -ENOMEM", () => {
  const m = machine(32);
  enclave(m, 4, 0);
  // Evict every enclave page (and the SECS with the last one): nothing reclaimable is left.
  kseq(m, () => m.fn.sgx_reclaim_pages(m));
  assert.deepEqual(listPages(m.pages, m.sgx.sgx_active_page_list), []);
  const { vmm, g } = guest(m, m.sgx.sgx_nr_free_pages.v);
  assert.equal(
    useq(m, vmm, () => vepc_populate(m, vmm, g)),
    true,
  );
  assert.equal(m.sgx.sgx_nr_free_pages.v, 0);
  assert.equal(
    kseq(m, () => m.fn.sgx_alloc_epc_page(m, -1, true)),
    -ENOMEM,
  );
});

test("a guest EPC fault with no free page but reclaimable ones drops the mmap_lock and asks to be retried", () => {
  const m = machine(16);
  enclave(m, 4, 0);
  const { vmm, g } = guest(m, 16);
  const free = m.sgx.sgx_nr_free_pages.v;
  const addr = (i: number) => g.vma!.vm_start + i * 4096;
  // One host fault of guest page i, as KVM takes it (mmap_lock held for read).
  const hostFault = (i: number) =>
    useq(m, vmm, function* () {
      yield mmap_read_lock(vmm.mm);
      const r = yield* m.fn.sgx_vepc_fault(m, find_vma(vmm.mm, addr(i))!, addr(i), FAULT_FLAG_ALLOW_RETRY);
      if (!(r & VM_FAULT_RETRY)) yield mmap_read_unlock(vmm.mm);
      return r;
    });
  for (let i = 0; i < free; i++) assert.equal(hostFault(i), VM_FAULT_NOPAGE);
  const r = hostFault(free);
  assert.equal(r, VM_FAULT_RETRY);
  assert.equal(vmm.mm.mmap_lock.readers, 0, "the handler dropped the mmap_lock");
});

test("closing the vEPC EREMOVEs and frees every guest page", () => {
  const m = machine(32);
  const { vmm, g } = guest(m, 10);
  useq(m, vmm, () => vepc_populate(m, vmm, g));
  useq(m, vmm, () => vepc_close(m, vmm, g));
  assert.equal(m.sgx.sgx_nr_free_pages.v, 32);
  assert.equal(g.vepc.freed, true);
  assert.equal(g.vepc.page_array.count, 0);
  assert.deepEqual(m.vepc.zombie_secs_pages, []);
  assert.deepEqual(warnings(m), []);
});

test("fork does not copy the guest EPC mapping (VM_DONTCOPY)", () => {
  const m = machine(32);
  const { vmm } = guest(m, 2);
  const child = useq(m, vmm, () => fork(m, vmm, "child"));
  assert.equal(child.mm.vmas.length, 0);
});
