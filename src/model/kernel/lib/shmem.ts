/**
 * The shmem file that backs an enclave's evicted pages: a sparse map from page index to a RAM page.
 * Truncation removes a page from the file; a holder of a reference to the removed page can still
 * write into it, but those writes are lost to the file (exactly the PCMD races of 2022).
 */
import type { Located, ModelGen, SharedOp, WorkOp } from "../../../rt/ops.ts";
import { withSite } from "../../../rt/site.ts";
import { mem_page, mem_swap } from "../../hw/memory.ts";
import type { Machine } from "../../machine.ts";
import { SparseArray } from "../../util/chunked.ts";
import { type mem_cgroup, mem_cgroup_out_of_memory } from "./memcg.ts";

export class shmem_file {
  /**
   * The page cache (i_pages): page index -> page. An evicted enclave page keeps its contents page
   * here, so the file holds millions of pages for a large enclave: a sparse array, not a Map.
   */
  readonly pages = new SparseArray<mem_page>();
  /** Pages ever allocated in this file (for memcg charging and reports). */
  allocated = 0;
  /**
   * Pages truncated while someone held a reference (by page id): freed by their last put_page();
   * kmemleak reports one still referenced when no kernel path runs.
   */
  readonly truncatedHeld = new Map<number, mem_page>();
  /** Location of the file's page cache, for ops of page reclaim. */
  readonly loc: Located;
  constructor(
    readonly id: number,
    readonly name: string,
    readonly size_pages: number,
  ) {
    this.loc = { id, cls: "shmem page cache" };
  }
}

const LOOKUP: WorkOp = { kind: "work", what: "shmem_lookup", n: 1 };
const ALLOC: WorkOp = { kind: "work", what: "shmem_alloc", n: 1 };

/**
 * shmem_read_mapping_page_gfp: the page at `index`, allocated (zero-filled) if absent, with a
 * reference the caller drops with put_page(); null when the allocation is refused (memcg limit).
 */
export function* shmem_read_mapping_page(
  m: Machine,
  f: shmem_file,
  index: number,
): ModelGen<mem_page | null> {
  // The page-cache lookup under the page lock: kswapd writing back or dropping the same page
  // (shmem_reclaim_pass) orders against it, so the checker interleaves here.
  if (m.interleaveAll) yield m.sharedRead(f.loc, index, `shmem page ${index} (lookup)`);
  const p = f.pages.get(index);
  if (p) {
    yield withSite(LOOKUP);
    if (!p.resident) swapIn(p);
    p.refs++;
    return p;
  }
  yield withSite(ALLOC);
  const memcg = m.current.active_memcg ?? m.current.mm?.memcg ?? null;
  if (!m.memcgCharge(m, memcg)) {
    // The charge found no room and no swap: the memcg OOM killer runs (from inside the charge).
    if (memcg) mem_cgroup_out_of_memory(m, memcg as mem_cgroup);
    return null;
  }
  yield* m.mark("shmem_charge", memcg ? 1 : 0);
  const np = new mem_page(m.newId());
  np.memcg = memcg;
  np.refs = 1;
  f.pages.set(index, np);
  f.allocated++;
  return np;
}

/** put_page: drop a reference taken by shmem_read_mapping_page (or get_page); a truncated page is freed by its last. */
export function put_page(p: mem_page): void {
  p.refs--;
  if (p.refs === 0 && p.truncated) p.freed = true;
}

/** Read a swapped-out page back: the swap copy becomes the page's contents again (clean). */
function swapIn(p: mem_page): void {
  const s = p.swap!;
  p.data = s.data;
  p.words = s.words ? s.words.slice() : null;
  p.resident = true;
  p.dirty = false;
}

/** The contents a reader of the file would see (a swapped-out page is read back from swap). */
export function shmem_view(p: mem_page): { data: number; words: Float64Array | null } {
  return p.resident ? { data: p.data, words: p.words } : { data: p.swap!.data, words: p.swap!.words };
}

/** shmem_truncate_range for one page: the page leaves the file (and is uncharged). */
export function shmem_truncate_page(m: Machine, f: shmem_file, index: number): void {
  const p = f.pages.get(index);
  if (!p) return;
  f.pages.delete(index);
  m.memcgUncharge(m, p.memcg);
  // The page cache's reference goes; a holder keeps the page until its put_page().
  p.truncated = true;
  if (p.refs === 0) p.freed = true;
  else f.truncatedHeld.set(p.id, p);
}

/**
 * Memory pressure on the backing store, as the kernel's page reclaim applies it to shmem: a pass
 * over the file's pages that nobody holds a reference to, either writing dirty ones to swap
 * ("writeback": they become clean, the swap copy holds their contents) or dropping clean ones that
 * have a swap copy ("drop": a later read brings the swap copy back). A page modified without
 * set_page_dirty() looks clean, so its modification is lost when it is dropped.
 */
export function* shmem_reclaim_pass(m: Machine, f: shmem_file, what: "writeback" | "drop"): ModelGen {
  for (const index of [...f.pages.keys()].sort((a, b) => a - b)) {
    const p = f.pages.get(index);
    if (!p) continue;
    // The page lock of this page: the next step of another thread may touch the same page.
    yield withSite<SharedOp>({
      kind: "write",
      loc: f.loc,
      sub: index,
      what: `shmem page ${index} (${what})`,
    });
    if (p.refs > 0 || !p.resident) continue;
    if (what === "writeback" && p.dirty) {
      p.swap = new mem_swap(p.data, p.words ? p.words.slice() : null);
      p.dirty = false;
    } else if (what === "drop" && !p.dirty && p.swap) {
      p.resident = false;
      p.data = 0;
      p.words = null;
    }
  }
}

/** Memory pressure as a checker actor: kswapd's passes over an enclave's backing file, in order. */
export function* shmem_reclaim(m: Machine, f: shmem_file, passes: ("writeback" | "drop")[]): ModelGen {
  for (const what of passes) yield* shmem_reclaim_pass(m, f, what);
}
