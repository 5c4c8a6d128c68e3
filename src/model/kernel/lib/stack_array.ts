/**
 * A fixed-size array on the kernel stack, such as sgx_reclaim_pages()'s
 * `struct sgx_epc_page *chunk[SGX_NR_TO_SCAN]`. Model code fills it with push() as the kernel
 * fills `chunk[cnt++]`; a write past its end is what KASAN reports as stack-out-of-bounds (without
 * KASAN it silently corrupts the caller's frame). A plain JavaScript array would just grow, so an
 * off-by-one on the loop that fills it went unseen.
 */
import type { Machine } from "../../machine.ts";

export const STACK_OUT_OF_BOUNDS = "KASAN: stack-out-of-bounds";

export class StackArray<T> {
  private readonly items: T[] = [];
  constructor(
    private readonly m: Machine,
    /** The kernel function whose frame holds it. */
    private readonly fn: string,
    /** The declaration as the kernel writes it, for the report ("chunk[SGX_NR_TO_SCAN]"). */
    private readonly decl: string,
    /** The number of elements the kernel declares. */
    readonly size: number,
  ) {}

  /** `a[cnt++] = v`: a BUG when the array is full. */
  push(v: T): void {
    if (this.items.length >= this.size)
      this.m.bug(
        `${STACK_OUT_OF_BOUNDS} in ${this.fn}: write of element ${this.items.length} of ${this.decl}, an array of ${this.size}`,
      );
    this.items.push(v);
  }

  get length(): number {
    return this.items.length;
  }

  at(i: number): T {
    if (i < 0 || i >= this.items.length)
      this.m.bug(
        `${STACK_OUT_OF_BOUNDS} in ${this.fn}: read of element ${i} of ${this.decl} (${this.items.length} filled)`,
      );
    return this.items[i]!;
  }

  set(i: number, v: T): void {
    if (i < 0 || i >= this.items.length)
      this.m.bug(
        `${STACK_OUT_OF_BOUNDS} in ${this.fn}: write of element ${i} of ${this.decl} (${this.items.length} filled)`,
      );
    this.items[i] = v;
  }
}
