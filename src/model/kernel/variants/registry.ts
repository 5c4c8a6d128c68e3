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
