/** `epcsim bugs`: the catalogue of historical bugs, and `--verify` to reproduce them. */
import type { Command } from "commander";
import { BUGS, type Bug, bugRow, findBug } from "../bugs/catalogue.ts";
import type { Reproduction } from "../bugs/reproduce.ts";
import { EXIT_FOUND, UsageError } from "./errors.ts";
import { table } from "./format.ts";
import { Progress } from "./progress.ts";

export function registerBugs(program: Command): void {
  program
    .command("bugs")
    .description(
      "list the catalogued historical bugs: the kernel that had each, the one that fixed it, and the scenario that exposes it",
    )
    .argument("[ids...]", "only these bugs (e.g. B5 B6)")
    .option("--verify", "reproduce each: the symptom must show on the buggy kernel and not on the fixed one")
    .option("--json", "print a JSON array (with --verify: the reproductions)")
    .action(async (ids: string[], o: { verify?: boolean; json?: boolean }) => {
      const bugs = selectBugs(ids);
      if (!o.verify) {
        if (o.json) process.stdout.write(`${JSON.stringify(bugs.map(bugRow), null, 2)}\n`);
        else process.stdout.write(`${listing(bugs)}\n`);
        return;
      }
      const { reproduce } = await import("../bugs/reproduce.ts");
      const progress = new Progress("bugs --verify", !o.json || Boolean(process.stderr.isTTY));
      const rows: { bug: Bug; buggy: Reproduction; fixed: Reproduction; ok: boolean }[] = [];
      bugs.forEach((bug, i) => {
        progress.update(i / bugs.length, `${bug.id} on ${bug.buggy}`);
        const buggy = reproduce(bug, bug.buggy);
        progress.update((i + 0.5) / bugs.length, `${bug.id} on ${bug.fixed}`);
        const fixed = reproduce(bug, bug.fixed);
        rows.push({ bug, buggy, fixed, ok: buggy.shows && !fixed.shows });
      });
      progress.done();
      if (o.json) {
        process.stdout.write(
          `${JSON.stringify(
            rows.map((r) => ({ id: r.bug.id, ok: r.ok, buggy: r.buggy, fixed: r.fixed })),
            null,
            2,
          )}\n`,
        );
      } else {
        const head = ["bug", "buggy kernel", "shows", "fixed kernel", "shows", "verdict"];
        const body = rows.map((r) => [
          r.bug.id,
          r.bug.buggy,
          shown(r.buggy),
          r.bug.fixed,
          shown(r.fixed),
          r.ok ? "reproduced" : "NOT REPRODUCED",
        ]);
        process.stdout.write(`${table([head, ...body], true)}\n`);
      }
      if (rows.some((r) => !r.ok)) process.exitCode = EXIT_FOUND;
    });
}

function selectBugs(ids: string[]): Bug[] {
  if (!ids.length) return BUGS;
  return ids.map((id) => {
    const b = findBug(id);
    if (!b) throw new UsageError(`bugs ${id}: no such bug (known: ${BUGS.map((x) => x.id).join(", ")})`);
    return b;
  });
}

function shown(r: Reproduction): string {
  const how = r.executions > 1 ? ` (${r.executions} executions, ${r.elapsed_ms} ms)` : ` (${r.observed})`;
  return `${r.shows ? "yes" : "no"}${how}`;
}

function listing(bugs: Bug[]): string {
  const out: string[] = [];
  for (const b of bugs) {
    out.push(`${b.id}  ${b.title}`);
    out.push(`    fixed by  ${b.fix}`);
    out.push(`    buggy     ${b.buggy}    fixed: ${b.fixed}`);
    out.push(
      b.command === "check"
        ? `    reproduce epcsim check ${b.scenario} --kernel ${b.buggy}    (finds: ${b.property})`
        : `    reproduce epcsim run ${b.scenario} --kernel ${b.buggy}    (${b.criterion})`,
    );
    out.push(`    symptom   ${b.symptom}`);
    if (b.note) out.push(`    note      ${b.note}`);
    out.push("");
  }
  return out.join("\n").trimEnd();
}
