/**
 * Modeled locking primitives: spinlock_t, struct mutex, struct rw_semaphore.
 *
 * Model code takes a lock by yielding its op: `yield spin_lock(&lock)`. The driver resumes the
 * thread only when the op is enabled (the lock is free), and the runtime applies the op's effect
 * (the ownership change) as part of that resume, atomically (see rt/effects.ts). Releases are ops
 * too, so the checker can interleave other threads right after a release and the simulator can
 * hand the lock to a waiter. Lock ops are immutable and cached per lock: the hot path allocates
 * nothing.
 */
import type { LockOp, RwLockLike } from "../../../rt/ops.ts";
import { withSite } from "../../../rt/site.ts";
import type { Machine } from "../../machine.ts";

abstract class LockBase implements RwLockLike {
  owner = -1;
  readers = 0;
  readonly acq: LockOp;
  readonly rel: LockOp;
  constructor(
    readonly id: number,
    readonly cls: string,
    acq: LockOp["kind"],
    rel: LockOp["kind"],
  ) {
    this.acq = { kind: acq, lock: this };
    this.rel = { kind: rel, lock: this };
  }
}

/** spinlock_t: a waiter spins and keeps its CPU. */
export class spinlock_t extends LockBase {
  constructor(id: number, cls: string) {
    super(id, cls, "spin_lock", "spin_unlock");
  }
}

/** struct mutex: a waiter sleeps (after optimistic spinning while the owner runs). */
export class mutex extends LockBase {
  constructor(id: number, cls: string) {
    super(id, cls, "mutex_lock", "mutex_unlock");
  }
}

/** struct rw_semaphore (mmap_lock): readers share, a writer excludes everyone; waiters sleep. */
export class rw_semaphore extends LockBase {
  readonly wacq: LockOp;
  readonly wrel: LockOp;
  constructor(id: number, cls: string) {
    super(id, cls, "down_read", "up_read");
    this.wacq = { kind: "down_write", lock: this };
    this.wrel = { kind: "up_write", lock: this };
  }
}

/** spin_lock: yield it to take the spinlock. Context: may not sleep afterwards. */
export function spin_lock(l: spinlock_t): LockOp {
  return withSite(l.acq);
}

/** spin_unlock: yield it to release a spinlock held by current. */
export function spin_unlock(l: spinlock_t): LockOp {
  return withSite(l.rel);
}

/** mutex_lock: yield it to take the mutex, sleeping while it is held. Context: may sleep. */
export function mutex_lock(l: mutex): LockOp {
  return withSite(l.acq);
}

/** mutex_unlock: yield it to release a mutex held by current. */
export function mutex_unlock(l: mutex): LockOp {
  return withSite(l.rel);
}

/** down_read: yield it to take a rw_semaphore shared. Context: may sleep. */
export function down_read(l: rw_semaphore): LockOp {
  return withSite(l.acq);
}

/** up_read: yield it to drop a shared hold. */
export function up_read(l: rw_semaphore): LockOp {
  return withSite(l.rel);
}

/** down_write: yield it to take a rw_semaphore exclusively. Context: may sleep. */
export function down_write(l: rw_semaphore): LockOp {
  return withSite(l.wacq);
}

/** up_write: yield it to drop an exclusive hold. */
export function up_write(l: rw_semaphore): LockOp {
  return withSite(l.wrel);
}

/** lockdep_assert_held: debug check that current holds `l` (exclusively, or shared for rwsem). */
export function lockdep_assert_held(m: Machine, l: LockBase): void {
  if (!m.debugLocks) return;
  if (l.owner === m.current.pid) return;
  if (l instanceof rw_semaphore && l.readers > 0) return;
  m.bug(`lockdep_assert_held failed for task ${m.current.pid} on ${l.cls}#${l.id}`);
}
