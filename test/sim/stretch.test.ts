/**
 * Non-preemptible stretches: a guest populating its EPC leaves guest mode at every EPT violation,
 * so each page it faults in is a kernel stretch of its own (the whole population used to be one
 * stretch of ~17 ms that hid every other in max_kernel_stretch_ns).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
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
 * that loop. The loops no built-in scenario runs long enough have scenarios of their own below;
 * vEPC teardown's SECS walks (always empty in the model) are in DEVIATIONS.md.
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

/**
 * The allocation and charge retry loops run a second reclaim round only when the first freed
 * nothing. A fixture patch makes every page look accessed until its third scan (a working set the
 * reclaimer must sweep several times); a builder alone in a small EPC (or cgroup) then retries
 * several rounds in a row, and without the loop's cond_resched() they are one stretch. (With real
 * workloads the rounds are split anyway by sleeps on a contended encl->lock: DEVIATIONS.md.)
 */
const YOUNG = fileURLToPath(new URL("../fixtures/patches/young-until-third-scan.ts", import.meta.url));
const builder = (kernel: string, extra: string) => `name: retry
seed: 1
kernel: ${kernel}
machine: { profile: client-93.5MiB, cpus: 4, epc: ${extra ? "64MiB" : "2MiB"} }
run: { duration: 20ms, measure_from: start }
${extra}processes:
  - name: builder
    ${extra ? "cgroup: t\n    " : ""}enclaves: [{ name: b, pages: 2000, tcs: 1, measure: true }]
`;
const RETRY: [mutant: string, base: string, extra: string][] = [
  ["mutant/auto/sgx_alloc_epc_page/drop-resched/0", "mainline", ""],
  [
    "mutant/auto/sgx_cgroup_try_charge/drop-resched/0@cgroup-v16",
    "cgroup-v16",
    "cgroups: { t: { misc_max: 2MiB } }\n",
  ],
];

for (const [mutant, base, extra] of RETRY)
  test(`removing the cond_resched() of ${mutant.split("/")[2]} lengthens the longest kernel stretch (reclaim rounds that free nothing)`, async () => {
    const { loadKernel } = await import("../../src/scenario/patches.ts");
    const stretch = async (k: string) => {
      await loadKernel(`${k}+${YOUNG}`);
      const sc = parseScenarioText(builder(`${k}+${YOUNG}`, extra), "t.yaml").scenario;
      return (runScenario(sc).result.metrics as { max_kernel_stretch_ns: number }).max_kernel_stretch_ns;
    };
    const a = await stretch(base);
    const b = await stretch(mutant);
    assert.ok(b > a * 1.4, `${mutant}: ${a} ns with cond_resched, ${b} ns without`);
  });
