/**
 * kmemleak, as CONFIG_DEBUG_KMEMLEAK reports it, for the EPC: when no thread is inside a kernel
 * path, every allocated EPC page must be reachable from something that will free it: a free, poison
 * or reclaimer list, a live enclave (a page of page_array, its SECS, a VA page), or a live vEPC. A
 * page nothing refers to any more is never freed (the kernel's scan reports such an object with
 * its allocation backtrace; the report replay records where each page was allocated). The heap
 * objects the model allocates are checked too (heapLeakProblem).
 */

import type { mem_page } from "../model/hw/memory.ts";
import { allocatedAt } from "../model/kernel/lib/kmemleak.ts";
import { LINK_NONE, SGX_EPC_PAGE_RECLAIMER_TRACKED } from "../model/kernel/sgx/sgx.ts";
import type { Machine } from "../model/machine.ts";
import type { World } from "./world.ts";

export const KMEMLEAK = "kmemleak: unreferenced object";

/** The EPC pages live kernel objects refer to. */
function referenced(w: World): Set<number> {
  const m = w.m;
  const E = m.encl_pages;
  const out = new Set<number>();
  const add = (p: number) => {
    if (p >= 0) out.add(p);
  };
  for (const encl of m.enclaves) {
    if (encl.freed) continue;
    for (const i of encl.page_array.indices(0, encl.size / 4096)) {
      const e = encl.page_array.get(i);
      if (E.alive.a[e]) add(E.epc_page.a[e]!);
    }
    if (encl.secs >= 0) add(E.epc_page.a[encl.secs]!);
    for (const va of encl.va_pages) add(va.epc_page);
  }
  for (const vepc of m.vepc.instances) {
    if (vepc.freed) continue;
    const xa = vepc.page_array;
    for (const i of xa.indices(0, Number.MAX_SAFE_INTEGER)) add(xa.get(i));
  }
  return out;
}

/**
 * The first leaked kernel heap object the model allocates, described, or null: a VA page that is on
 * no live enclave's va_pages list and was not kfree()d, an sgx_encl_mm on no mm_list (nothing will
 * ever free either). Enclaves are checked once every process has exited (teardown).
 */
export function heapLeakProblem(w: World): string | null {
  const m: Machine = w.m;
  const listed = new Set<unknown>();
  for (const encl of m.enclaves) if (!encl.freed) for (const va of encl.va_pages) listed.add(va);
  for (const va of m.va_pages)
    if (!va.freed && !listed.has(va))
      return `unreferenced struct sgx_va_page #${va.id} (EPC page ${va.epc_page}): on no live enclave's va_pages list, never kfree()d${allocatedAt(m, va)}`;
  for (const e of m.encl_mms)
    if (!e.freed && (e.encl.freed || !e.encl.mm_list.includes(e)))
      return `unreferenced struct sgx_encl_mm of ${e.encl.name || e.encl.id} (mm ${e.mm.name}): on no mm_list, never kfree()d${allocatedAt(m, e)}`;
  return internalLeakProblem(w);
}

/**
 * Leaks inside the kernel data structures the model uses, as the kernel's allocators would see
 * them: xarray nodes of a freed enclave or vEPC (entries left: xa_destroy() never ran), struct
 * sgx_encl_page of a freed enclave or on no page_array of its live enclave, and shmem page
 * references (get_page without put_page) while no kernel path runs.
 */
