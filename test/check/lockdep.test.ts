/** lockdep in the checker: lock-order inversions without a deadlock, and sleeping under a spinlock. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runCheck } from "../../src/check/checker.ts";
import { execute, ReplayPicker } from "../../src/check/engine.ts";
import {
  CIRCULAR,
  type CrossCycle,
  type LockEdge,
  LockGraph,
  SLEEP_IN_ATOMIC,
} from "../../src/check/lockdep.ts";
import { crossCycleBelow, type LockEdgeAt } from "../../src/check/workers.ts";
import {
  mutex,
  mutex_lock,
  mutex_unlock,
  spin_lock,
  spin_unlock,
  spinlock_t,
} from "../../src/model/kernel/lib/locks.ts";
import { model } from "../helpers/checkmodel.ts";

const OPT = {
  strategy: "dfs" as const,
  schedules: 1,
  timeMs: 10_000,
  seed: 1,
  maxSteps: 100,
  everyStep: false,
  preemptionBound: 0,
  pctDepth: 2,
};

test("an ABBA lock order is reported on the first execution, where the threads run one after the other", () => {
  const m = model(
    (mc) => ({ a: new mutex(mc.newId(), "lock_a"), b: new mutex(mc.newId(), "lock_b") }),
    () => [
      {
        name: "t1",
        *body(_m, s) {
          yield mutex_lock(s.a);
          yield mutex_lock(s.b);
          yield mutex_unlock(s.b);
          yield mutex_unlock(s.a);
        },
      },
      {
        name: "t2",
        *body(_m, s) {
          yield mutex_lock(s.b);
          yield mutex_lock(s.a);
          yield mutex_unlock(s.a);
          yield mutex_unlock(s.b);
        },
      },
    ],
  );
  const r = runCheck(m, OPT);
  assert.equal(r.schedules, 1, "no deadlock was needed");
  assert.equal(r.found?.out.failure?.property, CIRCULAR);
  assert.match(r.found!.out.failure!.detail, /t2 is trying to acquire \(lock_a\).*while holding \(lock_b\)/);
});

test("the same order on both threads is not reported", () => {
  const m = model(
    (mc) => ({ a: new mutex(mc.newId(), "lock_a"), b: new mutex(mc.newId(), "lock_b") }),
    () =>
      ["t1", "t2"].map((name) => ({
        name,
        *body(_m: unknown, s: { a: mutex; b: mutex }) {
          yield mutex_lock(s.a);
          yield mutex_lock(s.b);
          yield mutex_unlock(s.b);
          yield mutex_unlock(s.a);
        },
      })),
  );
  const r = runCheck(m, { ...OPT, schedules: 1000, preemptionBound: 3 });
  assert.equal(r.found, null);
  assert.equal(r.exhausted, true);
});

test("a mutex taken under a spinlock is sleeping in atomic context", () => {
  const m = model(
    (mc) => ({ s: new spinlock_t(mc.newId(), "spin"), mu: new mutex(mc.newId(), "mu") }),
    () => [
      {
        name: "t1",
        *body(_m, st) {
          yield spin_lock(st.s);
          yield mutex_lock(st.mu);
          yield mutex_unlock(st.mu);
          yield spin_unlock(st.s);
        },
      },
    ],
  );
  const r = runCheck(m, OPT);
  assert.equal(r.found?.out.failure?.property, SLEEP_IN_ATOMIC);
  assert.match(r.found!.out.failure!.detail, /t1 does mutex_lock\(mu\) while holding spinlock spin#/);
});

/** One thread takes lock_a then lock_b, or (choice 1) lock_b then lock_a: no execution has both orders. */
function orderByChoice() {
  return model(
    (mc) => ({ a: new mutex(mc.newId(), "lock_a"), b: new mutex(mc.newId(), "lock_b") }),
    () => [
      {
        name: "t",
        *body(_m, s) {
          const v: number = yield { kind: "choose", n: 2, why: "which path" };
          const [x, y] = v ? [s.b, s.a] : [s.a, s.b];
          yield mutex_lock(x);
          yield mutex_lock(y);
          yield mutex_unlock(y);
          yield mutex_unlock(x);
        },
      },
    ],
  );
}

test("an inversion whose two orders run in different executions is reported (the graph lives for the run)", () => {
  for (const strategy of ["dfs", "random", "portfolio"] as const) {
    const m = orderByChoice();
    const r = runCheck(m, { ...OPT, strategy, schedules: 100, preemptionBound: 2 });
    assert.equal(r.found?.out.failure?.property, CIRCULAR, strategy);
    assert.match(r.found!.out.failure!.detail, /from earlier executions/);
    assert.match(r.found!.out.failure!.detail, /in execution #0/);
    assert.ok(r.schedules >= 2, "it takes a second execution");
    // The execution that closed the cycle reproduces it alone once seeded with the earlier order.
    const again = execute(m, new ReplayPicker(r.found!.out.schedule, r.found!.out.choices, false), {
      maxSteps: 100,
      everyStep: false,
    });
    assert.equal(again.out.failure?.property, CIRCULAR);
    const unseeded = { ...m, lockdepSeed: undefined };
    const alone = execute(unseeded, new ReplayPicker(r.found!.out.schedule, r.found!.out.choices, false), {
      maxSteps: 100,
      everyStep: false,
    });
    assert.equal(alone.out.failure, null, "one execution alone has only one order");
  }
});

test("the run's graph keeps consistent orders quiet", () => {
  const m = model(
    (mc) => ({ a: new mutex(mc.newId(), "lock_a"), b: new mutex(mc.newId(), "lock_b") }),
    () => [
      {
        name: "t",
        *body(_m, s) {
          const v: number = yield { kind: "choose", n: 2, why: "take b or not" };
          yield mutex_lock(s.a);
          if (v) {
            yield mutex_lock(s.b);
            yield mutex_unlock(s.b);
          }
          yield mutex_unlock(s.a);
        },
      },
    ],
  );
  const r = runCheck(m, { ...OPT, schedules: 100 });
  assert.equal(r.found, null);
  assert.equal(r.exhausted, true);
});

test("workers' dependencies merged in execution order give the cycle one thread finds, for any worker count", () => {
  const classes = ["a", "b", "c", "d", "e"];
  let s = 7;
  const rand = (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
  for (let round = 0; round < 200; round++) {
    // Executions 0..29, each taking a few dependencies between random classes.
    const runs: LockEdge[][] = Array.from({ length: 30 }, () =>
      Array.from({ length: 1 + rand(3) }, () => {
        const from = classes[rand(5)]!;
        let to = classes[rand(5)]!;
        if (to === from) to = classes[(classes.indexOf(from) + 1) % 5]!;
        return { from, to, thread: "t", fromSite: "", toSite: "" };
      }),
    );
    const one = new LockGraph();
    let expected: CrossCycle | null = null;
    for (let i = 0; i < runs.length && !expected; i++) expected = one.add(i, runs[i]!);
    for (const n of [2, 3, 4]) {
      // Each worker records the first execution (of its own) that took each dependency.
      const edges: LockEdgeAt[] = [];
      for (let w = 0; w < n; w++) {
        const seen = new Set<string>();
        for (let i = w; i < runs.length; i += n)
          runs[i]!.forEach((e, pos) => {
            const k = `${e.from}>${e.to}`;
            if (!seen.has(k)) {
              seen.add(k);
              edges.push({ index: i, pos, edge: e });
            }
          });
      }
      assert.deepEqual(
        crossCycleBelow(edges, Number.POSITIVE_INFINITY),
        expected,
        `round ${round}, ${n} workers`,
      );
    }
  }
});
