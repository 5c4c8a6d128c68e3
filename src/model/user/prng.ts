/**
 * The workload's own pseudo-random stream (which page a thread touches next, read or write).
 * It is part of the workload's description, seeded from the scenario: the same seed always gives
 * the same program. Schedule nondeterminism never comes from here; it goes through choose().
 * xoshiro128** (public domain algorithm by Blackman and Vigna), 32-bit arithmetic.
 */
export class WorkloadRng {
  /**
   * The four state words, as int32 in a typed array: V8 keeps them unboxed there, where number
   * fields holding values past 2^30 are heap numbers (4x slower per draw). The bits, and so every
   * draw, are the same as with uint32 words.
   */
  private readonly s = new Int32Array(4);

  constructor(seed: number, stream: number) {
    // splitmix32 to spread the seed over the state
    let x = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s[0] = next();
    this.s[1] = next();
    this.s[2] = next();
    this.s[3] = next() | 1;
  }

  /** Next 32-bit unsigned value. */
  u32(): number {
    const s = this.s;
    const a = s[0]!;
    const b = s[1]!;
    let c = s[2]!;
    let d = s[3]!;
    const r = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    s[1] = b ^ c;
    s[0] = a ^ d;
    s[2] = c ^ t;
    s[3] = rotl(d, 11);
    return r;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.float() * n);
  }
}

/** 32-bit rotate left (an int32 result; callers that need the unsigned value take >>> 0). */
function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
