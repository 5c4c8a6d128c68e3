/**
 * The SGX2 and vEPC check scenarios: mainline is clean where the kernel is correct, and the two
 * EAUG/EREMOVE races of the unmerged 2024 series (B11a, B11b) are found on mainline quickly.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runCheckSession } from "../../src/check/session.ts";
import { loadScenario } from "../../src/scenario/load.ts";

function check(scenario: string, schedules: number) {
  const { scenario: sc, raw } = loadScenario(scenario);
  return runCheckSession({ sc, raw, strategy: "portfolio", seed: 1, schedules, timeMs: 60_000 });
}

for (const scenario of ["check-eaug-vs-reclaim", "check-vepc-vs-reclaim"]) {
  test(`mainline is clean on ${scenario} within 300 executions`, () => {
    const r = check(scenario, 300);
    assert.equal(r.found, false, r.report ?? "");
    assert.equal(r.schedules, 300);
  });
}

test("B11a: two threads EAUG the same page and the loser gets SIGBUS, found on mainline within 50 executions", () => {
  const r = check("check-eaug-vs-eaug", 50);
  assert.equal(r.found, true);
  assert.equal(r.property, "WARN sigbus");
  assert.ok(r.functions.includes("sgx_encl_eaug_page"), `${r.functions}`);
  assert.ok(r.replay_token);
});

test("B11b: REMOVE_PAGES drops encl->lock and a fault maps the page it removes, found on mainline within 50 executions", () => {
  const r = check("check-remove-vs-fault", 50);
  assert.equal(r.found, true);
  assert.equal(r.property, "invariant: no stale PTE");
  assert.ok(r.functions.includes("sgx_encl_remove_pages"), `${r.functions}`);
});
