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

const NAMES = {
  thread: (t: number) => `t${t}`,
  lock: (id: number) => `L${id}`,
  access: (_h: number, op: string) => op,
};

test("a list one thread writes is private; shared writes keep the locks they have in common", () => {
  const s = new Lockset(NAMES);
  const w = (h: number, tid: number, held: number[]) => s.access(h, tid, new Set(held), "list_add", true);
  assert.equal(w(1, 0, []), null, "set-up without a lock: private");
  assert.equal(w(1, 0, []), null);
  assert.equal(w(1, 1, [5, 6]), null, "first shared write: candidates {L5, L6}");
  assert.equal(w(1, 2, [5]), null, "narrowed to {L5}");
  assert.equal(w(1, 1, [5, 7]), null);
  const bad = w(1, 2, [6]);
  assert.match(
    bad ?? "",
    /^t2 does list_add holding \{L6\}; t1 did list_add holding \{L5, L7\}: no lock in common$/,
  );
  // Another list is independent.
  assert.equal(w(2, 3, []), null);
});

test("reads share a location without a report; a write after them needs a lock every access held", () => {
  const s = new Lockset(NAMES);
  assert.equal(s.access(7, 0, new Set([1]), "read", false), null);
  assert.equal(s.access(7, 1, new Set(), "read", false), null, "two readers without a lock: no race");
  const bad = s.access(7, 2, new Set([1]), "write", true);
  assert.match(bad ?? "", /t2 does write holding \{L1\}; t1 did read holding \{no lock\}/);
  // A location released by its owner's last reference is private to the releasing thread.
  s.claim(7, 3);
  assert.equal(s.access(7, 3, new Set(), "write", true), null);
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
