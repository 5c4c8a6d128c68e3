/**
 * Memory-cgroup accounting of the backing store: set_active_memcg() is per task (two CPUs that
 * allocate backing pages for enclaves in different memcgs at the same time charge each its own),
 * and freeing the backing file uncharges every page from the memcg it was charged to, whoever
 * drops the last reference.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runScenario } from "../../../../src/experiment/run.ts";
import type { mem_cgroup } from "../../../../src/model/kernel/lib/memcg.ts";
import type { Machine } from "../../../../src/model/machine.ts";
import { describeOp } from "../../../../src/rt/thread.ts";
import { parseScenarioText } from "../../../../src/scenario/load.ts";
import { enclave, machine } from "../../../helpers/model.ts";
import { Stepper } from "../../../helpers/stepper.ts";

test("set_active_memcg is per task: overlapping backing allocations on two CPUs charge each enclave's memcg", () => {
  const m = machine(64, { cpus: 2 });
  const a = enclave(m, 4, 0, "a");
  const b = enclave(m, 4, 0, "b");
  a.proc.mm.memcg = m.memcg("a");
  b.proc.mm.memcg = m.memcg("b");
  const s = new Stepper(m);
  const ta = s.add("a", () => m.fn.sgx_encl_alloc_backing(m, a.ue.encl, 1), a.proc.mm);
  const tb = s.add("b", () => m.fn.sgx_encl_alloc_backing(m, b.ue.encl, 1), b.proc.mm);
  // Both are inside the allocation (their memcg set) before either charges a page.
  const atLookup = (op: Parameters<typeof describeOp>[0]) => /shmem page/.test(describeOp(op));
  s.until(ta, atLookup);
  s.until(tb, atLookup);
  s.finish(ta);
  s.finish(tb);
  for (const [ue, name] of [
    [a.ue, "a"],
    [b.ue, "b"],
  ] as const) {
    const charged = [...ue.encl.backing!.pages.values()].map(
      (p) => (p.memcg as mem_cgroup | null)?.name ?? "root",
    );
    assert.ok(charged.length > 0);
    assert.deepEqual(
      new Set(charged),
      new Set([name]),
      `enclave ${name}'s backing pages are charged to ${name}`,
    );
  }
});

test("a tenant whose enclave is released keeps nothing charged, though the release ran in another task", () => {
  const text = `name: t
seed: 1
machine: { profile: client-93.5MiB, cpus: 4, epc: 8MiB }
run: { duration: 100ms }
processes:
  - name: tenant
    memcg: tenant
    enclaves: [{ name: encl, pages: 2x epc, tcs: 2 }]
    threads: [{ enclave: encl, count: 2, pattern: { kind: uniform }, touches: 5000 }]
  - name: other
    enclaves: [{ name: e2, pages: 64, tcs: 1 }]
    threads: [{ enclave: e2, count: 1, pattern: { kind: uniform }, touches: inf }]
`;
  let machineOf: Machine | undefined;
  runScenario(parseScenarioText(text, "t.yaml").scenario, {
    hook: (built) => {
      machineOf = built.m;
    },
  });
  const m = machineOf!;
  const tenant = m.enclaves.find((e) => e.name === "tenant/encl")!;
  assert.equal(tenant.refcount.v, 0, "the tenant's enclave was released");
  assert.equal(tenant.backing!.pages.size, 0, "its backing file is freed");
  // What the tenant still has charged is exactly the pages charged to it that live in other files
  // (a tenant thread's direct reclaim charges the pages it evicts to its own memcg, as the kernel
  // does in task context); before the fix the release uncharged from the releasing task's memcg.
  const live = m.shmem_files
    .flatMap((f) => [...f.pages.values()])
    .filter((p) => p.memcg === m.memcg("tenant"));
  assert.equal(m.memcg("tenant").usage, live.length);
  assert.ok(live.length < 16, `${live.length} pages of other enclaves charged to the tenant`);
});
