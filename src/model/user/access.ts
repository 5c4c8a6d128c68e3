/**
 * Access patterns of enclave threads: which enclave page the next touch goes to, and whether it
 * writes. A pattern is asked for the pending touch (`peek`) and told when it completed (`advance`),
 * so a touch that faults is retried on the same page, as the hardware retries the instruction.
 */
import { WorkloadRng } from "./prng.ts";

export type PatternSpec =
  | { kind: "sequential"; passes?: ("read" | "write" | "mixed")[] }
  | { kind: "uniform" }
  | { kind: "zipf"; s: number }
  | { kind: "hotcold"; hot_fraction: number; hot_probability: number; hot_at?: "start" | "end" }
  | { kind: "pointer_chase" };

export interface AccessPattern {
  /** Page index (within the thread's range) of the pending touch. */
  peek(): number;
  /** Is the pending touch a write? */
  peekWrite(): boolean;
  /** The pending touch completed; move on. */
  advance(): void;
  /** All touches of a finite pattern are done. */
  done(): boolean;
}

/** Build a pattern over pages [lo, lo + n), with `total` touches (Infinity = unbounded). */
export function makePattern(
  spec: PatternSpec,
  lo: number,
  n: number,
  writeRatio: number,
  total: number,
  seed: number,
  stream: number,
): AccessPattern {
  const rng = new WorkloadRng(seed, stream);
  switch (spec.kind) {
    case "sequential":
      // Explicit passes end the pattern after the last pass.
      return new Sequential(
        lo,
        n,
        spec.passes ?? ["mixed"],
        writeRatio,
        spec.passes ? Math.min(total, n * spec.passes.length) : total,
        rng,
      );
    case "pointer_chase":
      return new PointerChase(lo, n, writeRatio, total, rng);
    default:
      return new RandomPattern(sampler(spec, n, rng), lo, writeRatio, total, rng);
  }
}

abstract class Base implements AccessPattern {
  protected count = 0;
  protected page = 0;
  protected write = false;
  constructor(
    protected readonly total: number,
    protected readonly writeRatio: number,
    protected readonly rng: WorkloadRng,
  ) {}
  peek(): number {
    return this.page;
  }
  peekWrite(): boolean {
    return this.write;
  }
  done(): boolean {
    return this.count >= this.total;
  }
  advance(): void {
    this.count++;
    this.next();
  }
  protected abstract next(): void;
}

/** Pass after pass over the range in order; each pass reads, writes, or mixes by write ratio. */
class Sequential extends Base {
  private i = 0;
  private pass = 0;
  constructor(
    private readonly lo: number,
    private readonly n: number,
    private readonly passes: ("read" | "write" | "mixed")[],
    writeRatio: number,
    total: number,
    rng: WorkloadRng,
  ) {
    super(total, writeRatio, rng);
    this.page = lo;
    this.write = this.decide();
  }
  private decide(): boolean {
    const p = this.passes[this.pass % this.passes.length]!;
    return p === "write" ? true : p === "read" ? false : this.rng.float() < this.writeRatio;
  }
  protected next(): void {
    this.i++;
    if (this.i >= this.n) {
      this.i = 0;
      this.pass++;
    }
    this.page = this.lo + this.i;
    this.write = this.decide();
  }
}

/** Independent draws from a page distribution. */
class RandomPattern extends Base {
  constructor(
    private readonly draw: () => number,
    private readonly lo: number,
    writeRatio: number,
    total: number,
    rng: WorkloadRng,
  ) {
    super(total, writeRatio, rng);
    this.next();
  }
  protected next(): void {
    this.page = this.lo + this.draw();
    this.write = this.rng.float() < this.writeRatio;
  }
}

/** Follows one random cycle through all pages (Sattolo's algorithm): no locality at all. */
class PointerChase extends Base {
  private readonly perm: Int32Array;
  private cur = 0;
  constructor(
    private readonly lo: number,
    n: number,
    writeRatio: number,
    total: number,
    rng: WorkloadRng,
  ) {
    super(total, writeRatio, rng);
    this.perm = new Int32Array(n);
    for (let i = 0; i < n; i++) this.perm[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = rng.below(i);
      const t = this.perm[i]!;
      this.perm[i] = this.perm[j]!;
      this.perm[j] = t;
    }
    this.page = lo;
    this.write = rng.float() < writeRatio;
  }
  protected next(): void {
    this.cur = this.perm[this.cur]!;
    this.page = this.lo + this.cur;
    this.write = this.rng.float() < this.writeRatio;
  }
}

function sampler(spec: PatternSpec, n: number, rng: WorkloadRng): () => number {
  switch (spec.kind) {
    case "uniform":
      return () => rng.below(n);
    case "hotcold": {
      // The hot pages are the first (or the last) hot_fraction of the range.
      const hot = Math.max(1, Math.round(n * spec.hot_fraction));
      const hotFirst = spec.hot_at === "end" ? n - hot : 0;
      const coldFirst = spec.hot_at === "end" ? 0 : hot;
      return () =>
        rng.float() < spec.hot_probability || hot >= n
          ? hotFirst + rng.below(hot)
          : coldFirst + rng.below(n - hot);
    }
    case "zipf": {
      // Exact inverse-CDF sampling over a cumulative table (rank r has weight 1 / r^s).
      const cdf = new Float64Array(n);
      let sum = 0;
      for (let r = 0; r < n; r++) {
        sum += 1 / (r + 1) ** spec.s;
        cdf[r] = sum;
      }
      return () => {
        const u = rng.float() * sum;
        let a = 0;
        let b = n - 1;
        while (a < b) {
          const mid = (a + b) >>> 1;
          if (cdf[mid]! < u) a = mid + 1;
          else b = mid;
        }
        return a;
      };
    }
    default:
      return () => 0;
  }
}

/** A fixed list of touches (the checker's enclave actors): each page once, all reads or all writes. */
export function listPattern(pages: number[], write: boolean): AccessPattern {
  let i = 0;
  return {
    peek: () => pages[i]!,
    peekWrite: () => write,
    advance: () => {
      i++;
    },
    done: () => i >= pages.length,
  };
}
