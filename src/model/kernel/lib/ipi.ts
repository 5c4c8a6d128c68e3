/**
 * on_each_cpu_mask(): send an IPI to every CPU in a mask and wait for the callbacks. The SGX
 * driver's callback is empty: the interrupt itself forces an AEX on every CPU in enclave mode.
 */
import type { IpiOp, ModelGen } from "../../../rt/ops.ts";
import { withSite } from "../../../rt/site.ts";
import type { Machine } from "../../machine.ts";

/** on_each_cpu_mask(mask, cb, NULL, wait=true): returns the CPUs that were forced out of an enclave. */
export function* on_each_cpu_mask(m: Machine, mask: Uint8Array, why: IpiOp["why"]): ModelGen<number[]> {
  const targets: number[] = [];
  for (let c = 0; c < mask.length; c++) if (mask[c]) targets.push(c);
  const op: IpiOp = withSite({ kind: "ipi", why, targets: targets.length, aex: [] });
  yield op;
  // The local CPU runs the callback directly; only the others take an interrupt.
  const self = m.current.cpu;
  op.aex = m.hw.interrupt(targets.filter((c) => c !== self));
  return op.aex;
}
