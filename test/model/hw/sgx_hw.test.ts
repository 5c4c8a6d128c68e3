import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ENCLS_FAULT_FLAG,
  SGX_BLKSTATE,
  SGX_CHILD_PRESENT,
  SGX_MAC_COMPARE_FAIL,
  SGX_NOT_TRACKED,
  SGX_NOTBLOCKABLE,
  SGX_PAGE_NOT_BLOCKED,
  SGX_PAGE_TYPE_REG,
  SGX_PREV_TRK_INCMPL,
  SGX_VA_SLOT_OCCUPIED,
  X86_TRAP_GP,
} from "../../../src/model/hw/arch.ts";
import { mem_page, pcmdPageEmpty, pcmdZero } from "../../../src/model/hw/memory.ts";
import { SgxHw } from "../../../src/model/hw/sgx_hw.ts";

const GP = ENCLS_FAULT_FLAG | X86_TRAP_GP;

/** An initialized enclave: SECS in page 0, children in pages 1..n, a VA page in page 9. */
function setup(children = 2, cpus = 2) {
  const hw = new SgxHw(16, Array(cpus).fill(0));
  const out = { eid: -1 };
  assert.equal(hw.ECREATE(0, out), 0);
  for (let i = 1; i <= children; i++) assert.equal(hw.EADD(i, 0, i - 1, SGX_PAGE_TYPE_REG, 100 + i), 0);
  assert.equal(hw.EINIT(0), 0);
  assert.equal(hw.EPA(9), 0);
  return { hw, eid: out.eid };
}

function writeBack(hw: SgxHw, page: number, slot: number) {
  const contents = new mem_page(1);
  const pcmd = new mem_page(2);
  return { ret: hw.EWB(page, 9, slot, contents, pcmd, 0), contents, pcmd };
}

test("EWB of a page that was not blocked fails with SGX_PAGE_NOT_BLOCKED", () => {
  const { hw } = setup();
  assert.equal(writeBack(hw, 1, 0).ret, SGX_PAGE_NOT_BLOCKED);
});

test("EWB after EBLOCK needs an ETRACK issued after the block (SGX_NOT_TRACKED before)", () => {
  const { hw } = setup();
  assert.equal(hw.EBLOCK(1), 0);
  assert.equal(writeBack(hw, 1, 0).ret, SGX_NOT_TRACKED);
  assert.equal(hw.ETRACK(0), 0);
  assert.equal(writeBack(hw, 1, 0).ret, 0);
  assert.equal(hw.valid.get(1), 0, "the EPC page is free after EWB");
});

test("EWB is not tracked until every CPU that was inside at ETRACK has left the enclave", () => {
  const { hw, eid } = setup(2, 3);
  const [c0, c1] = hw.cpus;
  hw.enter(c0!, eid);
  hw.enter(c1!, eid);
  assert.equal(hw.EBLOCK(1), 0);
  assert.equal(hw.ETRACK(0), 0);
  assert.equal(writeBack(hw, 1, 0).ret, SGX_NOT_TRACKED);
  hw.exit(c0!);
  assert.equal(writeBack(hw, 1, 0).ret, SGX_NOT_TRACKED, "CPU 1 is still inside");
  assert.deepEqual(hw.interrupt([1, 2]), [1], "only CPU 1 was in enclave mode");
  assert.equal(writeBack(hw, 1, 0).ret, 0);
});

test("a CPU that enters after ETRACK does not hold the cycle open", () => {
  const { hw, eid } = setup(2, 2);
  assert.equal(hw.EBLOCK(1), 0);
  assert.equal(hw.ETRACK(0), 0);
  hw.enter(hw.cpus[0]!, eid);
  assert.equal(writeBack(hw, 1, 0).ret, 0);
});

test("one completed ETRACK covers every page blocked before it", () => {
  const { hw, eid } = setup(3, 2);
  hw.enter(hw.cpus[0]!, eid);
  for (const p of [1, 2, 3]) assert.equal(hw.EBLOCK(p), 0);
  assert.equal(hw.ETRACK(0), 0);
  hw.interrupt([0]);
  for (const [i, p] of [1, 2, 3].entries()) assert.equal(writeBack(hw, p, i).ret, 0);
});

