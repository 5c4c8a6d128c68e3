/**
 * Kernel variants: a named kernel version or historical bug, as constants plus function overrides
 * applied on top of mainline by function name. Variants register themselves here.
 */
import { type KernelFns, mainline } from "../sgx/index.ts";
import type { SgxConstants } from "../sgx/sgx.ts";

export interface Variant {
  name: string;
  description: string;
  /** Functions replaced, by kernel name. */
  overrides: Partial<KernelFns>;
  constants?: Partial<SgxConstants>;
  /** A deliberately broken copy of mainline (for the checker's mutant tests), not a real kernel. */
  mutant?: boolean;
  /** false for releases before v6.0, which have no SGX2 ioctls or EAUG fault path. */
  sgx2?: boolean;
}

/** What a kernel can run: SGX2 (v6.0+) and the EPC cgroup (the misc controller's sgx_epc). */
export function capabilities(v: Variant): { sgx2: boolean; epc_cgroup: boolean } {
  return { sgx2: v.sgx2 !== false, epc_cgroup: "sgx_cgroup_try_charge" in v.overrides };
}

const registry = new Map<string, Variant>();

export function registerVariant(v: Variant): void {
  registry.set(v.name, v);
}

export function variantNames(): string[] {
  return [...registry.keys()];
}

export function variants(): Variant[] {
  return [...registry.values()];
}

export function getVariant(name: string): Variant | undefined {
  return registry.get(name);
}

/** The function table of a variant: mainline with the variant's overrides applied by name. */
export function variantFns(v: Variant): KernelFns {
  return { ...mainline, ...v.overrides } as KernelFns;
}
