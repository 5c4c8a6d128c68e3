/** Units in scenario files: sizes ("16MiB", "4096 pages", a number of pages) and durations ("50ms"). */

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  tb: 1000 ** 4,
};

/** A size relative to the machine's EPC ("epc", "2x epc", "0.0625x epc"), resolved when the machine is known. */
export interface EpcRelative {
  epc: number;
}

/** Parse an enclave size: pages, a unit, or a multiple of the EPC. */
export function parsePagesOrEpc(v: number | string): number | EpcRelative | string {
  if (typeof v === "string") {
    const m = /^\s*(?:([0-9]*\.?[0-9]+)\s*x\s*)?epc\s*$/i.exec(v);
    if (m) return { epc: m[1] === undefined ? 1 : Number(m[1]) };
  }
  return parsePages(v);
}

/** Parse a size to 4 KiB pages (rounded up). A bare number is a page count. */
export function parsePages(v: number | string): number | string {
  if (typeof v === "number") return v;
  const s = v.trim().toLowerCase();
  const m = /^([0-9]*\.?[0-9]+)\s*(pages?|[kmgt]?i?b)$/.exec(s);
  if (!m) return `expected a size such as "16MiB", "4096 pages" or a number of pages, got "${v}"`;
  // EPC and enclave sizes are powers of two: "64MB" would silently be 64,000,000 bytes.
  if (/^[kmgt]b$/.test(m[2]!))
    return `"${v}": ${m[2]!.toUpperCase()} is ambiguous; write ${m[2]![0]!.toUpperCase()}iB (binary) or a number of pages`;
  const n = Number(m[1]);
  if (m[2]!.startsWith("page")) return Math.round(n);
  return Math.ceil((n * SIZE_UNITS[m[2]!]!) / 4096);
}

/** Parse a size to bytes. A bare number is bytes. */
export function parseBytes(v: number | string): number | string {
  if (typeof v === "number") return v;
  const p = parsePages(v);
  if (typeof p === "string") return p;
  return /pages?$/.test(v.trim().toLowerCase()) ? p * 4096 : sizeBytes(v);
}

function sizeBytes(v: string): number {
  const m = /^([0-9]*\.?[0-9]+)\s*([kmgt]?i?b)$/.exec(v.trim().toLowerCase())!;
  return Math.round(Number(m[1]) * SIZE_UNITS[m[2]!]!);
}

const TIME_UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9 };

/** Parse a duration to integer nanoseconds. A bare number is nanoseconds. */
export function parseDuration(v: number | string): number | string {
  if (typeof v === "number") return Math.round(v);
  const m = /^([0-9]*\.?[0-9]+)\s*(ns|us|µs|ms|s)$/.exec(v.trim().toLowerCase());
  if (!m) return `expected a duration such as "50ms", "2s", "100us" or nanoseconds, got "${v}"`;
  return Math.round(Number(m[1]) * TIME_UNITS[m[2]!]!);
}

/** Format nanoseconds for people. */
export function fmtNs(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(3)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(3)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} us`;
  return `${ns} ns`;
}
