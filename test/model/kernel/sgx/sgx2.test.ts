import assert from "node:assert/strict";
import { test } from "node:test";
import {
  SGX_NOT_TRACKED,
  SGX_PAGE_TYPE_REG,
  SGX_PAGE_TYPE_TCS,
  SGX_PAGE_TYPE_TRIM,
  SGX_SECINFO_R,
  SGX_SECINFO_W,
} from "../../../../src/model/hw/arch.ts";
import { mem_page } from "../../../../src/model/hw/memory.ts";
import { SgxHw } from "../../../../src/model/hw/sgx_hw.ts";
import { EAGAIN, EBUSY, EINVAL, ENODEV, EPERM } from "../../../../src/model/kernel/lib/errno.ts";
import { listPages } from "../../../../src/model/kernel/lib/list.ts";
import { VM_FAULT_NOPAGE, VM_FAULT_SIGBUS, VM_READ, VM_WRITE } from "../../../../src/model/kernel/lib/mm.ts";
import {
  SGX_ENCL_PAGE_BEING_RECLAIMED,
  SGX_EPC_PAGE_RECLAIMER_TRACKED,
} from "../../../../src/model/kernel/sgx/sgx.ts";
import { listPattern } from "../../../../src/model/user/access.ts";
import {
  ACCEPT_PENDING,
  EnclaveThread,
  enclave_page_fault,
  enclave_run_loop,
} from "../../../../src/model/user/enclave_thread.ts";
import {
  build_enclave,
  newProcess,
  type Process,
  type UserEnclave,
} from "../../../../src/model/user/process.ts";
import { acceptSecinfo, eaccept_call, PAGE_TYPES, sgx2_ioctl } from "../../../../src/model/user/sgx2.ts";
import { enclave, entry, epcOf, kseq, machine, useq, warnings } from "../../../helpers/model.ts";
import { Stepper } from "../../../helpers/stepper.ts";

/** An SGX2 machine with an initialized enclave of `pages` regular pages in an ELRANGE of 8 pages. */
function sgx2(pages = 4, epc = 64) {
  const m = machine(epc, { c: { sgx2: true } });
  const proc = newProcess(m, "p");
  const spec = { name: "e", pages, tcs: 0, size: 8 * 4096, measure: false, add_chunk: 64 };
  const ue = useq(m, proc, () => build_enclave(m, proc, spec, 0x7f00_0000_0000));
  if (typeof ue === "number") throw new Error(`build failed: ${ue}`);
  return { m, proc, ue };
}

function fault(m: ReturnType<typeof machine>, proc: Process, ue: UserEnclave, index: number): number {
  const th = new EnclaveThread(proc, ue, listPattern([], false), 1, 0);
  return useq(m, proc, () => enclave_page_fault(m, th, index));
}

/** One enclave call that touches `pages` (writes, or reads checked against what was written). */
function touch(
  m: ReturnType<typeof machine>,
  proc: Process,
  ue: UserEnclave,
  pages: number[],
  write: boolean,
) {
  const th = new EnclaveThread(proc, ue, listPattern(pages, write), 8, 0);
  useq(m, proc, () => enclave_run_loop(m, th));
  return th;
}

function ioctl(
  m: ReturnType<typeof machine>,
  proc: Process,
  ue: UserEnclave,
  which: "modify_types" | "remove_pages" | "restrict_permissions",
  first: number,
  n: number,
  param = 0,
) {
  return useq(m, proc, () => sgx2_ioctl(m, ue, which, first, n, param, false));
}

function accept(
  m: ReturnType<typeof machine>,
  proc: Process,
  ue: UserEnclave,
  index: number,
  secinfo: number,
) {
  return useq(m, proc, () => eaccept_call(m, proc, ue, index, secinfo));
}

function trimAndAccept(m: ReturnType<typeof machine>, proc: Process, ue: UserEnclave, index: number) {
  assert.deepEqual(ioctl(m, proc, ue, "modify_types", index, 1, PAGE_TYPES.trim), { ret: 0, count: 4096 });
  assert.equal(accept(m, proc, ue, index, acceptSecinfo("trim")), 0);
}

