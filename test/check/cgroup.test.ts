/**
 * The EPC cgroup invariants catch what they claim: each cgroup mutant (cgroup-v16 with one guard
 * removed) is found by a built-in check scenario within a fixed budget and pinned seed, with the
 * property the mutant breaks, while cgroup-v16 runs clean on the same scenario and budget. The
 * v16 finding scenario (a fault gets SIGBUS while a reclaimer holds the cgroup's pages) is found.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runCheckSession } from "../../src/check/session.ts";
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