test("ETRACK while the previous cycle is incomplete fails with SGX_PREV_TRK_INCMPL", () => {
  const { hw, eid } = setup();
  hw.enter(hw.cpus[0]!, eid);
  assert.equal(hw.ETRACK(0), 0);
  assert.equal(hw.ETRACK(0), SGX_PREV_TRK_INCMPL);
  hw.interrupt([0]);
  assert.equal(hw.ETRACK(0), 0);
});

test("EBLOCK twice returns SGX_BLKSTATE and the SECS is not blockable", () => {
  const { hw } = setup();
  assert.equal(hw.EBLOCK(1), 0);
  assert.equal(hw.EBLOCK(1), SGX_BLKSTATE);
  assert.equal(hw.EBLOCK(0), SGX_NOTBLOCKABLE);
});

test("EWB into an occupied VA slot fails with SGX_VA_SLOT_OCCUPIED", () => {
  const { hw } = setup();
  hw.EBLOCK(1);
  hw.EBLOCK(2);
  hw.ETRACK(0);
  assert.equal(writeBack(hw, 1, 5).ret, 0);
  assert.equal(writeBack(hw, 2, 5).ret, SGX_VA_SLOT_OCCUPIED);
});

test("the SECS can be written back or removed only when it has no resident child", () => {
  const { hw } = setup(1);
  assert.equal(writeBack(hw, 0, 3).ret, SGX_CHILD_PRESENT);
  assert.equal(hw.EREMOVE(0), SGX_CHILD_PRESENT);
  hw.EBLOCK(1);
  hw.ETRACK(0);
  assert.equal(writeBack(hw, 1, 0).ret, 0);
  assert.equal(writeBack(hw, 0, 3).ret, 0);
});

test("ELDU restores the data written back and frees the version slot", () => {
  const { hw } = setup();
  hw.EBLOCK(1);
  hw.ETRACK(0);
  const token = hw.data.get(1);
  const { contents, pcmd } = writeBack(hw, 1, 4);
  assert.equal(hw.ELDU(5, 0, 0, 9, 4, contents, pcmd, 0), 0);
  assert.equal(hw.data.get(5), token);
  assert.equal(hw.va.get(9)![4], 0);
});

test("ELDU faults (#GP) on an all-zero PCMD entry", () => {
  const { hw } = setup();
  hw.EBLOCK(1);
  hw.ETRACK(0);
  const { contents, pcmd } = writeBack(hw, 1, 4);
  pcmdZero(pcmd, 0);
  assert.equal(pcmdPageEmpty(pcmd), true);
  assert.equal(hw.ELDU(5, 0, 0, 9, 4, contents, pcmd, 0), GP);
});

test("ELDU of stale or lost contents fails the MAC check", () => {
  const { hw } = setup();
  hw.EBLOCK(1);
  hw.ETRACK(0);
  const { contents, pcmd } = writeBack(hw, 1, 4);
  const lost = new mem_page(9); // the contents page was replaced by a fresh zero page
  assert.equal(hw.ELDU(5, 0, 0, 9, 4, lost, pcmd, 0), SGX_MAC_COMPARE_FAIL);
  contents.data += 1; // stale data
  assert.equal(hw.ELDU(5, 0, 0, 9, 4, contents, pcmd, 0), SGX_MAC_COMPARE_FAIL);
});

test("a translation cached before EBLOCK keeps working until the CPU exits; EBLOCK stops new ones", () => {
  const { hw, eid } = setup();
  const c = hw.cpus[0]!;
  hw.enter(c, eid);
  assert.equal(hw.accessible(1, eid, 0), true);
  hw.tlbFill(c, 0, 1);
  hw.EBLOCK(1);
  assert.equal(hw.accessible(1, eid, 0), false, "no new translation to a blocked page");
  assert.equal(c.tlbLookup(0), 1, "the cached one stays");
  hw.exit(c);
  assert.equal(c.tlbLookup(0), -1);
});

test("EREMOVE frees a child and EADD after EINIT is refused", () => {
  const { hw } = setup();
  assert.equal(hw.EREMOVE(1), 0);
  assert.equal(hw.valid.get(1), 0);
  assert.equal(hw.EADD(3, 0, 7, SGX_PAGE_TYPE_REG, 1), GP);
});
