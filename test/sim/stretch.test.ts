/**
 * Non-preemptible stretches: a guest populating its EPC leaves guest mode at every EPT violation,
 * so each page it faults in is a kernel stretch of its own (the whole population used to be one
 * stretch of ~17 ms that hid every other in max_kernel_stretch_ns).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runScenario } from "../../src/experiment/run.ts";
import { parseScenarioText } from "../../src/scenario/load.ts";

const VMM = `name: t
seed: 1
machine: { profile: client-93.5MiB, cpus: 4, epc: 64MiB }
run: { duration: 100ms }
processes:
  - name: vmm
    script: [{ op: vepc, pages: 8192 }]
  - name: p
    enclaves: [{ name: e, pages: 64, tcs: 1 }]
    threads: [{ enclave: e, count: 1, pattern: { kind: uniform }, touches: inf }]
`;

test("populating a guest's EPC is one kernel stretch per EPT violation, not one for the whole guest", () => {
  const r = runScenario(parseScenarioText(VMM, "t.yaml").scenario).result;
  const m = r.metrics as { max_kernel_stretch_ns: number; max_kernel_stretch_thread: string };
  assert.ok(
    m.max_kernel_stretch_ns < 100_000,
    `${m.max_kernel_stretch_ns} ns by ${m.max_kernel_stretch_thread}`,
  );
});

/**
 * Timing mutants (epcsim mutate's drop-resched operator): a loop that loses its cond_resched()
 * becomes one long kernel stretch, and max_kernel_stretch_ns shows it in a scenario that drives
 * that loop. The loops no built-in scenario runs long enough have scenarios of their own below; the
 * allocation and charge retry loops and vEPC teardown's SECS walks are in DEVIATIONS.md.
 */
const LOOPS: [mutant: string, scenario: string, sets: string[]][] = [
  ["mutant/auto/sgx_encl_release/drop-resched/0", "release-large", []],
  ["mutant/auto/ksgxd/drop-resched/0", "oversubscribed", ["run.duration=50ms"]],
  [
    "mutant/auto/sgx_ioc_enclave_add_pages/drop-resched/0",
    "cgroup-tenants",
    ["run.duration=20ms", "run.measure_from=start"],
  ],
  [
    "mutant/auto/sgx_cgroup_reclaim_work_func/drop-resched/0",
    "cgroup-tenants",
    ["run.duration=50ms", "run.measure_from=start"],
  ],
];

for (const [mutant, scenario, sets] of LOOPS)
  test(`removing the cond_resched() of ${mutant.split("/")[2]} lengthens the longest kernel stretch (${scenario})`, async () => {
    const { loadScenario } = await import("../../src/scenario/load.ts");
    const { loadKernel } = await import("../../src/scenario/patches.ts");
    const base = loadScenario(scenario).scenario.kernel;
    const kernel = base === "mainline" ? mutant : `${mutant}@${base}`;
    await loadKernel(kernel);
    const stretch = (k: string[]) =>
      (
        runScenario(loadScenario(scenario, [...sets, ...k]).scenario).result.metrics as {
          max_kernel_stretch_ns: number;
        }
      ).max_kernel_stretch_ns;
    const a = stretch([]);
    const b = stretch([`kernel=${kernel}`]);
    assert.ok(b > a * 1.15, `${mutant}: ${a} ns with cond_resched, ${b} ns without`);
  });

/**
 * The same for loops that only a scenario of their own drives: a VMM resetting and closing a large
 * vEPC (sgx_vepc_remove_all, sgx_vepc_release's first walk), and mmap() of a large enclave
 * (sgx_encl_may_map, whose per-entry cost the scenario raises so that its walk outweighs the
 * release's batched stretch at exit).
 */
const VMM_RESET = `name: vmm-reset
seed: 1
machine: { profile: client-93.5MiB, cpus: 4, epc: 64MiB }
run: { duration: 100ms, measure_from: start }
processes:
  - name: vmm
    script: [{ op: vepc, pages: 8192 }, { op: vepc_remove_all }, { op: vepc_close }]
`;
const BIG_MMAP = `name: big-mmap
seed: 1
machine: { profile: client-93.5MiB, cpus: 2, epc: 512MiB }
costs: { xa_walk: 1000 }
run: { duration: 400ms, measure_from: start }
processes:
  - name: big
    enclaves: [{ name: e, pages: 64MiB, tcs: 1, measure: false }]
`;
const OWN: [mutant: string, scenario: string][] = [
  ["mutant/auto/sgx_vepc_remove_all/drop-resched/0", VMM_RESET],
  ["mutant/auto/sgx_vepc_release/drop-resched/0", VMM_RESET],
  ["mutant/auto/sgx_encl_may_map/drop-resched/0", BIG_MMAP],
];

for (const [mutant, text] of OWN)
  test(`removing the cond_resched() of ${mutant.split("/")[2]} lengthens the longest kernel stretch (${text.slice(6, text.indexOf("\n"))})`, async () => {
    const { loadKernel } = await import("../../src/scenario/patches.ts");
    await loadKernel(mutant);
    const stretch = (k: string) =>
      (
        runScenario(parseScenarioText(text, "t.yaml", [`kernel=${k}`]).scenario).result.metrics as {
          max_kernel_stretch_ns: number;
        }
      ).max_kernel_stretch_ns;
    const a = stretch("mainline");
    const b = stretch(mutant);
    assert.ok(b > a * 1.5, `${mutant}: ${a} ns with cond_resched, ${b} ns without`);
  });
