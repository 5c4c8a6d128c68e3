/**
 * fork copies the enclave mapping with its PTEs (VM_PFNMAP), old, and the reclaimer zaps the
 * child's copy too. The enclave file's lifetime: every VMA that maps it holds a reference (vma->vm_file), so closing
 * the last descriptor does not run sgx_release while a mapping remains; the release runs when the
 * last mapping goes (exit_mmap), in whichever task drops it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { mmget_not_zero, mmput } from "../../../../src/model/kernel/lib/mm.ts";
import { exit_process, fork } from "../../../../src/model/user/process.ts";
import { enclave, epcOf, kseq, machine, useq, warnings } from "../../../helpers/model.ts";

test("an exiting process whose mm someone still holds keeps the enclave until its mappings go", () => {
  const m = machine(64);
  const { proc, ue } = enclave(m, 8);
  const file = proc.files[0]!;
  assert.equal(file.f_count, 2, "the descriptor and the mapping");
  // The reclaimer (say) holds the mm while the process exits.
  assert.equal(
    kseq(m, () => mmget_not_zero(m, proc.mm)),
    true,
  );
  useq(m, proc, () => exit_process(m, proc));
  assert.equal(file.f_count, 1, "the mapping still refers to the file");
  assert.equal(ue.encl.freed, false);
  assert.equal(ue.encl.mm_list.length, 1, "sgx_release has not drained mm_list");
  // The holder's mmput is the last: exit_mmap removes the VMA, whose fput releases the enclave.
  kseq(m, () => mmput(m, proc.mm));
  assert.equal(file.f_count, 0);
  assert.equal(ue.encl.freed, true);
});

test("a forked child's mapping keeps the file: the parent's exit does not release the enclave", () => {
  const m = machine(64);
  const { proc, ue } = enclave(m, 8);
  const file = proc.files[0]!;
  const child = useq(m, proc, () => fork(m, proc, "child"));
  assert.equal(file.f_count, 4, "two descriptors, two mappings");
  useq(m, proc, () => exit_process(m, proc));
  assert.equal(file.f_count, 2);
  assert.equal(ue.encl.freed, false);
  useq(m, child, () => exit_process(m, child));
  assert.equal(ue.encl.freed, true);
});

test("fork copies the enclave's PTEs into the child, old; reclaim zaps the child's copy", () => {
  const m = machine(64);
  const { proc, ue } = enclave(m, 20, 1);
  for (let i = 0; i < 4; i++) {
    ue.vma!.pte.set(i, epcOf(m, ue, i));
    ue.vma!.young.set(i, 1);
  }
  const child = useq(m, proc, () => fork(m, proc, "child"));
  const cv = child.mm.vmas[0]!;
  for (let i = 0; i < 4; i++) {
    assert.equal(cv.pte.get(i), epcOf(m, ue, i), `page ${i} is mapped in the child`);
    assert.equal(cv.young.get(i), 0, "pte_mkold");
  }
  assert.equal(cv.pte.get(4), -1);
  // Old in the parent too, so the first batch takes the mapped pages.
  for (let i = 0; i < 4; i++) ue.vma!.young.set(i, 0);
  kseq(m, () => m.fn.sgx_reclaim_pages(m), "ksgxd");
  for (let i = 0; i < 4; i++) {
    assert.equal(epcOf(m, ue, i), -1, `page ${i} is evicted`);
    assert.equal(cv.pte.get(i), -1, `the child's PTE of page ${i} is zapped`);
  }
  assert.deepEqual(warnings(m), []);
});
