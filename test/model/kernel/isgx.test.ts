/**
 * The isgx variant (the out-of-tree driver's reclaim design): one enclave per cluster, round robin
 * over processes, one ETRACK and one encl->lock hold per cluster, the fault path under encl->lock,
 * data that round-trips; the checker runs clean on the check scenarios that apply to isgx and finds
 * isgx with a guard removed.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runCheckSession } from "../../../src/check/session.ts";
import { runScenario } from "../../../src/experiment/run.ts";
import { EBUSY } from "../../../src/model/kernel/lib/errno.ts";
import { VM_FAULT_NOPAGE } from "../../../src/model/kernel/lib/mm.ts";
import { getVariant, variantFns } from "../../../src/model/kernel/variants/index.ts";
import { fn } from "../../../src/model/kernel/variants/isgx/fns.ts";
import {
  encl_page_flags,
  isgx,
  SGX_ENCL_PAGE_RESERVED,
  SGX_FAULT_RESERVE,
} from "../../../src/model/kernel/variants/isgx/sgx.ts";
import { ISGX_MUTANTS } from "../../../src/model/kernel/variants/isgx.ts";
import { Machine } from "../../../src/model/machine.ts";
import { makePattern } from "../../../src/model/user/access.ts";
import { EnclaveThread, enclave_page_fault } from "../../../src/model/user/enclave_thread.ts";
import type { Process, UserEnclave } from "../../../src/model/user/process.ts";
import { isEnabled } from "../../../src/rt/thread.ts";
import { loadScenario, parseScenarioText } from "../../../src/scenario/load.ts";
import { loadKernel } from "../../../src/scenario/patches.ts";
import { enclave, entry, epcOf, kseq, useq, warnings } from "../../helpers/model.ts";
import { Stepper } from "../../helpers/stepper.ts";

function isgxMachine(pages: number, cpus = 4): Machine {
  const v = getVariant("isgx")!;
  return new Machine({
    cpuNodes: Array.from({ length: cpus }, () => 0),
    sections: [{ node: 0, pages }],
    fn: variantFns(v),
    constants: v.constants,
  });
}

function resident(m: Machine, ue: UserEnclave): number {
  let n = 0;
  for (let i = 0; i < ue.spec.pages; i++) if (epcOf(m, ue, i) >= 0) n++;
  return n;
}

function thread(ue: UserEnclave, proc: Process) {
  return new EnclaveThread(proc, ue, makePattern({ kind: "uniform" }, 0, 1, 0, 1, 1, 0), 1, 0);
}

test("isgx is registered with the driver's constants and its own function names", () => {
  const v = getVariant("isgx")!;
  assert.equal(v.constants?.SGX_NR_TO_SCAN, 16);
  assert.equal(v.constants?.SGX_NR_LOW_PAGES, 32);
  assert.equal(v.constants?.SGX_NR_HIGH_PAGES, 64);
  const f = variantFns(v) as unknown as Record<string, unknown>;
  for (const name of ["sgx_swap_pages", "sgx_isolate_pages", "sgx_write_pages", "sgx_do_fault", "ksgxswapd"])
    assert.equal(typeof f[name], "function", name);
});

test("a patch on isgx may replace isgx's own functions by name; on mainline the same patch is refused", async () => {
  const file = join(tmpdir(), `isgx-patch-${process.pid}.mjs`);
  writeFileSync(file, "export default { name: 'no-swap', overrides: { *sgx_swap_pages() {} } };\n");
  await loadKernel(`isgx+${file}`);
  const v = getVariant(`isgx+${file}`)!;
  const f = variantFns(v) as unknown as Record<string, unknown>;
  assert.notEqual(
    f.sgx_swap_pages,
    (variantFns(getVariant("isgx")!) as unknown as Record<string, unknown>).sgx_swap_pages,
  );
  await assert.rejects(
    loadKernel(`mainline+${file}`),
    /overrides\.sgx_swap_pages: no kernel function of that name/,
  );
});

test("each cluster is 16 pages of one enclave, and clusters rotate over the processes", () => {
  const m = isgxMachine(256);
  const es = ["a", "b", "c"].map((n) => enclave(m, 40, 0, n).ue);
  const order: number[] = [];
  for (let round = 0; round < 6; round++) {
    const before = es.map((ue) => resident(m, ue));
    const seq = es.map((ue) => m.hw.enclaves[ue.encl.eid]!.trackSeq);
    kseq(m, () => m.fn.sgx_reclaim_pages(m), "ksgxswapd");
    const after = es.map((ue) => resident(m, ue));
    const changed = es.map((_, i) => i).filter((i) => before[i] !== after[i]);
    assert.equal(changed.length, 1, `round ${round}: one enclave per cluster`);
    const i = changed[0]!;
    assert.equal(before[i]! - after[i]!, 16, `round ${round}: a full cluster`);
    assert.equal(m.hw.enclaves[es[i]!.encl.eid]!.trackSeq, seq[i]! + 1, `round ${round}: one ETRACK`);
    order.push(i);
  }
  assert.deepEqual([...order.slice(0, 3)].sort(), [0, 1, 2], "three processes, three clusters");
  assert.deepEqual(order.slice(3), order.slice(0, 3), "round robin");
  assert.deepEqual(warnings(m), []);
});

test("the cluster's last child takes the SECS with it; a fault reloads both with the data intact", () => {
  const m = isgxMachine(128);
  const { proc, ue } = enclave(m, 16, 0);
  kseq(m, () => m.fn.sgx_reclaim_pages(m), "ksgxswapd");
  assert.equal(ue.encl.secs_child_cnt, 0);
  assert.equal(m.encl_pages.epc_page.a[ue.encl.secs], -1, "SECS evicted");
  const ret = useq(m, proc, () => enclave_page_fault(m, thread(ue, proc), 5));
  assert.equal(ret, VM_FAULT_NOPAGE);
  assert.notEqual(m.encl_pages.epc_page.a[ue.encl.secs], -1, "SECS reloaded");
  assert.equal(m.hw.data.get(epcOf(m, ue, 5)), ue.truth[5]);
  assert.equal(ue.vma!.pte.get(5), epcOf(m, ue, 5), "the fault installed the PTE");
  assert.deepEqual(warnings(m), []);
});

test("a fault waits for the whole cluster: sgx_write_pages holds encl->lock from the first EBLOCK to the last EWB", () => {
  const m = isgxMachine(128);
  const { proc, ue } = enclave(m, 40, 0);
  kseq(m, () => m.fn.sgx_reclaim_pages(m), "ksgxswapd"); // pages 0..15 evicted
  assert.equal(epcOf(m, ue, 3), -1);
  const s = new Stepper(m);
  const r = s.add("ksgxswapd", () => m.fn.sgx_reclaim_pages(m));
  s.until(r, (op) => op.kind === "encls" && op.leaf === "EBLOCK");
  assert.equal(ue.encl.lock.owner, r.spec.task.pid, "the reclaimer holds encl->lock");
  const f = s.add("fault", () => enclave_page_fault(m, thread(ue, proc), 3), proc.mm);
  s.until(f, (op) => op.kind === "mutex_lock" && op.lock === ue.encl.lock);
  let ewb = 0;
  while (!(r.op!.kind === "mutex_unlock" && r.op!.lock === ue.encl.lock)) {
    assert.equal(isEnabled(f.op!), false, "the fault is blocked on encl->lock");
    if (r.op!.kind === "encls" && r.op!.leaf === "EWB") ewb++;
    s.step(r);
  }
  assert.equal(ewb, 16, "all 16 EWBs ran while the fault waited");
  s.finish(r);
  s.finish(f);
  assert.equal(m.hw.data.get(epcOf(m, ue, 3)), ue.truth[3]);
  assert.deepEqual(warnings(m), []);
});

test("a page reserved for eviction: -EBUSY for a reserving (debugger) fault, no new PTE for a plain one", () => {
  const m = isgxMachine(128);
  const { proc, ue } = enclave(m, 20, 0);
  const cluster: number[] = [];
  kseq(m, () => fn(m).sgx_isolate_pages(m, ue.encl, cluster, 4));
  assert.equal(cluster.length, 4);
  const e0 = entry(ue, 0);
  assert.ok(encl_page_flags(m, e0) & SGX_ENCL_PAGE_RESERVED);
  const vma = ue.vma!;
  const addr0 = ue.encl.base;
  assert.equal(
    useq(m, proc, () => fn(m).sgx_do_fault(m, vma, addr0, SGX_FAULT_RESERVE)),
    -EBUSY,
  );
  // A plain fault on a resident page is the "already faulted" race: nothing to load, no PTE made.
  vma.pte.set(0, -1);
  assert.equal(
    useq(m, proc, () => fn(m).sgx_do_fault(m, vma, addr0, 0)),
    e0,
  );
  assert.equal(vma.pte.get(0), -1);
  assert.equal(
    useq(m, proc, () => m.fn.sgx_vma_fault(m, vma, addr0)),
    VM_FAULT_NOPAGE,
    "retried",
  );
  // Once the cluster is written back the page loads normally.
  kseq(m, () => fn(m).sgx_write_pages(m, ue.encl, cluster));
  assert.equal(epcOf(m, ue, 0), -1);
  assert.equal(encl_page_flags(m, e0) & SGX_ENCL_PAGE_RESERVED, 0, "RESERVED cleared on eviction");
  assert.equal(
    useq(m, proc, () => m.fn.sgx_vma_fault(m, vma, addr0)),
    VM_FAULT_NOPAGE,
  );
  assert.equal(vma.pte.get(0), epcOf(m, ue, 0));
  assert.equal(m.hw.data.get(epcOf(m, ue, 0)), ue.truth[0]);
  assert.deepEqual(warnings(m), []);
});

test("the free list is one LIFO list under sgx_free_list_lock with a plain counter", () => {
  const m = isgxMachine(64);
  const { ue } = enclave(m, 20, 0);
  const free0 = m.sgx.sgx_nr_free_pages.v;
  const freed = epcOf(m, ue, 15);
  kseq(m, () => m.fn.sgx_reclaim_pages(m), "ksgxswapd");
  assert.equal(m.sgx.sgx_nr_free_pages.v, free0 + 16);
  // The page freed last is handed out first.
  const p = kseq(m, () => fn(m).sgx_alloc_page(m, 0));
  assert.equal(p, freed);
  assert.ok(isgx(m).sgx_free_list_lock);
});

/** A three-process workload: each process runs one enclave of half the EPC with two threads inside. */
const THREE_TENANTS = `
name: three-tenants
kind: run
seed: 1
kernel: isgx
machine: { cpus: 8, epc: 4MiB }
run: { warmup: 2ms, duration: 8ms }
processes:
  - name: tenant
    count: 3
    enclaves: [{ name: e, pages: 0.5x epc, tcs: 2, add_chunk: 256 }]
    threads:
      - { enclave: e, count: 2, pattern: { kind: hotcold, hot_fraction: 0.5, hot_probability: 0.999, hot_at: end }, write_ratio: 0.3, budget: 32 }
`;

