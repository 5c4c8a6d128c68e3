/**
 * Normal (non-EPC) memory pages as the hardware reads and writes them during EWB and ELDU.
 *
 * Page contents are version tokens, never bytes: a contents page holds the token of the enclave data
 * it encrypts; a PCMD page holds 32 PCMD entries of three words each (tag = enclave id + 1, MAC, page
 * type). An all-zero entry is what ELDU faults on.
 */

export const PCMD_WORDS = 3;

export class mem_page {
  /** Token of the encrypted contents (contents pages). */
  data = 0;
  /** PCMD words, allocated on the first PCMD write (PCMD pages). */
  words: Float64Array | null = null;
  /** set_page_dirty() was called since the page was last written out (shmem may drop clean pages). */
  dirty = false;
  /** References held by kernel code (get_page/put_page): a referenced page is never reclaimed. */
  refs = 0;
  /** The copy in swap, once the page has been written out. */
  swapData = 0;
  swapWords: Float64Array | null = null;
  swapped = false;
  /** The contents are in memory (false: only the swap copy exists until the page is read again). */
  resident = true;
  /** Truncated from its file: freed once the last reference is put. */
  truncated = false;
  /** Freed (truncated and unreferenced): KASAN reports any later use. */
  freed = false;
  /** The memcg the page is charged to (null: the root). */
  memcg: unknown = null;
  constructor(readonly id: number) {}
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
