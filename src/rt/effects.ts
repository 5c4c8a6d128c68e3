/**
 * Effects the runtime applies when it resumes a thread at an op, for ops whose whole meaning is
 * defined by the op protocol (lock ownership). Applying them here, at the resume, is the same as
 * model code doing it right after its yield, and saves a generator frame per lock operation.
 * Every other op's effect is done by model code after the yield.
 */
import type { Op, RwLockLike } from "./ops.ts";

/** A lock used against its rules (a double unlock, an unlock by a non-owner): a kernel bug. */
export class LockViolation extends Error {}

function violation(what: string, l: RwLockLike, pid: number): never {
  throw new LockViolation(
    `${what} on ${l.cls}#${l.id} by task ${pid} (owner ${l.owner}, readers ${l.readers})`,
  );
}

export function applyEffect(op: Op, pid: number): void {
  switch (op.kind) {
    case "spin_lock":
    case "mutex_lock":
      if (op.lock.owner !== -1) violation(`${op.kind} granted while held`, op.lock as RwLockLike, pid);
      op.lock.owner = pid;
      return;
    case "down_write": {
      const l = op.lock as RwLockLike;
      if (l.owner !== -1 || l.readers !== 0) violation("down_write granted while held", l, pid);
      l.owner = pid;
      return;
    }
    case "spin_unlock":
    case "mutex_unlock":
    case "up_write":
      if (op.lock.owner !== pid)
        violation(`${op.kind} by a task that does not hold it`, op.lock as RwLockLike, pid);
      op.lock.owner = -1;
      return;
    case "down_read": {
      const l = op.lock as RwLockLike;
      if (l.owner !== -1) violation("down_read granted while write-held", l, pid);
      l.readers++;
      return;
    }
    case "up_read": {
      const l = op.lock as RwLockLike;
      if (l.readers <= 0) violation("up_read without readers", l, pid);
      l.readers--;
      return;
    }
    default:
      return;
  }
}
