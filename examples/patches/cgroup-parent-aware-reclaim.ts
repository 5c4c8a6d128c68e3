/**
 * A patch to the EPC cgroup series (apply it to cgroup-v16): the reclaim work of a cgroup also runs
 * when an ancestor is at its own limit. In v16, sgx_cgroup_should_reclaim() compares the cgroup's
 * own usage with the lowest limit up to the root, so when siblings fill their parent's share a
 * fault's charge fails at the parent, the queued work reclaims nothing, and the fault retries
 * forever (docs/cgroups.md, "Two findings about v16"). Here each level's usage is compared with
 * that level's limit (keeping v16's margin of SGX_CG_MIN_FREE_PAGE above SGX_CG_LOW_LIMIT).
 *
 *   npx epcsim run my.yaml --kernel cgroup-v16 --patch ./examples/patches/cgroup-parent-aware-reclaim.ts
 */
import { definePatch } from "../../src/patch.ts";

export default definePatch({
  name: "cgroup-parent-aware-reclaim",
  description: "sgx_cgroup_should_reclaim also reclaims when an ancestor is at its limit",
  overrides: {
    *sgx_cgroup_should_reclaim(m, sgx_cg) {
      if (yield* m.fn.sgx_cgroup_lru_empty(m, sgx_cg.cg)) return false;
      const low = m.c.SGX_NR_LOW_PAGES;
      for (let i = sgx_cg.cg; i; i = i.parent) {
        if (m.interleaveAll) yield m.sharedRead(i.res.usage, -1, "misc usage and max");
        let max = Math.floor(i.res.max / 4096);
        if (max > 4 * low) max -= low;
        if (Math.floor(i.res.usage.v / 4096) >= max) return true;
      }
      return false;
    },
  },
});
