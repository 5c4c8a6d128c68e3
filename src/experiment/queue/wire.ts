/**
 * Job data and results cross Redis as JSON, which has no infinities (a scenario's `touches: max`
 * is Infinity and JSON.stringify would make it null). Non-finite numbers travel tagged, so a
 * job computes on exactly the values a local run would.
 */
type Tagged = { $float: "inf" | "-inf" | "nan" };

export function toWire(v: unknown): unknown {
  if (typeof v === "number") {
    if (Number.isFinite(v)) return v;
    return { $float: Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf" } satisfies Tagged;
  }
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(toWire);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toWire(x);
  return out;
}

export function fromWire<T>(v: unknown): T {
  return decode(v) as T;
}

function decode(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(decode);
  const tag = (v as Partial<Tagged>).$float;
  if (tag !== undefined && Object.keys(v).length === 1)
    return tag === "inf" ? Number.POSITIVE_INFINITY : tag === "-inf" ? Number.NEGATIVE_INFINITY : Number.NaN;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = decode(x);
  return out;
}
