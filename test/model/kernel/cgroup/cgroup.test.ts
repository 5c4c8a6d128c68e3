/**
 * The misc controller, the EPC cgroup of the v16 series and the early OOM design, path by path on
 * hand-built machines (no simulator: every path runs to completion with runSequential).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  cgroup_attach,
  css_next_descendant_pre,
  type misc_cg,
  misc_cg_create,
  misc_cg_max_write,
  misc_cg_try_charge,
  misc_cg_uncharge,
} from "../../../../src/model/kernel/cgroup/misc.ts";
import { EBUSY, ENOMEM, ERESTARTSYS } from "../../../../src/model/kernel/lib/errno.ts";
import { headLink } from "../../../../src/model/kernel/lib/list.ts";
import { VM_FAULT_SIGBUS } from "../../../../src/model/kernel/lib/mm.ts";
import { PF_KTHREAD } from "../../../../src/model/kernel/lib/sched.ts";
import { queue_work, work_struct, workqueue_struct } from "../../../../src/model/kernel/lib/workqueue.ts";
import {
  type sgx_cgroup,
  sgx_cgroup_from_misc_cg,
  sgxcg,
} from "../../../../src/model/kernel/sgx/epc_cgroup.ts";
import type { PageListHead } from "../../../../src/model/kernel/sgx/sgx.ts";
import { SGX_ENCL_NO_MEMORY } from "../../../../src/model/kernel/variants/cgroup_oom.ts";
import { getVariant, variantFns } from "../../../../src/model/kernel/variants/index.ts";
import { Machine } from "../../../../src/model/machine.ts";
import { listPattern } from "../../../../src/model/user/access.ts";
import { EnclaveThread, enclave_page_fault } from "../../../../src/model/user/enclave_thread.ts";
import {
  build_enclave,
  exit_process,
  newProcess,
  type Process,
  type UserEnclave,
} from "../../../../src/model/user/process.ts";
import type { ModelGen, ThreadSpec } from "../../../../src/rt/ops.ts";
import { runSequential } from "../../../../src/rt/sequential.ts";

const PAGE = 4096;

function machine(kernel: string, pages: number): Machine {
  return new Machine({
    cpuNodes: [0, 0],
    sections: [{ node: 0, pages }],
    fn: variantFns(getVariant(kernel)!),
    debugLocks: true,
  });
}

/** Run `body` to its end as a task of `mm` (or a kernel thread); spawned threads are collected. */
function run<R>(
  m: Machine,
  body: () => ModelGen<R>,
  mm: Machine["mms"][number] | null = null,
  spawned: ThreadSpec[] = [],
): R {
  const task = m.newTask("t", mm ? 0 : PF_KTHREAD, mm);
  return runSequential(m, task, body, { onSpawn: (s) => spawned.push(s) });
}

/** Run the threads the paths spawned (work items), one after the other, until none is left. */
function drain(m: Machine, spawned: ThreadSpec[]): number {
  let n = 0;
  while (spawned.length) {
    const s = spawned.shift()!;
    runSequential(m, s.task, s.body, { onSpawn: (x) => spawned.push(x) });
    n++;
  }
  return n;
}

function build(
  m: Machine,
  cg: misc_cg | null,
  pages: number,
  name = "e",
): { proc: Process; ue: UserEnclave } {
  const proc = newProcess(m, `p-${name}`);
  if (cg) cgroup_attach(m, proc.mm, cg);
  const spec = { name, pages, tcs: 0, size: 0, measure: false, add_chunk: 1024 };
  const r = run(
    m,
    () => build_enclave(m, proc, spec, 0x7f00_0000_0000 + m.enclaves.length * 2 ** 38),
    proc.mm,
  );
  if (typeof r === "number") throw new Error(`build failed: ${r}`);
  return { proc, ue: r };
}

function listLength(m: Machine, head: PageListHead): number {
  let n = 0;
  for (let x = m.pages.headNext[head.h]!; x !== headLink(head); x = m.pages.next.get(x)) n++;
  return n;
}

function chargedPages(m: Machine, cg: misc_cg): number {
  let n = 0;
  for (let p = 0; p < m.pages.nr_pages; p++) if (m.pages.sgx_cg.get(p) === cg.id) n++;
  return n;
}

