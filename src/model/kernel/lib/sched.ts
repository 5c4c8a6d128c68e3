/**
 * struct task_struct and the scheduler entry points model code uses: cond_resched(),
 * signal_pending(), wait queues (prepare_to_wait/schedule/finish_wait, wake_up) and kthreads.
 */
import {
  type AtomicOp,
  type Located,
  type ModelGen,
  type MsleepOp,
  type ReschedOp,
  type SleepOp,
  TASK_INTERRUPTIBLE,
  TASK_RUNNING,
  type TaskLike,
  type WakeOp,
} from "../../../rt/ops.ts";
import { withSite } from "../../../rt/site.ts";
import type { Machine } from "../../machine.ts";
import type { mm_struct } from "./mm.ts";

export const PF_KTHREAD = 0x00200000;

/** struct task_struct: the parts the SGX paths touch. */
export class task_struct implements TaskLike {
  state = TASK_RUNNING;
  /** The CPU this task last ran on (set by context_switch). */
  cpu = -1;
  /** A signal is pending (signal_pending()). */
  sigpending = false;
  /** kthread_should_stop(). */
  should_stop = false;
  /** Cgroup membership is attached by the cgroup model (misc controller); null = root. */
  misc_cg: unknown = null;
  /** set_active_memcg() in task context: the memcg this task's shmem allocations are charged to; null = its mm's. */
  active_memcg: unknown = null;
  constructor(
    readonly pid: number,
    readonly comm: string,
    readonly flags: number,
    public mm: mm_struct | null,
  ) {}
}

const RESCHED: ReschedOp = { kind: "cond_resched" };

/** cond_resched: let the scheduler run someone else if needed. */
export function* cond_resched(_m: Machine): ModelGen {
  yield withSite(RESCHED);
}

/** msleep: sleep for `ns` nanoseconds (msleep/usleep_range/nanosleep). */
export function* msleep(_m: Machine, ns: number): ModelGen {
  yield withSite<MsleepOp>({ kind: "msleep", ns });
}

/** signal_pending: has current a pending signal? */
export function signal_pending(m: Machine): boolean {
  return m.current.sigpending;
}

/** wait_queue_head_t. */
export class wait_queue_head_t implements Located {
  readonly waiters: task_struct[] = [];
  readonly op: AtomicOp;
  constructor(
    readonly id: number,
    readonly cls: string,
  ) {
    this.op = { kind: "atomic", loc: this, what: `${cls} wq lock`, write: true };
  }
}

/**
 * wait_event_freezable: sleep until `cond` holds, re-checking it after every wake-up.
 * prepare_to_wait() enqueues current and sets TASK_INTERRUPTIBLE before the condition is read, so a
 * wake_up() between the check and schedule() is not lost: schedule() then returns at once.
 */
export function* wait_event(m: Machine, wq: wait_queue_head_t, cond: () => ModelGen<boolean>): ModelGen {
  const me = m.current as task_struct;
  for (;;) {
    // prepare_to_wait: under the wait queue lock
    if (m.interleaveAll) yield withSite(wq.op);
    if (!wq.waiters.includes(me)) wq.waiters.push(me);
    me.state = TASK_INTERRUPTIBLE;
    if (yield* cond()) break;
    const sleep: SleepOp = { kind: "sleep", task: me, wq };
    yield withSite(sleep);
  }
  // finish_wait
  if (m.interleaveAll) yield withSite(wq.op);
  me.state = TASK_RUNNING;
  const i = wq.waiters.indexOf(me);
  if (i >= 0) wq.waiters.splice(i, 1);
}

/** wake_up: wake every (non-exclusive) waiter of the queue. */
export function* wake_up(_m: Machine, wq: wait_queue_head_t): ModelGen {
  const op: WakeOp = withSite({ kind: "wake_up", wq, woken: [] });
  yield op;
  // autoremove_wake_function: a waiter that was woken leaves the queue (it re-enqueues on its next
  // prepare_to_wait); one that was already running stays.
  let keep = 0;
  for (const t of wq.waiters) {
    if (t.state !== TASK_RUNNING) {
      t.state = TASK_RUNNING;
      op.woken.push(t.pid);
    } else {
      wq.waiters[keep++] = t;
    }
  }
  wq.waiters.length = keep;
}

/** kthread_should_stop. */
export function kthread_should_stop(m: Machine): boolean {
  return (m.current as task_struct).should_stop;
}
