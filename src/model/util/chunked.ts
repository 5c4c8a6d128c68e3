/**
 * Chunked arrays: per-page state for EPC sizes up to hundreds of GiB without paying for pages never
 * touched. A chunk is allocated on the first write to any index in it; reads of an index in an
 * absent chunk return the default value. Every chunk is a Float64Array, whatever the field's range:
 * one element kind keeps the hot accessors monomorphic, which matters more than the bytes.
 */

type TypedArray = Int32Array | Uint8Array | Uint16Array | Float64Array;
type TypedCtor<T extends TypedArray> = new (n: number) => T;

export class Chunked {
  private readonly chunks: (Float64Array | undefined)[] = [];
  private readonly shift: number;
  private readonly mask: number;

  constructor(
    /** Total number of indices (fixes the chunk size: small arrays use one small chunk). */
    capacity: number,
    private readonly def = 0,
  ) {
    let shift = 4;
    while (shift < 16 && 1 << shift < capacity) shift++;
    this.shift = shift;
    this.mask = (1 << shift) - 1;
  }

  get(i: number): number {
    const c = this.chunks[i >>> this.shift];
    return c === undefined ? this.def : c[i & this.mask]!;
  }

  set(i: number, v: number): void {
    const k = i >>> this.shift;
    let c = this.chunks[k];
    if (c === undefined) {
      c = new Float64Array(1 << this.shift);
      if (this.def !== 0) c.fill(this.def);
      this.chunks[k] = c;
    }
    c[i & this.mask] = v;
  }

  /** Bytes held by allocated chunks. */
  bytes(): number {
    let b = 0;
    for (const c of this.chunks) if (c) b += c.byteLength;
    return b;
  }

  /** Visit every index of allocated chunks whose value differs from the default. */
  forEachSet(fn: (i: number, v: number) => void): void {
    for (let k = 0; k < this.chunks.length; k++) {
      const c = this.chunks[k];
      if (!c) continue;
      const base = k << this.shift;
      for (let j = 0; j < c.length; j++) if (c[j] !== this.def) fn(base + j, c[j]!);
    }
  }
}

const GROW_STEP_FROM = 1 << 20;

/** A typed array that grows on demand; for tables indexed by ids allocated in order. */
export class Growable<T extends TypedArray> {
  a: T;
  constructor(
    private readonly ctor: TypedCtor<T>,
    initial = 64,
    private readonly def = 0,
  ) {
    this.a = new ctor(initial);
    if (def !== 0) this.a.fill(def);
  }
  ensure(n: number): void {
    if (n <= this.a.length) return;
    let len = this.a.length;
    // Doubling, then steps of a quarter past a million entries: an 8 GiB enclave has 2^21 pages
    // plus its SECS, and doubling for that one page would double the tables (and, while copying,
    // hold three times them).
    while (len < n) len = len < GROW_STEP_FROM ? len * 2 : len + (len >>> 2);
    const b = new this.ctor(len);
    if (this.def !== 0) b.fill(this.def);
    b.set(this.a);
    this.a = b;
  }
}

/**
 * A sparse array of objects by index: a Map<number, T> for maps that can hold millions of entries
 * (a shmem file's page cache). Entries sit in chunks of 64 slots, about 4 bytes per entry where a
 * Map costs about 55. A chunk goes when its last entry does, so the layout depends only on the
 * entries: the checker's canonical hash and its snapshots see the same state for the same entries,
 * whatever the order they came in. Iterates in index order (a Map iterates in insertion order).
 */
export class SparseArray<T> {
  /** Chunk k holds indices k*64 .. k*64+63; null where no entry is in that range. */
  private readonly chunks: ((T | null)[] | null)[] = [];
  /** Entries per chunk. */
  private readonly used: number[] = [];
  size = 0;

  get(i: number): T | undefined {
    const c = this.chunks[i >>> SPARSE_SHIFT];
    if (c == null) return undefined;
    return c[i & SPARSE_MASK] ?? undefined;
  }

  has(i: number): boolean {
    return this.get(i) !== undefined;
  }

  set(i: number, v: T): void {
    const k = i >>> SPARSE_SHIFT;
    while (this.chunks.length <= k) {
      this.chunks.push(null);
      this.used.push(0);
    }
    let c = this.chunks[k];
    if (c == null) {
      c = new Array<T | null>(1 << SPARSE_SHIFT).fill(null);
      this.chunks[k] = c;
    }
    const j = i & SPARSE_MASK;
    if (c[j] == null) {
      this.used[k] = this.used[k]! + 1;
      this.size++;
    }
    c[j] = v;
  }

  delete(i: number): boolean {
    const k = i >>> SPARSE_SHIFT;
    const c = this.chunks[k];
    if (c == null || c[i & SPARSE_MASK] == null) return false;
    c[i & SPARSE_MASK] = null;
    this.size--;
    this.used[k] = this.used[k]! - 1;
    if (this.used[k] === 0) {
      this.chunks[k] = null;
      // Trailing empty chunks go too: the same entries, the same layout.
      while (this.chunks.length && this.chunks[this.chunks.length - 1] == null) {
        this.chunks.pop();
        this.used.pop();
      }
    }
    return true;
  }

  clear(): void {
    this.chunks.length = 0;
    this.used.length = 0;
    this.size = 0;
  }

  /** [index, entry] pairs in index order. */
  *entries(): IterableIterator<[number, T]> {
    for (let k = 0; k < this.chunks.length; k++) {
      const c = this.chunks[k];
      if (c == null) continue;
      for (let j = 0; j < c.length; j++) {
        const v = c[j];
        if (v != null) yield [(k << SPARSE_SHIFT) + j, v];
      }
    }
  }

  *keys(): IterableIterator<number> {
    for (const [i] of this.entries()) yield i;
  }

  *values(): IterableIterator<T> {
    for (const [, v] of this.entries()) yield v;
  }

  [Symbol.iterator](): IterableIterator<[number, T]> {
    return this.entries();
  }
}

const SPARSE_SHIFT = 6;
const SPARSE_MASK = (1 << SPARSE_SHIFT) - 1;
