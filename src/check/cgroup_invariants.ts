/**
 * Invariants of the EPC cgroup (kernel.md section 7, item 11), checked with the whole-state
 * invariants. They hold for every kernel: without the EPC cgroup nothing is ever charged, every
 * cgroup's usage stays 0 and reclaimable pages stay on the global list.
 *
 * All of them are checked only when the system is quiescent: a charge is made before the page is
 * allocated and given back before it is freed, so in the middle of a path the usage and the pages
 * legitimately differ by the pages in flight (and a refused charge is added, then undone).
 */
import { descendants_pre, type misc_cg } from "../model/kernel/cgroup/misc.ts";
import { sgx_cgroup_from_misc_cg } from "../model/kernel/sgx/epc_cgroup.ts";
import { type PageListHead, SGX_EPC_PAGE_IS_FREE } from "../model/kernel/sgx/sgx.ts";
import type { Machine } from "../model/machine.ts";
import type { Violation } from "./invariants.ts";
import type { World } from "./world.ts";

const v = (name: string, detail: string): Violation => ({ name, detail });

/** The LRU list heads of the cgroups (none before the EPC cgroup registers sgx_epc). */
export function cgroupLrus(m: Machine): PageListHead[] {
  const out: PageListHead[] = [];
  for (const cg of m.misc.all) {
    const sgx_cg = sgx_cgroup_from_misc_cg(cg);
    if (sgx_cg) out.push(sgx_cg.lru.reclaimable);
  }
  return out;
}

/** Is a list (by class) a reclaimer's list: the global active list or a cgroup's LRU? */
export function isLru(cls: string | undefined): boolean {
  return cls === "sgx_active_page_list" || cls?.endsWith("->lru.reclaimable") === true;
}

function label(cg: misc_cg): string {
  return cg.name || "/";
}

/**
 * The EPC cgroup invariants. `where` maps each page on a list to the list's class (from the
 * caller's walk of every list). Returns the first violation or null.
 */
export function cgroupProblem(
  w: World,
  quiescent: boolean,
  where: ReadonlyMap<number, string>,
): Violation | null {
  if (!quiescent) return null;
  const m = w.m;
  const P = m.pages;
  const all = m.misc.all;
  // One LRU per page, its cgroup's: a page charged to a cgroup sits on that cgroup's LRU.
  for (const [page, cls] of where) {
    if (!isLru(cls)) continue;
    const id = P.sgx_cg.get(page);
    const want = id < 0 ? "sgx_active_page_list" : sgx_cgroup_from_misc_cg(all[id]!)?.lru.reclaimable.cls;
    if (cls !== want)
      return v(
        "one LRU per page, its cgroup's",
        `EPC page ${page} is charged to ${id < 0 ? "no cgroup" : label(all[id]!)} but sits on ${cls}`,
      );
  }
  // Pages charged per cgroup, hierarchically (a page counts for its cgroup and every ancestor).
  const pages = new Array<number>(all.length).fill(0);
  for (let p = 0; p < P.nr_pages; p++) {
    const id = P.sgx_cg.get(p);
    if (id < 0) continue;
    if (P.flags.get(p) & SGX_EPC_PAGE_IS_FREE)
      return v(
        "charged pages equal misc.current",
        `EPC page ${p} is free but still charged to ${label(all[id]!)}`,
      );
    for (let c: misc_cg | null = all[id]!; c; c = c.parent) pages[c.id]!++;
  }
  const procs = [...w.procs.values(), ...w.children];
  // Deepest cgroups first: a leak shows at the cgroup that has it, not only at the root.
  const leafFirst = [...all].reverse();
  if (procs.length && procs.every((p) => p.exited)) {
    for (const cg of leafFirst)
      if (cg.res.usage.v !== 0)
        return v(
          "nothing charged after every process exited",
          `misc.current of ${label(cg)} is ${cg.res.usage.v} bytes (${cg.res.usage.v / 4096} pages) after every process exited`,
        );
  }
  for (const cg of leafFirst) {
    if (cg.res.usage.v !== pages[cg.id]! * 4096)
      return v(
        "charged pages equal misc.current",
        `misc.current of ${label(cg)} is ${cg.res.usage.v / 4096} pages but ${pages[cg.id]} EPC pages are charged to it and its descendants`,
      );
  }
  // No charge ever took a cgroup above its max: neither the usage nor the peak (misc.peak, the
  // watermark a successful charge updates) exceeds misc.max, unless an administrator lowered it.
  for (const cg of all) {
    const r = cg.res;
    const high = Math.max(r.usage.v, r.watermark);
    if (high > r.max && !r.max_written_below_usage) {
      const below = descendants_pre(cg).filter((d) => d !== cg && d.res.watermark > 0);
      return v(
        "usage within every ancestor's max",
        `misc.current of ${label(cg)} reached ${high / 4096} pages, above its misc.max of ${r.max / 4096} pages${below.length ? ` (charged through ${below.map(label).join(", ")})` : ""}`,
      );
    }
  }
  return null;
}
