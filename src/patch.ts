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

export * from "./model/hw/arch.ts";
export * from "./model/kernel/lib/atomic.ts";
export * from "./model/kernel/lib/errno.ts";
export * from "./model/kernel/lib/ipi.ts";
export * from "./model/kernel/lib/list.ts";
export * from "./model/kernel/lib/locks.ts";
export * from "./model/kernel/lib/mm.ts";
export * from "./model/kernel/lib/sched.ts";
export type { KernelFns } from "./model/kernel/sgx/index.ts";
export { mainline } from "./model/kernel/sgx/index.ts";
export { freeListEmpty, freeListTakeFirst, secsIndex } from "./model/kernel/sgx/main.ts";
export * from "./model/kernel/sgx/sgx.ts";
export type { Machine } from "./model/machine.ts";
// What patch code commonly needs, re-exported so a patch has one import.
export type { ModelGen, Op } from "./rt/ops.ts";
