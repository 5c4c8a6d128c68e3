/** A check that finds nothing says what it covered, and never calls unfinished executions clean. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";

const BIN = join(import.meta.dirname, "../../bin/epcsim.js");

function check(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, "check", ...args], { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("an execution cut by the step bound is a watchdog finding with a report, never clean (exit 1)", () => {
  const r = check("check-fault-vs-reclaim", "--budget", "20", "--set", "check.bounds.steps=30", "--json");
  assert.equal(r.code, 1, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.found, true);
  assert.equal(j.verdict, "found");
  assert.match(j.property, /^(soft lockup|hung task)$/);
  assert.ok(j.replay_token);
  const text = check("check-fault-vs-reclaim", "--budget", "20", "--set", "check.bounds.steps=30");
  assert.match(text.out, /^BUG: (soft lockup|hung task) in check-fault-vs-reclaim/);
  assert.doesNotMatch(text.out, /no bug found/);
});

test("a sampling strategy stopped by its budget says so and is not exhaustive", () => {
  const r = check("check-fault-vs-reclaim", "--budget", "20", "--json");
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).verdict, "budget");
  assert.match(
    check("check-fault-vs-reclaim", "--budget", "20").out,
    /stopped by the budget, not exhaustive/,
  );
});

test("a systematic search that ran out of work says exhausted and names its coverage", () => {
  const r = check("check-ksgxd-wakeup", "--strategy", "sdfs", "--json");
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.verdict, "exhausted");
  assert.equal(j.exhausted, true);
  assert.match(
    check("check-ksgxd-wakeup", "--strategy", "sdfs").out,
    /search space exhausted \(every state reachable with at most 2 preemptions/,
  );
});

test("PCT lets a busily retrying thread yield: the cgroup reclaim work runs and no execution hits the step bound", () => {
  const r = check("check-cgroup-siblings", "--strategy", "pct", "--budget", "300", "--json");
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).truncated, 0);
});

test("a report counts steps one way: the schedule line and the summary agree", () => {
  const r = check("check-remove-vs-fault", "--budget", "300");
  assert.equal(r.code, 1, r.err);
  const shown = /^Schedule: (\d+) steps \(minimized from (\d+)\)/m.exec(r.out);
  const summary = /minimized (\d+) -> (\d+) steps/.exec(r.out);
  assert.ok(shown && summary, r.out);
  assert.equal(shown[1], summary[2], "steps after minimization");
  assert.equal(shown[2], summary[1], "steps before minimization");
});

test("check --json is the same with 1 and 2 workers for the same seed and budget (but for the time)", () => {
  for (const [sc, budget] of [
    ["check-eaug-vs-eaug", "500"],
    ["check-fault-vs-fault", "200"],
  ] as const) {
    const [a, b] = ["1", "2"].map((w) => {
      const r = check(sc, "--json", "--budget", budget, "--workers", w);
      const j = JSON.parse(r.out) as Record<string, unknown>;
      delete j.elapsed_ms;
      return JSON.stringify(j);
    });
    assert.equal(a, b, sc);
  }
});

test("a wall-time budget cut short by the scenario's own execution bound says so", () => {
  const r = check("check-ksgxd-wakeup", "--budget", "60s", "--set", "check.bounds.schedules=300");
  assert.equal(r.code, 0, r.err);
  assert.match(
    r.out,
    /note: stopped at the scenario's bound of 300 executions \(check\.bounds\.schedules\), before the 60s budget/,
  );
});
