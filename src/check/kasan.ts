/**
 * KASAN in the checker: an op that touches a location embedded in a freed object (a lock, a wait
 * queue, an SRCU struct, a kref, a shared field; see model/kernel/lib/slab.ts) is a use-after-free,
 * reported with the op, the thread and what was freed.
 */
import type { Op } from "../rt/ops.ts";

export const USE_AFTER_FREE = "KASAN: use-after-free";

/** The location an op touches, if it has one. */
function locationOf(op: Op): { id: number; cls: string } | null {
  switch (op.kind) {
    case "spin_lock":
    case "spin_unlock":
    case "mutex_lock":
    case "mutex_unlock":
    case "down_read":
    case "up_read":
    case "down_write":
    case "up_write":
      return op.lock;
    case "atomic":
    case "read":
    case "write":
      return op.loc;
    case "sleep":
    case "wake_up":
      return op.wq;
    case "srcu_sync":
      return op.srcu;
    default:
      return null;
  }
}

/** The use-after-free `op` would commit, described, or null. */
export function kasanCheck(freed: ReadonlyMap<number, string>, op: Op): string | null {
  if (freed.size === 0) return null;
  const l = locationOf(op);
  if (!l) return null;
  const what = freed.get(l.id);
  return what === undefined ? null : `${op.kind} on ${l.cls}#${l.id} inside ${what}, which was freed`;
}
