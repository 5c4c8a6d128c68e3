/**
 * Logical CPUs as SGX sees them: enclave mode, the number of enclave exits (what an ETRACK cycle
 * waits for) and the TLB entries for enclave pages, which exist only while the CPU is inside the
 * enclave because every exit (AEX or EEXIT) flushes them.
 *
 * The TLB maps an enclave page index to the EPC page it translated to. A flush bumps a generation
 * number instead of clearing arrays, so entering and leaving the enclave costs O(1).
 */

export class Cpu {
  /** Hardware enclave id the CPU executes in, or -1 when not in enclave mode. */
  inEnclave = -1;
  /** Enclave exits so far (AEX + EEXIT); an ETRACK cycle completes when each snapshot CPU's count grew. */
  exits = 0;
  /** TLB generation: entries stamped with another generation are invalid. */
  private gen = 1;
  private tlbGen = new Int32Array(64);
  private tlbEpc = new Int32Array(64);
  /** Valid entries (for tests and reports). */
  entries = 0;
  constructor(
    readonly id: number,
    readonly node: number,
  ) {}

  /** The EPC page a cached translation of enclave page `index` points to, or -1. */
  tlbLookup(index: number): number {
    return index < this.tlbGen.length && this.tlbGen[index] === this.gen ? this.tlbEpc[index]! : -1;
  }

  tlbFill(index: number, epc: number): void {
    if (index >= this.tlbGen.length) {
      let n = this.tlbGen.length;
      while (n <= index) n *= 2;
      const g = new Int32Array(n);
      g.set(this.tlbGen);
      const e = new Int32Array(n);
      e.set(this.tlbEpc);
      this.tlbGen = g;
      this.tlbEpc = e;
    }
    if (this.tlbGen[index] !== this.gen) this.entries++;
    this.tlbGen[index] = this.gen;
    this.tlbEpc[index] = epc;
  }

  /** Visit the valid translations (for the checker's canonical state hash). */
  tlbForEach(fn: (index: number, epc: number) => void): void {
    for (let i = 0; i < this.tlbGen.length; i++) if (this.tlbGen[i] === this.gen) fn(i, this.tlbEpc[i]!);
  }

  /** Rename the EPC pages valid translations point to (the checker's symmetry self-test). */
  tlbRename(rename: (epc: number) => number): void {
    for (let i = 0; i < this.tlbGen.length; i++)
      if (this.tlbGen[i] === this.gen) this.tlbEpc[i] = rename(this.tlbEpc[i]!);
  }

  tlbFlush(): void {
    this.gen++;
    this.entries = 0;
  }
}
