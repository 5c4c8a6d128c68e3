/**
 * Memory cgroups, as far as the SGX paths touch them: the shmem pages of an enclave's backing store
 * are charged to a memcg (the allocating task's, or the one set with set_active_memcg()). A memcg
 * has a usage in pages and a limit; with swap off a charge over the limit fails (the memcg OOM of
 * the EPC cgroup selftest's step 6). The EPC cgroup model adds the misc controller on top.
 */
export class mem_cgroup {
  /** Pages charged. */
  usage = 0;
  /** memory.max in pages (Infinity: no limit). */
  max = Number.POSITIVE_INFINITY;
  /** Swap available: a charge over the limit could push other pages out instead of failing. */
  swap = true;
  /** memory.events: charges refused at the limit. */
  oom = 0;
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
