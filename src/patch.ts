/**
 * The API for a user's own kernel patch, written as a TypeScript module and loaded with
 * `--patch ./my-patch.ts` (or `--set kernel=<variant>+./my-patch.ts`). A patch replaces model
 * functions by their kernel names and may change constants, exactly as the built-in variants do;
 * it is applied on top of the chosen variant. See docs/patches.md.
 *
 *   import { definePatch, mutex_lock, mutex_unlock } from "epcsim/patch";   // or a relative path
 *   export default definePatch({
 *     name: "my-change",
 *     description: "what it changes",
 *     constants: { SGX_NR_TO_SCAN: 8 },
 *     overrides: { sgx_reclaim_pages: function* (m) { ... } },
 *   });
 */
import type { KernelFns } from "./model/kernel/sgx/index.ts";
import type { SgxConstants } from "./model/kernel/sgx/sgx.ts";

export interface Patch {
  name: string;
  description?: string;
  overrides?: Partial<KernelFns>;
  constants?: Partial<SgxConstants>;
}

/** Identity function that gives a patch module its types. */
export function definePatch(p: Patch): Patch {
  return p;
}

// Everything model code uses, so a patch needs one import (test/cli/patch_api.test.ts checks that
// each name a built-in variant imports from the model is exported here).
export * from "./model/hw/arch.ts";
export * from "./model/hw/memory.ts";
export * from "./model/kernel/cgroup/misc.ts";
export * from "./model/kernel/lib/atomic.ts";
export * from "./model/kernel/lib/errno.ts";
export * from "./model/kernel/lib/file.ts";
export * from "./model/kernel/lib/ipi.ts";
export * from "./model/kernel/lib/kmemleak.ts";
export * from "./model/kernel/lib/list.ts";
export * from "./model/kernel/lib/locks.ts";
export * from "./model/kernel/lib/memcg.ts";
export * from "./model/kernel/lib/mm.ts";
export * from "./model/kernel/lib/sched.ts";
export * from "./model/kernel/lib/shmem.ts";
export * from "./model/kernel/lib/srcu.ts";
export * from "./model/kernel/lib/stack_array.ts";
export * from "./model/kernel/lib/workqueue.ts";
export * from "./model/kernel/lib/xarray.ts";
export { mmOf, newVaPage } from "./model/kernel/sgx/encl.ts";
export * from "./model/kernel/sgx/epc_cgroup.ts";
export type { KernelFns } from "./model/kernel/sgx/index.ts";
export { mainline } from "./model/kernel/sgx/index.ts";
export * from "./model/kernel/sgx/ioctl.ts";
export { freeListEmpty, freeListTakeFirst, secsIndex } from "./model/kernel/sgx/main.ts";
export * from "./model/kernel/sgx/sgx.ts";
export type { Machine } from "./model/machine.ts";
export { Growable } from "./model/util/chunked.ts";
export type { ModelGen, Op } from "./rt/ops.ts";
export { withSite } from "./rt/site.ts";
