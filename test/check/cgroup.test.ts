/**
 * The EPC cgroup invariants catch what they claim: each cgroup mutant (cgroup-v16 with one guard
 * removed) is found by a built-in check scenario within a fixed budget and pinned seed, with the
 * property the mutant breaks, while cgroup-v16 runs clean on the same scenario and budget. The
 * v16 finding scenario (a fault gets SIGBUS while a reclaimer holds the cgroup's pages) is found.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkInvariants } from "../../src/check/invariants.ts";
import { runCheckSession } from "../../src/check/session.ts";
import { buildWorld } from "../../src/check/world.ts";
import { headLink, list_add_tail, list_del } from "../../src/model/kernel/lib/list.ts";
import { sgx_cgroup_from_misc_cg } from "../../src/model/kernel/sgx/epc_cgroup.ts";
import { CGROUP_MUTANTS } from "../../src/model/kernel/variants/cgroup_mutants.ts";
import { loadScenario } from "../../src/scenario/load.ts";

/** mutant -> the scenario that exposes it, and the invariant it breaks. */
const CASES: Record<string, { scenario: string; property: RegExp }> = {
  "cgroup-alloc-leaks-charge": {
    scenario: "check-cgroup-epc-full",
    property: /^invariant: charged pages equal misc\.current$/,
  },
  "cgroup-charge-ignores-ancestors": {
    scenario: "check-cgroup-siblings",
    property: /^invariant: usage within every ancestor's max$/,
  },
  "cgroup-reclaim-skip-to-global": {
    scenario: "check-cgroup-siblings",
    property: /^invariant: one LRU per page, its cgroup's$/,
  },
  "cgroup-free-skips-va-uncharge": {
    scenario: "check-cgroup-exit",
    property: /^invariant: nothing charged after every process exited$/,
  },
};

const BUDGET = 300;

function check(scenario: string, kernel: string, schedules = BUDGET) {
  const { scenario: sc, raw } = loadScenario(scenario, [`kernel=${kernel}`]);
  return runCheckSession({ sc, raw, strategy: "portfolio", seed: 1, schedules, timeMs: 120_000 });
}

test("every cgroup mutant has a case", () => {
  assert.deepEqual(CGROUP_MUTANTS.map((m) => m.name).sort(), Object.keys(CASES).sort());
});

for (const [name, c] of Object.entries(CASES)) {
  test(`mutant ${name} is found by ${c.scenario} within ${BUDGET} executions`, () => {
    const r = check(c.scenario, `mutant/${name}`);
    assert.equal(r.found, true, `not found in ${r.schedules} executions`);
    assert.match(r.property!, c.property);
    assert.ok(r.replay_token);
  });
}

for (const scenario of new Set(Object.values(CASES).map((c) => c.scenario))) {
  test(`cgroup-v16 is clean on ${scenario} with the same budget`, () => {
    const r = check(scenario, "cgroup-v16");
    assert.equal(r.found, false, r.report ?? "");
    assert.equal(r.schedules, BUDGET);
  });
}

test("v16 finding: a fault while ksgxd isolated the cgroup's only reclaimable pages gets -ENOMEM (SIGBUS)", () => {
  const r = check("check-cgroup-isolated-enomem", "cgroup-v16");
  assert.equal(r.found, true);
  assert.equal(r.property, "WARN sigbus");
  // The race window is ksgxd holding the pages between isolation and write-back.
  assert.match(r.report!, /ksgxd/);
});

test("the cgroup invariants hold on mainline, where nothing is charged", () => {
  const r = check("check-cgroup-siblings", "mainline", 100);
  assert.equal(r.found, false, r.report ?? "");
});

/** A check scenario's set-up state on cgroup-v16, with the cgroups' LRUs by path. */
function world() {
  const { scenario } = loadScenario("check-cgroup-siblings");
  const w = buildWorld(scenario);
  const lru = (path: string) => sgx_cgroup_from_misc_cg(w.m.misc.lookup(path)!).lru.reclaimable;
  return { w, lru };
}

test("the set-up state of a cgroup check scenario satisfies every invariant", () => {
  const { w, lru } = world();
  assert.equal(checkInvariants(w, true), null);
  assert.ok(w.m.pages.headNext[lru("p/a").h]! !== headLink(lru("p/a")), "a's pages are on a's LRU");
});

test("a page linked into two cgroups' LRUs is reported", () => {
  const { w, lru } = world();
  const P = w.m.pages;
  const page = P.headNext[lru("p/a").h]!;
  // Link the page at the tail of b's LRU as well, without taking it off a's.
  const tail = P.headPrev[lru("p/b").h]!;
  P.next.set(tail, page);
  P.headPrev[lru("p/b").h] = page;
  const v = checkInvariants(w, true);
  assert.ok(v, "a violation");
  assert.match(v.name, /list links|one list per page|one LRU per page/);
});

test("a page moved to another cgroup's LRU is reported as not on its own cgroup's LRU", () => {
  const { w, lru } = world();
  const P = w.m.pages;
  const page = P.headNext[lru("p/a").h]!;
  list_del(w.m, P, page);
  list_add_tail(P, page, lru("p/b"));
  const v = checkInvariants(w, true);
  assert.equal(v?.name, "one LRU per page, its cgroup's");
  assert.match(v!.detail, /charged to p\/a but sits on sgx_cgroup\(p\/b\)/);
});