test("EAUG on a fault past the loaded pages adds a PENDING regular page, maps it and lists it reclaimable", () => {
  const { m, proc, ue } = sgx2();
  const children = ue.encl.secs_child_cnt;
  assert.equal(fault(m, proc, ue, 5), VM_FAULT_NOPAGE);
  const p = epcOf(m, ue, 5);
  assert.ok(p >= 0);
  assert.equal(m.hw.pending.get(p), 1);
  assert.equal(m.hw.type.get(p), SGX_PAGE_TYPE_REG);
  assert.equal(m.encl_pages.type.a[entry(ue, 5)], SGX_PAGE_TYPE_REG);
  assert.equal(ue.vma!.pte.get(5), p, "the fault installed the PTE");
  assert.equal(ue.encl.secs_child_cnt, children + 1);
  assert.equal(ue.encl.page_cnt, 1 + 4 + 1, "SECS + 4 pages + the new one need VA slots");
  assert.ok(listPages(m.pages, m.sgx.sgx_active_page_list).includes(p));
  assert.deepEqual(warnings(m), []);
});

test("a PENDING page is refused by the EPCM until the enclave EACCEPTs it; then it reads as zeros and keeps writes", () => {
  const { m, proc, ue } = sgx2();
  fault(m, proc, ue, 5);
  const p = epcOf(m, ue, 5);
  assert.equal(m.hw.accessible(p, ue.encl.eid, 5), false);
  assert.equal(accept(m, proc, ue, 5, ACCEPT_PENDING), 0);
  assert.equal(m.hw.pending.get(p), 0);
  assert.equal(m.hw.accessible(p, ue.encl.eid, 5, true), true);
  assert.equal(touch(m, proc, ue, [5], false).sigsegv, false, "a fresh page reads as zeros");
  touch(m, proc, ue, [5], true);
  assert.equal(m.hw.data.get(p), ue.truth[5]);
  assert.deepEqual(warnings(m), []);
});

test("EACCEPT of a page never added faults, EAUGs it on the way and then succeeds (augment_via_eaccept)", () => {
  const { m, proc, ue } = sgx2();
  assert.equal(accept(m, proc, ue, 6, ACCEPT_PENDING), 0);
  const p = epcOf(m, ue, 6);
  assert.ok(p >= 0);
  assert.equal(m.hw.pending.get(p), 0);
});

test("a write to a never-added page takes an EPCM fault after EAUG; the runtime EACCEPTs and resumes (augment)", () => {
  const { m, proc, ue } = sgx2();
  const th = touch(m, proc, ue, [5], true);
  assert.equal(th.sigsegv, false);
  assert.equal(th.sigbus, false);
  assert.equal(m.hw.data.get(epcOf(m, ue, 5)), ue.truth[5], "the resumed write landed");
});

test("EAUG reloads an evicted SECS before it adds the page (B10 fix)", () => {
  const { m, proc, ue } = sgx2(4);
  kseq(m, () => m.fn.sgx_reclaim_pages(m));
  assert.equal(ue.encl.secs_child_cnt, 0);
  assert.equal(m.encl_pages.epc_page.a[ue.encl.secs], -1, "the SECS went with the last child");
  assert.equal(fault(m, proc, ue, 5), VM_FAULT_NOPAGE);
  assert.ok(m.encl_pages.epc_page.a[ue.encl.secs]! >= 0, "SECS reloaded");
  assert.equal(m.hw.pending.get(epcOf(m, ue, 5)), 1);
  assert.deepEqual(warnings(m), []);
});

test("EAUG with no free EPC page returns NOPAGE (the access is retried), not SIGBUS", () => {
  const { m, proc, ue } = sgx2(4, 16);
  // A guest takes every free page; the enclave's pages stay reclaimable.
  const vepc = m.fn.sgx_vepc_open(m);
  const left = m.sgx.sgx_nr_free_pages.v;
  for (let i = 0; i < left; i++)
    assert.ok(kseq(m, () => m.fn.sgx_alloc_epc_page(m, -(vepc.id + 2), false)) >= 0);
  assert.equal(fault(m, proc, ue, 5), VM_FAULT_NOPAGE);
  assert.equal(ue.encl.page_array.get(5), -1, "nothing was added");
  assert.equal(ue.encl.page_cnt, 5, "and no VA slot is held for it");
});

