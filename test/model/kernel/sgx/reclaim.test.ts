import assert from "node:assert/strict";
import { test } from "node:test";
import { listPages } from "../../../../src/model/kernel/lib/list.ts";
import { VM_FAULT_NOPAGE } from "../../../../src/model/kernel/lib/mm.ts";
import { SGX_ENCL_PAGE_VA_OFFSET_MASK } from "../../../../src/model/kernel/sgx/sgx.ts";
import { makePattern } from "../../../../src/model/user/access.ts";
import { EnclaveThread, enclave_page_fault } from "../../../../src/model/user/enclave_thread.ts";
import { enclave, entry, epcOf, kseq, machine, useq, warnings } from "../../../helpers/model.ts";

function active(m: ReturnType<typeof machine>): number[] {
  return listPages(m.pages, m.sgx.sgx_active_page_list);
}

test("building an enclave puts every child page on the active list in EADD order", () => {
  const m = machine(64);
  const { ue } = enclave(m, 20, 1);
  assert.equal(active(m).length, 21);
  assert.deepEqual(active(m).slice(0, 3), [epcOf(m, ue, 0), epcOf(m, ue, 1), epcOf(m, ue, 2)]);
  // SECS + 1 VA page + 21 children
  assert.equal(m.sgx.sgx_nr_free_pages.v, 64 - 23);
});

test("sgx_reclaim_pages writes back one batch of SGX_NR_TO_SCAN old pages and frees them", () => {
  const m = machine(64);
  const { ue } = enclave(m, 20, 1);
  const free0 = m.sgx.sgx_nr_free_pages.v;
  kseq(m, () => m.fn.sgx_reclaim_pages(m), "ksgxd");
  assert.equal(m.sgx.sgx_nr_free_pages.v, free0 + 16);
  assert.equal(active(m).length, 5);
  for (let i = 0; i < 16; i++) {
    assert.equal(epcOf(m, ue, i), -1, `page ${i} is evicted`);
    const e = entry(ue, i);
    assert.notEqual(m.encl_pages.va_page.a[e], -1);
  }
  for (let i = 16; i < 20; i++) assert.notEqual(epcOf(m, ue, i), -1, `page ${i} stays`);
  assert.equal(m.hw.enclaves[ue.encl.eid]!.trackSeq, 1, "one ETRACK for the whole batch");
  assert.equal(ue.encl.secs_child_cnt, 5);
  assert.deepEqual(warnings(m), []);
});

test("young pages get a second chance: they go back to the tail of the active list", () => {
  const m = machine(64);
  const { ue } = enclave(m, 20, 0);
  // Map page 0 and mark it accessed (what a touch through the PTE does).
  ue.vma!.pte.set(0, epcOf(m, ue, 0));
  ue.vma!.young.set(0, 1);
  kseq(m, () => m.fn.sgx_reclaim_pages(m));
  assert.notEqual(epcOf(m, ue, 0), -1);
  assert.equal(active(m).at(-1), epcOf(m, ue, 0));
  assert.equal(ue.vma!.young.get(0), 0, "the Accessed bit was cleared");
  assert.equal(ue.vma!.pte.get(0), epcOf(m, ue, 0), "an old page's PTE is left alone");
});

test("evicting the last child of an initialized enclave evicts the SECS; a fault reloads both", () => {
  const m = machine(64);
  const { proc, ue } = enclave(m, 15, 1);
  const secs = () => m.encl_pages.epc_page.a[ue.encl.secs]!;
  kseq(m, () => m.fn.sgx_reclaim_pages(m));
  assert.equal(ue.encl.secs_child_cnt, 0);
  assert.equal(secs(), -1, "SECS evicted");
  assert.equal(m.hw.enclaves[ue.encl.eid]!.secsPage, -1);
  const th = new EnclaveThread(proc, ue, makePattern({ kind: "uniform" }, 0, 1, 0, 1, 1, 0), 1, 0);
  const ret = useq(m, proc, () => enclave_page_fault(m, th, 3));
  assert.equal(ret, VM_FAULT_NOPAGE);
  assert.notEqual(secs(), -1, "SECS reloaded");
  assert.notEqual(epcOf(m, ue, 3), -1);
  assert.equal(m.hw.data.get(epcOf(m, ue, 3)), ue.truth[3], "the page's data came back intact");
  assert.equal(ue.vma!.pte.get(3), epcOf(m, ue, 3), "the fault installed a PTE");
  assert.deepEqual(warnings(m), []);
});

