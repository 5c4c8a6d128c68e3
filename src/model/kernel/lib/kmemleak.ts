/**
 * kmemleak's allocation records, for the objects the checker scans (src/check/kmemleak.ts): where
 * each EPC page was last allocated. Recorded only while sites are captured (the checker's report
 * replay), so a search pays nothing and state hashes never see it.
 */
import { modelFrames, siteCapture } from "../../../rt/site.ts";
import type { Machine } from "../../machine.ts";

/** Frames of the allocator itself: the report names who asked for the page. */
const ALLOCATOR = /^(freeListTakeFirst|__sgx_alloc_epc_page|__sgx_alloc_epc_page_from_node|kmemleak_alloc)$/;

/** kmemleak_alloc: remember the call chain that allocated EPC page `page`. */
export function kmemleak_alloc(m: Machine, page: number): void {
  if (!siteCapture.on) return;
  const frames = modelFrames(new Error().stack ?? "").filter((f) => !ALLOCATOR.test(f.fn));
  m.kmemleak_sites.set(
    page,
    frames
      .slice(0, 3)
      .map((f) => `${f.fn} (${f.file.split("/").pop()}:${f.line})`)
      .join(" < "),
  );
}
