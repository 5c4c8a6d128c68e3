/**
 * Workqueues (kernel/workqueue.c) as the EPC cgroup uses them: an unbound queue whose work items
 * run in kernel worker threads. A work item is queued at most once (PENDING), never runs on two
 * workers at once, and runs once more if it was queued again while it ran.
 *
 * Model: a worker thread (kworker) is created when an idle work item is queued and exits when the
 * item is no longer pending; the kernel keeps a pool of workers instead. Which thread runs an item
 * does not matter to the SGX paths: they see the same non-reentrant, at-most-once-pending item.
 */
import type { AtomicOp, Located, ModelGen, SpawnOp } from "../../../rt/ops.ts";
import { withSite } from "../../../rt/site.ts";
import type { Machine } from "../../machine.ts";
import { PF_KTHREAD, wait_event, wait_queue_head_t, wake_up } from "./sched.ts";

/** struct workqueue_struct. */
export class workqueue_struct {
  constructor(
    readonly id: number,
    readonly name: string,
  ) {}
}

/** struct work_struct: a function and its data (the kernel embeds the item in its owner). */
export class work_struct implements Located {
  /** WORK_STRUCT_PENDING: queued and not yet started. */
  pending = false;
  /** A worker is executing the function now. */
  running = false;
  /** The atomic op on the item's data word (test_and_set of PENDING, the worker's updates). */
  readonly op: AtomicOp;
  /** Where cancel_work_sync() waits for a running instance (the kernel's flush barrier). */
  readonly done: wait_queue_head_t;
  constructor(
    readonly id: number,
    readonly cls: string,
    readonly func: (m: Machine, work: work_struct) => ModelGen,
    /** The structure the item is embedded in (container_of). */
    readonly owner: unknown,
    doneId: number,
  ) {
    this.op = { kind: "atomic", loc: this, what: `${cls} PENDING`, write: true };
    this.done = new wait_queue_head_t(doneId, `${cls} flush`);
  }
}

/**
 * cancel_work_sync - take `work` off its queue if it is pending and wait until no worker runs it.
 * Returns whether it was pending. Context: may sleep; the item may not re-queue itself.
 */
export function* cancel_work_sync(m: Machine, work: work_struct): ModelGen<boolean> {
  if (m.interleaveAll) yield withSite(work.op);
  const was = work.pending;
  work.pending = false;
  yield* wait_event(m, work.done, function* () {
    return !work.running;
  });
  return was;
}

/**
 * queue_work - queue `work` on `wq` unless it is already pending. Returns false when it was.
 * Context: any (does not sleep).
 */
export function* queue_work(m: Machine, wq: workqueue_struct, work: work_struct): ModelGen<boolean> {
  if (m.interleaveAll) yield withSite(work.op);
  if (work.pending) return false;
  work.pending = true;
  // The worker running it now sees PENDING again when the function returns and runs it again.
  if (work.running) return true;
  work.running = true;
  const task = m.newTask(`kworker/${wq.name}`, PF_KTHREAD, null);
  yield withSite<SpawnOp>({
    kind: "spawn",
    thread: { task, body: () => process_one_work(m, work), kind: "kthread", cpu: -1 },
  });
  return true;
}

/** The worker: clear PENDING, run the function; again while it was re-queued meanwhile. */
function* process_one_work(m: Machine, work: work_struct): ModelGen {
  for (;;) {
    if (m.interleaveAll) yield withSite(work.op);
    work.pending = false;
    yield* work.func(m, work);
    if (m.interleaveAll) yield withSite(work.op);
    if (!work.pending) {
      work.running = false;
      // A cancel_work_sync() waiting for this instance (the kernel's flush barrier completes).
      if (work.done.waiters.length) yield* wake_up(m, work.done);
      return;
    }
  }
}
