import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { execute, prepare, ReplayPicker } from "../../src/check/engine.ts";
import { replayToken, runCheckSession } from "../../src/check/session.ts";
import { decodeToken, encodeToken, TokenError } from "../../src/check/token.ts";
import { runParallelCheck } from "../../src/check/workers.ts";
import { describeOp } from "../../src/rt/thread.ts";
import { loadScenario } from "../../src/scenario/load.ts";

const BUG = { scenario: "check-pcmd-truncate", kernel: "mutant/no-pcmd-busy-check" };

function found() {
  const { scenario: sc, raw } = loadScenario(BUG.scenario, [`kernel=${BUG.kernel}`]);
  const r = runCheckSession({ sc, raw, strategy: "random", seed: 7, schedules: 2000, timeMs: 60_000 });
  assert.equal(r.found, true);
  return r;
}

test("a found bug replays from its token to the identical report", () => {
  const r = found();
  const rp = replayToken(r.replay_token!);
  assert.equal(rp.report.text, r.report);
  assert.equal(rp.report.failure.property, r.property);
});

test("minimization keeps the violated property and never grows the schedule", () => {
  const r = found();
  const d = decodeToken(r.replay_token!);
  assert.equal(d.property, r.property);
  assert.ok(r.steps_after_min! <= r.steps_before_min!);
  assert.ok(r.preemptions_after_min! <= r.preemptions_before_min!);
  assert.ok(r.preemptions_after_min! >= 1, "a race needs a preemption");
});

test("the report names the kernel functions of the race", () => {
  const r = found();
  for (const f of ["sgx_reclaim_pages", "__sgx_encl_eldu"])
    assert.ok(r.functions.includes(f), `${f} in ${r.functions}`);
  assert.match(r.report!, /Race windows/);
  assert.match(r.report!, /main\.ts:\d+/, "sites carry file and line");
});

test("replay refuses a token from another model version and a different scenario", () => {
  const r = found();
  const d = decodeToken(r.replay_token!);
  assert.throws(
    () => replayToken(encodeToken({ ...d, model: "0000000000000000" })),
    (e: unknown) => e instanceof TokenError && /another version of the model/.test(e.message),
  );
  const other = loadScenario("check-fault-vs-reclaim");
  assert.throws(
    () => replayToken(r.replay_token!, { scenario: other.scenario, name: "check-fault-vs-reclaim" }),
    /differs from the one the token was made with/,
  );
  assert.throws(() => replayToken("epcsim1.garbage"), TokenError);
  assert.throws(() => replayToken("hello"), /not an epcsim replay token/);
});

test("the same schedule gives the same trace (no uncontrolled nondeterminism)", () => {
  const r = found();
  const d = decodeToken(r.replay_token!);
  const model = prepare(loadScenario(BUG.scenario, [`kernel=${BUG.kernel}`]).scenario);
  const run = () =>
    execute(model, new ReplayPicker(d.schedule, d.choices), {
      maxSteps: 10_000,
      everyStep: false,
      disabled: new Set(d.disabled),
    }).ex.trace.map((s) => `${s.tid}:${describeOp(s.op)}`);
  assert.deepEqual(run(), run());
});

test("the bug found does not depend on the number of workers", async () => {
  const { scenario: sc, raw } = loadScenario(BUG.scenario, [`kernel=${BUG.kernel}`]);
  const req = { sc, raw, strategy: "random" as const, seed: 3, schedules: 400, timeMs: 60_000 };
  const one = runCheckSession(req);
  const two = await runParallelCheck(req, 2);
  assert.equal(one.found, true);
  assert.equal(two.replay_token, one.replay_token);
});

const BIN = join(import.meta.dirname, "../../bin/epcsim.js");

test("epcsim check exits 1 with a JSON verdict when it finds a bug, 0 when clean; replay reproduces it", () => {
  const bad = spawnSync(
    process.execPath,
    [BIN, "check", BUG.scenario, "--kernel", BUG.kernel, "--budget", "500", "--json"],
    { encoding: "utf8" },
  );
  assert.equal(bad.status, 1, bad.stderr);
  const j = JSON.parse(bad.stdout);
  for (const k of [
    "found",
    "property",
    "schedules",
    "states",
    "elapsed_ms",
    "steps_before_min",
    "steps_after_min",
    "replay_token",
    "strategy",
  ])
    assert.ok(k in j, k);
  const clean = spawnSync(process.execPath, [BIN, "check", BUG.scenario, "--budget", "200", "--json"], {
    encoding: "utf8",
  });
  assert.equal(clean.status, 0, clean.stderr);
  assert.equal(JSON.parse(clean.stdout).found, false);
  const rp = spawnSync(process.execPath, [BIN, "replay", j.replay_token], { encoding: "utf8" });
  assert.equal(rp.status, 1);
  assert.equal(rp.stdout.trim(), j.report.trim());
  const usage = spawnSync(process.execPath, [BIN, "check", "seed-batching"], { encoding: "utf8" });
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /not a check scenario/);
});
