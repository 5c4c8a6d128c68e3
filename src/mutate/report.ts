/** `epcsim mutate` results as text and as a self-contained HTML page. */
import { table } from "../cli/format.ts";
import { esc, facts, htmlTable, page } from "../report/html.ts";
import { type MutantRow, type Rates, rates, ratesBy } from "./campaign.ts";

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

function rateCells(r: Rates): string[] {
  return [
    String(r.total),
    String(r.killed),
    String(r.survived),
    String(r.not_covered),
    String(r.equivalent),
    pct(r.kill_rate),
  ];
}

const RATE_HEAD = ["mutants", "killed", "survived", "not covered", "equivalent?", "kill rate"];

export function summaryLine(rows: readonly MutantRow[]): string {
  const r = rates(rows);
  return `${r.total} mutants: ${r.killed} killed, ${r.survived} survived, ${r.not_covered} not covered by any check scenario, ${r.equivalent} equivalent-suspected; kill rate ${pct(r.kill_rate)} of the ${r.total - r.equivalent} that are not equivalent-suspected`;
}

/** The terminal report: rates per operator and per function, then the survivors with their diffs. */
export function formatMutate(rows: readonly MutantRow[], maxDiffs = 20): string {
  const lines = [summaryLine(rows), ""];
  lines.push(
    table([
      ["operator", ...RATE_HEAD],
      ...ratesBy(rows, (r) => r.operator).map(([k, r]) => [k, ...rateCells(r)]),
    ]),
  );
  lines.push("");
  lines.push(
    table([["function", ...RATE_HEAD], ...ratesBy(rows, (r) => r.fn).map(([k, r]) => [k, ...rateCells(r)])]),
  );
  const alive = rows.filter((r) => r.status === "survived" || r.status === "not-covered");
  if (alive.length) {
    lines.push("", `Mutants still alive (${alive.length}; the scenarios are blind to these):`);
    for (const r of alive.slice(0, maxDiffs)) {
      lines.push(
        `\n${r.name} (${r.status === "not-covered" ? "no check scenario reaches it" : `survived ${r.outcome!.scenarios.length} check scenarios`}): ${r.what}`,
      );
      lines.push(r.diff);
    }
    if (alive.length > maxDiffs)
      lines.push(`\n... and ${alive.length - maxDiffs} more (--json or --report for all)`);
  }
  return lines.join("\n");
}

export function mutateHtml(rows: readonly MutantRow[], title: string): string {
  const r = rates(rows);
  const killedRows = rows
    .filter((x) => x.status === "killed")
    .map((x) => [
      x.name,
      x.outcome!.scenario ?? "",
      x.outcome!.property ?? "",
      x.outcome!.strategy ?? "",
      `${x.outcome!.kill_ms ?? 0} ms`,
    ]);
  const alive = rows.filter((x) => x.status !== "killed");
  const body = [
    `<h1>${esc(title)}</h1>`,
    facts([
      ["mutants", String(r.total)],
      ["killed", String(r.killed)],
      ["survived", String(r.survived)],
      ["not covered", String(r.not_covered)],
      ["equivalent-suspected", String(r.equivalent)],
      ["kill rate", pct(r.kill_rate)],
    ]),
    "<h2>Kill rate per operator</h2>",
    htmlTable(
      ["operator", ...RATE_HEAD],
      ratesBy(rows, (x) => x.operator).map(([k, v]) => [k, ...rateCells(v)]),
    ),
    "<h2>Kill rate per function</h2>",
    htmlTable(
      ["function", ...RATE_HEAD],
      ratesBy(rows, (x) => x.fn).map(([k, v]) => [k, ...rateCells(v)]),
    ),
    `<h2>Mutants not killed (${alive.length})</h2>`,
    ...alive.map(
      (x) =>
        `<h3>${esc(x.name)} — ${esc(x.status)}</h3><p>${esc(x.what)}${x.outcome ? ` (scenarios: ${esc(x.outcome.scenarios.join(", "))})` : ""}</p><pre>${esc(x.diff)}</pre>`,
    ),
    `<h2>Killed (${killedRows.length})</h2>`,
    htmlTable(["mutant", "scenario", "found", "strategy", "time to kill"], killedRows),
  ].join("\n");
  return page(title, body);
}
