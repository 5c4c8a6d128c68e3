import assert from "node:assert/strict";
import { test } from "node:test";
import { mutex, rw_semaphore, spin_lock, spin_unlock, spinlock_t } from "../../src/model/kernel/lib/locks.ts";
import { applyEffect, LockViolation } from "../../src/rt/effects.ts";
import { isOpKind, OP_KINDS, TASK_INTERRUPTIBLE, TASK_RUNNING } from "../../src/rt/ops.ts";
import { isEnabled, stepThread, Thread } from "../../src/rt/thread.ts";

test("a lock op is enabled only while the lock is free", () => {
  const l = new spinlock_t(1, "l");
  assert.equal(isEnabled(spin_lock(l)), true);
  applyEffect(spin_lock(l), 7);
  assert.equal(l.owner, 7);
  assert.equal(isEnabled(spin_lock(l)), false);
  applyEffect(spin_unlock(l), 7);
  assert.equal(isEnabled(spin_lock(l)), true);
});

test("an rw_semaphore admits many readers but a writer only when no one holds it", () => {
  const s = new rw_semaphore(1, "s");
  applyEffect(s.acq, 1);
  applyEffect(s.acq, 2);
  assert.equal(s.readers, 2);
  assert.equal(isEnabled(s.acq), true);
  assert.equal(isEnabled(s.wacq), false);
  applyEffect(s.rel, 1);
  applyEffect(s.rel, 2);
  assert.equal(isEnabled(s.wacq), true);
  applyEffect(s.wacq, 3);
  assert.equal(isEnabled(s.acq), false);
});

test("unlocking a lock someone else holds is a lock violation", () => {
  const l = new mutex(1, "m");
  applyEffect(l.acq, 1);
  assert.throws(() => applyEffect(l.rel, 2), LockViolation);
});

test("a sleep op is enabled once the task is running again", () => {
  const task = { pid: 1, comm: "t", state: TASK_INTERRUPTIBLE };
  const op = { kind: "sleep" as const, task, wq: { id: 1, cls: "wq" } };
  assert.equal(isEnabled(op), false);
  task.state = TASK_RUNNING;
  assert.equal(isEnabled(op), true);
});

test("stepping a thread performs the pending op's action then runs to the next yield", () => {
  const l = new spinlock_t(1, "l");
  const seen: number[] = [];
  const t = new Thread(0, {
    task: { pid: 5, comm: "t", state: 0 },
    kind: "kthread",
    cpu: -1,
    body: function* () {
      yield spin_lock(l);
      seen.push(l.owner);
      yield spin_unlock(l);
      seen.push(l.owner);
    },
  });
  stepThread(t, 0);
  assert.equal(t.op?.kind, "spin_lock");
  assert.equal(l.owner, -1, "nothing happens before the op is executed");
  stepThread(t, 0);
  assert.deepEqual(seen, [5]);
  stepThread(t, 0);
  assert.deepEqual(seen, [5, -1]);
  assert.equal(t.done, true);
});

test("an exception in model code ends the thread and is kept", () => {
  const t = new Thread(0, {
    task: { pid: 1, comm: "t", state: 0 },
    kind: "kthread",
    cpu: -1,
    body: function* () {
      throw new Error("boom");
    },
  });
  stepThread(t, 0);
  assert.equal(t.done, true);
  assert.match(String(t.error), /boom/);
});

test("isOpKind accepts exactly the kinds of OP_KINDS", () => {
  for (const k of Object.keys(OP_KINDS)) assert.equal(isOpKind(k), true, k);
  for (const k of [
    "",
    "toString",
    "constructor",
    "__proto__",
    "hasOwnProperty",
    "Work",
    "lock",
    undefined,
    null,
    1,
  ])
    assert.equal(isOpKind(k), false, String(k));
});
