/**
 * lockdep, as the kernel's CONFIG_PROVE_LOCKING reports it, for one execution of the checker:
 *
 * - a dependency graph of lock classes (`encl->lock`, `mmap_lock`, ...): taking class B while holding
 *   class A adds A -> B. Taking B while a path B -> ... -> A exists is a possible circular locking
 *   dependency, reported when the second order is first taken, whether or not the execution
 *   deadlocks (the two orders may run far apart in time);
 * - sleeping in atomic context (CONFIG_DEBUG_ATOMIC_SLEEP): a mutex, rw_semaphore, wait queue sleep,
 *   msleep, synchronize_srcu or cond_resched while a spinlock is held is "BUG: sleeping function
 *   called from invalid context".
 *
 * Releasing a lock that is not held, or held by another task, is caught where locks are applied
 * (rt/effects.ts, a LockViolation). The graph lives for one execution, so that every report replays
 * from its token; the kernel keeps it for the whole boot (DEVIATIONS.md). Same-class nesting (two
 * enclaves' encl->lock) is not an edge: the kernel would need a nesting annotation there.
 */
import type { LockOp, Op } from "../rt/ops.ts";
import { siteOf } from "../rt/site.ts";

interface Held {
  cls: string;
  id: number;
  spin: boolean;
  site: string;
}

interface Edge {
  /** Who first took `to` while holding `from`, and where. */
  thread: string;
  fromSite: string;
  toSite: string;
}

export interface LockdepReport {
  property: string;
  detail: string;
}

export const CIRCULAR = "lockdep: possible circular locking dependency";
export const SLEEP_IN_ATOMIC = "sleeping function called from invalid context";

const ACQUIRE = new Set(["spin_lock", "mutex_lock", "down_read", "down_write"]);
const RELEASE = new Set(["spin_unlock", "mutex_unlock", "up_read", "up_write"]);
/** Ops that may sleep (might_sleep() in the kernel). */
const MIGHT_SLEEP = new Set([
  "mutex_lock",
  "down_read",
  "down_write",
  "sleep",
  "msleep",
  "srcu_sync",
  "cond_resched",
]);

const at = (site: string) => (site ? `, at: ${site}` : "");

export class Lockdep {
  private readonly held: Held[][] = [];
  private readonly edges = new Map<string, Map<string, Edge>>();

  /** Check `op`, which thread `tid` (named `name`) is about to execute; a report, or null. */
  before(tid: number, name: string, op: Op): LockdepReport | null {
    const held = (this.held[tid] ??= []);
    const site = siteOf(op);
    if (MIGHT_SLEEP.has(op.kind)) {
      const spin = held.find((h) => h.spin);
      if (spin)
        return {
          property: SLEEP_IN_ATOMIC,
          detail: `${name} does ${describe(op)}${at(site)} while holding spinlock ${spin.cls}#${spin.id}${at(spin.site)}`,
        };
    }
    if (!ACQUIRE.has(op.kind)) return null;
    const lock = (op as LockOp).lock;
    for (const h of held) {
      if (h.cls === lock.cls) continue;
      const back = this.path(lock.cls, h.cls);
      if (back) {
        const chain = back
          .map(
            ([from, to, e]) =>
              `  -> (${to}) taken by ${e.thread}${at(e.toSite)} while holding (${from})${at(e.fromSite)}`,
          )
          .join("\n");
        return {
          property: CIRCULAR,
          detail: `${name} is trying to acquire (${lock.cls})${at(site)} while holding (${h.cls})${at(h.site)}, but (${h.cls}) already depends on (${lock.cls}):\n${chain}`,
        };
      }
    }
    for (const h of held) {
      if (h.cls === lock.cls) continue;
      const out = this.edges.get(h.cls) ?? new Map<string, Edge>();
      this.edges.set(h.cls, out);
      if (!out.has(lock.cls)) out.set(lock.cls, { thread: name, fromSite: h.site, toSite: site });
    }
    return null;
  }

  /** After the op ran: keep the held-lock stack (in acquisition order, like held_locks). */
  after(tid: number, op: Op): void {
    const held = (this.held[tid] ??= []);
    if (ACQUIRE.has(op.kind)) {
      const lock = (op as LockOp).lock;
      held.push({ cls: lock.cls, id: lock.id, spin: op.kind === "spin_lock", site: siteOf(op) });
    } else if (RELEASE.has(op.kind)) {
      const id = (op as LockOp).lock.id;
      const i = held.findLastIndex((h) => h.id === id);
      if (i >= 0) held.splice(i, 1);
    }
  }

  /** The dependency path from class `from` to class `to`, as edges, or null. */
  private path(from: string, to: string): [string, string, Edge][] | null {
    const seen = new Set([from]);
    const queue: [string, [string, string, Edge][]][] = [[from, []]];
    while (queue.length) {
      const [c, p] = queue.shift()!;
      for (const [next, e] of this.edges.get(c) ?? []) {
        const q: [string, string, Edge][] = [...p, [c, next, e]];
        if (next === to) return q;
        if (!seen.has(next)) {
          seen.add(next);
          queue.push([next, q]);
        }
      }
    }
    return null;
  }
}

function describe(op: Op): string {
  if (ACQUIRE.has(op.kind)) return `${op.kind}(${(op as LockOp).lock.cls})`;
  return op.kind;
}
