/**
 * struct srcu_struct: sleepable RCU as the SGX driver uses it for encl->mm_list.
 * Readers record the grace period they started in; synchronize_srcu() starts a new grace period and
 * waits until no reader of an older one remains.
 */
import type { AtomicOp, ModelGen, SrcuLike, SrcuSyncOp } from "../../../rt/ops.ts";
import { withSite } from "../../../rt/site.ts";
import type { Machine } from "../../machine.ts";

export class srcu_struct implements SrcuLike {
  /** Current grace period; readers that lock now belong to it. */
  gp = 0;
  /**
   * Active readers: the grace periods that have readers, ascending, and how many each
   * (reader_counts[i] readers in grace period reader_gps[i]). Two short arrays, not a Map: a
   * Map that goes empty and back on every lock/unlock pair reallocates its table each time (V8
   * shrinks it on delete, in the old generation where a long-lived Map lives), and that garbage
   * was most of what an 8 GiB build-and-zero run allocated.
   */
  readonly reader_gps: number[] = [];
  readonly reader_counts: number[] = [];
  readonly op: AtomicOp;
  constructor(
    readonly id: number,
    readonly cls: string,
  ) {
    this.op = { kind: "atomic", loc: this, what: `${cls} srcu_read_lock/unlock`, write: true };
  }
  oldestReader(): number {
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.reader_gps.length; i++)
      if (this.reader_counts[i]! > 0 && this.reader_gps[i]! < min) min = this.reader_gps[i]!;
    return min;
  }
  /** Readers in grace period `g` (0 when none). */
  readers(g: number): number {
    const i = this.reader_gps.indexOf(g);
    return i < 0 ? 0 : this.reader_counts[i]!;
  }
  /** Set the readers of grace period `g`; 0 removes the grace period. */
  setReaders(g: number, n: number): void {
    let i = this.reader_gps.indexOf(g);
    if (n === 0) {
      if (i >= 0) {
        this.reader_gps.splice(i, 1);
        this.reader_counts.splice(i, 1);
      }
      return;
    }
    if (i < 0) {
      i = 0;
      while (i < this.reader_gps.length && this.reader_gps[i]! < g) i++;
      this.reader_gps.splice(i, 0, g);
      this.reader_counts.splice(i, 0, n);
    } else this.reader_counts[i] = n;
  }
}

/** srcu_read_lock: enter a read-side critical section; returns the index to unlock with. */
export function* srcu_read_lock(_m: Machine, s: srcu_struct): ModelGen<number> {
  yield withSite(s.op);
  const g = s.gp;
  s.setReaders(g, s.readers(g) + 1);
  return g;
}

/** srcu_read_unlock: leave the read-side critical section entered with `idx`. */
export function* srcu_read_unlock(m: Machine, s: srcu_struct, idx: number): ModelGen {
  yield withSite(s.op);
  const n = s.readers(idx);
  if (n <= 0) m.bug(`srcu_read_unlock without reader in gp ${idx}`);
  s.setReaders(idx, n - 1);
}

/** synchronize_srcu: wait until every reader that started before the call has finished. Sleeps. */
export function* synchronize_srcu(_m: Machine, s: srcu_struct): ModelGen {
  yield withSite(s.op);
  const gp = s.gp++;
  const op: SrcuSyncOp = { kind: "srcu_sync", srcu: s, gp };
  yield withSite(op);
}

/**
 * cleanup_srcu_struct: tear down an srcu_struct about to be freed. The kernel WARNs when a reader
 * is still inside a read-side section (srcu_readers_active()): the memory it will unlock is freed.
 * Model: call_srcu() callbacks are not modelled, so only active readers are checked.
 */
export function cleanup_srcu_struct(m: Machine, s: srcu_struct): void {
  const active = s.oldestReader();
  if (active !== Number.POSITIVE_INFINITY)
    m.warn(
      "cleanup_srcu_struct",
      `WARN_ON(srcu_readers_active(${s.cls}#${s.id})): a reader of gp ${active} is still inside`,
    );
}
