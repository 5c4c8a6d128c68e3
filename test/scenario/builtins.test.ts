import assert from "node:assert/strict";
import { test } from "node:test";
import { runScenario } from "../../src/experiment/run.ts";
import type { sgx_backing } from "../../src/model/kernel/sgx/sgx.ts";
import { loadScenario } from "../../src/scenario/load.ts";

test("oversubscribed: an enclave as large as the EPC builds, and every page's data round-trips", () => {
  const { scenario } = loadScenario("oversubscribed", ["machine.epc=512"]);
  const { result } = runScenario(scenario);
  const m = result.metrics;
  assert.equal(result.end, "workload_done");
  assert.equal(m.accesses, 2 * 512, "one write pass and one read pass over the heap");
  assert.equal(m.data_errors, 0);
  assert.equal(m.sigbus, 0);
  assert.equal(m.eldu_failed, 0);
  assert.ok(m.eldu >= 512, "the heap came back from backing store");
  assert.equal(m.warnings, 0);
});

test("oversubscribed catches lost backing data (a broken EWB path)", () => {
  const { scenario } = loadScenario("oversubscribed", ["machine.epc=512"]);
  const { result } = runScenario(scenario, {
    hook: (b) => {
      const put = b.m.fn.sgx_encl_put_backing;
      // A broken kernel that loses what EWB wrote to the contents page.
      b.m.fn = {
        ...b.m.fn,
        sgx_encl_put_backing: (m, backing: sgx_backing) => {
          backing.contents.data = 0;
          put(m, backing);
        },
      };
    },
  });
  const m = result.metrics;
  assert.ok(m.eldu_failed > 0 || m.data_errors > 0, "ELDU's MAC check or a read notices");
  assert.ok(m.warnings > 0 || m.sigbus > 0);
});

test("seed-batching runs with batch 16 and batch 1; per-page reclaim needs many more IPI rounds per page", () => {
  const rounds = (batch: number) => {
    const { scenario } = loadScenario("seed-batching", [
      `reclaimer.batch=${batch}`,
      "run.duration=30ms",
      "machine.epc=2048",
    ]);
    const m = runScenario(scenario).result.metrics;
    assert.ok(m.reclaimed_pages > 50, `batch ${batch}: reclaimed ${m.reclaimed_pages}`);
    assert.equal(m.data_errors, 0);
    return m.ipi_rounds / m.reclaimed_pages;
  };
  const batched = rounds(16);
  const perPage = rounds(1);
  assert.ok(perPage > 4 * batched, `IPI rounds per page: ${perPage} vs ${batched}`);
});
