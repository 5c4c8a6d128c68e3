/**
 * The HTML shell of reports: one self-contained file (inline CSS and inline SVG, no external
 * resources; no scripts but the counterexample's step slider, inline), so a report can be mailed,
 * attached to a patch review or archived.
 */

export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A chart: an inline SVG with its title as the caption; `kind` names the chart for tests and styling. */
export function figure(kind: string, title: string, svg: string, note = ""): string {
  return `<figure class="chart" data-chart="${esc(kind)}"><figcaption>${esc(title)}</figcaption>${svg}${
    note ? `<p class="note">${esc(note)}</p>` : ""
  }</figure>`;
}

/** An HTML table; cells are escaped text. `num` marks right-aligned columns (all but the first). */
export function htmlTable(head: string[], rows: string[][], cls = ""): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join("");
  const body = rows
    .map((r) => `<tr>${r.map((c, i) => `<td${i > 0 ? ' class="num"' : ""}>${esc(c)}</td>`).join("")}</tr>`)
    .join("\n");
  return `<table${cls ? ` class="${esc(cls)}"` : ""}><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** Definition list of facts (key: value). */
export function facts(items: [string, string][]): string {
  return `<dl class="facts">${items.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join("")}</dl>`;
}

const CSS = `
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1180px; color: #222; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; margin-top: 1.8em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
p.lead { color: #444; margin-top: 0; }
table { border-collapse: collapse; font-size: 0.88em; margin: 0.8em 0; }
th, td { padding: 0.25em 0.7em; border-bottom: 1px solid #eee; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.sig td:first-child::after { content: " *"; color: #c0392b; }
table { max-width: 100%; }
td, th { overflow-wrap: anywhere; }
ul.verdicts { padding-left: 1.2em; }
ul.verdicts li.v-better { color: #1e7b34; }
ul.verdicts li.v-worse { color: #b03a2e; }
ul.verdicts li.v-same, ul.verdicts li.v-no_difference { color: #555; }
p.note { font-size: 0.85em; color: #666; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 0.15em 1em; font-size: 0.9em; }
dl.facts dt { color: #666; }
dl.facts dd { margin: 0; font-family: ui-monospace, monospace; word-break: break-all; }
.charts { display: flex; flex-wrap: wrap; gap: 0.6em; }
figure.chart { margin: 0; border: 1px solid #eee; border-radius: 4px; padding: 0.3em; background: #fff; }
figure.chart figcaption { font-size: 0.8em; color: #555; padding: 0 0.3em; max-width: 760px; }
p.note { font-size: 0.78em; color: #777; margin: 0.2em 0.4em; max-width: 540px; }
p.zero { width: 300px; height: 80px; display: flex; align-items: center; justify-content: center; color: #777; margin: 0; }
details { margin: 0.6em 0; }
code { font-family: ui-monospace, monospace; font-size: 0.92em; }
`;

export function page(title: string, body: string, extra: { css?: string; script?: string } = {}): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}${extra.css ?? ""}</style>
</head>
<body>
${body}
${extra.script ? `<script>${extra.script}</script>` : ""}
</body>
</html>
`;
}
