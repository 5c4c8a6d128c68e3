/**
 * Scenario syntax for cgroups (tree, limits, placement, events, steps) with its errors, the
 * built-in cgroup-selftest as conformance (all seven steps on cgroup-v16, computed from what the
 * model did; failing steps where a kernel lacks what they test), and per-cgroup metrics.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runScenario } from "../../src/experiment/run.ts";
import { parseSizeExpr } from "../../src/scenario/cgroups.ts";
import { loadScenario, parseScenarioText, ScenarioError } from "../../src/scenario/load.ts";
import { kernelName, loadKernel } from "../../src/scenario/patches.ts";

const C = 8 * 1024 * 1024;

function evalSize(v: string | number): number {
  const r = parseSizeExpr(v);
  if (typeof r === "string") throw new Error(r);
  return r(C);
}

function errorOf(text: string): string {
  try {
    parseScenarioText(text, "t.yaml");
  } catch (e) {
    if (e instanceof ScenarioError) return e.lines.join("\n");
    throw e;
  }
  return "";
}

function run(text: string, sets: string[] = []) {
  return runScenario(parseScenarioText(text, "t.yaml", sets).scenario).result;
}

test("sizes: bytes, units, pages, max, and integer expressions of capacity as the selftest writes them", () => {
  assert.equal(evalSize(4096), 4096);
  assert.equal(evalSize("8MiB"), 8 * 1024 * 1024);
  assert.equal(evalSize("16 pages"), 16 * 4096);
  assert.equal(evalSize("max"), Number.POSITIVE_INFINITY);
  assert.equal(evalSize("capacity / 512"), C / 512);
  assert.equal(evalSize("4 * capacity / 512"), (4 * C) / 512);
  assert.equal(evalSize("capacity - 2 * (4 * capacity / 512)"), C - (8 * C) / 512);
  assert.equal(evalSize("capacity / 3"), Math.floor(C / 3), "division rounds down, as in the shell");
  for (const bad of ["capacity /", "(capacity", "capacity ** 2", "lots", "3 pears"])
    assert.equal(typeof parseSizeExpr(bad), "string", bad);
});

const BASE = `name: t
kernel: cgroup-v16
machine: { cpus: 4, epc: 1MiB }
run: { measure_from: start, duration: 5ms }
`;

test("errors name the file, line, column and field: a bad size, an unknown cgroup, a bad event", () => {
  assert.match(
    errorOf(`${BASE}cgroups:\n  a: { misc_max: capacity ** 2 }\n`),
    /^t\.yaml:6:\d+ cgroups\.a\.misc_max: .*capacity/,
  );
  assert.match(
    errorOf(`${BASE}cgroups: { a: {} }
processes:
  - { name: p, cgroup: b, enclaves: [{ name: e, pages: 4 }] }
`),
    /^t\.yaml:7:\d+ processes\.0\.cgroup: no cgroup "b" in `cgroups` \(known: a\)/,
  );
  assert.match(
    errorOf(`${BASE}cgroups: { a: {} }
processes:
  - { name: p, count: 2, cgroup: "a{i}", enclaves: [{ name: e, pages: 4 }] }
`),
    /processes\.0\.cgroup: no cgroup "a0"/,
  );
  assert.match(
    errorOf(`${BASE}cgroups: { a: {} }
events:
  - { at: 1ms, swap: false, kill: p }
`),
    /events\.0: an event does exactly one thing: set, swap or kill/,
  );
  assert.match(
    errorOf(`${BASE}cgroups: { a: {} }
processes:
  - { name: p, enclaves: [{ name: e, pages: 4 }] }
events:
  - { at: 1ms, kill: q }
`),
    /events\.0\.kill: no process "q" \(processes: p\)/,
  );
  assert.match(errorOf(`${BASE}cgroups: { "a/../b": {} }\n`), /cgroups.*a cgroup path/);
  assert.match(
    errorOf(`${BASE}cgroups: { a: {} }
steps:
  - { name: s, expect: { misc_current: { cgroup: x, equals: 0 } } }
`),
    /steps\.0\.expect\.misc_current\.cgroup: no cgroup "x"/,
  );
});

const TWO = `${BASE.replace("duration: 5ms", "duration: 1s")}cgroups:
  p: {}
  p/t0: { misc_max: 24 pages }
  p/t1: { misc_max: 24 pages }
processes:
  - name: tenant
    count: 2
    cgroup: p/t{i}
    enclaves: [{ name: e, pages: 40, tcs: 1 }]
    threads: [{ enclave: e, pattern: { kind: uniform }, touches: 3000 }]
`;

test("processes run in their cgroups ({i} is the copy): each stays within its limit; per-cgroup metrics add up in the parent", () => {
  const r = run(TWO);
  const cg = r.metrics.cgroups!;
  assert.deepEqual(Object.keys(cg), ["p", "p/t0", "p/t1"]);
  for (const t of ["p/t0", "p/t1"]) {
    assert.equal(cg[t]!.limit_pages, 24);
    assert.ok(cg[t]!.usage_pages_max <= 24, `${t}: ${cg[t]!.usage_pages_max} pages`);
    assert.ok(cg[t]!.limit_hits > 0, `${t} hit its limit`);
    assert.ok(cg[t]!.reclaimed_pages > 0, `${t} reclaimed its own pages`);
    assert.ok(cg[t]!.faults > 0);
  }
  assert.equal(
    cg.p!.faults,
    cg["p/t0"]!.faults + cg["p/t1"]!.faults,
    "a parent aggregates its children's faults",
  );
  assert.equal(cg.p!.accesses, 2 * 3000);
  assert.equal(
    cg.p!.fault_latency_ns.count,
    cg["p/t0"]!.fault_latency_ns.count + cg["p/t1"]!.fault_latency_ns.count,
  );
  assert.equal(cg.p!.limit_hits, 0, "the parent's own charges were never refused");
  assert.equal(r.cgroup_timeline!.t.length, r.cgroup_timeline!.usage["p/t0"]!.length);
  assert.equal(r.metrics.data_errors, 0);
});

test("mainline runs the same scenario without limits: the tenants never hit one", () => {
  const r = run(TWO, ["kernel=mainline"]);
  const cg = r.metrics.cgroups!;
  assert.equal(cg["p/t0"]!.limit_hits, 0);
  assert.equal(cg["p/t0"]!.usage_pages_max, 0, "nothing is charged");
});

test("events: a limit lowered at 2 ms and a process killed at 3 ms", () => {
  const text = `${BASE}run: { measure_from: start, duration: 20ms }
cgroups: { a: { misc_max: max } }
processes:
  - { name: victim, cgroup: a, enclaves: [{ name: e, pages: 40, tcs: 1 }], threads: [{ enclave: e, pattern: { kind: uniform } }] }
  - { name: survivor, enclaves: [{ name: e, pages: 8, tcs: 1 }], threads: [{ enclave: e, pattern: { kind: uniform }, touches: 20000 }] }
events:
  - { at: 2ms, set: { cgroup: a, misc_max: 16 pages } }
  - { at: 3ms, kill: victim }
`.replace("run: { measure_from: start, duration: 5ms }\n", "");
  const r = run(text);
  assert.equal(r.end, "workload_done", "the victim's endless thread was killed, so the run ends");
  assert.equal(r.metrics.cgroups!.a!.limit_pages, 16);
  assert.equal(
    r.metrics.cgroups!.a!.usage_pages_end,
    0,
    "the killed process's enclave was released and uncharged",
  );
});

const selftest = (kernel: string) => {
  const { scenario } = loadScenario("cgroup-selftest", [`kernel=${kernel}`]);
  return runScenario(scenario).result;
};

test("cgroup-selftest: all seven steps of run_epc_cg_selftests.sh pass on cgroup-v16, observed from what the model did", () => {
  const r = selftest("cgroup-v16");
  assert.equal(r.end, "workload_done");
  const steps = r.steps!;
  assert.equal(steps.length, 7);
  for (const s of steps)
    assert.equal(s.passed, true, `${s.name}: expected ${s.expected}, observed ${s.observed}`);
  for (const s of steps.slice(0, 6)) {
    const outcomes = Object.values(s.outcomes);
    assert.equal(outcomes.length, s.processes);
    assert.equal(
      outcomes.filter((o) => o === "ok").length,
      s.succeeded,
      `${s.name}: ok outcomes are the successes`,
    );
    assert.equal(s.succeeded + s.failed, s.processes);
  }
  assert.deepEqual(
    steps.map((s) => s.processes),
    [1, 4, 5, 8, 8, 4, 0],
  );
  assert.match(
    steps[0]!.outcomes.small!,
    /build failed: -ENOMEM/,
    "the hierarchical limit refused the build",
  );
  assert.notEqual(steps[4]!.killed, null);
  assert.match(steps[4]!.outcomes[steps[4]!.killed!]!, /ERESTARTSYS|failed/, "the killed process died");
  assert.ok(
    Object.values(steps[5]!.outcomes).every((o) => /ERESTARTSYS|failed/.test(o)),
    "the memcg OOM killer",
  );
  assert.equal(steps[6]!.misc_current, 0);
});

test("cgroup-selftest on mainline: no EPC limit, so the steps that expect a limit fail", () => {
  const r = selftest("mainline");
  const passed = Object.fromEntries(r.steps!.map((s) => [s.name.slice(0, 1), s.passed]));
  assert.equal(passed["1"], false, "step 1: the small enclave builds without a limit");
  assert.equal(passed["3"], false, "step 3: all five build");
  assert.equal(passed["7"], true, "nothing is ever charged");
});

test("cgroup-selftest on a cgroup-v16 that leaks VA-page charges: step 7 sees misc.current left over", () => {
  const r = selftest("mutant/cgroup-free-skips-va-uncharge");
  const last = r.steps!.at(-1)!;
  assert.equal(last.passed, false);
  assert.ok(last.misc_current! > 0);
});

/** Two tenants with a 40-page enclave each, faulting over it at random, under the given cgroups. */
const siblings = (cgroups: string) =>
  `${BASE.replace("run: { measure_from: start, duration: 5ms }\n", "")}run: { measure_from: build_done, warmup: 1ms, duration: 10ms }
cgroups: ${cgroups}
processes:
  - name: tenant
    count: 2
    cgroup: p/t{i}
    enclaves: [{ name: e, pages: 40, tcs: 1 }]
    threads: [{ enclave: e, pattern: { kind: uniform } }]
`;
/** The limit on the parent: each tenant's own usage stays below it. */
const SHARED = "{ p: { misc_max: 48 pages }, p/t0: {}, p/t1: {} }";