test("under a running multi-process workload every cluster is one enclave's, with one ETRACK and at most one IPI per page", () => {
  const { scenario } = parseScenarioText(THREE_TENANTS, "three-tenants.yaml");
  const clusters: { encl: number; pages: number; etracks: number; flushes: number }[] = [];
  let flushes = 0;
  const out = runScenario(scenario, {
    hook: (b) => {
      const f = fn(b.m);
      const write = f.sgx_write_pages;
      const flush = f.sgx_flush_cpus;
      f.sgx_flush_cpus = function* (m, encl) {
        flushes++;
        yield* flush(m, encl);
      };
      f.sgx_write_pages = function* (m, encl, src) {
        const owners = new Set(src.map((p) => m.encl_pages.encl.a[m.pages.owner.get(p)]));
        assert.deepEqual([...owners], src.length ? [encl.id] : [], "a cluster never mixes enclaves");
        const hw = m.hw.enclaves[encl.eid]!;
        const seq0 = hw.trackSeq;
        const f0 = flushes;
        const pages = src.length;
        yield* write(m, encl, src);
        clusters.push({ encl: encl.id, pages, etracks: hw.trackSeq - seq0, flushes: flushes - f0 });
      };
    },
  });
  const r = out.result;
  assert.equal(r.metrics.data_errors, 0);
  assert.equal(r.metrics.sigbus, 0);
  assert.deepEqual(r.dmesg, []);
  const full = clusters.filter((c) => c.pages > 0);
  assert.ok(full.length > 10, `${full.length} clusters`);
  for (const c of full) {
    assert.equal(c.etracks, 1, "one ETRACK per cluster");
    assert.ok(c.flushes <= c.pages, "at most one IPI round per page");
  }
  assert.equal(new Set(full.map((c) => c.encl)).size, 3, "every process's enclave was reclaimed from");
});

