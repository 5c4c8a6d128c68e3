/**
 * The claims of the v38 review mail (../shared/reference/seed-mail.txt), checked on the model:
 * batching keeps ETRACK and IPIs to one round; per-page reclaim needs a round per page and takes
 * sgx_reclaimer_lock once per page instead of once per 16.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { msleep } from "../../src/model/kernel/lib/sched.ts";
import { TASK_PID } from "../../src/sim/trace_recorder.ts";
import { runScenarioWith } from "../helpers/sim.ts";

/** An enclave of `cold` never-touched pages followed by 64 hot pages its 4 threads keep touching. */
function reclaimWhileRunning(batch: number, cold: number, rounds: number) {
  const yaml = `
name: seed-claim
machine: {cpus: 6, epc: 4096}
reclaimer: {batch: ${batch}}
run: {duration: 20ms, measure_from: start}
processes:
  - name: app
    enclaves: [{name: e, pages: ${cold + 64}, tcs: 4}]
    threads:
      - {enclave: e, count: 4, range: [${cold}, ${cold + 64}], pattern: {kind: uniform}, compute_ns: 200, touches: 200000}
`;
  return runScenarioWith(yaml, (b) => {
    const task = b.m.newTask("reclaim", 0x00200000, null);
    b.sim.spawn({
      task,
      kind: "kthread",
      cpu: 5,
      body: function* () {
        // Wait until the enclave is built and its threads are inside it.
        while (b.processes[0]!.live === 0) yield* msleep(b.m, 100_000);
        yield* msleep(b.m, 200_000);
        for (let i = 0; i < rounds; i++) yield* b.m.fn.sgx_reclaim_pages(b.m);
      },
    });
  });
}

test("reclaiming 10 pages of an enclave whose threads run inside it takes one IPI round with batch 16", () => {
  const { result } = reclaimWhileRunning(16, 10, 1);
  assert.equal(result.metrics.reclaimed_pages, 10);
  assert.equal(result.metrics.etrack, 1);
  assert.equal(result.metrics.ipi_rounds, 1);
  assert.ok(result.metrics.ipi_aex >= 3, "the round kicked the running threads out");
});

test("per-page reclaim (batch 1) of the same 10 pages takes about one IPI round per page", () => {
  const { result } = reclaimWhileRunning(1, 10, 10);
  assert.equal(result.metrics.reclaimed_pages, 10);
  assert.ok(result.metrics.ipi_rounds >= 8, `ipi_rounds = ${result.metrics.ipi_rounds}`);
  assert.ok(result.metrics.etrack >= 8);
});

test("per-page reclaim takes sgx_reclaimer_lock 16 times as often per reclaimed page", () => {
  const acquisitions = (batch: number) => {
    const out = reclaimWhileRunning(batch, 160, 160 / batch);
    const tid = out.threads.find((t) => t.name === "reclaim")!.id;
    const n = out.trace!.events.filter(
      (e) => e.pid === TASK_PID && e.tid === tid && e.name === "spin_lock sgx_reclaimer_lock",
    ).length;
    return n / out.result.metrics.reclaimed_pages;
  };
  const batched = acquisitions(16);
  const perPage = acquisitions(1);
  assert.equal(perPage / batched, 16);
});
