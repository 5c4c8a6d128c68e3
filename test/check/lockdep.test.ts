/** lockdep in the checker: lock-order inversions without a deadlock, and sleeping under a spinlock. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runCheck } from "../../src/check/checker.ts";
import { CIRCULAR, SLEEP_IN_ATOMIC } from "../../src/check/lockdep.ts";
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
