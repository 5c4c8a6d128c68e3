import assert from "node:assert/strict";
import { test } from "node:test";
import {
  mutex,
  mutex_lock,
  mutex_unlock,
  spin_lock,
  spin_unlock,
  spinlock_t,
} from "../../src/model/kernel/lib/locks.ts";
import { msleep } from "../../src/model/kernel/lib/sched.ts";
import { CLIENT } from "../../src/sim/costs.ts";
import { Simulator } from "../../src/sim/simulator.ts";
import { traceOptions } from "../../src/sim/trace_recorder.ts";
import { machine } from "../helpers/model.ts";
import { runScenarioWith } from "../helpers/sim.ts";

function sim(cpus: number) {
  const m = machine(64, { cpus });
  const s = new Simulator(m, {
    profile: { ...CLIENT, tick: 0 },
    seed: 1,
    endNs: 1e9,
    trace: traceOptions(true),
    sampleNs: 1e6,
    maxOps: 1e6,
    measureFrom: "start",
    processes: 0,
    warmupNs: 0,
  });
  return { m, s };
}

test("a spinning waiter keeps its CPU; a mutex waiter gives it up for another thread", () => {
  for (const kind of ["spin", "mutex"] as const) {
    const { m, s } = sim(2);
    const l = kind === "spin" ? new spinlock_t(m.newId(), "L") : new mutex(m.newId(), "L");
    const ran: string[] = [];
    const holder = function* () {
      yield kind === "spin" ? spin_lock(l) : mutex_lock(l);
      // 4 us of work under a spinlock; a sleep under the mutex (its waiter cannot spin on a sleeper).
      if (kind === "spin") yield { kind: "encls" as const, leaf: "EWB" as const, page: 0, ret: 0 };
      else yield* msleep(m, 4000);
      yield kind === "spin" ? spin_unlock(l) : mutex_unlock(l);
    };
    const waiter = function* () {
      yield kind === "spin" ? spin_lock(l) : mutex_lock(l);
      ran.push("waiter got the lock");
      yield kind === "spin" ? spin_unlock(l) : mutex_unlock(l);
    };
    const other = function* () {
      ran.push("other ran");
    };
    const task = (n: string) => m.newTask(n, 0x00200000, null);
    s.spawn({ task: task("holder"), body: holder, kind: "user", cpu: 0 });
    s.spawn({ task: task("waiter"), body: waiter, kind: "user", cpu: 1 });
    s.spawn({ task: task("other"), body: other, kind: "user", cpu: 1 });
    const r = s.run();
    assert.equal(r.end, "workload_done");
    if (kind === "spin")
      assert.deepEqual(ran, ["waiter got the lock", "other ran"], "the spinner held CPU 1");
    else assert.equal(ran[0], "other ran", "the sleeping waiter let `other` run on CPU 1");
    assert.equal(r.metrics.locks.L!.contended, 1);
    assert.ok(r.metrics.locks.L!.wait_ns >= 4000);
  }
});

test("a thread blocked forever on a lock is reported as a stall", () => {
  const { m, s } = sim(2);
  const l = new mutex(m.newId(), "L");
  s.spawn({
    task: m.newTask("a", 0, null),
    kind: "user",
    cpu: -1,
    body: function* () {
      yield mutex_lock(l);
      yield mutex_lock(l);
    },
  });
  const r = s.run();
  assert.equal(r.end, "stalled");
  assert.match(r.stalled[0]!, /mutex_lock\(L#/);
});

test("code after an msleep runs when the sleep ends, not when it starts", () => {
  const { m, s } = sim(2);
  const seen: number[] = [];
  let flag = 0;
  const task = (n: string) => m.newTask(n, 0x00200000, null);
  s.spawn({
    task: task("sleeper"),
    kind: "user",
    cpu: 0,
    body: function* () {
      yield* msleep(m, 1_000_000);
      flag = 1; // no op between the sleep and this store
      yield* msleep(m, 1_000_000);
    },
  });
  s.spawn({
    task: task("watcher"),
    kind: "user",
    cpu: 1,
    body: function* () {
      // Look at the flag at 0.5 ms and at 1.5 ms.
      yield* msleep(m, 500_000);
      seen.push(flag);
      yield* msleep(m, 1_000_000);
      seen.push(flag);
    },
  });
  assert.equal(s.run().end, "workload_done");
  assert.deepEqual(seen, [0, 1]);
});

const SMALL = `
name: det
machine: {cpus: 4, epc: 600}
run: {duration: 3ms}
processes:
  - name: app
    enclaves: [{name: e, pages: 800, tcs: 2}]
    threads:
      - {enclave: e, count: 3, pattern: {kind: zipf, s: 0.8}, compute_ns: 150}
`;

test("the same scenario and seed give identical results, a different seed different ones", () => {
  const a = runScenarioWith(SMALL, undefined, true);
  const b = runScenarioWith(SMALL, undefined, true);
  assert.deepEqual({ ...a.result, wall_ms: 0 }, { ...b.result, wall_ms: 0 });
  assert.deepEqual(a.trace, b.trace);
  const c = runScenarioWith(SMALL.replace("name: det", "name: det\nseed: 2"), undefined, false);
  assert.notDeepEqual(c.result.metrics, a.result.metrics);
});

test("metrics of a contended run add up: every fault resolves, no data error, no warning", () => {
  const { result } = runScenarioWith(SMALL, undefined, false);
  const m = result.metrics;
  assert.ok(m.faults > 100);
  assert.ok(m.reclaimed_pages > 100);
  assert.equal(m.data_errors, 0);
  assert.equal(m.warnings, 0);
  assert.equal(m.sigbus, 0);
  assert.ok(m.fault_latency_ns.count >= m.faults - 3);
  assert.ok(m.fault_latency_ns.p50 <= m.fault_latency_ns.p99);
  assert.equal(m.ewb, m.reclaimed_pages + m.secs_evictions + m.ewb_not_tracked + m.ewb_failed);
});

test("two NUMA nodes, forked children and several reclaim threads run clean", () => {
  const { result } = runScenarioWith(
    `
name: numa
machine: {cpus: 4, numa_nodes: 2, epc: 600}
reclaimer: {threads: 2}
run: {duration: 3ms}
processes:
  - name: app
    forks: 2
    enclaves: [{name: e, pages: 800, tcs: 2}]
    threads:
      - {enclave: e, count: 3, pattern: {kind: pointer_chase}, compute_ns: 150}
`,
    undefined,
    false,
  );
  const m = result.metrics;
  assert.ok(m.reclaimed_pages > 50);
  assert.equal(m.data_errors, 0);
  assert.equal(m.warnings, 0);
});
