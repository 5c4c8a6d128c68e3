/**
 * The isgx function table: the driver's own functions (sgx_swap_pages, sgx_do_fault, ...) sit in the
 * machine's function table next to mainline's, so isgx code calls them through it and a variant
 * built on isgx can replace any of them by name, as for mainline.
 */
import type { Machine } from "../../../machine.ts";
import type { KernelFns } from "../../sgx/index.ts";
import type { isgx_fns } from "../isgx.ts";

export type IsgxFns = typeof isgx_fns;

/** m.fn seen with the isgx functions (present when the machine runs an isgx variant). */
export function fn(m: Machine): IsgxFns & KernelFns {
  return m.fn as unknown as IsgxFns & KernelFns;
}

/** Does the machine run the isgx driver? */
export function runsIsgx(m: Machine): boolean {
  return "sgx_swap_pages" in m.fn;
}
