/**
 * Logical CPUs as SGX sees them: enclave mode, the number of enclave exits (what an ETRACK cycle
 * waits for) and the TLB entries for enclave pages, which exist only while the CPU is inside the
 * enclave because every exit (AEX or EEXIT) flushes them.
 */

export class Cpu {
  /** Hardware enclave id the CPU executes in, or -1 when not in enclave mode. */
  inEnclave = -1;
  /** Enclave exits so far (AEX + EEXIT); an ETRACK cycle completes when each snapshot CPU's count grew. */
  exits = 0;
  /** Cached translations: enclave page index -> EPC page (exist only while inEnclave >= 0). */
  readonly tlb = new Map<number, number>();
  constructor(
    readonly id: number,
    readonly node: number,
  ) {}
}