test("two faults on one absent page: the xa_insert loser frees its own page and returns SIGBUS (B11a, mainline)", () => {
  const { m, proc, ue } = sgx2();
  const s = new Stepper(m);
  let ra = 0;
  let rb = 0;
  const tha = new EnclaveThread(proc, ue, listPattern([], false), 1, 0);
  const thb = new EnclaveThread(proc, ue, listPattern([], false), 1, 0);
  const a = s.add(
    "a",
    function* () {
      ra = yield* enclave_page_fault(m, tha, 5);
    },
    proc.mm,
  );
  const b = s.add(
    "b",
    function* () {
      rb = yield* enclave_page_fault(m, thb, 5);
    },
    proc.mm,
  );
  // a found no entry without encl->lock and is on its way to EAUG.
  s.until(a, (op) => op.kind === "mutex_lock");
  const free0 = m.sgx.sgx_nr_free_pages.v;
  s.finish(b);
  assert.equal(rb, VM_FAULT_NOPAGE);
  const winner = epcOf(m, ue, 5);
  s.finish(a);
  assert.equal(ra, VM_FAULT_SIGBUS, "SIGBUS for a page that exists");
  assert.equal(epcOf(m, ue, 5), winner, "the winner's page survives");
  assert.equal(m.hw.valid.get(winner), 1);
  assert.equal(m.sgx.sgx_nr_free_pages.v, free0 - 1, "the loser's page went back to the pool");
  assert.deepEqual(warnings(m), []);
});

test("MODIFY_TYPES to TRIM: EMODT then ETRACK and an IPI round per page; the page is TRIM and MODIFIED", () => {
  const { m, proc, ue } = sgx2();
  const hw = m.hw.enclaves[ue.encl.eid]!;
  const seq0 = hw.trackSeq;
  assert.deepEqual(ioctl(m, proc, ue, "modify_types", 1, 2, PAGE_TYPES.trim), { ret: 0, count: 2 * 4096 });
  assert.equal(hw.trackSeq, seq0 + 2, "one ETRACK per page");
  for (const i of [1, 2]) {
    const p = epcOf(m, ue, i);
    assert.equal(m.hw.type.get(p), SGX_PAGE_TYPE_TRIM);
    assert.equal(m.hw.modified.get(p), 1);
    assert.equal(m.encl_pages.type.a[entry(ue, i)], SGX_PAGE_TYPE_TRIM);
  }
  assert.equal(touch(m, proc, ue, [1], false).sigsegv, true, "a trimmed page is no longer data");
});

test("REMOVE_PAGES of a trimmed page the enclave did not EACCEPT fails the EMODPR probe: -EPERM, count 0", () => {
  const { m, proc, ue } = sgx2();
  ioctl(m, proc, ue, "modify_types", 1, 1, PAGE_TYPES.trim);
  assert.deepEqual(ioctl(m, proc, ue, "remove_pages", 1, 1), { ret: -EPERM, count: 0 });
  assert.ok(epcOf(m, ue, 1) >= 0, "the page is still there");
  assert.deepEqual(ioctl(m, proc, ue, "remove_pages", 2, 1), { ret: -EPERM, count: 0 }, "a regular page");
});

test("REMOVE_PAGES of an accepted trimmed page EREMOVEs and frees it, erases the entry and keeps the VA pages", () => {
  const { m, proc, ue } = sgx2();
  trimAndAccept(m, proc, ue, 1);
  const e = entry(ue, 1);
  const free0 = m.sgx.sgx_nr_free_pages.v;
  const vas = ue.encl.va_pages.length;
  const cnt = ue.encl.page_cnt;
  const children = ue.encl.secs_child_cnt;
  assert.deepEqual(ioctl(m, proc, ue, "remove_pages", 1, 1), { ret: 0, count: 4096 });
  assert.equal(ue.encl.page_array.get(1), -1);
  assert.equal(m.encl_pages.alive.a[e], 0, "the entry was freed");
  assert.equal(m.sgx.sgx_nr_free_pages.v, free0 + 1);
  assert.equal(ue.encl.secs_child_cnt, children - 1);
  assert.equal(ue.encl.page_cnt, cnt - 1);
  assert.equal(ue.encl.va_pages.length, vas);
  assert.equal(ue.vma!.pte.get(1), -1, "its PTE was zapped");
  // The address can be used again: EAUG a fresh page there (tcs_create, phase 2).
  assert.equal(accept(m, proc, ue, 1, ACCEPT_PENDING), 0);
  assert.equal(touch(m, proc, ue, [1], false).sigsegv, false, "reads as zeros");
  assert.deepEqual(warnings(m), []);
});

