import assert from "node:assert/strict";
import { test } from "node:test";
import { kref, kref_get_unless_zero, kref_put } from "../../../../src/model/kernel/lib/atomic.ts";
import {
  list_add,
  list_add_tail,
  list_del,
  list_del_init,
  list_empty,
  list_empty_entry,
  listPages,
} from "../../../../src/model/kernel/lib/list.ts";
import { wait_event, wait_queue_head_t, wake_up } from "../../../../src/model/kernel/lib/sched.ts";
import {
  srcu_read_lock,
  srcu_read_unlock,
  srcu_struct,
  synchronize_srcu,
} from "../../../../src/model/kernel/lib/srcu.ts";
import { XA_EMPTY, xa_erase, xa_insert, xarray } from "../../../../src/model/kernel/lib/xarray.ts";
import { EpcPages } from "../../../../src/model/kernel/sgx/sgx.ts";
import { KernelBug } from "../../../../src/model/machine.ts";
import { isEnabled } from "../../../../src/rt/thread.ts";
import { kseq, machine } from "../../../helpers/model.ts";
import { Stepper } from "../../../helpers/stepper.ts";

test("list_add_tail, list_add and list_del_init keep the list order and make empty entries", () => {
  const m = machine(8);
  const P = new EpcPages(8);
  const h = P.newHead(1, "h");
  assert.equal(list_empty(P, h), true);
  list_add_tail(P, 3, h);
  list_add_tail(P, 5, h);
  list_add(P, 1, h);
  assert.deepEqual(listPages(P, h), [1, 3, 5]);
  list_del_init(m, P, 3);
  assert.deepEqual(listPages(P, h), [1, 5]);
  assert.equal(list_empty_entry(P, 3), true, "a list_del_init()ed entry is an empty list");
  list_del(m, P, 5);
  assert.equal(list_empty_entry(P, 5), false, "a list_del()ed entry is poisoned, not empty");
  assert.throws(() => list_del(m, P, 5), KernelBug, "deleting twice is a kernel bug");
});

test("the EPC starts with every page free, allocated in physical order, node by node", () => {
  const m = machine(10, { nodes: 2, cpus: 2 });
  assert.equal(m.sgx.sgx_nr_free_pages.v, 10);
  // Allocate on CPU 1, a CPU of node 1.
  const pages = kseq(
    m,
    function* () {
      const out: number[] = [];
      for (let i = 0; i < 7; i++) out.push(yield* m.fn.__sgx_alloc_epc_page(m));
      return out;
    },
    "alloc",
    1,
  );
  assert.deepEqual(pages.slice(0, 5), [5, 6, 7, 8, 9], "the local node first");
  assert.deepEqual(pages.slice(5), [0, 1], "then the next node with EPC");
});

test("a freed page goes to the tail of its node's free list, after the untouched ones", () => {
  const m = machine(4);
  const got = kseq(m, function* () {
    const a = yield* m.fn.__sgx_alloc_epc_page(m);
    yield* m.fn.sgx_free_epc_page(m, a);
    const out: number[] = [];
    for (let i = 0; i < 4; i++) out.push(yield* m.fn.__sgx_alloc_epc_page(m));
    out.push(yield* m.fn.__sgx_alloc_epc_page(m));
    return out;
  });
  assert.deepEqual(got, [1, 2, 3, 0, -12]);
});

test("xa_insert refuses an occupied index with -EBUSY", () => {
  const m = machine(4);
  const xa = new xarray(1, "xa", 2);
  kseq(m, function* () {
    assert.equal(yield* xa_insert(m, xa, 5000, 7), 0);
    assert.equal(yield* xa_insert(m, xa, 5000, 8), -16);
    assert.equal(xa.get(5000), 7);
    assert.equal(yield* xa_erase(m, xa, 5000), 7);
    assert.equal(xa.get(5000), XA_EMPTY);
  });
});

test("the last kref_put runs the release, kref_get_unless_zero fails after it", () => {
  const m = machine(4);
  const k = new kref(1, "k");
  let released = 0;
  kseq(m, function* () {
    assert.equal(yield* kref_get_unless_zero(m, k), true);
    yield* kref_put(m, k, function* () {
      released++;
    });
    assert.equal(released, 0);
    yield* kref_put(m, k, function* () {
      released++;
    });
    assert.equal(released, 1);
    assert.equal(yield* kref_get_unless_zero(m, k), false);
  });
});

test("synchronize_srcu waits for readers that started before it, not for later ones", () => {
  const m = machine(4);
  const s = new srcu_struct(1, "srcu");
  const st = new Stepper(m);
  let idx = -1;
  const reader = st.add("reader", function* () {
    idx = yield* srcu_read_lock(m, s);
    yield* m.mark("in", 0);
    yield* srcu_read_unlock(m, s, idx);
  });
  st.until(reader, (op) => op.kind === "mark");
  const sync = st.add("sync", () => synchronize_srcu(m, s));
  st.until(sync, (op) => op.kind === "srcu_sync");
  assert.equal(isEnabled(sync.op!), false, "an older reader is still inside");
  const late = st.add("late", () => srcu_read_lock(m, s));
  st.finish(late);
  assert.equal(isEnabled(sync.op!), false);
  st.finish(reader);
  assert.equal(isEnabled(sync.op!), true, "a reader that started after the sync does not count");
});

test("a wake_up between the condition check and schedule() is not lost", () => {
  const m = machine(4);
  const wq = new wait_queue_head_t(1, "wq");
  let flag = false;
  const st = new Stepper(m);
  const sleeper = st.add("sleeper", () =>
    wait_event(m, wq, function* () {
      return flag;
    }),
  );
  st.until(sleeper, (op) => op.kind === "sleep");
  // The condition was false and the task is about to schedule(); now the waker sets it.
  flag = true;
  const waker = st.add("waker", () => wake_up(m, wq));
  st.finish(waker);
  assert.equal(isEnabled(sleeper.op!), true, "prepare_to_wait() queued the task before the check");
  st.finish(sleeper);
});