function internalLeakProblem(w: World): string | null {
  const m: Machine = w.m;
  const E = m.encl_pages;
  for (const encl of m.enclaves) {
    const name = encl.name || String(encl.id);
    if (encl.freed && encl.page_array.count > 0)
      return `unreferenced xa_node of the page_array of freed enclave ${name} (${encl.page_array.count} entries): xa_destroy() never ran`;
    if (encl.backing) {
      // The page that came into the file first (the lowest page id: a page enters its file when
      // it is allocated) of those with references left: the one reported when the file was a Map
      // in insertion order.
      let index = -1;
      let p: mem_page | null = null;
      for (const [i, q] of encl.backing.pages)
        if (q.refs !== 0 && (p === null || q.id < p.id)) {
          index = i;
          p = q;
        }
      if (p && p.refs > 0)
        return `backing page ${index} of enclave ${name} still has ${p.refs} reference(s) with no kernel path running: a get_page() without its put_page()`;
      if (p && p.refs < 0)
        return `backing page ${index} of enclave ${name}: page refcount underflow (${p.refs}): put_page() without a reference`;
    }
  }
  for (const f of m.shmem_files)
    for (const p of f.truncatedHeld.values())
      if (p.refs > 0)
        return `a page of backing file ${f.id} (${f.name}) truncated from its file with ${p.refs} reference(s) still held and no kernel path running: a get_page() without its put_page(), the page is never freed`;
  for (const vepc of m.vepc.instances)
    if (vepc.freed && vepc.page_array.count > 0)
      return `unreferenced xa_node of the page_array of a freed vEPC (${vepc.page_array.count} entries): xa_destroy() never ran`;
  // A removed cgroup is kept only by the pages still charged to it: any other css reference left
  // while no path runs is one that was never put, and the cgroup's memory is never freed.
  const removed = m.misc.all.filter((cg) => !cg.online && !cg.freed);
  if (removed.length) {
    const charged = new Map<number, number>();
    for (let p = 0; p < m.pages.nr_pages; p++) {
      const id = m.pages.sgx_cg.get(p);
      if (id >= 0) charged.set(id, (charged.get(id) ?? 0) + 1);
    }
    for (const cg of removed)
      if (cg.refcnt > (charged.get(cg.id) ?? 0))
        return `removed cgroup ${cg.name} still has ${cg.refcnt} css reference(s) but ${charged.get(cg.id) ?? 0} charged page(s): a css_get() without its css_put(), the cgroup is never freed`;
  }
  // struct sgx_encl_page: a live one belongs to a live enclave, in its page_array or as its SECS.
  // Counted per enclave first (this runs after every execution); the culprit is looked up only
  // when a count is off.
  const alive = new Map<number, number>();
  for (let e = 0; e < E.count; e++) {
    if (!E.alive.a[e]) continue;
    const encl = m.enclaves[E.encl.a[e]!];
    if (!encl || encl.freed) return encl_page_leak(m, e);
    alive.set(E.encl.a[e]!, (alive.get(E.encl.a[e]!) ?? 0) + 1);
  }
  for (const [idx, n] of alive) {
    const encl = m.enclaves[idx]!;
    if (n <= encl.page_array.count + (encl.secs >= 0 && E.alive.a[encl.secs] ? 1 : 0)) continue;
    const inArray = new Set(encl.page_array.indices(0, encl.size / 4096).map((i) => encl.page_array.get(i)));
    for (let e = 0; e < E.count; e++)
      if (E.alive.a[e] && E.encl.a[e] === idx && e !== encl.secs && !inArray.has(e))
        return encl_page_leak(m, e);
  }
  return null;
}

/**
 * The first leaked EPC page, described, or null. `onList` maps every page on a free, poison or
 * reclaimer list to the list (checkInvariants has walked them already).
 */
export function kmemleakProblem(w: World, onList: Map<number, string>): string | null {
  const m: Machine = w.m;
  const P = m.pages;
  const refs = referenced(w);
  for (let p = 0; p < P.nr_pages; p++) {
    if (P.next.get(p) === LINK_NONE || onList.has(p) || refs.has(p)) continue;
    const tracked = (P.flags.get(p) & SGX_EPC_PAGE_RECLAIMER_TRACKED) !== 0;
    const site = m.kmemleak_sites.get(p) ?? "before the execution (in the scenario's set-up)";
    return `unreferenced EPC page ${p} (owner ${P.owner.get(p)}${tracked ? ", RECLAIMER_TRACKED" : ""}): on no list, held by no live enclave, VA page or vEPC\n  allocated: ${site}`;
  }
  return null;
}

function encl_page_leak(m: Machine, e: number): string {
  const E = m.encl_pages;
  const encl = m.enclaves[E.encl.a[e]!];
  return `unreferenced struct sgx_encl_page ${e} (enclave ${encl ? encl.name || encl.id : "?"}, index ${E.index.a[e]}): in no live enclave's page_array, never kfree()d${allocatedAt(m, e)}`;
}
