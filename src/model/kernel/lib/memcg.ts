/**
 * Memory cgroups, as far as the SGX paths touch them: the shmem pages of an enclave's backing store
 * are charged to a memcg (the allocating task's, or the one set with set_active_memcg()). A memcg
 * has a usage in pages and a limit; with swap off a charge over the limit fails (the memcg OOM of
 * the EPC cgroup selftest's step 6). The EPC cgroup model adds the misc controller on top.
 */
import type { Machine } from "../../machine.ts";

export class mem_cgroup {
  /** Pages charged. */
  usage = 0;
  /** memory.max in pages (Infinity: no limit). */
  max = Number.POSITIVE_INFINITY;
  /** Swap available: a charge over the limit could push other pages out instead of failing. */
  swap = true;
  /** memory.events: charges refused at the limit. */
  oom = 0;
  /** memory.events oom_kill: processes the memcg OOM killer killed. */
  oom_kill = 0;
  /** Model: ids of the mms the OOM killer chose (a victim is not chosen twice). */
  readonly oom_victims: number[] = [];
  constructor(
    readonly id: number,
    readonly name: string,
  ) {}
}

/** Charge one page to `memcg` (null = the root memcg, which has no limit). False: refused. */
export function mem_cgroup_charge(memcg: mem_cgroup | null): boolean {
  if (!memcg) return true;
  if (memcg.usage + 1 > memcg.max && !memcg.swap) {
    memcg.oom++;
    return false;
  }
  memcg.usage++;
  return true;
}

export function mem_cgroup_uncharge(memcg: mem_cgroup | null): void {
  if (memcg) memcg.usage--;
}

/**
 * mem_cgroup_out_of_memory - the memcg OOM killer: a charge to `memcg` failed with no swap to push
 * pages to. Unless a previous victim is still exiting (then the killer waits for it), pick a victim
 * among the live processes whose memory the memcg holds and send SIGKILL to every thread of it.
 * Returns true when a victim was killed.
 * Kernel: mm/memcontrol.c, mm/oom_kill.c (cgroup v2: the killer runs from the failing charge).
 * Model: the victim is the live mm of the memcg created first (oom_badness counts RSS and swap;
 * enclave memory is neither, so the scores tie and the first task found wins); the charge that
 * triggered the kill still fails (the kernel retries it after the kill). DEVIATIONS.md C7.
 */
export function mem_cgroup_out_of_memory(m: Machine, memcg: mem_cgroup): boolean {
  const live = (mm: Machine["mms"][number]) => mm.mm_users.v > 0 && !mm.dead;
  for (const id of memcg.oom_victims) if (live(m.mms[id]!)) return false;
  const victim = m.mms.find((mm) => mm.memcg === memcg && live(mm) && !memcg.oom_victims.includes(mm.id));
  if (!victim) return false;
  memcg.oom_victims.push(victim.id);
  memcg.oom_kill++;
  for (const t of m.tasks) if (t.mm === victim) t.sigpending = true;
  return true;
}
