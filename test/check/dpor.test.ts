/**
 * DPOR explores one interleaving per class of equivalent ones. It is checked against a brute-force
 * enumeration of every interleaving of small programs (same final states, same verdicts, fewer
 * executions), on the primitive verdicts, and on a real scenario with a mutant.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runCheck } from "../../src/check/checker.ts";
import { DporExplorer } from "../../src/check/dpor.ts";
import { type CheckModel, execute, type Picker, prepare, ReplayPicker } from "../../src/check/engine.ts";
import { spin_lock, spin_unlock, spinlock_t } from "../../src/model/kernel/lib/locks.ts";
import type { Machine } from "../../src/model/machine.ts";
import { loadScenario } from "../../src/scenario/load.ts";
import { type Cell, cell, model, read, write } from "../helpers/checkmodel.ts";

const OPT = { seed: 1, maxSteps: 1000, everyStep: false, preemptionBound: 1000, pctDepth: 3 };

/** Every interleaving, no reduction: a DFS over the schedule tree that tries every enabled thread. */
function bruteForce(mdl: CheckModel, outcome: (m: CheckModel, s: number[]) => string) {
  const finals = new Set<string>();
  const stack: { enabled: number[]; i: number }[] = [];
  let runs = 0;
  for (;;) {
    const schedule: number[] = [];
    const picker: Picker = {
      pick: (_ex, enabled, step) => {
        if (step === stack.length) stack.push({ enabled, i: 0 });
        const node = stack[step]!;
        schedule.push(node.enabled[node.i]!);
        return node.enabled[node.i]!;
      },
    };
    execute(mdl, picker, { maxSteps: 1000, everyStep: false });
    runs++;
    finals.add(outcome(mdl, schedule));
    stack.length = schedule.length;
    while (stack.length && ++stack.at(-1)!.i >= stack.at(-1)!.enabled.length) stack.pop();
    if (!stack.length) return { finals, runs };
  }
}

function dpor(mdl: CheckModel, outcome: (m: CheckModel, s: number[]) => string) {
  const ex = new DporExplorer(mdl, OPT);
  const finals = new Set<string>();
  let runs = 0;
  for (let t = ex.next(); t; t = ex.next()) {
    runs++;
    assert.ok(runs < 100_000, "DPOR did not terminate");
    finals.add(outcome(mdl, t.out.schedule));
  }
  return { finals, runs };
}

/** The final state and verdict of a schedule (an execution DPOR stopped early is run on to its end). */
function cellsOutcome(mdl: CheckModel, schedule: number[]): string {
  const { ex, out } = execute(mdl, new ReplayPicker(schedule, [], true), {
    maxSteps: 1000,
    everyStep: false,
  });
  const cells = Object.values(ex.w.extra as Record<string, unknown>)
    .filter((v): v is Cell => typeof v === "object" && v !== null && "v" in v)
    .map((c) => c.v);
  return `${cells.join(",")}|${out.failure?.property ?? "ok"}`;
}

/** Three threads over two cells and a lock: some steps commute, some race, one path takes the lock. */
function threeThreads(): CheckModel {
  return model(
    (m) => ({ l: new spinlock_t(m.newId(), "L"), x: cell(m), y: cell(m), z: cell(m) }),
    () => [
      {
        name: "a",
        body: function* (_m: Machine, s: { l: spinlock_t; x: Cell; y: Cell; z: Cell }) {
          const v = yield* read(s.x);
          yield* write(s.x, v + 1);
          yield* write(s.z, 1);
        },
      },
      {
        name: "b",
        body: function* (_m: Machine, s: { l: spinlock_t; x: Cell; y: Cell; z: Cell }) {
          yield spin_lock(s.l) as never;
          const v = yield* read(s.x);
          yield* write(s.y, v * 10);
          yield spin_unlock(s.l) as never;
        },
      },
      {
        name: "c",
        body: function* (_m: Machine, s: { l: spinlock_t; x: Cell; y: Cell; z: Cell }) {
          const z = yield* read(s.z);
          yield spin_lock(s.l) as never;
          yield* write(s.x, z ? 5 : 7);
          yield spin_unlock(s.l) as never;
        },
      },
    ],
  );
}

test("DPOR reaches every final state that brute force reaches, in fewer executions", () => {
  const mdl = threeThreads();
  const all = bruteForce(mdl, cellsOutcome);
  const red = dpor(mdl, cellsOutcome);
  assert.deepEqual([...red.finals].sort(), [...all.finals].sort());
  assert.ok(all.finals.size > 3, `the program has ${all.finals.size} outcomes`);
  assert.ok(red.runs < all.runs, `DPOR ${red.runs} executions, brute force ${all.runs}`);
});

test("DPOR finds the lost update of an unlocked counter and exhausts the locked one", () => {
  const build = (locked: boolean) =>
    model(
      (m) => ({ l: new spinlock_t(m.newId(), "L"), counter: cell(m) }),
      () => {
        const inc = function* (_m: Machine, s: { l: spinlock_t; counter: Cell }) {
          if (locked) yield spin_lock(s.l) as never;
          const v = yield* read(s.counter);
          yield* write(s.counter, v + 1);
          if (locked) yield spin_unlock(s.l) as never;
        };
        return [
          { name: "a", body: inc },
          { name: "b", body: inc },
          { name: "c", body: inc },
        ];
      },
      (s) => (s.counter.v === 3 ? null : `counter is ${s.counter.v} after three increments`),
    );
  const run = (mdl: CheckModel) =>
    runCheck(mdl, { ...OPT, strategy: "dpor", schedules: 10_000, timeMs: 20_000 });
  const lost = run(build(false));
  assert.equal(lost.found?.out.failure?.property, "property");
  const ok = run(build(true));
  assert.equal(ok.found, null);
  assert.equal(ok.exhausted, true);
  // Sleep sets alone (DFS with no preemption bound either) need no fewer executions.
  const dfs = runCheck(build(true), { ...OPT, strategy: "dfs", schedules: 100_000, timeMs: 60_000 });
  assert.equal(dfs.exhausted, true);
  assert.ok(ok.schedules <= dfs.schedules, `DPOR ${ok.schedules} executions, DFS ${dfs.schedules}`);
});

test("DPOR exhausts mainline on check-poison-vs-reclaim in fewer executions than sleep sets, and finds the list_del mutant", () => {
  const opts = { ...OPT, maxSteps: 20_000, strategy: "dpor" as const, schedules: 50_000, timeMs: 60_000 };
  const clean = runCheck(prepare(loadScenario("check-poison-vs-reclaim").scenario), opts);
  assert.equal(clean.found, null);
  assert.equal(clean.exhausted, true);
  // Sleep sets alone, also unbounded, take about three times as many executions here.
  const dfs = runCheck(prepare(loadScenario("check-poison-vs-reclaim").scenario), {
    ...opts,
    strategy: "dfs",
  });
  assert.equal(dfs.exhausted, true);
  assert.ok(clean.schedules < dfs.schedules, `DPOR ${clean.schedules} executions, DFS ${dfs.schedules}`);
  const bug = runCheck(
    prepare(loadScenario("check-poison-vs-reclaim", ["kernel=mutant/isolate-list-del"]).scenario),
    opts,
  );
  assert.equal(bug.found?.out.failure?.property, "BUG");
});