test("data round-trips through EWB and ELDU on isgx when the heap is as large as the EPC", () => {
  const { scenario } = loadScenario("oversubscribed", ["kernel=isgx"]);
  const r = runScenario(scenario).result;
  assert.equal(r.end, "workload_done");
  assert.equal(r.metrics.data_errors, 0);
  assert.equal(r.metrics.sigbus, 0);
  assert.ok(r.metrics.reclaimed_pages > 1000);
  assert.ok(r.metrics.eldu > 1000);
  assert.deepEqual(r.dmesg, []);
});

const BUDGET = 300;

function check(scenario: string, kernel: string) {
  const { scenario: sc, raw } = loadScenario(scenario, [`kernel=${kernel}`]);
  return runCheckSession({ sc, raw, strategy: "portfolio", seed: 1, schedules: BUDGET, timeMs: 60_000 });
}

/** The built-in check scenarios that apply to isgx (docs/patches.md says why the others do not). */
const APPLICABLE = [
  "check-fault-vs-reclaim",
  "check-fault-during-reclaim",
  "check-fault-vs-fault",
  "check-two-reclaimers",
  "check-release-vs-reclaim",
  "check-ipi-vs-enter",
  "check-ksgxd-wakeup",
  "check-add-pages-vs-reclaim",
  "check-pcmd-truncate",
  "check-free-accounting",
  "check-fork-vs-reclaim",
];

