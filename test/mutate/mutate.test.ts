/** epcsim mutate: automatic kernel mutants, their evaluation, classification, replay and resume. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { execute, prepare } from "../../src/check/engine.ts";
import { replayToken } from "../../src/check/session.ts";
import { executionSeed, RandomPicker } from "../../src/check/strategies.ts";
import { ResultsStore } from "../../src/experiment/store.ts";
import { mainline } from "../../src/model/kernel/sgx/index.ts";
import { getVariant } from "../../src/model/kernel/variants/index.ts";
import { runCampaign } from "../../src/mutate/campaign.ts";
import { evaluateMutant } from "../../src/mutate/evaluate.ts";
import { functionDiff, listMutants } from "../../src/mutate/generate.ts";
import { OPERATORS } from "../../src/mutate/operators.ts";
import { loadScenario } from "../../src/scenario/load.ts";
import { loadKernel } from "../../src/scenario/patches.ts";

const BIN = join(import.meta.dirname, "../../bin/epcsim.js");
const cli = (...a: string[]) => spawnSync(process.execPath, [BIN, ...a], { encoding: "utf8" });

test("every operator produces a mutant that loads as a variant, changes its function and runs", async () => {
  const { scenario } = loadScenario("check-fault-vs-reclaim");
  for (const op of OPERATORS) {
    const specs = listMutants({ operators: [op] });
    assert.ok(specs.length, `no mutant for ${op}`);
    let ran = 0;
    for (const spec of specs.slice(0, 12)) {
      const diff = functionDiff(spec);
      assert.ok(/^-/m.test(diff) && /^\+/m.test(diff), `${spec.name}: the diff shows no change`);
      await loadKernel(spec.name);
      const v = getVariant(spec.name)!;
      const fn = (v.overrides as Record<string, unknown>)[spec.fn];
      assert.equal(typeof fn, "function", spec.name);
      assert.notEqual(fn, (mainline as Record<string, unknown>)[spec.fn], `${spec.name} replaces nothing`);
      // A mutant may break the scenario's build (a kill: "setup failed"); try the next one then.
      let model: ReturnType<typeof prepare>;
      try {
        model = prepare({ ...scenario, kernel: spec.name });
      } catch {
        continue;
      }
      // The mutated module shares the running code's helpers: executions run to an end (a failure,
      // even a JavaScript exception in the mutated code, is an outcome, not a crash of the checker).
      for (let i = 0; i < 3; i++) {
        const { out } = execute(model, new RandomPicker(executionSeed(1, i)), {
          maxSteps: 20000,
          everyStep: false,
        });
        assert.ok(out.schedule.length > 0, spec.name);
        assert.doesNotMatch(
          out.failure?.detail ?? "",
          /Cannot find|is not a function|SyntaxError/,
          spec.name,
        );
      }
      ran++;
      break;
    }
    assert.equal(ran, 1, `no mutant of ${op} gets through the scenario's setup`);
  }
});

test("a mutant that changes nothing observable is equivalent-suspected, not survived", async () => {
  // sgx_reclaimer_block: the unlock moved above a WARN that only an EBLOCK failure reaches.
  const name = "mutant/auto/sgx_reclaimer_block/unlock-early/0";
  const o = await evaluateMutant(name, [{ scenario: "check-fault-vs-reclaim", kernel: "mainline" }], {
    schedules: 200,
    timeMs: 60_000,
    seed: 1,
  });
  assert.equal(o.status, "equivalent");
});

test("a killed mutant names scenario, detector and strategy, and its replay token reproduces the report", async () => {
  const name = "mutant/auto/sgx_reclaim_pages/drop-get/0";
  const o = await evaluateMutant(name, [{ scenario: "check-two-reclaimers", kernel: "mainline" }], {
    schedules: 2000,
    timeMs: 60_000,
    seed: 1,
  });
  assert.equal(o.status, "killed");
  assert.equal(o.scenario, "check-two-reclaimers");
  assert.ok(o.property && o.strategy && o.replay_token);
  const r = replayToken(o.replay_token!);
  assert.equal(r.report.failure.property, o.property);
  const text = cli("replay", o.replay_token!);
  assert.equal(text.status, 1, text.stderr);
  assert.match(
    text.stdout,
    new RegExp(
      `^BUG: ${o.property!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} in check-two-reclaimers \\(kernel ${name}\\)`,
    ),
  );
});

test("a campaign stores every outcome and a rerun takes them from the database", async () => {
  const db = join(mkdtempSync(join(tmpdir(), "epcsim-mutate-")), "r.db");
  const opts = {
    functions: ["sgx_reclaimer_block"],
    scenarios: ["check-fault-vs-reclaim", "check-release-vs-reclaim"],
    schedules: 100,
    timeMs: 60_000,
    seed: 1,
    workers: 2,
  };
  const store = new ResultsStore(db);
  const first = await runCampaign({ ...opts, store });
  assert.ok(first.length >= 3);
  assert.ok(first.some((r) => r.status === "killed"));
  const second = await runCampaign({ ...opts, store });
  store.close();
  assert.deepEqual(
    second.map((r) => [r.name, r.status]),
    first.map((r) => [r.name, r.status]),
  );
  assert.ok(second.filter((r) => r.status !== "not-covered").every((r) => r.cached));
});

test("epcsim mutate --list names mutants; unknown functions, operators and mutant names are usage errors", () => {
  const l = cli("mutate", "--list", "--functions", "sgx_reclaimer_block");
  assert.equal(l.status, 0, l.stderr);
  assert.match(l.stdout, /^mutant\/auto\/sgx_reclaimer_block\/drop-lock\/0 /m);
  for (const args of [
    ["mutate", "--functions", "no_such_fn"],
    ["mutate", "--operators", "drop-everything"],
    ["check", "check-fault-vs-reclaim", "--kernel", "mutant/auto/no_such_fn/drop-lock/0"],
    ["check", "check-fault-vs-reclaim", "--kernel", "mutant/auto/sgx_reclaimer_block/drop-lock/99"],
  ]) {
    const r = cli(...args);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test("a variant's own function is mutated on that variant: the copy registers nothing, the mutant replaces the variant's instance, and a check scenario run on the variant kills it", async () => {
  const name = "mutant/auto/cgroup-v16:sgx_reclaim_pages/drop-put/1";
  const own = () => (getVariant("cgroup-v16")!.overrides as Record<string, unknown>).sgx_reclaim_pages;
  const before = own();
  await loadKernel(name);
  assert.equal(own(), before, "loading the mutated copy of cgroup.ts re-registered cgroup-v16");
  const fn = (getVariant(name)!.overrides as Record<string, unknown>).sgx_reclaim_pages;
  assert.equal(typeof fn, "function");
  assert.notEqual(fn, before);
  assert.match(
    functionDiff(listMutants({ functions: ["cgroup-v16:sgx_reclaim_pages"] })[0]!),
    /cgroup\.ts:\d+/,
  );
  // Not mainline's function: a plain name does not reach it.
  assert.ok(listMutants({ functions: ["sgx_reclaim_pages"] }).every((s) => !s.variant));
  const o = await evaluateMutant(name, [{ scenario: "check-cgroup-exit", kernel: "cgroup-v16" }], {
    schedules: 2000,
    timeMs: 60_000,
    seed: 1,
  });
  assert.equal(o.status, "killed", JSON.stringify(o));
  const text = cli("replay", o.replay_token!);
  assert.equal(text.status, 1, text.stderr);
  assert.match(text.stdout, new RegExp(`\\(kernel ${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\)`));
});

test("variants that list their functions in registerVariant's overrides are mutated too", async () => {
  const names = listMutants({
    functions: ["cgroup-v15:sgx_cgroup_reclaim_pages", "cgroup-v2-oom:sgx_free_epc_page"],
  }).map((s) => s.name);
  assert.ok(names.includes("mutant/auto/cgroup-v15:sgx_cgroup_reclaim_pages/invert-cond/0"), names.join(" "));
  assert.ok(names.includes("mutant/auto/cgroup-v2-oom:sgx_free_epc_page/drop-lock/0"), names.join(" "));
  // cgroup-v2-oom's free takes an unreclaimable page off its cgroup's list under the LRU lock.
  const name = "mutant/auto/cgroup-v2-oom:sgx_free_epc_page/drop-lock/0";
  await loadKernel(name);
  const o = await evaluateMutant(name, [{ scenario: "check-cgroup-exit", kernel: "cgroup-v2-oom" }], {
    schedules: 2000,
    timeMs: 60_000,
    seed: 1,
  });
  assert.equal(o.status, "killed", JSON.stringify(o));
});

test("a campaign runs a variant's mutants on every scenario the variant can run, not only its own", async () => {
  const rows = await runCampaign({
    functions: ["cgroup-v16:sgx_free_epc_page"],
    operators: ["drop-lock"],
    scenarios: ["check-fault-vs-reclaim", "check-cgroup-siblings", "check-eaug-vs-reclaim"],
    schedules: 50,
    timeMs: 60_000,
    seed: 1,
    workers: 1,
  });
  assert.equal(rows.length, 1);
  const scenarios = rows[0]!.outcome?.scenarios ?? [];
  assert.ok(scenarios.includes("check-fault-vs-reclaim"), JSON.stringify(rows[0]));
  assert.ok(scenarios.includes("check-cgroup-siblings"), JSON.stringify(rows[0]));
});
