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

/** A typed array that doubles on demand; for tables indexed by ids allocated in order. */
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
    while (len < n) len *= 2;
    const b = new this.ctor(len);
    if (this.def !== 0) b.fill(this.def);
    b.set(this.a);
    this.a = b;
  }
}
