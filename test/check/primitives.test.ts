/** The checker's verdicts on tiny hand-written programs whose answer is known. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runCheck } from "../../src/check/checker.ts";
import type { CheckModel } from "../../src/check/engine.ts";
import {
  mutex,
  mutex_lock,
  mutex_unlock,
  spin_lock,
  spin_unlock,
  spinlock_t,
} from "../../src/model/kernel/lib/locks.ts";
import { wait_event, wait_queue_head_t, wake_up } from "../../src/model/kernel/lib/sched.ts";
import type { Machine } from "../../src/model/machine.ts";
import { type SleepOp, TASK_INTERRUPTIBLE } from "../../src/rt/ops.ts";
import { type Cell, cell, model, read, write } from "../helpers/checkmodel.ts";

function dfs(mdl: CheckModel) {
  return runCheck(mdl, {
    strategy: "dfs",
    seed: 1,
    schedules: 20000,
    timeMs: 20000,
    maxSteps: 1000,
    everyStep: false,
    preemptionBound: 3,
    pctDepth: 3,
  });
}

test("two threads under one mutex never overlap in the critical section", () => {
  const r = dfs(
    model(
      (m) => ({ l: new mutex(m.newId(), "L"), inside: cell(m) }),
      () => {
        const body = function* (m: Machine, s: { l: mutex; inside: Cell }) {
          yield mutex_lock(s.l) as never;
          const n = yield* read(s.inside);
          yield* write(s.inside, n + 1);
          if ((yield* read(s.inside)) !== 1) m.warn("overlap", "two threads inside the critical section");
          yield* write(s.inside, 0);
          yield mutex_unlock(s.l) as never;
        };
        return [
          { name: "a", body },
          { name: "b", body },
        ];
      },
    ),
  );
  assert.equal(r.found, null);
  assert.equal(r.exhausted, true, "every interleaving was explored");
});

function abba(clsA: string, clsB: string) {
  return model(
    (m) => ({ A: new spinlock_t(m.newId(), clsA), B: new spinlock_t(m.newId(), clsB) }),
    () => {
      const order = (first: "A" | "B", second: "A" | "B") =>
        function* (_m: Machine, s: { A: spinlock_t; B: spinlock_t }) {
          yield spin_lock(s[first]) as never;
          yield spin_lock(s[second]) as never;
          yield spin_unlock(s[second]) as never;
          yield spin_unlock(s[first]) as never;
        };
      return [
        { name: "ab", body: order("A", "B") },
        { name: "ba", body: order("B", "A") },
      ];
    },
  );
}

test("ABBA lock order between two lock classes is reported by lockdep before any deadlock", () => {
  assert.equal(
    dfs(abba("A", "B")).found?.out.failure?.property,
    "lockdep: possible circular locking dependency",
  );
});

test("ABBA lock order within one lock class (invisible to lockdep) is reported as a deadlock", () => {
  assert.equal(dfs(abba("L", "L")).found?.out.failure?.property, "deadlock");
});

test("a wait that checks its condition before queueing loses the wake-up; wait_event does not", () => {
  const build = (broken: boolean) =>
    model(
      (m) => ({ wq: new wait_queue_head_t(m.newId(), "wq"), flag: cell(m) }),
      () => [
        {
          name: "sleeper",
          body: function* (m: Machine, s: { wq: wait_queue_head_t; flag: Cell }) {
            if (broken) {
              // Check, then queue and sleep: a wake_up in between is lost.
              if (yield* read(s.flag)) return;
              yield s.wq.op as never; // the wait queue lock, taken only after the check
              const me = m.current;
              s.wq.waiters.push(me);
              me.state = TASK_INTERRUPTIBLE;
              const op: SleepOp = { kind: "sleep", task: me, wq: s.wq };
              yield op as never;
              return;
            }
            yield* wait_event(m, s.wq, function* () {
              return (yield* read(s.flag)) === 1;
            });
          },
        },
        {
          name: "waker",
          body: function* (m: Machine, s: { wq: wait_queue_head_t; flag: Cell }) {
            yield* write(s.flag, 1);
            yield* wake_up(m, s.wq);
          },
        },
      ],
    );
  assert.equal(dfs(build(true)).found?.out.failure?.property, "deadlock");
  assert.equal(dfs(build(false)).found, null);
});

test("a counter incremented without its lock loses an update; with the lock it does not", () => {
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
        ];
      },
      (s) => (s.counter.v === 2 ? null : `counter is ${s.counter.v} after two increments`),
    );
  const lost = dfs(build(false));
  assert.equal(lost.found?.out.failure?.property, "property");
  assert.match(lost.found!.out.failure!.detail, /counter is 1/);
  assert.equal(dfs(build(true)).found, null);
});

test("an exception thrown by model code in one interleaving is a reported failure, with its site", () => {
  // The reader dereferences the object the other thread freed: only when it runs second.
  const r = dfs(
    model(
      (m) => ({ obj: cell(m), gone: cell(m) }),
      () => [
        {
          name: "free",
          body: function* (_m: Machine, s: { obj: Cell; gone: Cell }) {
            yield* write(s.gone, 1);
          },
        },
        {
          name: "use",
          body: function* (_m: Machine, s: { obj: Cell; gone: Cell }) {
            const freed = yield* read(s.gone);
            const o = freed ? undefined : { v: 1 };
            return (o as { v: number }).v;
          },
        },
      ],
    ),
  );
  const f = r.found?.out.failure;
  assert.equal(f?.property, "exception");
  assert.match(f?.detail ?? "", /TypeError: .*reading 'v'/);
});
