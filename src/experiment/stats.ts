/**
 * Statistics for A/B experiments and sweeps over replications.
 *
 * - Means of per-run metric values; B - A differences are paired by replication (common random
 *   numbers: A and B of a replication ran on the same seed).
 * - Counters, rates and means: a Student-t interval on the mean (of the paired differences for A/B).
 * - Percentile metrics (fault latency p50/p90/p99/max), whose per-run values are skewed and lumpy: a
 *   seeded percentile bootstrap of the mean, resampling replications (pairs for A/B) with replacement.
 *
 * Intervals need at least two replications; with fewer they are null.
 */
import jstat from "jstat";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { quantileSorted } from "simple-statistics";

export const CONFIDENCE = 0.95;
export const BOOTSTRAP_RESAMPLES = 4000;

export type CiMethod = "t" | "bootstrap";

export interface Interval {
  mean: number;
  /** Null when there are fewer than two values. */
  low: number | null;
  high: number | null;
  n: number;
  method: CiMethod;
}

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (n - 1 in the denominator). */
export function sampleSd(xs: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return Number.NaN;
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return Math.sqrt(ss / (n - 1));
}

/** Quantile of Student's t distribution with `df` degrees of freedom. */
export function tQuantile(p: number, df: number): number {
  return jstat.studentt.inv(p, df);
}

/** Two-sided t-interval for the mean of `xs` (for paired differences: the paired t-interval). */
export function tInterval(xs: readonly number[], level = CONFIDENCE): Interval {
  const n = xs.length;
  const m = mean(xs);
  if (n < 2) return { mean: m, low: null, high: null, n, method: "t" };
  const half = (tQuantile(1 - (1 - level) / 2, n - 1) * sampleSd(xs)) / Math.sqrt(n);
  // All values equal (e.g. A vs A under common random numbers): the interval is exactly the mean.
  if (half === 0) return { mean: m, low: m, high: m, n, method: "t" };
  return { mean: m, low: m - half, high: m + half, n, method: "t" };
}

/** Paired t-interval for mean(b - a); a[i] and b[i] are one replication. */
export function pairedTInterval(a: readonly number[], b: readonly number[], level = CONFIDENCE): Interval {
  return tInterval(pairedDiffs(a, b), level);
}

export function pairedDiffs(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new Error(`paired samples differ in length: ${a.length} vs ${b.length}`);
  return a.map((x, i) => b[i]! - x);
}

/**
 * Percentile bootstrap interval for the mean of `xs`: `resamples` means of n values drawn with
 * replacement (a seeded xoroshiro128+ stream, so the interval is reproducible), and their
 * (1-level)/2 and (1+level)/2 quantiles.
 */
export function bootstrapMeanInterval(
  xs: readonly number[],
  seed: number,
  resamples = BOOTSTRAP_RESAMPLES,
  level = CONFIDENCE,
): Interval {
  const n = xs.length;
  const m = mean(xs);
  if (n < 2) return { mean: m, low: null, high: null, n, method: "bootstrap" };
  const g = xoroshiro128plus(seed | 0);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += xs[uniformInt(g, 0, n - 1)]!;
    means[r] = s / n;
  }
  means.sort();
  const sorted = Array.from(means);
  const alpha = (1 - level) / 2;
  return {
    mean: m,
    low: quantileSorted(sorted, alpha),
    high: quantileSorted(sorted, 1 - alpha),
    n,
    method: "bootstrap",
  };
}

/**
 * Two-sided p-value of the t-test that the mean of `xs` is 0 (on paired differences: the paired
 * t-test). Null with fewer than two values; all values equal gives 1 when they are 0, else 0.
 */
export function tTestP(xs: readonly number[]): number | null {
  const n = xs.length;
  if (n < 2) return null;
  const m = mean(xs);
  const sd = sampleSd(xs);
  if (sd === 0) return m === 0 ? 1 : 0;
  const t = m / (sd / Math.sqrt(n));
  return Math.min(1, 2 * (1 - jstat.studentt.cdf(Math.abs(t), n - 1)));
}

/**
 * Two-sided p-value of a paired sign-flip (randomization) test that the differences are centred on
 * 0: the share of sign assignments whose mean is at least as far from 0 as the observed one. Exact
 * for up to 16 pairs, else `draws` seeded random assignments. For percentile metrics, whose skewed
 * per-run values make the t-test unreliable; unlike a bootstrap p it stays honest with few pairs
 * (4 pairs cannot give p below 1/8).
 */
export function signFlipP(diffs: readonly number[], seed: number, draws = 20_000): number | null {
  const n = diffs.length;
  if (n < 2) return null;
  if (diffs.every((x) => x === 0)) return 1;
  const observed = Math.abs(diffs.reduce((a, b) => a + b, 0));
  // Float sums of the same values in another order differ in the last bits.
  const tol = 1e-9 * diffs.reduce((a, b) => a + Math.abs(b), 0);
  let extreme = 0;
  if (n <= 16) {
    const total = 1 << n;
    for (let mask = 0; mask < total; mask++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += mask & (1 << i) ? -diffs[i]! : diffs[i]!;
      if (Math.abs(s) >= observed - tol) extreme++;
    }
    return extreme / total;
  }
  const g = xoroshiro128plus(seed | 0);
  for (let d = 0; d < draws; d++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += uniformInt(g, 0, 1) ? -diffs[i]! : diffs[i]!;
    if (Math.abs(s) >= observed - tol) extreme++;
  }
  return (extreme + 1) / (draws + 1);
}

/**
 * Benjamini–Hochberg adjustment of p-values tested together: a metric is called different when its
 * adjusted p is below the level, and the expected share of false calls among them stays below it.
 * Nulls stay null and do not count as tests.
 */
export function bhAdjust(ps: readonly (number | null)[]): (number | null)[] {
  const idx = ps.flatMap((p, i) => (p === null ? [] : [i])).sort((i, j) => ps[i]! - ps[j]! || i - j);
  const m = idx.length;
  const out: (number | null)[] = ps.map(() => null);
  let running = 1;
  for (let k = m - 1; k >= 0; k--) {
    const i = idx[k]!;
    running = Math.min(running, (ps[i]! * m) / (k + 1));
    out[i] = running;
  }
  return out;
}

/** The interval excludes zero (a difference is significant at the interval's level). */
export function excludesZero(iv: Interval): boolean {
  return iv.low !== null && iv.high !== null && (iv.low > 0 || iv.high < 0);
}

/** b / a, or null when a is 0. */
export function ratio(a: number, b: number): number | null {
  return a === 0 ? null : b / a;
}
