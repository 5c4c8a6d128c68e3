/**
 * `epcsim replay TOKEN --trace f.json`: a counterexample in Perfetto, with each step named as the
 * text report names it, the race window as a span and the failure as an instant.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { replayToken, replayTrace, runCheckSession } from "../../src/check/session.ts";
import { loadScenario } from "../../src/scenario/load.ts";
import { loadKernel } from "../../src/scenario/patches.ts";
import { validateTrace } from "../helpers/trace_format.ts";

test("a replayed counterexample's trace names steps as the report does and marks the race and the failure", async () => {
  await loadKernel("v5.19-B6");
  const { scenario: sc, raw } = loadScenario("check-pcmd-truncate", ["kernel=v5.19-B6"]);
  const r = await runCheckSession({ sc, raw, seed: 1, schedules: 2000, timeMs: 60_000 });
  assert.ok(r.found && r.replay_token);
  const { report } = replayToken(r.replay_token);
  const doc = JSON.parse(replayTrace(report));
  assert.deepEqual(validateTrace(doc), []);
  type E = { name: string; ph: string; tid: number; ts: number; dur: number; args: Record<string, unknown> };
  const ev = doc.traceEvents as E[];
  const steps = ev.filter((e) => e.ph === "X" && typeof e.args?.step === "number");
  assert.deepEqual(
    steps.map((e) => e.name),
    report.steps.map((s) => s.op),
  );
  // Names as in the text report (its table shortens long ones): the lock and its instance.
  assert.ok(steps.some((e) => /^mutex_unlock\(encl->lock#\d+\)$/.test(e.name)));
  const windows = ev.filter((e) => e.name.startsWith("race window"));
  assert.equal(windows.length, report.races.length);
  assert.ok(windows.length > 0);
  assert.equal(windows[0]!.ts, report.races[0]!.preempted.step);
  const bug = ev.find((e) => e.ph === "i");
  assert.equal(bug?.name, `BUG: ${report.failure.property}`);
  assert.equal(bug?.ts, report.steps.at(-1)!.step + 1);
});
