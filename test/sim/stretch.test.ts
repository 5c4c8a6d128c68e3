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
