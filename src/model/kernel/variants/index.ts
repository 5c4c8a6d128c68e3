/**
 * Kernel variants: a named kernel version or historical bug, as constants plus function overrides
 * applied on top of mainline by function name.
 */
import { type KernelFns, mainline } from "../sgx/index.ts";
import type { SgxConstants } from "../sgx/sgx.ts";

export interface Variant {
  name: string;
  description: string;
  /** Functions replaced, by kernel name. */
  overrides: Partial<KernelFns>;
  constants?: Partial<SgxConstants>;
}

const registry = new Map<string, Variant>();

export function registerVariant(v: Variant): void {
  registry.set(v.name, v);
}

registerVariant({
  name: "mainline",
  description: "Linux ~v6.16/v6.17 as in the reference: global LRU, one ksgxd, 2022 PCMD fixes, SECS reload",
  overrides: {},
});

export function variantNames(): string[] {
  return [...registry.keys()];
}

export function getVariant(name: string): Variant | undefined {
  return registry.get(name);
}

/** The function table of a variant: mainline with the variant's overrides applied by name. */
export function variantFns(v: Variant): KernelFns {
  return { ...mainline, ...v.overrides } as KernelFns;
}
