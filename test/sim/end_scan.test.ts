/**
 * The end-of-run scan (src/experiment/end_scan.ts): once every process exited (or was killed at
 * the time limit), kmemleak and the teardown checks look at what the workload left behind. Shown on automatic mutants that drop a free
 * or a put (each a leak nothing else notices in a timed run), and clean on mainline.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runScenario } from "../../src/experiment/run.ts";
import { parseScenarioText } from "../../src/scenario/load.ts";
import { loadKernel } from "../../src/scenario/patches.ts";

const SMALL = `name: small
seed: 1
machine: { profile: client-93.5MiB, cpus: 2, epc: 1MiB }
run: { duration: 1s, measure_from: start }
processes:
  - name: app
    enclaves: [{ name: e, pages: 400, tcs: 2 }]
    threads: [{ enclave: e, count: 2, pattern: { kind: uniform }, touches: 1500 }]
`;

async function run(kernel: string, sets: string[] = []) {
  await loadKernel(kernel);
  return runScenario(parseScenarioText(SMALL, "small.yaml", [`kernel=${kernel}`, ...sets]).scenario).result;
}

const leaks = (r: { dmesg: { comm: string; msg: string }[] }) =>
  r.dmesg.filter((d) => d.comm === "kmemleak").map((d) => d.msg);

test("a run on mainline whose processes all exit leaves nothing behind", async () => {
  const r = await run("mainline");
  assert.equal(r.end, "workload_done");
  assert.ok(r.metrics.reclaimed_pages > 100, "the run reclaimed (backing pages were used)");
  assert.deepEqual(leaks(r), []);
  assert.equal(r.metrics.warnings, 0);
});

const MUTANTS: [mutant: string, leak: RegExp][] = [
  [
    "mutant/auto/sgx_encl_release/drop-put/0",
    /xa_node of the page_array of freed enclave app\/e .*xa_destroy\(\) never ran/,
  ],
  [
    "mutant/auto/sgx_encl_release/drop-put/2",
    /struct sgx_va_page #\d+ .*never kfree\(\)d\n {2}allocated: sgx_encl_grow \(ioctl\.ts:\d+\)/,
  ],
  ["mutant/auto/sgx_encl_put_backing/drop-put/1", /backing file \d+ .*truncated .*reference\(s\) still held/],
];

for (const [mutant, leak] of MUTANTS)
  test(`the end-of-run scan finds the leak of ${mutant}`, async () => {
    const r = await run(mutant);
    assert.equal(r.end, "workload_done");
    const found = leaks(r);
    assert.equal(found.length, 1, JSON.stringify(r.dmesg));
    assert.match(found[0]!, leak);
    assert.equal(r.metrics.warnings, 1);
  });

test("the scan changes nothing the run measured: metrics, timeline and times as without it", async () => {
  // The scan drains the kernel's work after the result is taken: no figure may move.
  const { buildSimulation } = await import("../../src/scenario/build.ts");
  const sc = parseScenarioText(SMALL, "small.yaml").scenario;
  const raw = buildSimulation(sc, {}).sim.run();
  const r = runScenario(sc).result;
  assert.equal(r.end, "workload_done");
  assert.deepEqual(r.metrics, raw.metrics);
  assert.deepEqual(r.timeline, raw.timeline);
  assert.equal(r.simulated_ns, raw.simulated_ns);
  assert.equal(r.total_ops, raw.total_ops);
});

test("a run stopped at its time limit: every process is killed, and what they leave behind is scanned too", async () => {
  const clean = await run("mainline", ["run.duration=2ms"]);
  assert.equal(clean.end, "time_limit");
  assert.deepEqual(leaks(clean), []);
  const r = await run("mutant/auto/sgx_encl_release/drop-put/0", ["run.duration=2ms"]);
  assert.equal(r.end, "time_limit");
  assert.equal(leaks(r).length, 1, JSON.stringify(r.dmesg));
  assert.match(leaks(r)[0]!, /xa_destroy\(\) never ran/);
});

test("an EPC page nothing refers to is reported with the call chain that allocated it", async () => {
  const patch = new URL("../fixtures/patches/forgets-one-free.ts", import.meta.url).pathname;
  const r = await run(`mainline+${patch}`);
  const found = leaks(r);
  assert.equal(found.length, 1, JSON.stringify(r.dmesg));
  assert.match(found[0]!, /unreferenced EPC page \d+ .*on no list/);
  // The run is done again with allocation sites captured: the site is the model's, not a guess.
  assert.match(found[0]!, /\n {2}allocated: sgx_alloc_epc_page \(main\.ts:\d+\) < \w+ \(encl\.ts:\d+\)/);
});
