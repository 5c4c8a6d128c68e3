/** CSV (RFC 4180): fields with commas, quotes or line breaks are quoted, quotes doubled. */

export function csvField(v: unknown): string {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csv(rows: readonly (readonly unknown[])[]): string {
  return `${rows.map((r) => r.map(csvField).join(",")).join("\n")}\n`;
}
