import assert from "node:assert/strict";
import { test } from "node:test";
import { listBuiltins } from "../../src/cli/scenarios.ts";
import { loadScenario, parseScenarioText, ScenarioError } from "../../src/scenario/load.ts";
import { parseDuration, parsePages, parsePagesOrEpc } from "../../src/scenario/units.ts";

function errorOf(text: string, sets: string[] = []): string[] {
  try {
    parseScenarioText(text, "s.yaml", sets);
  } catch (e) {
    assert.ok(e instanceof ScenarioError);
    return e.lines;
  }
  assert.fail("expected a ScenarioError");
}

test("sizes and durations parse with their units", () => {
  assert.equal(parsePages("16MiB"), 4096);
  assert.equal(parsePages("93.5MiB"), 23936);
  assert.equal(parsePages("100 pages"), 100);
  assert.equal(parsePages(7), 7);
  // SI units would silently be decimal: refused with the binary spelling.
  assert.match(String(parsePages("64MB")), /MB is ambiguous; write MiB/);
  assert.deepEqual(parsePagesOrEpc("2x epc"), { epc: 2 });
  assert.deepEqual(parsePagesOrEpc("epc"), { epc: 1 });
  assert.equal(parseDuration("50ms"), 50_000_000);
  assert.equal(parseDuration("2s"), 2_000_000_000);
  assert.equal(parseDuration("100us"), 100_000);
  assert.match(String(parsePages("lots")), /expected a size/);
});

test("a wrong type is reported at its line and column with its path", () => {
  const lines = errorOf("name: x\nreclaimer:\n  batch: lots\n");
  assert.deepEqual(lines, [
    `s.yaml:3:10 reclaimer.batch: expected a number, or "kernel" for the kernel's own value`,
  ]);
});

test("a misspelled key is reported at the key", () => {
  const lines = errorOf(
    "name: x\nprocesses:\n  - name: p\n    enclaves: [{name: e, pages: 4}]\n    thraeds: []\n",
  );
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^s\.yaml:5:5 processes\.0\.thraeds: unknown key "thraeds"$/);
});

test("a bad unit names the accepted forms", () => {
  const lines = errorOf("name: x\nmachine:\n  epc: 12 furlongs\n");
  assert.match(lines[0]!, /^s\.yaml:3:8 machine\.epc: expected a size/);
});

test("YAML syntax errors carry a position", () => {
  const lines = errorOf("name: x\nmachine: {cpus: 4\n");
  assert.match(lines[0]!, /^s\.yaml:\d+:\d+ /);
});

test("--set overrides fields and its errors name the override", () => {
  const { scenario } = loadScenario("seed-batching", ["reclaimer.batch=1", "reclaimer.threads=4"]);
  assert.equal(scenario.reclaimer.batch, 1);
  assert.equal(scenario.reclaimer.threads, 4);
  const lines = errorOf("name: x\n", ["reclaimer.batch=0"]);
  assert.match(lines[0]!, /^--set reclaimer\.batch=0: reclaimer\.batch: /);
  assert.throws(() => loadScenario("seed-batching", ["nonsense"]), ScenarioError);
});

test("an unknown scenario name is a clear error", () => {
  assert.throws(() => loadScenario("no-such-scenario"), /no such scenario file or built-in scenario/);
});

test("every built-in scenario loads and validates", async () => {
  const list = await listBuiltins();
  const names = list.map((b) => b.name);
  for (const n of ["seed-batching", "oversubscribed"]) assert.ok(names.includes(n), n);
  for (const b of list) {
    const { scenario } = loadScenario(b.name);
    assert.equal(scenario.name, b.name, `${b.name}: file name and scenario name agree`);
    assert.ok(b.description.length > 10, `${b.name} has a description`);
  }
});

test("defaults fill everything a scenario leaves out", () => {
  const { scenario } = parseScenarioText("name: x\n", "s.yaml");
  assert.equal(scenario.reclaimer.batch, undefined, "unset knobs take the kernel variant's values");
  assert.equal(scenario.kernel, "mainline");
  assert.equal(scenario.machine.profile, "client-93.5MiB");
});