test("an SGX2 ioctl on a page the reclaimer is writing back stops with -EAGAIN there", () => {
  const { m, proc, ue } = sgx2();
  const s = new Stepper(m);
  const ksgxd = s.add("ksgxd", () => m.fn.sgx_reclaim_pages(m));
  const e1 = entry(ue, 1);
  s.until(
    ksgxd,
    (op) => op.kind === "mutex_unlock" && !!(m.encl_pages.desc.a[e1]! & SGX_ENCL_PAGE_BEING_RECLAIMED),
  );
  s.step(ksgxd);
  assert.deepEqual(ioctl(m, proc, ue, "modify_types", 1, 2, PAGE_TYPES.trim), { ret: -EAGAIN, count: 0 });
  s.finish(ksgxd);
  // Retried from where it stopped, it loads the page back and goes on.
  assert.deepEqual(ioctl(m, proc, ue, "modify_types", 1, 2, PAGE_TYPES.trim), { ret: 0, count: 2 * 4096 });
  assert.deepEqual(warnings(m), []);
});

test("while the reclaimer has a page isolated, REG->TCS returns -EAGAIN (max prot restored) and REMOVE_PAGES -EBUSY", () => {
  const { m, proc, ue } = sgx2();
  trimAndAccept(m, proc, ue, 0);
  // Put the trimmed page and page 1 at the head of the active list, isolate them.
  const s = new Stepper(m);
  const ksgxd = s.add("ksgxd", () => m.fn.sgx_reclaim_pages(m));
  s.until(ksgxd, (op) => op.kind === "mark" && op.what === "reclaim_isolated");
  const p1 = epcOf(m, ue, 1);
  assert.ok(m.pages.flags.get(p1) & SGX_EPC_PAGE_RECLAIMER_TRACKED);
  const prot = m.encl_pages.vm_max_prot_bits.a[entry(ue, 1)];
  assert.deepEqual(ioctl(m, proc, ue, "modify_types", 1, 1, PAGE_TYPES.tcs), { ret: -EAGAIN, count: 0 });
  assert.equal(m.encl_pages.vm_max_prot_bits.a[entry(ue, 1)], prot, "out_entry_changed restores it");
  assert.deepEqual(ioctl(m, proc, ue, "remove_pages", 0, 1), { ret: -EBUSY, count: 0 });
  s.finish(ksgxd);
  assert.deepEqual(warnings(m), []);
});

test("MODIFY_TYPES REG->TCS zaps the page's PTEs and the enclave accepts the new TCS", () => {
  const { m, proc, ue } = sgx2();
  touch(m, proc, ue, [2], true);
  assert.ok(ue.vma!.pte.get(2) >= 0);
  assert.deepEqual(ioctl(m, proc, ue, "modify_types", 2, 1, PAGE_TYPES.tcs), { ret: 0, count: 4096 });
  assert.equal(ue.vma!.pte.get(2), -1);
  assert.equal(m.encl_pages.vm_max_prot_bits.a[entry(ue, 2)], VM_READ | VM_WRITE);
  assert.ok(m.pages.flags.get(epcOf(m, ue, 2)) & SGX_EPC_PAGE_RECLAIMER_TRACKED, "listed again");
  assert.equal(accept(m, proc, ue, 2, acceptSecinfo("tcs")), 0);
  assert.equal(m.hw.type.get(epcOf(m, ue, 2)), SGX_PAGE_TYPE_TCS);
  assert.equal(m.hw.modified.get(epcOf(m, ue, 2)), 0);
});

test("RESTRICT_PERMISSIONS: a TCS page is -EINVAL with count 0; a regular page becomes read-only after EACCEPT", () => {
  const m = machine(64, { c: { sgx2: true } });
  const { proc, ue } = enclave(m, 4, 1);
  assert.deepEqual(ioctl(m, proc, ue, "restrict_permissions", 4, 1, SGX_SECINFO_R), {
    ret: -EINVAL,
    count: 0,
  });
  assert.deepEqual(ioctl(m, proc, ue, "restrict_permissions", 1, 1, SGX_SECINFO_R), { ret: 0, count: 4096 });
  assert.equal(accept(m, proc, ue, 1, acceptSecinfo("pr", SGX_SECINFO_R)), 0);
  assert.equal(touch(m, proc, ue, [1], false).sigsegv, false, "still readable");
  assert.equal(touch(m, proc, ue, [1], true).sigsegv, true, "a write faults in the EPCM");
  assert.deepEqual(
    ioctl(m, proc, ue, "restrict_permissions", 1, 1, SGX_SECINFO_W),
    { ret: -EINVAL, count: 0 },
    "W without R is refused before EMODPR",
  );
});

