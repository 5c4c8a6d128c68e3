import assert from "node:assert/strict";
import { test } from "node:test";
import { OP_KINDS, type Op, type OpKind } from "../../src/rt/ops.ts";
import { isEnabled, isExclusiveAcquire, releaseLoc } from "../../src/rt/thread.ts";
import { CLIENT, type CostProfile } from "../../src/sim/costs.ts";
import { MetricsCollector } from "../../src/sim/metrics.ts";
import {
  OC_COST,
  OC_DRIVER,
  OC_EXCL,
  OC_METRICS,
  OC_RELEASES,
  OC_SPECIAL,
  OC_STRETCH,
  OC_USER,
  OC_WAITS,
  opClass,
} from "../../src/sim/op_class.ts";
import { Simulator } from "../../src/sim/simulator.ts";
import { machine } from "../helpers/model.ts";

/** Ops that run in user or enclave mode (OC_USER). */
const USER_MODE = new Set<OpKind>(["enclave_run", "eenter", "eresume", "eexit", "aex"]);
/** Scheduling points (OC_STRETCH): these, and every op in user or enclave mode. */
const SCHEDULING_POINTS = new Set<OpKind>(["cond_resched", "preempt_point", "page_fault", "syscall"]);

/** An op of `kind` with every field any kind has: a held lock, a sleeping task, a busy SRCU. */
function anyOp(kind: OpKind): Op {
  return {
    kind,
    lock: { id: 1, cls: "L", owner: 5, readers: 1 },
    loc: { id: 2, cls: "A" },
    wq: { id: 3, cls: "W" },
    srcu: { id: 4, cls: "S", oldestReader: () => 0 },
    gp: 0,
    task: { pid: 9, comm: "t", state: 1 },
    n: 2,
    what: "xa_walk",
    leaf: "EWB",
    page: 1,
    ret: 0,
    targets: 2,
    aex: [0],
    touches: 2,
    budget: 2,
    faulted: false,
    dataErrors: 0,
    why: "tick",
    detail: 1,
    ns: 1,
    sub: -1,
    write: true,
    woken: [],
  } as unknown as Op;
}

const ALL_ONE = (() => {
  const p: Record<string, unknown> = { ...CLIENT, encls: { ...CLIENT.encls } };
  for (const k of Object.keys(p)) if (typeof p[k] === "number") p[k] = 1;
  for (const k of Object.keys(p.encls as object)) (p.encls as Record<string, number>)[k] = 1;
  return p as unknown as CostProfile;
})();

test("every op kind's class bits cover what the simulator's per-op questions answer for it", () => {
  const s = new Simulator(machine(8), {
    profile: ALL_ONE,
    seed: 1,
    endNs: 1,
    trace: null,
    sampleNs: 1,
    maxOps: 1,
    measureFrom: "start",
    processes: 0,
    warmupNs: 0,
  });
  const cost = (s as unknown as { cost(op: Op, st: { touchNs: number }, P: CostProfile): number }).cost.bind(
    s,
  );
  for (const kind of Object.keys(OP_KINDS) as OpKind[]) {
    const op = anyOp(kind);
    const oc = opClass(kind);
    const has = (bit: number) => (oc & bit) !== 0;
    if (!isEnabled(op)) assert.ok(has(OC_WAITS), `${kind}: can be disabled`);
    assert.equal(has(OC_EXCL), isExclusiveAcquire(op), `${kind}: exclusive acquisition`);
    if (releaseLoc(op) >= 0) assert.ok(has(OC_RELEASES), `${kind}: releases`);
    const user = USER_MODE.has(kind);
    assert.equal(has(OC_STRETCH), user || SCHEDULING_POINTS.has(kind), `${kind}: scheduling point`);
    assert.equal(has(OC_USER), user, `${kind}: user mode`);
    if (cost(op, { touchNs: 1 }, ALL_ONE) !== 0) assert.ok(has(OC_COST), `${kind}: costs time`);
    const driver = ["choose", "preempt_point", "msleep", "cond_resched", "spawn"].includes(kind);
    if (driver) assert.ok(has(OC_DRIVER), `${kind}: the driver acts first`);
    if (["encls", "mark", "ipi"].includes(kind)) assert.ok(has(OC_SPECIAL), `${kind}: looked at by kind`);
    if (!has(OC_METRICS)) {
      // The simulator only counts such an op: MetricsCollector.executed must do nothing more.
      const a = new MetricsCollector();
      const b = new MetricsCollector();
      a.executed(op, 100, { faultStart: 5 }, 50, true);
      b.m.model_ops++;
      assert.deepEqual(a.finish(1, 0), b.finish(1, 0), `${kind}: counted only`);
    }
  }
  assert.equal(opClass("no such kind" as OpKind), 0x1ff, "an unknown kind skips nothing");
});
