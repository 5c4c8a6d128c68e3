/**
 * `cgroup-v15`: the EPC cgroup series before the v16 round-robin cursor (B13's v14/v15 item,
 * "a busy top-level cgroup could starve reclaim of descendants"). sgx_cgroup_reclaim_pages walked
 * the subtree in pre-order from its root on every call and stopped as soon as SGX_NR_TO_SCAN pages
 * were scanned: the root's own LRU first, the descendants only when the root had fewer pages to
 * scan. A parent whose own pages keep being scanned (and, being young, rotated back) is reclaimed
 * from round after round while its children's cold pages are never looked at.
 * Everything else is cgroup-v16's.
 */
import type { ModelGen } from "../../../rt/ops.ts";
import type { Machine } from "../../machine.ts";
import { descendants_pre } from "../cgroup/misc.ts";
import type { mm_struct } from "../lib/mm.ts";
import { cgfn, type sgx_cgroup, sgx_cgroup_from_misc_cg } from "../sgx/epc_cgroup.ts";
import { cgroupV16 } from "./cgroup.ts";
import { registerVariant } from "./registry.ts";

/**
 * sgx_cgroup_reclaim_pages (v15 "Add basic EPC reclamation flow for cgroup"): reclaim from `root`'s
 * LRU, moving on to its descendants only while fewer than `nr_to_scan` pages were scanned.
 * Context: no locks held; may sleep.
 */
function* sgx_cgroup_reclaim_pages(
  m: Machine,
  root: sgx_cgroup,
  charge_mm: mm_struct | null,
  nr_to_scan: number,
): ModelGen {
  let cnt = 0;
  // css_for_each_descendant_pre(pos, &root->cg->css), from the root every time.
  for (const pos of descendants_pre(root.cg)) {
    cnt += yield* cgfn(m).sgx_reclaim_pages(m, sgx_cgroup_from_misc_cg(pos).lru, charge_mm);
    if (cnt >= nr_to_scan) break;
  }
}

registerVariant({
  name: "cgroup-v15",
  description:
    "the EPC cgroup series before v16's round-robin cursor: reclaim always starts at the subtree's root (B13: a busy parent starves its children's reclaim)",
  overrides: { ...cgroupV16, sgx_cgroup_reclaim_pages },
});
