/**
 * Every catalogued bug is reproduced on the kernel that had it and not on the kernel that fixed it,
 * with the bug's small pinned budget; a found report names the kernel functions of the fix's commit.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { BUGS } from "../../src/bugs/catalogue.ts";
import { reproduce } from "../../src/bugs/reproduce.ts";
import { getVariant } from "../../src/model/kernel/variants/index.ts";
import { loadScenario } from "../../src/scenario/load.ts";

for (const bug of BUGS) {
  test(`${bug.id} (${bug.title}): shows on ${bug.buggy}, not on ${bug.fixed}`, () => {
    const buggy = reproduce(bug, bug.buggy);
    assert.ok(buggy.shows, `${bug.id} on ${bug.buggy}: ${buggy.observed}`);
    for (const f of bug.functions)
      if (bug.command === "check") assert.ok(buggy.functions.includes(f), `${bug.id}: report names ${f}`);
    const fixed = reproduce(bug, bug.fixed);
    assert.ok(!fixed.shows, `${bug.id} on ${bug.fixed}: ${fixed.observed}`);
    if (bug.command === "check")
      assert.equal(fixed.executions, bug.budget, "the fixed kernel got the same budget");
  });
}

test("catalogue entries name real variants and built-in scenarios of the right kind", () => {
  for (const b of BUGS) {
    assert.ok(getVariant(b.buggy), `${b.id}: variant ${b.buggy}`);
    assert.ok(getVariant(b.fixed), `${b.id}: variant ${b.fixed}`);
    const { scenario } = loadScenario(b.scenario);
    assert.equal(scenario.kind, b.command, `${b.id}: ${b.scenario} is a ${b.command} scenario`);
  }
});

test("epcsim bugs --json lists id, title, buggy, fixed, scenario, command, symptom", () => {
  const r = spawnSync(
    process.execPath,
    [join(import.meta.dirname, "../../bin/epcsim.js"), "bugs", "--json"],
    {
      encoding: "utf8",
    },
  );
  assert.equal(r.status, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
  assert.deepEqual(
    rows.map((x) => x.id),
    BUGS.map((b) => b.id),
  );
  for (const row of rows)
    for (const k of ["id", "title", "buggy", "fixed", "scenario", "command", "symptom"])
      assert.equal(typeof row[k], "string", `${row.id}.${k}`);
});

test("epcsim bugs with an unknown id is a usage error", () => {
  const r = spawnSync(process.execPath, [join(import.meta.dirname, "../../bin/epcsim.js"), "bugs", "B99"], {
    encoding: "utf8",
  });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /B99: no such bug/);
});

test("every bug of the reference catalogue (B1-B13, B11 as a/b/c) has an entry", () => {
  const ids = BUGS.map((b) => b.id);
  for (let i = 1; i <= 13; i++) {
    if (i === 11) for (const x of ["a", "b", "c"]) assert.ok(ids.includes(`B11${x}`), `B11${x}`);
    else assert.ok(ids.includes(`B${i}`), `B${i}`);
  }
});
