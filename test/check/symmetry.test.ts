/**
 * The symmetry reduction is sound only if it knows every place that holds an EPC page number. These
 * tests rename the pages of each built-in check scenario's set-up state and run the same schedules
 * on both states: the executions must match step by step (same ops enabled, same outcome) and the
 * canonical hash must agree after every step. A renaming that forgets a page-valued field breaks
 * that, which the mutant test shows.
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { test } from "node:test";
import { runCheck } from "../../src/check/checker.ts";
import { type CheckModel, execute, type Picker, prepare } from "../../src/check/engine.ts";
import { randomRenaming, relabelPages, type SymmetryStats, symmetricHash } from "../../src/check/symmetry.ts";
import { buildWorld, WorldBase } from "../../src/check/world.ts";
import { hashDeep } from "../../src/model/snapshot.ts";
import { BUILTIN_DIR, loadScenario } from "../../src/scenario/load.ts";
import type { Scenario } from "../../src/scenario/schema.ts";

const SKIP = new Set(["dmesg", "current", "cpu", "pid", "nextId"]);

function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * A seeded random scheduler that records the canonical hash of the state before every step (-1 where
 * the state holds something the renaming does not cover and the hash falls back to the plain one).
 */
function recordingPicker(seed: number, hashes: number[]): Picker {
  const rand = lcg(seed);
  return {
    pick: (ex, enabled) => {
      const stats: SymmetryStats = { reduced: 0, fallback: 0, reason: null };
      const h = symmetricHash(ex.w, ex.w.m, SKIP, stats);
      hashes.push(stats.fallback ? -1 : h);
      return enabled[Math.floor(rand() * enabled.length)]!;
    },
    choose: (n) => Math.floor(rand() * n),
  };
}

function renamedModel(sc: Scenario, model: CheckModel, seed: number, forget?: "pte"): CheckModel {
  const w = buildWorld(sc);
  relabelPages(w.m, randomRenaming(w.m, lcg(seed)), forget);
  return { ...model, base: new WorldBase(w) };
}

interface Mismatch {
  at: string;
}

/** Run the same schedules on both models; the first difference, or null. */
function compare(a: CheckModel, b: CheckModel, runs: number): Mismatch | null {
  for (let k = 0; k < runs; k++) {
    const ha: number[] = [];
    const hb: number[] = [];
    const ra = execute(a, recordingPicker(k + 1, ha), { maxSteps: 400, everyStep: false }).out;
    const rb = execute(b, recordingPicker(k + 1, hb), { maxSteps: 400, everyStep: false }).out;
    if (ra.failure?.property !== rb.failure?.property)
      return { at: `run ${k}: ${ra.failure?.property ?? "clean"} vs ${rb.failure?.property ?? "clean"}` };
    if (ra.schedule.join() !== rb.schedule.join()) return { at: `run ${k}: schedules differ` };
    const i = ha.findIndex((h, j) => h !== hb[j]);
    if (i >= 0 || ha.length !== hb.length) return { at: `run ${k}: canonical hash differs at step ${i}` };
  }
  return null;
}

const CHECK_SCENARIOS = readdirSync(BUILTIN_DIR)
  .filter((f) => f.startsWith("check-") && f.endsWith(".yaml"))
  .map((f) => f.slice(0, -5))
  .sort();

test("renaming the EPC pages of every built-in check scenario changes nothing the checker can observe", () => {
  const reduced: string[] = [];
  for (const name of CHECK_SCENARIOS) {
    const sc = loadScenario(name).scenario;
    const model = prepare(sc);
    const w0 = model.base.fresh();
    const stats: SymmetryStats = { reduced: 0, fallback: 0, reason: null };
    const h0 = symmetricHash(w0, w0.m, SKIP, stats);
    if (stats.fallback) {
      // Only the vEPC scenarios hold pages the renaming cannot follow.
      assert.match(stats.reason!, /vEPC/, `${name}: ${stats.reason}`);
      continue;
    }
    const renamed = renamedModel(sc, model, 99);
    const w1 = renamed.base.fresh();
    assert.notEqual(
      hashDeep(w1, SKIP),
      hashDeep(model.base.fresh(), SKIP),
      `${name}: the renaming moved no page`,
    );
    assert.equal(symmetricHash(w1, w1.m, SKIP), h0, `${name}: canonical hash of the renamed state`);
    const diff = compare(model, renamed, 4);
    assert.equal(diff, null, `${name}: ${diff?.at}`);
    reduced.push(name);
  }
  assert.ok(reduced.length >= 20, `only ${reduced.length} scenarios covered`);
});

test("mutant: a renaming that forgets the page tables is caught by the same comparison", () => {
  const sc = loadScenario("check-fault-vs-reclaim").scenario;
  const model = prepare(sc);
  assert.equal(compare(model, renamedModel(sc, model, 99), 4), null);
  assert.notEqual(compare(model, renamedModel(sc, model, 99, "pte"), 4), null);
});

test("stateful BFS with the page symmetry visits fewer states to exhaustion and still finds the bug", () => {
  const opts = {
    strategy: "bfs" as const,
    seed: 1,
    schedules: 4000,
    timeMs: 60_000,
    maxSteps: 20_000,
    everyStep: false,
    preemptionBound: 2,
    pctDepth: 3,
  };
  // Two ETRACK cycles free and reuse pages in either order: some states differ only by page numbers.
  const clean = prepare(loadScenario("check-ipi-vs-enter").scenario);
  const plain = runCheck(clean, { ...opts, symmetry: false });
  const sym = runCheck(clean, { ...opts, symmetry: true });
  assert.ok(plain.exhausted && sym.exhausted);
  assert.ok(sym.states < plain.states, `states with symmetry ${sym.states}, without ${plain.states}`);
  const buggy = prepare(
    loadScenario("check-fault-during-reclaim", ["kernel=mutant/no-being-reclaimed-check"]).scenario,
  );
  const a = runCheck(buggy, { ...opts, symmetry: false });
  const b = runCheck(buggy, { ...opts, symmetry: true });
  assert.ok(a.found && b.found);
  assert.equal(b.found.out.failure?.property, a.found.out.failure?.property);
  assert.equal(
    b.found.out.schedule.length,
    a.found.out.schedule.length,
    "BFS finds the same shortest counterexample length",
  );
});
