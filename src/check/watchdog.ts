/**
 * The kernel's watchdogs for an execution cut by the step bound: instead of a silent "the bound was
 * hit", the execution is a finding, reported the way kernel/watchdog.c and kernel/hung_task.c would:
 *
 * - soft lockup: a thread that kept running without finishing ("BUG: soft lockup - CPU#N stuck"),
 *   with the places it loops through (the most frequent op sites of its last steps);
 * - hung task: no thread loops, but a thread stayed blocked the whole time ("INFO: task X blocked
 *   for more than N steps"), with what it waits in.
 *
 * A thread that could run but was never scheduled in the window is named as starved: that is the
 * schedule's doing, not a kernel loop, and says which thread the looping one waits for.
 */
import { siteOf } from "../rt/site.ts";
import type { Execution } from "./execution.ts";

export const SOFT_LOCKUP = "soft lockup";
export const HUNG_TASK = "hung task";

/** The failure of an execution that reached `maxSteps` steps. */
export function watchdogFailure(
  ex: Execution,
  enabled: readonly number[],
): { property: string; detail: string; tid: number } {
  const window = Math.max(1, Math.min(2000, Math.floor(ex.trace.length / 4)));
  const tail = ex.trace.slice(-window);
  const ran = new Map<number, number>();
  for (const s of tail) ran.set(s.tid, (ran.get(s.tid) ?? 0) + 1);
  const live = ex.threads.filter((t) => !t.done);
  const starved = live
    .filter((t) => enabled.includes(t.id) && !ran.has(t.id))
    .map((t) => ex.actors[t.id]!.name);
  const starvedNote = starved.length
    ? `; runnable but not scheduled in that window: ${starved.join(", ")}`
    : "";
  // The looping thread: the live one that ran most of the window.
  const looper = [...ran].filter(([t]) => !ex.threads[t]!.done).sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
  if (looper) {
    const [tid, n] = looper;
    const sites = new Map<string, number>();
    for (const s of tail) {
      if (s.tid !== tid) continue;
      const where = siteOf(s.op).split(" < ")[0] || s.op.kind;
      sites.set(where, (sites.get(where) ?? 0) + 1);
    }
    const top = [...sites]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 3)
      .map(([w, k]) => `${w} (${k}x)`)
      .join(", ");
    const name = ex.actors[tid]!.name;
    return {
      property: SOFT_LOCKUP,
      detail: `CPU#${ex.threads[tid]!.spec.cpu} stuck: ${name} ran ${n} of the last ${window} steps without finishing, looping through ${top}${starvedNote}`,
      tid,
    };
  }
  const blocked = live.map((t) => `${ex.actors[t.id]!.name} in ${t.op?.kind ?? "?"}`).join(", ");
  return {
    property: HUNG_TASK,
    detail: `no thread finished in the last ${window} steps; blocked: ${blocked || "none"}${starvedNote}`,
    tid: live[0]?.id ?? -1,
  };
}
