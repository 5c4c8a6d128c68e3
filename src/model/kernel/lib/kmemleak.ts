/**
 * kmemleak's allocation records, for the objects the checker scans (src/check/kmemleak.ts): where
 * each EPC page was last allocated. Recorded only while sites are captured (the checker's report
 * replay), so a search pays nothing and state hashes never see it.
 */
import { currentStack, modelFrames, siteCapture } from "../../../rt/site.ts";
import type { Machine } from "../../machine.ts";

/** Frames of the allocator itself: the report names who asked for the page. */
const ALLOCATOR = /^(freeListTakeFirst|__sgx_alloc_epc_page|__sgx_alloc_epc_page_from_node|kmemleak_alloc)$/;

/** kmemleak_alloc: remember the call chain that allocated EPC page `page`. */
export function kmemleak_alloc(m: Machine, page: number): void {
  if (!siteCapture.on) return;
  m.kmemleak_sites.set(page, callChain(ALLOCATOR));
}

/** The three innermost model frames of the current call, but `skip`'s, as a report shows them. */
function callChain(skip: RegExp): string {
  return modelFrames(currentStack())
    .filter((f) => !skip.test(f.fn) && f.fn !== "callChain")
    .slice(0, 3)
    .map((f) => `${f.fn} (${f.file.split("/").pop()}:${f.line})`)
    .join(" < ");
}

/**
 * Allocation records of the heap objects kmemleak scans (struct sgx_va_page, struct sgx_encl_mm,
 * struct sgx_encl_page by index), per machine; kept outside the machine's state, which the
 * checker's snapshots and state hashes walk. Recorded only while sites are captured.
 */
const objectSites = new WeakMap<Machine, Map<unknown, string>>();

/** kmemleak_alloc for a kzalloc'd object: remember the call chain that allocated it. */
export function kmemleak_alloc_object(m: Machine, obj: unknown): void {
  if (!siteCapture.on) return;
  let sites = objectSites.get(m);
  if (!sites) objectSites.set(m, (sites = new Map()));
  sites.set(obj, callChain(OBJECT_HELPERS));
}

/** Model helpers that build the object for the function that allocates it. */
const OBJECT_HELPERS = /^(kmemleak_alloc_object|newVaPage)$/;

/** The report line naming where `obj` was allocated ("" when no site was recorded). */
export function allocatedAt(m: Machine, obj: unknown): string {
  const site = objectSites.get(m)?.get(obj);
  return site ? `\n  allocated: ${site}` : "";
}
