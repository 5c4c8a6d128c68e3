/**
 * A process killed while one of its threads waits in the fault handler for an EPC page: the fault
 * gives up because SIGKILL is pending and returns VM_FAULT_SIGBUS, but the kill is delivered first,
 * so the thread dies of the kill and the run counts no SIGBUS (a SIGBUS is data the application
 * lost; this one it never sees). Seed 2 of this scenario lands the kill in such a fault: before the
 * fix the run counted `sigbus: 1`.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runScenario } from "../../src/experiment/run.ts";
import { parseScenarioText } from "../../src/scenario/load.ts";
import { loadKernel } from "../../src/scenario/patches.ts";

const KILL_WHILE_FAULTING = `name: kill-faulting
kind: run
seed: 2
kernel: cgroup-v16
machine: { profile: client-93.5MiB, cpus: 4, epc: 4MiB }
run: { measure_from: start, duration: 60s }
cgroups:
  box: { misc_max: capacity / 8 }
steps:
  - name: "4 enclaves over a small limit, one killed while they fault"
    processes:
      - name: p
        count: 4
        cgroup: box
        enclaves: [{ name: encl, pages: 2MiB, tcs: 1, add_chunk: 64 }]
        threads: [{ enclave: encl, count: 1, pattern: { kind: sequential, passes: [write, read, write, read] } }]
    kill_random_after: [20ms, 200ms]
    expect: all others succeed
`;

test("a fault that gives up for a pending SIGKILL is the kill, not a SIGBUS", async () => {
  await loadKernel("cgroup-v16");
  const r = runScenario(parseScenarioText(KILL_WHILE_FAULTING, "kill-faulting.yaml").scenario).result;
  const step = r.steps![0]!;
  assert.equal(step.passed, true, step.observed);
  assert.match(String(step.observed), /p1 killed; 3 of 3 others succeeded/);
  assert.ok(r.metrics.faults > 1000, "the processes faulted under the limit");
  assert.equal(r.metrics.sigbus, 0);
});