test("v16: a fault at a parent's limit filled by its siblings never completes (the reclaim work looks at its own usage)", () => {
  const shared = run(siblings(SHARED)).metrics.cgroups!;
  // The same room as two limits of their own: each tenant's work reclaims its own pages.
  const own = run(siblings("{ p: {}, p/t0: { misc_max: 24 pages }, p/t1: { misc_max: 24 pages } }")).metrics
    .cgroups!;
  assert.equal(shared.p!.fault_latency_ns.count, 0, "no fault completed in the window");
  assert.ok(shared.p!.fault_retries > 100, `${shared.p!.fault_retries} retries`);
  assert.equal(shared["p/t0"]!.reclaimed_pages + shared["p/t1"]!.reclaimed_pages, 0);
  assert.ok(own.p!.fault_latency_ns.count > 100, `${own.p!.fault_latency_ns.count} faults completed`);
});

test("a patch to cgroup-v16 that makes the reclaim work look at every ancestor's limit lets those faults complete", async () => {
  const patch = join(import.meta.dirname, "../../examples/patches/cgroup-parent-aware-reclaim.ts");
  const kernel = kernelName("cgroup-v16", [patch]);
  await loadKernel(kernel);
  const r = run(siblings(SHARED), [`kernel=${kernel}`]).metrics.cgroups!;
  assert.ok(r.p!.fault_latency_ns.count > 10, `${r.p!.fault_latency_ns.count} faults completed`);
  assert.ok(r["p/t0"]!.reclaimed_pages + r["p/t1"]!.reclaimed_pages > 0, "the work reclaimed");
});