test("a charge fails if any ancestor would exceed its max; nothing stays charged; events count where it was refused and above", () => {
  const m = machine("cgroup-v16", 64);
  const p = misc_cg_create(m, m.misc.root, "p");
  const a = misc_cg_create(m, p, "a");
  p.res.max = 2 * PAGE;
  assert.equal(
    run(m, () => misc_cg_try_charge(m, a, PAGE)),
    0,
  );
  assert.equal(
    run(m, () => misc_cg_try_charge(m, a, PAGE)),
    0,
  );
  assert.equal(
    run(m, () => misc_cg_try_charge(m, a, PAGE)),
    -EBUSY,
  );
  assert.deepEqual([a.res.usage.v, p.res.usage.v, m.misc.root.res.usage.v], [2 * PAGE, 2 * PAGE, 2 * PAGE]);
  assert.deepEqual([a.res.events, p.res.events, m.misc.root.res.events], [0, 1, 1]);
  assert.equal(a.res.events_local, 1);
  assert.equal(p.res.watermark, 2 * PAGE, "the peak never went above max");
  run(m, () => misc_cg_uncharge(m, a, 2 * PAGE));
  assert.equal(m.misc.root.res.usage.v, 0);
  assert.deepEqual(m.dmesg, []);
});

test("misc.capacity bounds every level: the root refuses a charge beyond the EPC", () => {
  const m = machine("cgroup-v16", 4);
  assert.equal(m.misc.capacity, 4 * PAGE);
  const a = misc_cg_create(m, m.misc.root, "a");
  for (let i = 0; i < 4; i++)
    assert.equal(
      run(m, () => misc_cg_try_charge(m, a, PAGE)),
      0,
    );
  assert.equal(
    run(m, () => misc_cg_try_charge(m, a, PAGE)),
    -EBUSY,
  );
});

test("uncharging more than was charged WARNs that the usage went below zero", () => {
  const m = machine("cgroup-v16", 16);
  const a = misc_cg_create(m, m.misc.root, "a");
  run(m, () => misc_cg_uncharge(m, a, PAGE));
  assert.equal(m.dmesg[0]?.tag, "misc_uncharge_negative");
});

test("mainline charges nothing: sgx_epc is not registered and every usage stays 0", () => {
  const m = machine("mainline", 64);
  assert.equal(m.misc.capacity, 0);
  const a = misc_cg_create(m, m.misc.root, "a");
  a.res.max = PAGE;
  const { proc } = build(m, a, 10);
  assert.equal(a.res.usage.v, 0, "the 10-page enclave was built although a allows one page");
  run(m, () => exit_process(m, proc), proc.mm);
});

test("pre-order walk of a subtree, and the next_cg cursor hands out each cgroup in turn, wrapping to the root", () => {
  const m = machine("cgroup-v16", 16);
  const r = m.misc.root;
  const a = misc_cg_create(m, r, "a");
  misc_cg_create(m, a, "a1");
  const b = misc_cg_create(m, r, "b");
  const walk: string[] = [];
  for (let c = css_next_descendant_pre(null, r); c; c = css_next_descendant_pre(c, r))
    walk.push(c.name || "/");
  assert.deepEqual(walk, ["/", "a", "a/a1", "b"]);
  const sub: string[] = [];
  for (let c = css_next_descendant_pre(null, a); c; c = css_next_descendant_pre(c, a)) sub.push(c.name);
  assert.deepEqual(sub, ["a", "a/a1"], "the walk stays in the subtree");
  const root = sgx_cgroup_from_misc_cg(r);
  const got: string[] = [];
  for (let i = 0; i < 6; i++) got.push(run(m, () => m.fn.sgx_cgroup_next_get(m, root)).cg.name || "/");
  assert.deepEqual(got, ["/", "a", "a/a1", "b", "/", "a"]);
  void b;
});

test("cgroup-v16: an enclave larger than its cgroup's limit builds by reclaiming its own pages; charges equal pages; exit uncharges all", () => {
  const m = machine("cgroup-v16", 256);
  const a = misc_cg_create(m, m.misc.root, "a");
  const b = misc_cg_create(m, m.misc.root, "b");
  a.res.max = 40 * PAGE;
  const other = build(m, b, 20, "other");
  const { proc } = build(m, a, 100);
  assert.ok(a.res.usage.v <= 40 * PAGE);
  assert.equal(a.res.usage.v, chargedPages(m, a) * PAGE);
  assert.ok(a.res.events > 0, "the limit was hit");
  // Reclaimable pages sit on their cgroup's LRU; the global list is unused.
  assert.equal(listLength(m, m.sgx.sgx_active_page_list), 0);
  assert.ok(listLength(m, sgx_cgroup_from_misc_cg(a).lru.reclaimable) > 0);
  assert.equal(
    listLength(m, sgx_cgroup_from_misc_cg(b).lru.reclaimable),
    20,
    "b's pages were not reclaimed for a",
  );
  run(m, () => exit_process(m, proc), proc.mm);
  assert.equal(a.res.usage.v, 0);
  assert.equal(m.misc.root.res.usage.v, b.res.usage.v);
  run(m, () => exit_process(m, other.proc), other.proc.mm);
  assert.equal(m.misc.root.res.usage.v, 0);
  assert.deepEqual(m.dmesg, []);
});

