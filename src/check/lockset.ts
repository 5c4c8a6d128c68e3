/**
 * A data-race detector for the kernel's lists (the lockset algorithm of Eraser, the question
 * KCSAN answers for plain accesses): every list_add/list_del/list_move of an EPC page list records
 * the locks its thread holds. A list written by one thread only is private (set-up, a local
 * isolation list); once a second thread writes it, the candidate set is the locks held at that
 * write, narrowed at every later write. When it becomes empty, two threads modified the list with
 * no lock in common: the list can be corrupted by the right interleaving, even if this execution's
 * did not (the model's list operations are atomic between two ops, so a corrupted list itself is
 * never seen: a lock dropped around a list operation would otherwise go unnoticed).
 *
 * Lists only: every EPC page list of the driver is written under one lock (free and poison lists:
 * node->lock; the active list: sgx_reclaimer_lock; a cgroup LRU: its lru lock; isgx's per-enclave
 * load_list: encl->lock), but for an enclave's own list in its release, which the releasing thread
 * owns (claim).
 */
export const DATA_RACE = "data race: list written under no common lock";

interface ListState {
  /** The only thread that wrote the list so far, or -1 once shared. */
  owner: number;
  /** Candidate locks once shared (lock ids), else null. */
  locks: Set<number> | null;
  /** The last write: who, holding what, doing what. */
  lastTid: number;
  lastHeld: number[];
  lastWhat: string;
}

export interface ListWrite {
  tid: number;
  name: string;
  held: ReadonlySet<number>;
  what: string;
}

export class Lockset {
  private readonly lists = new Map<number, ListState>();

  /**
   * The last reference to the object that owns list `h` is gone and thread `tid` releases it: the
   * list is private to that thread from now on (no other thread can reach it).
   */
  claim(h: number, tid: number): void {
    this.lists.set(h, { owner: tid, locks: null, lastTid: tid, lastHeld: [], lastWhat: "release" });
  }

  /** Thread `w.tid` writes list head `h`: a report of the race, or null. */
  write(
    h: number,
    w: ListWrite,
    names: (tid: number) => string,
    lockName: (id: number) => string,
  ): string | null {
    const s = this.lists.get(h);
    if (!s) {
      this.lists.set(h, {
        owner: w.tid,
        locks: null,
        lastTid: w.tid,
        lastHeld: [...w.held],
        lastWhat: w.what,
      });
      return null;
    }
    let report: string | null = null;
    if (s.locks === null && s.owner === w.tid) {
      // Still private to one thread.
    } else {
      if (s.locks === null) {
        s.owner = -1;
        s.locks = new Set(w.held);
      } else for (const id of s.locks) if (!w.held.has(id)) s.locks.delete(id);
      if (s.locks.size === 0 && s.lastTid !== w.tid) {
        const set = (ids: Iterable<number>) => `{${[...ids].map(lockName).join(", ") || "no lock"}}`;
        report = `${w.name} does ${w.what} holding ${set(w.held)}; ${names(s.lastTid)} did ${s.lastWhat} holding ${set(s.lastHeld)}: no lock in common`;
      }
    }
    s.lastTid = w.tid;
    s.lastHeld = [...w.held];
    s.lastWhat = w.what;
    return report;
  }
}
