/** Number formatting for experiment tables (terminal and HTML). */
import type { Unit } from "../experiment/metrics.ts";

/** A number with a sensible precision: integers as integers, others with 3 significant digits. */
export function fmtNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return v.toLocaleString("en-US");
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString("en-US");
  if (a >= 1) return v.toLocaleString("en-US", { maximumFractionDigits: 2 });
  if (a === 0) return "0";
  return v.toPrecision(3);
}

/** Nanoseconds with a unit (ns, us, ms, s), sign kept. */
export function fmtDuration(ns: number): string {
  const a = Math.abs(ns);
  const s = ns < 0 ? "-" : "";
  if (a >= 1e9) return `${s}${(a / 1e9).toFixed(3)} s`;
  if (a >= 1e6) return `${s}${(a / 1e6).toFixed(3)} ms`;
  if (a >= 1e3) return `${s}${(a / 1e3).toFixed(2)} us`;
  return `${s}${Number.isInteger(a) ? a : a.toFixed(1)} ns`;
}

export function fmtMetric(v: number | null, unit: Unit): string {
  if (v === null || Number.isNaN(v)) return "-";
  return unit === "ns" ? fmtDuration(v) : fmtNumber(v);
}

/** `[low, high]`, or `-` without an interval. */
export function fmtInterval(low: number | null, high: number | null, unit: Unit): string {
  if (low === null || high === null) return "-";
  return `[${fmtMetric(low, unit)}, ${fmtMetric(high, unit)}]`;
}

export function fmtRatio(r: number | null): string {
  return r === null ? "-" : `${r.toFixed(3)}x`;
}

/** Signed difference: `+12` or `-3.4 us`. */
export function fmtDiff(v: number, unit: Unit): string {
  const s = fmtMetric(v, unit);
  return v > 0 ? `+${s}` : s;
}
