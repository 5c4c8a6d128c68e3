/**
 * Threads as generators, and what both drivers need to run them: whether a pending op can execute
 * now, which location a blocked op waits on, and which location an executed op may have released.
 */

import { UsageError } from "../errors.ts";
import { applyEffect } from "./effects.ts";
import { loopGuard } from "./loop_guard.ts";
import {
  isOpKind,
  type ModelGen,
  type Op,
  type RwLockLike,
  TASK_RUNNING,
  type TaskLike,
  type ThreadSpec,
} from "./ops.ts";
import { heartbeat } from "./watchdog.ts";

/** A model thread: a generator plus the op it yielded and has not executed yet. */
export class Thread {
  readonly gen: ModelGen<unknown>;
  /** The pending op; null before the first step. */
  op: Op | null = null;
  started = false;
  done = false;
  /** An exception thrown by model code (a KernelBug or an internal error). */
  error: unknown = null;
  constructor(
    readonly id: number,
    readonly spec: ThreadSpec,
  ) {
    this.gen = spec.body();
  }
  get task(): TaskLike {
    return this.spec.task;
  }
  get name(): string {
    return this.spec.task.comm;
  }
}

/** Can `op` execute in the current state? (A lock is free, a sleeper was woken, a grace period ended.) */
export function isEnabled(op: Op): boolean {
  switch (op.kind) {
    case "spin_lock":
    case "mutex_lock":
    case "down_read":
      return op.lock.owner === -1;
    case "down_write":
      return op.lock.owner === -1 && (op.lock as RwLockLike).readers === 0;
    case "sleep":
      return op.task.state === TASK_RUNNING;
    case "srcu_sync":
      return op.srcu.oldestReader() > op.gp;
    default:
      return true;
  }
}

/** Location id a disabled op waits on (its waiters are re-checked when that location changes). */
export function waitLoc(op: Op): number {
  switch (op.kind) {
    case "spin_lock":
    case "mutex_lock":
    case "down_read":
    case "down_write":
      return op.lock.id;
    case "sleep":
      return op.wq.id;
    case "srcu_sync":
      return op.srcu.id;
    default:
      return -1;
  }
}

/** Location id an executed op may have released or signalled (-1 if none). */
export function releaseLoc(op: Op): number {
  switch (op.kind) {
    case "spin_unlock":
    case "mutex_unlock":
    case "up_read":
    case "up_write":
      return op.lock.id;
    case "wake_up":
      return op.wq.id;
    case "atomic":
      return op.loc.id;
    default:
      return -1;
  }
}

/** Is `op` an exclusive acquisition (only one waiter can win it)? */
export function isExclusiveAcquire(op: Op): boolean {
  return op.kind === "spin_lock" || op.kind === "mutex_lock" || op.kind === "down_write";
}

/** Does the thread keep its CPU while it waits for `op` (spinning) rather than sleep? */
export function spinsWhileBlocked(op: Op): boolean {
  return op.kind === "spin_lock";
}

/**
 * Resume a thread: the action of its pending op happens, and the thread runs to its next yield.
 * `value` answers a choose or preempt_point op. Exceptions from model code end the thread and are
 * kept in `error`; the driver decides what they mean.
 */
export function stepThread(t: Thread, value: number): void {
  // A new step: instrumented loops (patches, mutants) count their iterations from here.
  loopGuard.count = 0;
  // The watchdog (rt/watchdog.ts) sees a step start and end.
  heartbeat[0]++;
  heartbeat[1] = 1;
  try {
    if (t.op !== null) applyEffect(t.op, t.spec.task.pid);
    const r = t.gen.next(value);
    t.started = true;
    if (r.done) {
      t.done = true;
      t.op = null;
    } else {
      // Patch code can yield anything: a value that is no op would stall or confuse the drivers.
      if (!isOpKind((r.value as Op | null)?.kind)) malformedOp(t, r.value);
      t.op = r.value;
    }
  } catch (e) {
    t.started = true;
    t.done = true;
    t.op = null;
    t.error = e;
  }
  heartbeat[1] = 0;
}

/** A thread yielded something that is not an op: a mistake in patch code, reported as a user error. */
export class MalformedOp extends UsageError {}

/** Kept out of stepThread, the hottest function of both drivers. */
function malformedOp(t: Thread, v: unknown): never {
  throw new MalformedOp(
    `thread ${t.spec.task.comm} yielded ${JSON.stringify(v)?.slice(0, 80)}, which is not an op (a patch must yield the ops the model's helpers return: spin_lock(...), m.work(...), ...)`,
  );
}

/** A one-line description of an op for traces and reports. */
export function describeOp(op: Op): string {
  switch (op.kind) {
    case "spin_lock":
    case "spin_unlock":
    case "mutex_lock":
    case "mutex_unlock":
    case "down_read":
    case "up_read":
    case "down_write":
    case "up_write":
      return `${op.kind}(${op.lock.cls}#${op.lock.id})`;
    case "atomic":
      return `atomic ${op.what}#${op.loc.id}`;
    case "read":
    case "write":
      return `${op.kind} ${op.what}${op.sub >= 0 ? `[${op.sub}]` : ""}`;
    case "encls":
      return `ENCLS[${op.leaf}](epc ${op.page})`;
    case "ipi":
      return `IPI ${op.why} to ${op.targets} CPUs`;
    case "sleep":
      return `schedule() on ${op.wq.cls}`;
    case "wake_up":
      return `wake_up(${op.wq.cls})`;
    case "srcu_sync":
      return `synchronize_srcu(${op.srcu.cls})`;
    case "work":
      return `work ${op.what} x${op.n}`;
    case "choose":
      return `choose(${op.n}) ${op.why}`;
    case "cond_resched":
      return "cond_resched()";
    case "spawn":
      return `spawn ${op.thread.task.comm}`;
    case "enclave_run":
      return `enclave_run(${op.budget})`;
    case "preempt_point":
      return "preempt_point";
    case "mark":
      return `mark ${op.what} ${op.detail}`;
    default:
      return `${op.kind}${"page" in op && op.page >= 0 ? ` page ${op.page}` : ""} ${"why" in op ? op.why : ""}`;
  }
}
