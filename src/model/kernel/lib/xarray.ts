/**
 * struct xarray mapping an index (enclave page number) to an object id, sparse. Stores and erases
 * take the xarray's internal spinlock (xa_lock), modeled as one atomic op on the array; loads are
 * RCU-safe and need no lock.
 */
import type { ModelGen, SharedOp } from "../../../rt/ops.ts";
import { withSite } from "../../../rt/site.ts";
import type { Machine } from "../../machine.ts";
import { spin_lock, spin_unlock, spinlock_t } from "./locks.ts";

const CHUNK = 1024;

export const XA_EMPTY = -1;

export class xarray {
  private readonly chunks = new Map<number, Int32Array>();
  count = 0;
  /** xa_lock: the xarray's internal spinlock (stores, erases, locked walks). */
  readonly xa_lock: spinlock_t;
  readonly rd: SharedOp;
  constructor(
    readonly id: number,
    readonly cls: string,
    lockId: number,
  ) {
    this.xa_lock = new spinlock_t(lockId, `${cls}.xa_lock`);
    this.rd = { kind: "read", loc: this, sub: -1, what: `${cls} xa_load (RCU)` };
  }
  /** Direct lookup for code that holds the lock that guards the array (or for invariant checks). */
  get(i: number): number {
    const c = this.chunks.get(Math.floor(i / CHUNK));
    return c ? c[i % CHUNK]! : XA_EMPTY;
  }
  put(i: number, v: number): void {
    const k = Math.floor(i / CHUNK);
    let c = this.chunks.get(k);
    if (!c) {
      c = new Int32Array(CHUNK).fill(XA_EMPTY);
      this.chunks.set(k, c);
    }
    const old = c[i % CHUNK]!;
    if (old === XA_EMPTY && v !== XA_EMPTY) this.count++;
    if (old !== XA_EMPTY && v === XA_EMPTY) this.count--;
    c[i % CHUNK] = v;
  }
  /** Indices with entries in [start, end), ascending. */
  indices(start: number, end: number): number[] {
    // Sized up front: an 8 GiB enclave's page_array has 2M entries, and an array grown by push
    // leaves copies of itself behind on the way.
    const out = new Array<number>(this.count);
    let n = 0;
    const keys = [...this.chunks.keys()].sort((a, b) => a - b);
    for (const k of keys) {
      const c = this.chunks.get(k)!;
      for (let j = 0; j < CHUNK; j++) {
        const i = k * CHUNK + j;
        if (i >= start && i < end && c[j] !== XA_EMPTY) out[n++] = i;
      }
    }
    out.length = n;
    return out;
  }
}

/** xa_load without any lock held (an RCU read that races with stores). */
export function* xa_load_unlocked(m: Machine, xa: xarray, i: number): ModelGen<number> {
  if (m.interleaveAll) yield withSite(xa.rd);
  return xa.get(i);
}

/** xa_insert: store unless an entry exists (-EBUSY). Takes xa_lock. */
export function* xa_insert(m: Machine, xa: xarray, i: number, v: number): ModelGen<number> {
  yield spin_lock(xa.xa_lock);
  const busy = xa.get(i) !== XA_EMPTY;
  if (!busy) xa.put(i, v);
  yield spin_unlock(xa.xa_lock);
  return busy ? -16 : 0; // -EBUSY
}

/** xa_store: store, replacing any entry; returns the old entry. Takes xa_lock. */
export function* xa_store(_m: Machine, xa: xarray, i: number, v: number): ModelGen<number> {
  yield spin_lock(xa.xa_lock);
  const old = xa.get(i);
  xa.put(i, v);
  yield spin_unlock(xa.xa_lock);
  return old;
}

/** xa_erase. Takes xa_lock. */
export function* xa_erase(m: Machine, xa: xarray, i: number): ModelGen<number> {
  yield spin_lock(xa.xa_lock);
  const old = xa.get(i);
  xa.put(i, XA_EMPTY);
  yield spin_unlock(xa.xa_lock);
  return old;
}

/** xa_destroy: drop every entry. */
export function xa_destroy(xa: xarray): void {
  for (const i of xa.indices(0, Number.MAX_SAFE_INTEGER)) xa.put(i, XA_EMPTY);
}
