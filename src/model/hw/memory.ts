/**
 * Normal (non-EPC) memory pages as the hardware reads and writes them during EWB and ELDU.
 *
 * Page contents are version tokens, never bytes: a contents page holds the token of the enclave data
 * it encrypts; a PCMD page holds 32 PCMD entries of three words each (tag = enclave id + 1, MAC, page
 * type). An all-zero entry is what ELDU faults on.
 */

export const PCMD_WORDS = 3;

/* mem_page.flags */
/** set_page_dirty() was called since the page was last written out (shmem may drop clean pages). */
const PG_dirty = 1 << 0;
/** Only the swap copy holds the contents until the page is read again. */
const PG_swapped_out = 1 << 1;
/** Truncated from its file: freed once the last reference is put. */
const PG_truncated = 1 << 2;
/** Freed (truncated and unreferenced): KASAN reports any later use. */
const PG_freed = 1 << 3;

/** The copy of a page in swap, once the page has been written out. */
export class mem_swap {
  constructor(
    readonly data: number,
    readonly words: Float64Array | null,
  ) {}
}

/**
 * A page of normal memory. An enclave's backing file holds one per evicted page (2M for an 8 GiB
 * enclave on a 93.5 MiB EPC), so the page is kept small: the boolean states are bits of `flags`
 * and the swap copy is an object of its own that only a page written to swap has. The accessors
 * keep the field names the model code reads and writes.
 */
export class mem_page {
  /** The data token (see `data`). */
  private token = 0;
  /** PCMD words, allocated on the first PCMD write (PCMD pages). */
  words: Float64Array | null = null;
  /** PG_* bits above. */
  flags = 0;
  /** References held by kernel code (get_page/put_page): a referenced page is never reclaimed. */
  refs = 0;
  /** The memcg the page is charged to (null: the root). */
  memcg: unknown = null;
  /** The copy in swap, once the page has been written out (null: never written out). */
  swap: mem_swap | null = null;
  constructor(readonly id: number) {}

  /** Token of the encrypted contents (contents pages). */
  get data(): number {
    return this.token;
  }
  set data(v: number) {
    // As a small integer when it is one, which tokens are: a token read from a Float64Array (the
    // EPC's tokens are per-page typed arrays) comes as a heap number, and storing one makes V8 box
    // this field in every page, 16 more bytes each.
    this.token = (v | 0) === v ? v | 0 : v;
  }

  get dirty(): boolean {
    return (this.flags & PG_dirty) !== 0;
  }
  set dirty(v: boolean) {
    this.flags = v ? this.flags | PG_dirty : this.flags & ~PG_dirty;
  }
  /** The contents are in memory (false: only the swap copy exists until the page is read again). */
  get resident(): boolean {
    return (this.flags & PG_swapped_out) === 0;
  }
  set resident(v: boolean) {
    this.flags = v ? this.flags & ~PG_swapped_out : this.flags | PG_swapped_out;
  }
  get truncated(): boolean {
    return (this.flags & PG_truncated) !== 0;
  }
  set truncated(v: boolean) {
    this.flags = v ? this.flags | PG_truncated : this.flags & ~PG_truncated;
  }
  get freed(): boolean {
    return (this.flags & PG_freed) !== 0;
  }
  set freed(v: boolean) {
    this.flags = v ? this.flags | PG_freed : this.flags & ~PG_freed;
  }
}

/** Read PCMD entry `slot` (0..31) of a page: [tag, mac, type]; zeros if never written. */
export function pcmdRead(p: mem_page, slot: number): [number, number, number] {
  const w = p.words;
  if (!w) return [0, 0, 0];
  const o = slot * PCMD_WORDS;
  return [w[o]!, w[o + 1]!, w[o + 2]!];
}

export function pcmdWrite(p: mem_page, slot: number, tag: number, mac: number, type: number): void {
  if (!p.words) p.words = new Float64Array(32 * PCMD_WORDS);
  const o = slot * PCMD_WORDS;
  p.words[o] = tag;
  p.words[o + 1] = mac;
  p.words[o + 2] = type;
}

/** memset(pcmd + offset, 0, sizeof(struct sgx_pcmd)). */
export function pcmdZero(p: mem_page, slot: number): void {
  if (!p.words) return;
  p.words.fill(0, slot * PCMD_WORDS, slot * PCMD_WORDS + PCMD_WORDS);
}

/** memchr_inv(pcmd_page, 0, PAGE_SIZE) == NULL. */
export function pcmdPageEmpty(p: mem_page): boolean {
  const w = p.words;
  if (!w) return true;
  for (let i = 0; i < w.length; i++) if (w[i] !== 0) return false;
  return true;
}

/**
 * The MAC EWB stores in the PCMD: binds the data token to the version nonce in the VA slot, the
 * enclave and the page address, so ELDU detects lost, stale or replayed contents.
 */
export function sgxMac(token: number, version: number, eid: number, linaddr: number): number {
  let h = 0x811c9dc5 ^ (token | 0) ^ Math.floor(token / 4294967296);
  h = Math.imul(h ^ (version | 0), 0x01000193) ^ Math.floor(version / 4294967296);
  h = Math.imul(h ^ eid, 0x01000193);
  h = Math.imul(h ^ (linaddr | 0), 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  // Never zero, so a written entry is distinguishable from a zeroed one.
  return (h >>> 0) + 1;
}