test("the VA slot an ELDU frees is the next one an EWB takes", () => {
  const m = machine(64);
  const { proc, ue } = enclave(m, 20, 0);
  kseq(m, () => m.fn.sgx_reclaim_pages(m));
  const slotOf = (i: number) => m.encl_pages.desc.a[entry(ue, i)]! & SGX_ENCL_PAGE_VA_OFFSET_MASK;
  const used = slotOf(7);
  const th = new EnclaveThread(proc, ue, makePattern({ kind: "uniform" }, 0, 1, 0, 1, 1, 0), 1, 0);
  useq(m, proc, () => enclave_page_fault(m, th, 7));
  assert.equal(slotOf(7), 0, "VA offset bits cleared on load");
  // The next page written back (page 16, now at the head of the active list) takes the first free
  // slot of the head VA page: the one page 7 just gave back.
  kseq(m, () => m.fn.sgx_reclaim_pages(m));
  assert.equal(epcOf(m, ue, 16), -1);
  assert.equal(slotOf(16), used, "the freed slot was reused");
});

test("ELDU truncates the contents page, and the PCMD page once all its entries are zero", () => {
  const m = machine(64);
  const { proc, ue } = enclave(m, 40, 0);
  const file = ue.encl.backing!;
  kseq(m, () => m.fn.sgx_reclaim_pages(m));
  const pcmdIndex = ue.encl.size / 4096 + 1; // PCMD page of enclave pages 0..31
  assert.ok(file.pages.has(0) && file.pages.has(pcmdIndex));
  const th = new EnclaveThread(proc, ue, makePattern({ kind: "uniform" }, 0, 1, 0, 1, 1, 0), 1, 0);
  for (let i = 0; i < 15; i++) useq(m, proc, () => enclave_page_fault(m, th, i));
  assert.equal(file.pages.has(0), false, "contents page truncated after ELDU");
  assert.equal(file.pages.has(pcmdIndex), true, "page 15's PCMD still lives there");
  useq(m, proc, () => enclave_page_fault(m, th, 15));
  assert.equal(file.pages.has(pcmdIndex), false, "the empty PCMD page was truncated");
  assert.deepEqual(warnings(m), []);
});

test("reclaimer_writing_to_pcmd keeps an empty PCMD page while a sibling is being reclaimed", () => {
  const m = machine(64);
  const { proc, ue } = enclave(m, 40, 0);
  kseq(m, () => m.fn.sgx_reclaim_pages(m)); // pages 0..15 evicted
  const E = m.encl_pages;
  // Page 20 shares the PCMD page and is being reclaimed (phase 2 done, not yet written).
  E.desc.a[entry(ue, 20)]! |= 1 << 3;
  const th = new EnclaveThread(proc, ue, makePattern({ kind: "uniform" }, 0, 1, 0, 1, 1, 0), 1, 0);
  for (let i = 0; i < 16; i++) useq(m, proc, () => enclave_page_fault(m, th, i));
  const pcmdIndex = ue.encl.size / 4096 + 1;
  assert.equal(ue.encl.backing!.pages.has(pcmdIndex), true);
  assert.equal(m.fn.reclaimer_writing_to_pcmd(m, ue.encl, 0), true);
});

test("releasing an enclave frees every EPC page, VA page and the SECS", () => {
  const m = machine(64);
  const { proc, ue } = enclave(m, 20, 1);
  kseq(m, () => m.fn.sgx_reclaim_pages(m));
  useq(m, proc, function* () {
    for (const n of proc.mm.notifiers.slice())
      yield* m.fn.sgx_mmu_notifier_release(m, n.owner as never, proc.mm);
    yield* m.fn.sgx_release(m, ue.encl);
  });
  assert.equal(ue.encl.freed, true);
  assert.equal(m.sgx.sgx_nr_free_pages.v, 64);
  assert.equal(active(m).length, 0);
  assert.deepEqual(warnings(m), []);
});

