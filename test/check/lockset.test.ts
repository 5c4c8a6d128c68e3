/**
 * The lockset data-race detector for the kernel's lists (src/check/lockset.ts): a list two threads
 * modify with no lock in common is a race even when the execution at hand did not corrupt it.
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

test("mainline: the same scenario's lists are always written under their locks", () => {
  const r = runCheck(prepare(loadScenario("check-fault-vs-reclaim").scenario), OPT);
  assert.equal(r.found, null, r.found?.out.failure?.detail);
});