test("same seed, same run: a cgroup scenario with random event times and victims is deterministic", () => {
  const text = `${BASE.replace("run: { measure_from: start, duration: 5ms }\n", "")}run: { measure_from: start, duration: 30ms }
cgroups: { a: { misc_max: 16 pages }, b: {} }
processes:
  - { name: p, count: 3, cgroup: a, enclaves: [{ name: e, pages: 24, tcs: 1 }], threads: [{ enclave: e, pattern: { kind: uniform } }] }
events:
  - { at: [1ms, 9ms], kill: [p0, p1, p2] }
  - { at: [2ms, 4ms], set: { cgroup: a, misc_max: 8 pages } }
`;
  const strip = (r: ReturnType<typeof run>) => JSON.stringify({ ...r, wall_ms: 0 });
  assert.equal(strip(run(text)), strip(run(text)));
  assert.notEqual(strip(run(text)), strip(run(text, ["seed=7"])), "another seed, other choices");
});

test("every function of epc_cgroup.ts is in the overridable function table", async () => {
  const { mainline } = await import("../../src/model/kernel/sgx/index.ts");
  const src = readFileSync(join(import.meta.dirname, "../../src/model/kernel/sgx/epc_cgroup.ts"), "utf8");
  const names = [...src.matchAll(/^function\*?\s+([a-z_][a-z0-9_]*)\(/gm)].map((m) => m[1]!);
  assert.ok(names.length > 10);
  assert.deepEqual(
    names.filter((f) => !(f in mainline)),
    [],
  );
});

test("a guest's EPC (vEPC) is charged to the VMM's cgroup; at the limit a guest fault gets SIGBUS (-ENOMEM)", () => {
  const vmm = (
    max: string,
  ) => `${BASE.replace("duration: 5ms", "duration: 50ms")}cgroups: { vm: { misc_max: ${max} } }
processes:
  - { name: qemu, cgroup: vm, script: [{ op: vepc, pages: 8 }, { op: sleep, time: 1ms }] }
`;
  let procs: { scriptFailures: string[] }[] = [];
  const go = (text: string) =>
    runScenario(parseScenarioText(text, "t.yaml").scenario, {
      hook: (b) => {
        procs = b.processes;
      },
    }).result;
  const roomy = go(vmm("16 pages"));
  assert.equal(roomy.metrics.cgroups!.vm!.usage_pages_max, 8, "eight guest pages charged");
  assert.equal(roomy.metrics.cgroups!.vm!.usage_pages_end, 0, "closing the vEPC uncharged them");
  assert.deepEqual(procs[0]!.scriptFailures, []);
  go(vmm("4 pages"));
  assert.match(procs[0]!.scriptFailures.join(), /SIGBUS/);
});

test("every YAML example in docs/cgroups.md is a valid scenario", () => {
  const md = readFileSync(join(import.meta.dirname, "../../docs/cgroups.md"), "utf8");
  const blocks = [...md.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  assert.ok(blocks.length > 0);
  for (const b of blocks) assert.doesNotThrow(() => parseScenarioText(b, "docs/cgroups.md"), b.slice(0, 40));
});
