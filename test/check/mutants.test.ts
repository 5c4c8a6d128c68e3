/**
 * Every guard of the model matters: a copy of the kernel with the guard removed is caught by its
 * built-in check scenario within a small fixed budget (pinned seed), and mainline runs clean on the
 * same scenario with the same budget.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runCheckSession } from "../../src/check/session.ts";
import { MUTANTS } from "../../src/model/kernel/variants/mutants.ts";
import { loadScenario } from "../../src/scenario/load.ts";

/** mutant -> the scenario that exposes it, and what the failure looks like. */
const CASES: Record<string, { scenario: string; property: RegExp }> = {
  "no-being-reclaimed-check": { scenario: "check-fault-during-reclaim", property: /stale PTE|livelock/ },
  "isolate-list-del": { scenario: "check-poison-vs-reclaim", property: /^BUG$/ },
  "backing-without-encl-lock": {
    scenario: "check-pcmd-truncate",
    property: /evicted data is in the backing store/,
  },
  "cpumask-before-etrack": { scenario: "check-ipi-vs-enter", property: /WARN encls:EWB/ },
  "no-pcmd-busy-check": { scenario: "check-pcmd-truncate", property: /evicted data is in the backing store/ },
  "no-kref-per-page": { scenario: "check-release-vs-reclaim", property: /release_leak|use.after.free|BUG/ },
  "block-lock-order": {
    scenario: "check-fault-during-reclaim",
    property: /^lockdep: possible circular locking dependency$/,
  },
  "resched-under-reclaimer-lock": {
    scenario: "check-fault-during-reclaim",
    property: /^sleeping function called from invalid context$/,
  },
  "mm-add-without-kref": { scenario: "check-release-vs-reclaim", property: /^KASAN: use-after-free$/ },
  "release-leaks-va-pages": {
    scenario: "check-release-vs-reclaim",
    property: /^kmemleak: unreferenced object$/,
  },
  "reclaim-spins-on-empty-list": { scenario: "check-release-vs-reclaim", property: /^soft lockup$/ },
  "free-ignores-poison": {
    scenario: "check-poison-vs-release",
    property: /^invariant: poisoned pages are quarantined$|^machine check$/,
  },
};

const BUDGET = 600;

function check(
  scenario: string,
  kernel: string,
  strategy: "portfolio" | "sdfs" = "portfolio",
  budget = BUDGET,
) {
  const { scenario: sc, raw } = loadScenario(scenario, [`kernel=${kernel}`]);
  return runCheckSession({ sc, raw, strategy, seed: 1, schedules: budget, timeMs: 60_000 });
}

test("every mutant has a case", () => {
  assert.deepEqual(MUTANTS.map((m) => m.name).sort(), Object.keys(CASES).sort());
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
  test(`mainline is clean on ${scenario} with the same budget`, () => {
    const r = check(scenario, "mainline");
    assert.equal(r.found, false, r.report ?? "");
    assert.equal(r.schedules, BUDGET);
  });
}

/** The stateful DFS covers each scenario completely within its preemption bound. */
const SDFS_BUDGET = 3000;

for (const [name, c] of Object.entries(CASES)) {
  test(`stateful DFS finds mutant ${name} on ${c.scenario}`, () => {
    const r = check(c.scenario, `mutant/${name}`, "sdfs", SDFS_BUDGET);
    assert.equal(r.found, true, `not found in ${r.schedules} executions`);
    assert.match(r.property!, c.property);
  });
}

for (const scenario of new Set(Object.values(CASES).map((c) => c.scenario))) {
  test(`stateful DFS exhausts ${scenario} on mainline within its preemption bound and finds nothing`, () => {
    const r = check(scenario, "mainline", "sdfs", SDFS_BUDGET);
    assert.equal(r.found, false, r.report ?? "");
    assert.equal(r.exhausted, true, `${r.schedules} executions, ${r.states} states`);
    assert.ok(r.states > 0);
  });
}
