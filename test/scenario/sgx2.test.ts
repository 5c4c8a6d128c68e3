import assert from "node:assert/strict";
import { test } from "node:test";
import { runScenario } from "../../src/experiment/run.ts";
import type { Machine } from "../../src/model/machine.ts";
import type { Process } from "../../src/model/user/process.ts";
import { loadScenario, parseScenarioText, ScenarioError } from "../../src/scenario/load.ts";

/** Run a scenario and keep its machine and processes for checks of the end state. */
function run(name: string, sets: string[] = []) {
  const { scenario } = loadScenario(name, sets);
  let m: Machine | null = null;
  let procs: Process[] = [];
  const { result } = runScenario(scenario, {
    hook: (b) => {
      m = b.m;
      procs = b.processes;
    },
  });
  return { result, metrics: result.metrics, m: m as unknown as Machine, procs };
}

test("oversubscribed-remove: the whole EPC-sized heap is trimmed, accepted and removed, and every page comes back", () => {
  const { result, metrics, m, procs } = run("oversubscribed-remove", ["machine.epc=256"]);
  assert.equal(result.end, "workload_done");
  assert.deepEqual(
    procs[0]!.scriptFailures,
    [],
    "every ioctl count and EACCEPT result as the selftest expects",
  );
  assert.equal(metrics.script_failures, 0);
  assert.equal(metrics.emodt, 256, "one EMODT per heap page");
  assert.equal(metrics.eaccept, 256, "one EACCEPT per heap page");
  assert.ok(metrics.eldu > 256, "trimmed pages came back from the backing store to be accepted");
  assert.equal(metrics.data_errors, 0);
  assert.equal(metrics.sigbus + metrics.sigsegv, 0);
  assert.equal(metrics.warnings, 0);
  assert.equal(m.sgx.sgx_nr_free_pages.v, m.pages.nr_pages, "every EPC page is free after exit");
});

test("augment: #PF, EAUG, an EPCM fault on the PENDING page, EACCEPT, and the value reads back", () => {
  const { result, metrics, procs } = run("augment");
  assert.equal(result.end, "workload_done");
  assert.deepEqual(procs[0]!.scriptFailures, []);
  assert.equal(metrics.eaug, 1);
  assert.equal(metrics.epcm_faults, 1, "the second #PF has the SGX bit");
  assert.equal(metrics.eaccept, 1);
  assert.equal(metrics.data_errors, 0);
  assert.equal(metrics.warnings, 0);
});

test("augment-via-eaccept: EACCEPT on a never-added page is transparent (no EPCM fault reaches the test)", () => {
  const { metrics, procs } = run("augment-via-eaccept");
  assert.deepEqual(procs[0]!.scriptFailures, []);
  assert.equal(metrics.eaug, 1);
  assert.equal(metrics.epcm_faults, 0);
  assert.equal(metrics.eaccept, 1);
  assert.equal(metrics.data_errors, 0);
});

test("tcs-create: three EAUGed pages, one made a TCS, all trimmed and removed, a page re-added where the TCS was", () => {
  const { metrics, procs, m } = run("tcs-create");
  assert.deepEqual(procs[0]!.scriptFailures, []);
  assert.equal(metrics.eaug, 4);
  assert.equal(metrics.emodt, 4, "REG->TCS once, then three to TRIM");
  assert.equal(metrics.emodpr, 3, "the EACCEPT probe of each removed page");
  assert.equal(metrics.data_errors, 0);
  assert.equal(metrics.warnings, 0);
  assert.equal(m.sgx.sgx_nr_free_pages.v, m.pages.nr_pages);
});

const BASE = `
name: t
machine: {cpus: 2, epc: 256, sgx2: true}
run: {measure_from: start, duration: 1s}
processes:
  - name: p
    enclaves: [{name: e, pages: 4, tcs: 1}]
`;

test("a script step checks the selftest's expectation: REMOVE_PAGES without EACCEPT is EPERM with count 0", () => {
  const ok = `${BASE}    script:
      - {op: modify_types, enclave: e, range: [1, 2], type: trim}
      - {op: remove_pages, enclave: e, range: [1, 2], expect: {errno: EPERM}}
`;
  assert.equal(runScenario(parseScenarioText(ok, "s.yaml").scenario).result.metrics.script_failures, 0);
  const wrong = ok.replace("expect: {errno: EPERM}", "expect: {errno: 0}");
  assert.equal(runScenario(parseScenarioText(wrong, "s.yaml").scenario).result.metrics.script_failures, 1);
});

test("a VMM process gives its guest EPC pages that stay out of reclaim and come back when it closes them", () => {
  const text = `
name: vm
machine: {cpus: 4, epc: 256}
run: {measure_from: start, duration: 1s}
processes:
  - name: qemu
    script:
      - {op: vepc, pages: 64}
      - {op: sleep, time: 2ms}
      - {op: vepc_close}
  - name: app
    enclaves: [{name: e, pages: 160, tcs: 1}]
    threads: [{enclave: e, pattern: {kind: sequential, passes: [write, read]}}]
`;
  const { scenario } = parseScenarioText(text, "s.yaml");
  let m: Machine | null = null;
  const { result } = runScenario(scenario, {
    hook: (b) => {
      m = b.m;
    },
  });
  assert.equal(result.end, "workload_done");
  assert.equal(result.metrics.script_failures, 0);
  assert.equal(result.metrics.data_errors, 0);
  assert.equal(result.metrics.warnings, 0);
  const mm = m as unknown as Machine;
  assert.equal(mm.vepc.instances.length, 1);
  assert.equal(mm.vepc.instances[0]!.freed, true);
  let owned = 0;
  for (let p = 0; p < mm.pages.nr_pages; p++) if (mm.pages.owner.get(p) <= -2) owned++;
  assert.equal(owned, 0, "no EPC page is owned by the guest any more");
});

test("script ranges are checked against the enclave's ELRANGE and a process needs an enclave or a script", () => {
  const past = `${BASE}    script: [{op: access, enclave: e, range: [0, 9]}]\n`;
  assert.throws(
    () => runScenario(parseScenarioText(past, "s.yaml").scenario),
    (e: unknown) => e instanceof ScenarioError && /past the 8-page ELRANGE/.test(e.lines[0]!),
  );
  assert.throws(
    () => parseScenarioText("name: x\nprocesses: [{name: p}]\n", "s.yaml"),
    (e: unknown) => e instanceof ScenarioError && /needs an enclave or a script/.test(e.lines[0]!),
  );
});
