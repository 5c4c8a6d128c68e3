/** The hardware model's machine check: ENCLS touching a poisoned page's contents is fatal. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runCheckSession } from "../../src/check/session.ts";
import { loadScenario } from "../../src/scenario/load.ts";

function check(sets: string[], strategy: "portfolio" | "sdfs" = "sdfs") {
  const { scenario: sc, raw } = loadScenario("check-poison-vs-reclaim", sets);
  return runCheckSession({ sc, raw, strategy, seed: 1, schedules: 3000, timeMs: 60_000 });
}

test("mainline EWBs a poisoned page the reclaimer had isolated: a machine check, with its replay token", () => {
  const r = check(["check.known=[]"]);
  assert.equal(r.found, true);
  assert.equal(r.property, "machine check");
  assert.match(r.detail!, /^EWB consumed poison in EPC page \d+/);
  assert.ok(r.replay_token);
});

test("declared known, the same window is counted and the search goes on to exhaustion", () => {
  const r = check([]);
  assert.equal(r.found, false);
  assert.ok(r.known > 0);
  assert.equal(r.verdict, "exhausted");
});