test("sgx_cgroup_should_reclaim keeps SGX_CG_MIN_FREE_PAGE pages free under a limit above SGX_CG_LOW_LIMIT, else waits for the limit", () => {
  const m = machine("cgroup-v16", 1024);
  const a = misc_cg_create(m, m.misc.root, "a");
  const { proc } = build(m, a, 110);
  const cg = sgx_cgroup_from_misc_cg(a);
  const usage = a.res.usage.v / PAGE; // 110 pages, the SECS and a VA page
  const should = (maxPages: number) => {
    a.res.max = maxPages * PAGE;
    return run(m, () => m.fn.sgx_cgroup_should_reclaim(m, cg));
  };
  // A limit above SGX_CG_LOW_LIMIT (128 pages): reclaim starts SGX_CG_MIN_FREE_PAGE (32) below it.
  assert.equal(should(usage + 32), true);
  assert.equal(should(usage + 33), false);
  // A limit of at most 128 pages: only at the limit.
  assert.equal(should(usage), true);
  assert.equal(should(usage + 1), false);
  run(m, () => exit_process(m, proc), proc.mm);
  assert.equal(should(1), false, "nothing on the LRU: no reclaim");
});

test("sgx_cgroup_try_charge without reclaim: -EBUSY and the cgroup's reclaim work is queued once; -ENOMEM with nothing reclaimable; -ERESTARTSYS with a signal", () => {
  const m = machine("cgroup-v16", 256);
  const a = misc_cg_create(m, m.misc.root, "a");
  const { proc } = build(m, a, 10);
  const cg = sgx_cgroup_from_misc_cg(a);
  a.res.max = a.res.usage.v;
  const spawned: ThreadSpec[] = [];
  assert.equal(
    run(m, () => m.fn.sgx_cgroup_try_charge(m, cg, false), proc.mm, spawned),
    -EBUSY,
  );
  assert.equal(
    run(m, () => m.fn.sgx_cgroup_try_charge(m, cg, false), proc.mm, spawned),
    -EBUSY,
  );
  assert.equal(spawned.length, 1, "a pending work item is not queued again");
  assert.ok(cg.reclaim_work.pending);
  // With a signal pending a charge that could reclaim gives up.
  const task = m.newTask("sig", 0, proc.mm);
  task.sigpending = true;
  assert.equal(
    runSequential(m, task, () => m.fn.sgx_cgroup_try_charge(m, cg, true)),
    -ERESTARTSYS,
  );
  // The work reclaims the cgroup below its limit (the limit is tiny: to the limit itself).
  drain(m, spawned);
  assert.ok(a.res.usage.v < a.res.max);
  // Evict everything: only unreclaimable pages stay charged, nothing is reclaimable.
  a.res.max = 2 * PAGE;
  drain(m, [
    {
      task: m.newTask("w", PF_KTHREAD, null),
      body: () => m.fn.sgx_cgroup_reclaim_work_func(m, cg.reclaim_work),
      kind: "kthread",
      cpu: 0,
    },
  ]);
  a.res.max = a.res.usage.v; // the VA page is left (the SECS went with its last child)
  assert.equal(
    run(m, () => m.fn.sgx_cgroup_try_charge(m, cg, true), proc.mm),
    -ENOMEM,
  );
});

test("backing pages of reclaim go to charge_mm's memcg, or without one (the reclaim work) to the memcg of an mm of the enclave", () => {
  const m = machine("cgroup-v16", 256);
  const a = misc_cg_create(m, m.misc.root, "a");
  const { proc, ue } = build(m, a, 40);
  proc.mm.memcg = m.memcg("tenant");
  const other = newProcess(m, "other");
  other.mm.memcg = m.memcg("elsewhere");
  const cg = sgx_cgroup_from_misc_cg(a);
  // Direct reclaim by a task of another memcg, charging its own mm.
  run(m, () => m.fn.sgx_cgroup_reclaim_pages(m, cg, other.mm, 2), other.mm);
  const direct = m.memcg("elsewhere").usage;
  assert.ok(direct > 0);
  // The work (no mm): the enclave's mm, whoever runs it.
  run(m, () => m.fn.sgx_cgroup_reclaim_pages(m, cg, null, 2));
  assert.ok(m.memcg("tenant").usage > 0);
  assert.equal(m.memcg("elsewhere").usage, direct);
  void ue;
});