for (const scenario of APPLICABLE) {
  test(`isgx is clean on ${scenario} within ${BUDGET} executions`, () => {
    const r = check(scenario, "isgx");
    assert.equal(r.found, false, r.report ?? "");
    assert.equal(r.schedules, BUDGET);
  });
}

/** isgx mutant -> the scenario that exposes it (null: the checker must NOT find a bug). */
const MUTANT_CASES: Record<string, { scenario: string; property: RegExp | null }> = {
  "isgx-isolate-unlocked": { scenario: "check-two-reclaimers", property: /BUG|list links|WARN/ },
  // Without the reference the enclave (and the mm_count it held on encl->mm) can go under the reclaimer.
  "isgx-no-encl-ref": { scenario: "check-release-vs-reclaim", property: /BUG|list links|WARN|KASAN/ },
  // Each alone is safe: the fault path maps nothing resident, or encl->lock covers the cluster.
  "isgx-fault-maps-resident": { scenario: "check-fault-vs-reclaim", property: null },
  "isgx-split-cluster-lock": { scenario: "check-fault-vs-reclaim", property: null },
  "isgx-remap-and-split-lock": { scenario: "check-fault-vs-reclaim", property: /livelock|stale PTE/ },
};

test("every isgx mutant has a case", () => {
  assert.deepEqual(ISGX_MUTANTS.map((x) => x.name).sort(), Object.keys(MUTANT_CASES).sort());
});

for (const [name, c] of Object.entries(MUTANT_CASES)) {
  if (c.property) {
    test(`mutant ${name} is found by ${c.scenario} within ${BUDGET} executions`, () => {
      const r = check(c.scenario, `mutant/${name}`);
      assert.equal(r.found, true, `not found in ${r.schedules} executions`);
      assert.match(r.property!, c.property!);
      assert.ok(r.replay_token);
    });
  } else {
    test(`mutant ${name} alone stays clean on ${c.scenario} (a redundant guard)`, () => {
      const r = check(c.scenario, `mutant/${name}`);
      assert.equal(r.found, false, r.report ?? "");
    });
  }
}
