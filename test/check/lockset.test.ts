/**
 * The lockset data-race detector for the kernel's lists and enclave page descriptors
 * (src/check/lockset.ts): a location two threads access, one of them writing, with no lock in
 * common is a race even when the execution at hand did not corrupt it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runCheck } from "../../src/check/checker.ts";
import { prepare } from "../../src/check/engine.ts";
import { DATA_RACE, Lockset } from "../../src/check/lockset.ts";
import { loadScenario } from "../../src/scenario/load.ts";
import { loadKernel } from "../../src/scenario/patches.ts";

const names = (t: number) => `t${t}`;
const lock = (id: number) => `L${id}`;
const w = (tid: number, held: number[], what = "list_add") => ({
  tid,
  name: names(tid),
  held: new Set(held),
  what,
});

test("a list one thread writes is private; shared writes keep the locks they have in common", () => {
  const s = new Lockset();
  assert.equal(s.write(1, w(0, []), names, lock), null, "set-up without a lock: private");
  assert.equal(s.write(1, w(0, []), names, lock), null);
  assert.equal(s.write(1, w(1, [5, 6]), names, lock), null, "first shared write: candidates {L5, L6}");
  assert.equal(s.write(1, w(2, [5]), names, lock), null, "narrowed to {L5}");
  assert.equal(s.write(1, w(1, [5, 7]), names, lock), null);
  const bad = s.write(1, w(2, [6]), names, lock);
  assert.match(
    bad ?? "",
    /^t2 does list_add holding \{L6\}; t1 did list_add holding \{L5, L7\}: no lock in common$/,
  );
  // Another list is independent.
  assert.equal(s.write(2, w(3, []), names, lock), null);
});

test("reads share a location without a report; a write after them needs a lock every access held", () => {
  const s = new Lockset();
  const r = (tid: number, held: number[]) => ({ tid, name: names(tid), held: new Set(held), what: "a read" });
  assert.equal(s.access(7, r(0, [1]), false, names, lock), null);
  assert.equal(s.access(7, r(1, []), false, names, lock), null, "two readers without a lock: no race");
  const bad = s.access(7, w(2, [1]), true, names, lock);
  assert.match(bad ?? "", /t2 does list_add holding \{L1\}; t1 did a read holding \{no lock\}/);
  // A location released by its owner's last reference is private to the releasing thread.
  s.claim(7, 3);
  assert.equal(s.access(7, w(3, []), true, names, lock), null);
});

const OPT = {
  strategy: "random" as const,
  seed: 1,
  schedules: 3000,
  timeMs: 60_000,
  maxSteps: 20_000,
  everyStep: false,
  preemptionBound: 2,
  pctDepth: 3,
};

test("the fault path adding a page to the active list without sgx_reclaimer_lock races with the reclaimer", async () => {
  const kernel = "mutant/auto/sgx_mark_page_reclaimable/drop-lock/0";
  await loadKernel(kernel);
  const sc = loadScenario("check-fault-vs-reclaim", [`kernel=${kernel}`]).scenario;
  const r = runCheck(prepare(sc), OPT);
  assert.equal(r.found?.out.failure?.property, DATA_RACE);
  assert.match(r.found!.out.failure!.detail, /sgx_active_page_list.*no lock in common/);
});

test("encl->lock dropped before BEING_RECLAIMED is set: the fault path read the flag under it", async () => {
  const kernel = "mutant/auto/sgx_reclaim_pages/unlock-early/2";
  await loadKernel(kernel);
  const sc = loadScenario("check-fault-during-reclaim", [`kernel=${kernel}`]).scenario;
  const r = runCheck(prepare(sc), OPT);
  assert.equal(r.found?.out.failure?.property, DATA_RACE);
  assert.match(
    r.found!.out.failure!.detail,
    /write of encl_page->desc .* holding \{no lock\}; .* read of encl_page->desc .*encl->lock/,
  );
});

test("mainline: the same scenario's lists are always written under their locks", () => {
  const r = runCheck(prepare(loadScenario("check-fault-vs-reclaim").scenario), OPT);
  assert.equal(r.found, null, r.found?.out.failure?.detail);
});
