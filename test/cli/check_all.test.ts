/** `epcsim check --all`: the check suite against declared expectations, its table, JSON and JUnit. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { BUGS as CATALOGUE } from "../../src/bugs/catalogue.ts";
import { expectationFor } from "../../src/check/expect.ts";
import { builtinCheckScenarios } from "../../src/cli/check_all.ts";
import { loadScenario } from "../../src/scenario/load.ts";

const BIN = join(import.meta.dirname, "../../bin/epcsim.js");

function check(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, "check", ...args], { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("every built-in check scenario declares what it expects on its own kernel", async () => {
  const names = await builtinCheckScenarios();
  assert.ok(names.length >= 30, `${names.length} check scenarios`);
  for (const n of names) {
    const sc = loadScenario(n).scenario;
    assert.ok(sc.check?.expect, `${n} declares no check.expect`);
  }
});

test("the bug catalogue and the scenarios' expectations agree (buggy: found, fixed: clean)", () => {
  for (const b of CATALOGUE.filter((e) => e.command === "check")) {
    const sc = loadScenario(b.scenario).scenario;
    const own = sc.kernel;
    assert.deepEqual(expectationFor(sc, b.buggy, own).expect, { found: b.property }, `${b.id} on ${b.buggy}`);
    const fixed = expectationFor(sc, b.fixed, own);
    assert.equal(fixed.expect, "clean", `${b.id} on ${b.fixed}`);
    assert.notEqual(fixed.source, "default", `${b.id}: ${b.scenario} declares nothing for ${b.fixed}`);
  }
});

test("check --all passes on the kernels the scenarios name, with a JUnit file of one case per scenario", async () => {
  const dir = mkdtempSync(join(tmpdir(), "epcsim-suite-"));
  const junit = join(dir, "suite.xml");
  const r = check("--all", "--budget", "300", "--junit", junit);
  assert.equal(r.code, 0, r.out + r.err);
  const n = (await builtinCheckScenarios()).length;
  assert.match(r.out, new RegExp(`all ${n} scenarios match their expectations`));
  assert.match(
    r.out,
    /check-remove-vs-fault-sigbus\s+kuvaiskii-v6\s+found: WARN sigbus\s+found: WARN sigbus\s+ok/,
  );
  const xml = readFileSync(junit, "utf8");
  assert.equal(xml.match(/<testcase /g)?.length, n);
  assert.match(xml, /tests="\d+" failures="0"/);
});

/**
 * Each built-in kernel's row of every scenario is declared (`expect_on` where it differs from the
 * scenario's own kernel): a historical kernel shows exactly its catalogued bugs. A representative
 * set runs here (the whole set: every name of `epcsim kernels --json` that is not a mutant).
 */
for (const kernel of ["v38", "v5.17", "v6.0-rc1", "cgroup-v16", "isgx"])
  test(`check --all matches every expectation on ${kernel}`, () => {
    const r = check("--all", "--kernel", kernel);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /all \d+ scenarios match their expectations/);
  });

test("check --all on a mutant fails (exit 1) and names the row that does not match", () => {
  const r = check("--all", "--budget", "300", "--kernel", "mutant/no-pcmd-busy-check", "--json");
  assert.equal(r.code, 1, r.err);
  const j = JSON.parse(r.out) as { ok: boolean; rows: { scenario: string; ok: boolean; got: string }[] };
  assert.equal(j.ok, false);
  const bad = j.rows.filter((x) => !x.ok);
  assert.ok(
    bad.some((x) => x.scenario === "check-pcmd-truncate"),
    JSON.stringify(bad),
  );
  const text = check("--all", "--budget", "300", "--kernel", "mutant/no-pcmd-busy-check");
  assert.match(text.out, /check-pcmd-truncate .*MISMATCH/);
  assert.match(text.out, /do not match their expectation: .*check-pcmd-truncate/);
});

test("check --all refuses a scenario argument, --set and --junit alone; a zero budget is a usage error", () => {
  assert.equal(check("--all", "check-fault-vs-fault").code, 2);
  assert.equal(check("--all", "--set", "seed=2").code, 2);
  assert.equal(check("check-fault-vs-fault", "--junit", "/tmp/x.xml").code, 2);
  for (const b of ["0", "0s", "-5"]) {
    const r = check("check-fault-vs-fault", "--budget", b);
    assert.equal(r.code, 2, `--budget ${b}: ${r.err}`);
    assert.doesNotMatch(r.err, /at .*\.ts:\d+/);
  }
  const r = check("--all", "--junit", tmpdir());
  assert.equal(r.code, 2);
  assert.match(r.err, /--junit .*not a regular file/);
});

test("check --all --patch skips a scenario whose own kernel has its own version of a function the patch replaces", () => {
  const patch = join(import.meta.dirname, "../../examples/patches/reclaim-resched-per-page.ts");
  const r = check("--all", "--patch", patch, "--budget", "100", "--json");
  assert.equal(r.code, 0, r.out + r.err);
  const j = JSON.parse(r.out) as { rows: { scenario: string; kernel: string; skipped?: string }[] };
  const cg = j.rows.filter((x) => x.kernel.startsWith("cgroup-v16"));
  assert.ok(cg.length >= 4);
  for (const x of cg)
    assert.match(x.skipped ?? "", /replaces sgx_reclaim_pages, which cgroup-v16 has its own version of/);
  assert.ok(j.rows.some((x) => x.kernel.startsWith("mainline+") && !x.skipped));
});
