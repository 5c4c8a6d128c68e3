/**
 * Modeled locking primitives: spinlock_t, struct mutex, struct rw_semaphore.
 *
 * Each acquire yields its op before taking the lock; the driver resumes the thread only when the
 * op is enabled (the lock is free), so the ownership update after the yield is atomic. Releases
 * yield too, so that the checker can interleave other threads right after a release and the
 * simulator can hand the lock to a waiter. Op objects for locks are immutable and cached per lock.
 */
import type { LockOp, ModelGen, RwLockLike } from "../../../rt/ops.ts";
import type { Machine } from "../../machine.ts";

abstract class LockBase implements RwLockLike {
  owner = -1;
  readers = 0;
  /** Cached immutable ops (acquire, release) so the hot path allocates nothing. */
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

/** struct mutex: a waiter sleeps and frees its CPU. */
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

function lockBug(m: Machine, what: string, l: LockBase): never {
  return m.bug(`${what} on ${l.cls}#${l.id} (owner ${l.owner}, readers ${l.readers})`);
}

/** spin_lock: take a spinlock; Context: may not sleep afterwards. */
export function* spin_lock(m: Machine, l: spinlock_t): ModelGen {
  yield l.acq;
  if (l.owner !== -1) lockBug(m, "spin_lock granted while held", l);
  l.owner = m.current.pid;
}

/** spin_unlock: release a spinlock held by current. */
export function* spin_unlock(m: Machine, l: spinlock_t): ModelGen {
  if (l.owner !== m.current.pid) lockBug(m, "spin_unlock by non-owner", l);
  yield l.rel;
  l.owner = -1;
}

/** mutex_lock: take a mutex, sleeping while it is held. Context: may sleep. */
export function* mutex_lock(m: Machine, l: mutex): ModelGen {
  yield l.acq;
  if (l.owner !== -1) lockBug(m, "mutex_lock granted while held", l);
  l.owner = m.current.pid;
}

/** mutex_unlock: release a mutex held by current. */
export function* mutex_unlock(m: Machine, l: mutex): ModelGen {
  if (l.owner !== m.current.pid) lockBug(m, "mutex_unlock by non-owner", l);
  yield l.rel;
  l.owner = -1;
}

/** down_read: take a rw_semaphore shared. Context: may sleep. */
export function* down_read(m: Machine, l: rw_semaphore): ModelGen {
  yield l.acq;
  if (l.owner !== -1) lockBug(m, "down_read granted while write-held", l);
  l.readers++;
}

/** up_read: drop a shared hold. */
export function* up_read(m: Machine, l: rw_semaphore): ModelGen {
  if (l.readers <= 0) lockBug(m, "up_read without readers", l);
  yield l.rel;
  l.readers--;
}

/** down_write: take a rw_semaphore exclusively. Context: may sleep. */
export function* down_write(m: Machine, l: rw_semaphore): ModelGen {
  yield l.wacq;
  if (l.owner !== -1 || l.readers !== 0) lockBug(m, "down_write granted while held", l);
  l.owner = m.current.pid;
}

/** up_write: drop an exclusive hold. */
export function* up_write(m: Machine, l: rw_semaphore): ModelGen {
  if (l.owner !== m.current.pid) lockBug(m, "up_write by non-owner", l);
  yield l.wrel;
  l.owner = -1;
}

/** lockdep_assert_held: debug check that current holds `l` (exclusively, or shared for rwsem). */
export function lockdep_assert_held(m: Machine, l: LockBase): void {
  if (!m.debugLocks) return;
  if (l.owner === m.current.pid) return;
  if (l instanceof rw_semaphore && l.readers > 0) return;
  lockBug(m, `lockdep_assert_held failed for task ${m.current.pid}`, l);
}
