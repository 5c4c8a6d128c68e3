/**
 * machine.numa places CPUs and EPC per NUMA node, so a node may have CPUs and no EPC section: the
 * allocator of a CPU there starts at the next node with EPC (next_node_in over sgx_numa_mask).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { PF_KTHREAD } from "../../src/model/kernel/lib/sched.ts";
import { runSequential } from "../../src/rt/sequential.ts";
import { buildMachine, resolveProfile } from "../../src/scenario/build.ts";
import { parseScenarioText, ScenarioError } from "../../src/scenario/load.ts";

const doc = (machine: string) => `name: t
machine: ${machine}
run: { duration: 1ms }
processes:
  - name: p
    enclaves: [{ name: e, pages: 8, tcs: 1 }]
    threads: [{ enclave: e, count: 1, pattern: { kind: uniform }, touches: 10 }]
`;

function machineOf(machine: string) {
  const sc = parseScenarioText(doc(machine), "t.yaml").scenario;
  return { sc, m: buildMachine(sc, resolveProfile(sc)) };
}

test("machine.numa: CPUs and EPC per node, a CPU-only node included", () => {
  const { sc, m } = machineOf("{ numa: [{ cpus: 1, epc: 0 }, { cpus: 2, epc: 64 }, { cpus: 1, epc: 32 }] }");
  assert.equal(sc.machine.cpus, 4);
  assert.equal(sc.machine.epc, 96);
  assert.deepEqual(
    m.hw.cpus.map((c) => c.node),
    [0, 1, 1, 2],
  );
  assert.deepEqual(m.sgx.sgx_numa_mask, [1, 2], "node 0 has no EPC section");
  // A CPU of the CPU-only node allocates from the next node with EPC; the others from their own.
  for (const [cpu, node] of [
    [0, 1],
    [1, 1],
    [3, 2],
  ] as const) {
    const task = m.newTask(`alloc${cpu}`, PF_KTHREAD, null);
    const page = runSequential(m, task, () => m.fn.__sgx_alloc_epc_page(m), { cpu });
    assert.ok(page >= 0);
    assert.equal(m.nodeOf(page).nid, node, `CPU ${cpu}`);
  }
});

test("machine.numa excludes cpus, numa_nodes and epc, and needs a CPU and some EPC", () => {
  const err = (machine: string) => {
    try {
      parseScenarioText(doc(machine), "t.yaml");
      return "";
    } catch (e) {
      if (e instanceof ScenarioError) return e.lines.join("\n");
      throw e;
    }
  };
  assert.match(
    err("{ epc: 1MiB, numa: [{ cpus: 1, epc: 8 }] }"),
    /^t\.yaml:2:\d+ machine\.epc: .*machine\.numa/,
  );
  assert.match(err("{ numa: [{ cpus: 0, epc: 8 }] }"), /machine\.numa: no node has a CPU/);
  assert.match(err("{ numa: [{ cpus: 2, epc: 0 }] }"), /machine\.numa: no node has EPC/);
  assert.match(err("{ numa: [{ cpus: 2 }] }"), /machine\.numa\.0\.epc/);
});