test("workqueue: an item queued while pending runs once; queued while it runs, it runs once more", () => {
  const m = machine("cgroup-v16", 16);
  const wq = new workqueue_struct(m.newId(), "wq");
  let runs = 0;
  const spawned: ThreadSpec[] = [];
  const w: work_struct = new work_struct(
    m.newId(),
    "w",
    function* (mm) {
      runs++;
      if (runs === 1) yield* queue_work(mm, wq, w); // re-queued while running
    },
    null,
    m.newId(),
  );
  assert.equal(
    run(m, () => queue_work(m, wq, w), null, spawned),
    true,
  );
  assert.equal(
    run(m, () => queue_work(m, wq, w), null, spawned),
    false,
  );
  assert.equal(spawned.length, 1);
  assert.equal(drain(m, spawned), 1, "the re-queue ran on the same worker");
  assert.equal(runs, 2);
  assert.equal(w.pending || w.running, false);
});

test("memcg OOM: a backing allocation over memory.max with swap off kills the memcg's first live process", () => {
  const m = machine("cgroup-v16", 64);
  const a = misc_cg_create(m, m.misc.root, "a");
  const { proc } = build(m, a, 20);
  const memcg = m.memcg("a");
  proc.mm.memcg = memcg;
  memcg.max = 1;
  memcg.swap = false;
  const cg: sgx_cgroup = sgx_cgroup_from_misc_cg(a);
  run(m, () => m.fn.sgx_cgroup_reclaim_pages(m, cg, proc.mm, 4), proc.mm);
  assert.ok(memcg.oom >= 1, "a charge was refused");
  assert.equal(memcg.oom_kill, 1);
  assert.ok(
    m.tasks.filter((t) => t.mm === proc.mm).every((t) => t.sigpending),
    "every thread got SIGKILL",
  );
});

test("cgroup-v2-oom: lowering misc.max queues reclaim; below the unreclaimable pages the work OOM-kills the enclave", () => {
  const m = machine("cgroup-v2-oom", 256);
  const a = misc_cg_create(m, m.misc.root, "a");
  const { proc, ue } = build(m, a, 30);
  const spawned: ThreadSpec[] = [];
  // To 16 pages: the work reclaims (misc_res_ops.max_write), nobody is killed.
  run(m, () => misc_cg_max_write(m, a, 16 * PAGE), null, spawned);
  assert.equal(spawned.length, 1);
  drain(m, spawned);
  assert.ok(a.res.usage.v / PAGE <= 16, `usage ${a.res.usage.v / PAGE}`);
  assert.equal(ue.encl.flags.v & (1 << SGX_ENCL_NO_MEMORY), 0);
  // To one page: the SECS and the VA page cannot be reclaimed: OOM.
  run(m, () => misc_cg_max_write(m, a, PAGE), null, spawned);
  drain(m, spawned);
  assert.notEqual(ue.encl.flags.v & (1 << SGX_ENCL_NO_MEMORY), 0, "the enclave is marked NO_MEMORY");
  assert.equal(ue.encl.mm_list.length, 0, "its mm_list was drained");
  const th = new EnclaveThread(proc, ue, listPattern([0], false), 1, 0);
  assert.equal(run(m, () => enclave_page_fault(m, th, 0), proc.mm) & VM_FAULT_SIGBUS, VM_FAULT_SIGBUS);
  assert.equal(
    run(m, () => m.fn.sgx_ioctl(m, ue.encl, { cmd: "SGX_IOC_ENCLAVE_INIT" }), proc.mm),
    -ENOMEM,
  );
  run(m, () => exit_process(m, proc), proc.mm);
  assert.equal(a.res.usage.v, 0, "closing the enclave frees and uncharges everything");
  assert.ok(ue.encl.freed);
  assert.deepEqual(m.dmesg, []);
});

test("cgroup-v16 enforces at allocation only: lowering misc.max reclaims nothing and kills nobody", () => {
  const m = machine("cgroup-v16", 256);
  const a = misc_cg_create(m, m.misc.root, "a");
  const { ue } = build(m, a, 30);
  const before = a.res.usage.v;
  const spawned: ThreadSpec[] = [];
  run(m, () => misc_cg_max_write(m, a, PAGE), null, spawned);
  assert.equal(spawned.length, 0);
  assert.equal(a.res.usage.v, before);
  assert.ok(a.res.max_written_below_usage);
  assert.equal(ue.encl.freed, false);
  assert.equal(sgxcg(m).sgx_cg_wq?.name, "sgx_cg_wq");
});
