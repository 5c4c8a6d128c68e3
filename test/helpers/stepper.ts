/** Drive a few model threads by hand, one op at a time, to build a precise interleaving. */
import type { Machine } from "../../src/model/machine.ts";
import type { ModelGen, Op } from "../../src/rt/ops.ts";
import { describeOp, isEnabled, stepThread, Thread } from "../../src/rt/thread.ts";

export class Stepper {
  private readonly threads: Thread[] = [];
  constructor(private readonly m: Machine) {}

  add(comm: string, body: () => ModelGen<unknown>, mm: Machine["mms"][number] | null = null): Thread {
    const task = this.m.newTask(comm, mm ? 0 : 0x00200000, mm);
    const t = new Thread(this.threads.length, { task, body, kind: "kthread", cpu: this.threads.length });
    this.threads.push(t);
    return t;
  }

  /** Execute the thread's pending op (or start it). */
  step(t: Thread): void {
    this.m.context_switch(t.spec.cpu, t.spec.task as never, null);
    if (t.op && !isEnabled(t.op)) throw new Error(`${t.name} is blocked on ${describeOp(t.op)}`);
    stepThread(t, 0);
    if (t.error) throw t.error;
  }

  /** Step `t` until its pending op satisfies `pred` (the op is not executed). */
  until(t: Thread, pred: (op: Op) => boolean, max = 100000): void {
    if (!t.started) this.step(t);
    for (let i = 0; i < max; i++) {
      if (t.done) throw new Error(`${t.name} finished before the expected op`);
      if (pred(t.op!)) return;
      this.step(t);
    }
    throw new Error(`${t.name}: expected op not reached`);
  }

  /** Run `t` to its end. */
  finish(t: Thread): void {
    while (!t.done) this.step(t);
  }
}