test("SGX2 ioctls need SGX2 hardware (-ENODEV) and an initialized enclave", () => {
  const m = machine(64);
  const { proc, ue } = enclave(m, 4, 0);
  assert.deepEqual(ioctl(m, proc, ue, "modify_types", 0, 1, PAGE_TYPES.trim), { ret: -ENODEV, count: 0 });
  assert.equal(fault(m, proc, ue, 5), VM_FAULT_SIGBUS, "no EAUG without SGX2");
});

test("B11b (mainline): a fault while REMOVE_PAGES has dropped encl->lock maps the page it then removes", () => {
  const { m, proc, ue } = sgx2();
  trimAndAccept(m, proc, ue, 1);
  const p = epcOf(m, ue, 1);
  const s = new Stepper(m);
  const remover = s.add("remove", () => sgx2_ioctl(m, ue, "remove_pages", 1, 1, 0, false), proc.mm);
  // Run REMOVE_PAGES until it zapped the PTE and is about to take encl->lock again.
  s.until(remover, (op) => op.kind === "ipi" || op.kind === "work");
  s.until(remover, (op) => op.kind === "mutex_lock");
  assert.equal(ue.vma!.pte.get(1), -1, "zapped");
  // The enclave touches the page meanwhile: the fault finds the entry resident and not busy.
  assert.equal(fault(m, proc, ue, 1), VM_FAULT_NOPAGE);
  assert.equal(ue.vma!.pte.get(1), p, "a PTE to a page being removed");
  s.finish(remover);
  assert.equal(ue.encl.page_array.get(1), -1);
  assert.equal(m.hw.valid.get(p), 0, "the page was EREMOVEd");
  assert.equal(ue.vma!.pte.get(1), p, "the PTE stays: the enclave can never use this page again");
  // Every later fault sees no entry, EAUGs a new page, and leaves the stale PTE in place.
  assert.equal(fault(m, proc, ue, 1), VM_FAULT_NOPAGE);
  assert.notEqual(epcOf(m, ue, 1), p);
  assert.equal(ue.vma!.pte.get(1), p);
});

test("the hardware: EACCEPT of an EMODT change needs an ETRACK cycle after it (SGX_NOT_TRACKED before)", () => {
  const hw = new SgxHw(16, [0, 0]);
  const out = { eid: -1 };
  hw.ECREATE(0, out);
  hw.EADD(1, 0, 0, SGX_PAGE_TYPE_REG, 7);
  hw.EINIT(0);
  const cpu = hw.cpus[1]!;
  hw.enter(cpu, out.eid);
  assert.equal(hw.EMODT(1, SGX_PAGE_TYPE_TRIM), 0);
  const trim = acceptSecinfo("trim");
  assert.equal(hw.EACCEPT(1, out.eid, 0, trim), SGX_NOT_TRACKED);
  assert.equal(hw.ETRACK(0), 0);
  assert.equal(hw.EACCEPT(1, out.eid, 0, trim), SGX_NOT_TRACKED, "CPU 1 has not left the enclave yet");
  hw.interrupt([1]);
  assert.equal(hw.EACCEPT(1, out.eid, 0, trim), 0);
});

test("the hardware: EWB and ELDU keep a page PENDING, MODIFIED or restricted", () => {
  const hw = new SgxHw(16, [0]);
  const out = { eid: -1 };
  hw.ECREATE(0, out);
  hw.EINIT(0);
  hw.EPA(9);
  assert.equal(hw.EAUG(1, 0, 3), 0);
  assert.equal(hw.EBLOCK(1), 0);
  assert.equal(hw.ETRACK(0), 0);
  const contents = new mem_page(1);
  const pcmd = new mem_page(2);
  assert.equal(hw.EWB(1, 9, 0, contents, pcmd, 0), 0);
  assert.equal(hw.ELDU(2, 0, 3, 9, 0, contents, pcmd, 0), 0);
  assert.equal(hw.pending.get(2), 1, "still PENDING after the round trip");
  assert.equal(hw.perm.get(2), SGX_SECINFO_R | SGX_SECINFO_W);
  assert.equal(hw.EACCEPT(2, out.eid, 3, ACCEPT_PENDING), 0);
});
