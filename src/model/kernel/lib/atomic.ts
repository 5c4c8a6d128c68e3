/**
 * atomic_long_t, kref and bit operations: every access is an atomic op the checker can reorder
 * against other accesses of the same location.
 */
import type { AtomicOp, Located, ModelGen } from "../../../rt/ops.ts";
import { withSite } from "../../../rt/site.ts";
import type { Machine } from "../../machine.ts";

/** atomic_long_t. */
export class atomic_long_t implements Located {
  readonly rd: AtomicOp;
  readonly wr: AtomicOp;
  constructor(
    readonly id: number,
    readonly cls: string,
    public v: number,
  ) {
    this.rd = { kind: "atomic", loc: this, what: `${cls} read`, write: false };
    this.wr = { kind: "atomic", loc: this, what: `${cls} rmw`, write: true };
  }
}

/** atomic_long_read. */
export function* atomic_long_read(m: Machine, a: atomic_long_t): ModelGen<number> {
  if (m.interleaveAll) yield withSite(a.rd);
  return a.v;
}

/** atomic_long_inc. */
export function* atomic_long_inc(m: Machine, a: atomic_long_t): ModelGen {
  if (m.interleaveAll) yield withSite(a.wr);
  a.v++;
}

/** atomic_long_dec. */
export function* atomic_long_dec(m: Machine, a: atomic_long_t): ModelGen {
  if (m.interleaveAll) yield withSite(a.wr);
  a.v--;
}

/** struct kref: a reference count whose last put runs a release function. */
export class kref extends atomic_long_t {
  constructor(id: number, cls: string) {
    super(id, cls, 1);
  }
}

/** kref_get: take a reference; WARN if the count was zero (use after free). */
export function* kref_get(m: Machine, k: kref): ModelGen {
  if (m.interleaveAll) yield withSite(k.wr);
  if (k.v <= 0) m.warn("kref_get", `kref_get on ${k.cls}#${k.id} with refcount ${k.v} (use after free)`);
  k.v++;
}

/** kref_get_unless_zero: take a reference unless the count already dropped to zero. */
export function* kref_get_unless_zero(m: Machine, k: kref): ModelGen<boolean> {
  if (m.interleaveAll) yield withSite(k.wr);
  if (k.v === 0) return false;
  k.v++;
  return true;
}

/** kref_put: drop a reference; the caller that drops the last one runs `release`. */
export function* kref_put(m: Machine, k: kref, release: () => ModelGen): ModelGen<boolean> {
  if (m.interleaveAll) yield withSite(k.wr);
  if (k.v <= 0) m.warn("kref_put", `kref_put on ${k.cls}#${k.id} with refcount ${k.v} (underflow)`);
  k.v--;
  if (k.v !== 0) return false;
  yield* release();
  return true;
}

/** A word of flag bits used with test_and_set_bit/clear_bit/test_bit. */
export class bitflags implements Located {
  readonly rd: AtomicOp;
  readonly wr: AtomicOp;
  constructor(
    readonly id: number,
    readonly cls: string,
    public v = 0,
  ) {
    this.rd = { kind: "atomic", loc: this, what: `${cls} test_bit`, write: false };
    this.wr = { kind: "atomic", loc: this, what: `${cls} set/clear_bit`, write: true };
  }
}

/** test_bit. */
export function* test_bit(m: Machine, bit: number, f: bitflags): ModelGen<boolean> {
  if (m.interleaveAll) yield withSite(f.rd);
  return (f.v & (1 << bit)) !== 0;
}

/** set_bit. */
export function* set_bit(m: Machine, bit: number, f: bitflags): ModelGen {
  if (m.interleaveAll) yield withSite(f.wr);
  f.v |= 1 << bit;
}

/** clear_bit. */
export function* clear_bit(m: Machine, bit: number, f: bitflags): ModelGen {
  if (m.interleaveAll) yield withSite(f.wr);
  f.v &= ~(1 << bit);
}

/** test_and_set_bit: returns the old value of the bit. */
export function* test_and_set_bit(m: Machine, bit: number, f: bitflags): ModelGen<boolean> {
  if (m.interleaveAll) yield withSite(f.wr);
  const old = (f.v & (1 << bit)) !== 0;
  f.v |= 1 << bit;
  return old;
}
