/**
 * A data-race detector for the kernel's lists and enclave page descriptors (the lockset algorithm of
 * Eraser, the question KCSAN answers for plain accesses). Every list_add/list_del/list_move of an
 * EPC page list (a write), and every read and write of an encl_page->desc (BEING_RECLAIMED, BUSY,
 * the VA slot offset), records the locks its thread holds. Each list, and each descriptor, is a
 * location. A location one thread accesses is private (set-up, a local isolation list, a page being
 * added); once a second thread accesses it, the candidate set is the locks held then, narrowed at
 * every later access. When it is empty and the location was written since it was shared, two
 * threads used it with no lock in common: the right interleaving corrupts it, even if this
 * execution's did not (the model's list operations and field updates are atomic between two ops,
 * so a lock dropped around one would otherwise go unnoticed).
 *
 * The driver uses each of them under one lock (free and poison lists: node->lock; the active
 * list: sgx_reclaimer_lock; a cgroup LRU: its lru lock; isgx's load_list and every desc:
 * encl->lock), but for an enclave's own lists and pages in its release, which the releasing thread
 * owns (claim).
 */
export const DATA_RACE = "data race: written under no common lock";

/** Eraser's states of a location. */
const EXCLUSIVE = 0;
/** Read by a second thread, not written since: candidates narrowed, nothing reported. */
const SHARED = 1;
const SHARED_MODIFIED = 2;

interface LocationState {
  mode: number;
  /** The thread that owns it while EXCLUSIVE. */
  owner: number;
  /** Candidate locks once shared (lock ids). */
  locks: Set<number>;
  /** The last access: who, holding what, doing what (an op name; described only in a report). */
  lastTid: number;
  lastHeld: number[];
  lastOp: string;
}

/** How a report names threads, locks and accesses (built only when there is something to report). */
export interface LocksetNames {
  thread(tid: number): string;
  lock(id: number): string;
  /** `op` (list_add, read, write, ...) of location `h`, in words. */
  access(h: number, op: string): string;
}

export class Lockset {
  private readonly locations = new Map<number, LocationState>();

  constructor(private readonly names: LocksetNames) {}

  /**
   * The last reference to the object that owns location `h` is gone and thread `tid` releases it:
   * the location is private to that thread from now on (no other thread can reach it).
   */
  claim(h: number, tid: number): void {
    this.locations.set(h, {
      mode: EXCLUSIVE,
      owner: tid,
      locks: new Set(),
      lastTid: tid,
      lastHeld: [],
      lastOp: "release",
    });
  }

  /** Thread `tid`, holding `held`, does `op` on location `h`: a report of the race, or null. */
  access(h: number, tid: number, held: ReadonlySet<number>, op: string, write: boolean): string | null {
    const s = this.locations.get(h);
    if (!s) {
      this.locations.set(h, {
        mode: EXCLUSIVE,
        owner: tid,
        locks: new Set(),
        lastTid: tid,
        lastHeld: [...held],
        lastOp: op,
      });
      return null;
    }
    let report: string | null = null;
    if (s.mode !== EXCLUSIVE || s.owner !== tid) {
      if (s.mode === EXCLUSIVE) s.locks = new Set(held);
      else for (const id of s.locks) if (!held.has(id)) s.locks.delete(id);
      s.mode = write || s.mode === SHARED_MODIFIED ? SHARED_MODIFIED : SHARED;
      if (s.mode === SHARED_MODIFIED && s.locks.size === 0 && s.lastTid !== tid) {
        const n = this.names;
        const set = (ids: Iterable<number>) =>
          `{${[...ids].map((id) => n.lock(id)).join(", ") || "no lock"}}`;
        report = `${n.thread(tid)} does ${n.access(h, op)} holding ${set(held)}; ${n.thread(s.lastTid)} did ${n.access(h, s.lastOp)} holding ${set(s.lastHeld)}: no lock in common`;
      }
    }
    s.lastTid = tid;
    s.lastHeld = [...held];
    s.lastOp = op;
    return report;
  }
}
