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
 * (rt/effects.ts, a LockViolation). Same-class nesting (two enclaves' encl->lock) is not an edge:
 * the kernel would need a nesting annotation there.
 *
 * The kernel keeps the graph for the whole boot. The checker keeps one per execution here, and
 * LockGraph (below) keeps the edges of every execution of a run by the index of the execution that
 * first took them: an edge whose reverse path was taken by earlier executions is the same report.
 * Such a report replays from its token because the token carries the earlier edges of the cycle,
 * which seed the replayed execution's graph (CheckModel.lockdepSeed).
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

/** A dependency between two lock classes, with where it was first taken. */
export interface LockEdge extends Edge {
  from: string;
  to: string;
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
  /** Edges this execution took (not the seeded ones), in the order first taken. */
  private readonly own: LockEdge[] = [];

  /** `seed`: dependencies earlier executions took (a replayed cross-execution report). */
  constructor(seed: readonly LockEdge[] = []) {
    for (const e of seed) this.addEdge(e.from, e.to, e);
  }

  /** The dependencies this execution took. */
  edgeList(): readonly LockEdge[] {
    return this.own;
  }

  private addEdge(from: string, to: string, e: Edge): boolean {
    const out = this.edges.get(from) ?? new Map<string, Edge>();
    this.edges.set(from, out);
    if (out.has(to)) return false;
    out.set(to, e);
    return true;
  }

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
      const e = { thread: name, fromSite: h.site, toSite: site };
      if (this.addEdge(h.cls, lock.cls, e)) this.own.push({ from: h.cls, to: lock.cls, ...e });
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
    return graphPath(this.edges, from, to);
  }
}

/** Breadth-first search for a dependency path from `from` to `to` in a class graph. */
function graphPath<E>(
  edges: Map<string, Map<string, E>>,
  from: string,
  to: string,
): [string, string, E][] | null {
  const seen = new Set([from]);
  const queue: [string, [string, string, E][]][] = [[from, []]];
  while (queue.length) {
    const [c, p] = queue.shift()!;
    for (const [next, e] of edges.get(c) ?? []) {
      const q: [string, string, E][] = [...p, [c, next, e]];
      if (next === to) return q;
      if (!seen.has(next)) {
        seen.add(next);
        queue.push([next, q]);
      }
    }
  }
  return null;
}

/** A dependency closing a cycle with dependencies of earlier executions. */
export interface CrossCycle {
  /** Index of the execution that took the closing dependency. */
  index: number;
  edge: LockEdge;
  /** The earlier dependencies from edge.to back to edge.from, each with its execution's index. */
  path: (LockEdge & { index: number })[];
}

/**
 * The lock-class graph of a whole run: every dependency with the index of the first execution that
 * took it. Executions are added in index order (the coordinator of parallel workers sorts them
 * first), so the first cycle found is the same whatever the number of workers.
 */
export class LockGraph {
  private readonly edges = new Map<string, Map<string, LockEdge & { index: number }>>();

  /** Add execution `index`'s dependencies; the first one whose reverse earlier executions took, or null. */
  add(index: number, taken: readonly LockEdge[]): CrossCycle | null {
    const fresh = taken.filter((e) => !this.edges.get(e.from)?.has(e.to));
    let found: CrossCycle | null = null;
    for (const e of fresh) {
      const back = graphPath(this.edges, e.to, e.from);
      if (back) {
        found = { index, edge: e, path: back.map(([, , x]) => x) };
        break;
      }
    }
    for (const e of fresh) {
      const out = this.edges.get(e.from) ?? new Map<string, LockEdge & { index: number }>();
      this.edges.set(e.from, out);
      if (!out.has(e.to)) out.set(e.to, { ...e, index });
    }
    return found;
  }
}

/** The report of a cross-execution cycle, in lockdep's words. */
export function crossCycleDetail(c: CrossCycle): string {
  const chain = c.path
    .map(
      (e) =>
        `  -> (${e.to}) taken by ${e.thread}${at(e.toSite)} while holding (${e.from})${at(e.fromSite)} in execution #${e.index}`,
    )
    .join("\n");
  return `${c.edge.thread} is trying to acquire (${c.edge.to})${at(c.edge.toSite)} while holding (${c.edge.from})${at(c.edge.fromSite)} in execution #${c.index}, but (${c.edge.from}) already depends on (${c.edge.to}) from earlier executions (no single execution deadlocked):\n${chain}`;
}

/** The earlier dependencies of a cycle as a replay seed (their execution named in the thread). */
export function crossCycleSeed(c: CrossCycle): LockEdge[] {
  return c.path.map(({ index, ...e }) => ({ ...e, thread: `${e.thread} (execution #${index})` }));
}

function describe(op: Op): string {
  if (ACQUIRE.has(op.kind)) return `${op.kind}(${(op as LockOp).lock.cls})`;
  return op.kind;
}
