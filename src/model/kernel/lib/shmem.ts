/**
 * The shmem file that backs an enclave's evicted pages: a sparse map from page index to a RAM page.
 * Truncation removes a page from the file; a holder of a reference to the removed page can still
 * write into it, but those writes are lost to the file (exactly the PCMD races of 2022).
 */
import type { ModelGen, WorkOp } from "../../../rt/ops.ts";
import { withSite } from "../../../rt/site.ts";
import { mem_page } from "../../hw/memory.ts";
import type { Machine } from "../../machine.ts";

export class shmem_file {
  readonly pages = new Map<number, mem_page>();
  /** Pages ever allocated in this file (for memcg charging and reports). */
  allocated = 0;
  constructor(
    readonly id: number,
    readonly name: string,
    readonly size_pages: number,
  ) {}
}

const LOOKUP: WorkOp = { kind: "work", what: "shmem_lookup", n: 1 };
const ALLOC: WorkOp = { kind: "work", what: "shmem_alloc", n: 1 };

/**
 * shmem_read_mapping_page_gfp: the page at `index`, allocated (zero-filled) if absent. Returns the
 * page (the caller holds a reference) or null when the allocation is refused (memcg limit, -ENOMEM).
 */
export function* shmem_read_mapping_page(
  m: Machine,
  f: shmem_file,
  index: number,
): ModelGen<mem_page | null> {
  const p = f.pages.get(index);
  if (p) {
    yield withSite(LOOKUP);
    return p;
  }
  yield withSite(ALLOC);
  if (!m.shmemCharge(f)) return null;
  const np = new mem_page(m.newId());
  f.pages.set(index, np);
  f.allocated++;
  return np;
}

/** shmem_truncate_range for one page: the page leaves the file (and is uncharged). */
export function shmem_truncate_page(m: Machine, f: shmem_file, index: number): void {
  if (f.pages.delete(index)) m.shmemUncharge(f);
}
