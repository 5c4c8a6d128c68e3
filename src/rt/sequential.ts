/**
 * Run one model thread to completion with no other thread interleaved: for setting up states
 * (building an enclave before the checker interleaves actors) and for tests of single paths.
 * A disabled op cannot become enabled with nobody else running, so it is an error here.
 */
import type { ModelGen, TaskLike, ThreadSpec } from "./ops.ts";
import { describeOp, isEnabled, stepThread, Thread } from "./thread.ts";

export interface SequentialContext {
  /** Make `task` current on `cpu` (Machine.context_switch). */
  context_switch(cpu: number, task: never, prev: null): void;
}

export interface SequentialOptions {
  cpu?: number;
  /** Called for every thread the body spawns (default: the spawn is an error). */
  onSpawn?: (spec: ThreadSpec) => void;
  /** Answer to choose() ops (default 0). */
  choose?: (n: number, why: string) => number;
  maxSteps?: number;
}

export class SequentialBlocked extends Error {}

export function runSequential<R>(
  m: SequentialContext,
  task: TaskLike,
  body: () => ModelGen<R>,
  opt: SequentialOptions = {},
): R {
  let result: R | undefined;
  const t = new Thread(0, {
    task,
    body: function* () {
      result = yield* body();
    },
    kind: "kthread",
    cpu: opt.cpu ?? 0,
  });
  const max = opt.maxSteps ?? 50_000_000;
  for (let steps = 0; !t.done; steps++) {
    if (steps > max) throw new SequentialBlocked(`${task.comm}: more than ${max} steps`);
    (m.context_switch as (c: number, t: TaskLike, p: null) => void)(opt.cpu ?? 0, task, null);
    const op = t.op;
    let value = 0;
    if (op) {
      if (!isEnabled(op))
        throw new SequentialBlocked(`${task.comm} blocks on ${describeOp(op)} with no other thread to run`);
      if (op.kind === "choose") value = opt.choose ? opt.choose(op.n, op.why) : 0;
      if (op.kind === "spawn") {
        if (!opt.onSpawn)
          throw new SequentialBlocked(`${task.comm} spawned ${op.thread.task.comm} in a sequential run`);
        opt.onSpawn(op.thread);
      }
    }
    stepThread(t, value);
  }
  if (t.error) throw t.error;
  return result as R;
}