test("a release racing with the reclaimer: isolated pages stay with the reclaimer, whose kref_put frees the enclave", async () => {
  const { Stepper } = await import("../../../helpers/stepper.ts");
  const m = machine(64);
  const { proc, ue } = enclave(m, 20, 1);
  const s = new Stepper(m);
  const ksgxd = s.add("ksgxd", () => m.fn.sgx_reclaim_pages(m));
  // Phase 1: the reclaimer isolates 16 pages and holds an enclave reference for each.
  s.until(ksgxd, (op) => op.kind === "mark" && op.what === "reclaim_isolated");
  assert.equal(ue.encl.refcount.v, 1 + 1 + 16, "file + mm + one per isolated page");
  // The process exits and closes the enclave: only its own references go.
  const exiter = s.add(
    "exit",
    function* () {
      for (const n of proc.mm.notifiers.slice())
        yield* m.fn.sgx_mmu_notifier_release(m, n.owner as never, proc.mm);
      yield* m.fn.sgx_release(m, ue.encl);
    },
    proc.mm,
  );
  s.finish(exiter);
  assert.equal(ue.encl.freed, false, "the reclaimer's references keep the enclave alive");
  assert.equal(ue.encl.refcount.v, 16);
  // The reclaimer finishes; its last kref_put runs sgx_encl_release in ksgxd.
  s.finish(ksgxd);
  assert.equal(ue.encl.freed, true);
  assert.equal(m.sgx.sgx_nr_free_pages.v, 64, "every EPC page is back");
  assert.equal(m.dmesg.find((d) => d.comm === "ksgxd") === undefined, true);
  assert.deepEqual(warnings(m), []);
});

test("sgx_unmark_page_reclaimable returns -EBUSY for a page the reclaimer has isolated", async () => {
  const { Stepper } = await import("../../../helpers/stepper.ts");
  const m = machine(64);
  const { ue } = enclave(m, 20, 0);
  const s = new Stepper(m);
  const ksgxd = s.add("ksgxd", () => m.fn.sgx_reclaim_pages(m));
  s.until(ksgxd, (op) => op.kind === "mark" && op.what === "reclaim_isolated");
  const isolated = epcOf(m, ue, 0);
  const onList = epcOf(m, ue, 18);
  assert.equal(
    kseq(m, () => m.fn.sgx_unmark_page_reclaimable(m, isolated)),
    -16,
  );
  assert.equal(
    kseq(m, () => m.fn.sgx_unmark_page_reclaimable(m, onList)),
    0,
  );
  assert.equal(active(m).includes(onList), false);
});

test("poison on a free page moves it to the poison list; on a page in use it leaves the active list", () => {
  const m = machine(64);
  const { ue } = enclave(m, 4, 0);
  const node = m.sgx.sgx_numa_nodes[0]!;
  const freePage = 40; // never touched
  kseq(m, () => m.fn.arch_memory_failure(m, freePage, 0));
  assert.deepEqual(listPages(m.pages, node.sgx_poison_page_list), [freePage]);
  const used = epcOf(m, ue, 1);
  kseq(m, () => m.fn.arch_memory_failure(m, used, 0));
  assert.equal(active(m).includes(used), false, "never written back with EWB");
  assert.equal(m.pages.poison.get(used), 1);
  // The allocator skips the poisoned free page.
  const got = kseq(m, function* () {
    const out: number[] = [];
    for (;;) {
      const p = yield* m.fn.__sgx_alloc_epc_page(m);
      if (p < 0) return out;
      out.push(p);
    }
  });
  assert.equal(got.includes(freePage), false);
});

test("a forked child's mm joins the enclave's mm_list; its exit and the parent's release everything", async () => {
  const { fork, exit_process } = await import("../../../../src/model/user/process.ts");
  const m = machine(64);
  const { proc, ue } = enclave(m, 20, 1);
  const child = useq(m, proc, () => fork(m, proc, "child"));
  assert.equal(ue.encl.mm_list.length, 2);
  assert.equal(ue.encl.refcount.v, 3, "file + two mms");
  kseq(m, () => m.fn.sgx_reclaim_pages(m));
  useq(m, child, () => exit_process(m, child));
  assert.equal(ue.encl.mm_list.length, 1);
  assert.equal(ue.encl.freed, false, "the parent still has the file open");
  useq(m, proc, () => exit_process(m, proc));
  assert.equal(ue.encl.freed, true);
  assert.equal(m.sgx.sgx_nr_free_pages.v, 64);
  assert.deepEqual(warnings(m), []);
});
