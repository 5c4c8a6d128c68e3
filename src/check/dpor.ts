/**
 * Dynamic partial-order reduction (Flanagan and Godefroid, POPL 2005) with sleep sets: a stateless
 * depth-first search that explores one interleaving per class of equivalent ones (same dependent
 * steps in the same order) instead of every interleaving, with no preemption bound.
 *
 * After each execution, every race in its trace is found with vector clocks: a step i of thread q
 * and a later step j of thread p that are dependent (the `independent` relation of the sleep sets:
 * same location with a write, a lock either holds, or an op of unknown reach) while p did not yet
 * know about i. For each race, p is added to the backtrack set of the state before i (every enabled
 * thread there when p was not enabled), so some later execution runs p's step first. Races with the
 * ops that unfinished threads are blocked on count too. The search is exhausted when no state on
 * the stack has a backtrack choice left that is neither explored nor asleep.
 *
 * A `choose` op is a step of its thread that touches nothing shared; each of its values is explored
 * as a branch of that step (the races found under every value add backtrack points above it). Like
 * `dfs`, it relies on the model's rule that shared data is accessed under its lock or through an op
 * of its own (docs/checker.md). A busy retry (spin_wait)
 * and the start of a thread touch an unknown location, so they are dependent with everything.
 */

import type { Op } from "../rt/ops.ts";
import { type CheckModel, execute, type Outcome, type Picker } from "./engine.ts";
import type { Execution } from "./execution.ts";
import {
  answerChoice,
  type Explorer,
  independent,
  nextValue,
  StopHere,
  type StrategyOptions,
  type Trial,
} from "./strategies.ts";

interface DporNode {
  /** Threads enabled in the state before this step. */
  enabled: number[];
  /** Threads that must be tried from this state. */
  backtrack: Set<number>;
  /** Threads already tried from this state. */
  done: Set<number>;
  /** Threads asleep here: trying them again would repeat an equivalent interleaving. */
  sleep: Set<number>;
  choice: number;
  /** The answer to the chosen thread's `choose` op at this step, and that op's domain (0: no choose). */
  value: number;
  domain: number;
}

/** What a step did, for finding races: its thread, its op and the locks its thread held. */
interface StepInfo {
  tid: number;
  op: Op | null;
  held: Set<number>;
}

export class DporExplorer implements Explorer {
  readonly name = "dpor(sleep sets)";
  private readonly stack: DporNode[] = [];
  private runs = 0;
  private exhausted = false;
  private cut = false;
  /** Races found, over all executions (for reports and tests). */
  races = 0;
  constructor(
    private readonly model: CheckModel,
    private readonly opt: StrategyOptions,
  ) {}
  states(): number {
    return 0;
  }
  choicesCut(): boolean {
    return this.cut;
  }

  next(): Trial | null {
    if (this.exhausted) return null;
    const stack = this.stack;
    const steps: StepInfo[] = [];
    let last: Execution | null = null;
    let cur: DporNode | null = null;
    const picker: Picker = {
      pick: (ex, enabled, step) => {
        last = ex;
        // The locks the previous step's thread holds now belong to that step too (its code after
        // the op ran under them).
        const prev = steps[step - 1];
        if (prev) for (const l of ex.held[prev.tid]!) prev.held.add(l);
        const node = step < stack.length ? stack[step]! : this.extend(ex, enabled, stack[step - 1]);
        if (!node) throw new StopHere();
        if (step === stack.length) stack.push(node);
        const t = node.choice;
        steps.push({ tid: t, op: ex.pending(t), held: new Set(ex.held[t]) });
        cur = node;
        return t;
      },
      choose: (n) =>
        answerChoice(cur!, n, () => {
          this.cut = true;
        }),
    };
    let out: Outcome;
    try {
      const r = execute(this.model, picker, this.opt);
      out = r.out;
      last = r.ex;
    } catch (e) {
      if (!(e instanceof StopHere)) throw e;
      const schedule = steps.map((s) => s.tid);
      out = { failure: null, schedule, choices: [], truncated: false, preemptions: 0 };
    }
    const trial = { out, seed: this.opt.seed, index: this.runs++ };
    if (last) this.addBacktracks(last, steps);
    this.exhausted = !this.backtrack(out.schedule.length);
    return trial;
  }

  /** A new node: its sleep set from the parent's, and a first choice that is awake (null if none is). */
  private extend(ex: Execution, enabled: number[], parent: DporNode | undefined): DporNode | null {
    const sleep = new Set<number>();
    const taken = ex.lastStep;
    if (parent && taken?.op) {
      for (const t of [...parent.sleep, ...parent.done]) {
        if (t === parent.choice || !enabled.includes(t)) continue;
        if (independent(ex.pending(t), ex.held[t]!, taken.op, ex.held[taken.tid]!)) sleep.add(t);
      }
    }
    const choice = enabled.find((t) => !sleep.has(t));
    if (choice === undefined) return null;
    return { enabled, backtrack: new Set([choice]), done: new Set(), sleep, choice, value: 0, domain: 0 };
  }

  /** Find the races of the trace with vector clocks and add their backtrack points. */
  private addBacktracks(ex: Execution, steps: StepInfo[]): void {
    const n = ex.threads.length;
    const last = steps.at(-1);
    if (last) for (const l of ex.held[last.tid]!) last.held.add(l);
    // clock[p][q]: the last step of q that p knows about (-1: none). byThread[q]: q's steps.
    const clock = Array.from({ length: n }, () => new Array<number>(n).fill(-1));
    const stepClock: number[][] = [];
    const byThread = Array.from({ length: n }, (): number[] => []);
    // Flanagan-Godefroid's E: from the state before i, run p itself if it can run there, else a
    // thread with a later step that p knows about (it leads to p), else every enabled thread.
    const race = (i: number, p: number): void => {
      this.races++;
      const node = this.stack[i];
      if (!node) return;
      if (node.enabled.includes(p)) {
        node.backtrack.add(p);
        return;
      }
      const leads = node.enabled.find((q) => byThread[q]?.some((k) => k > i && k <= clock[p]![q]!));
      if (leads !== undefined) node.backtrack.add(leads);
      else for (const t of node.enabled) node.backtrack.add(t);
    };
    /** Steps of other threads that p does not know about yet and that `op` depends on. */
    const unknownDependent = (p: number, op: Op | null, held: Set<number>, before: number): number[] => {
      const out: number[] = [];
      for (let q = 0; q < n; q++) {
        if (q === p) continue;
        // Newest first: q's steps up to clock[p][q] are known to p, and so are all before them.
        const qs = byThread[q]!;
        for (let k = qs.length - 1; k >= 0; k--) {
          const i = qs[k]!;
          if (i <= clock[p]![q]!) break;
          if (i < before && !independent(steps[i]!.op, steps[i]!.held, op, held)) out.push(i);
        }
      }
      return out;
    };
    steps.forEach((s, j) => {
      const p = s.tid;
      for (const i of unknownDependent(p, s.op, s.held, j)) {
        race(i, p);
        const c = stepClock[i]!;
        for (let q = 0; q < n; q++) if (c[q]! > clock[p]![q]!) clock[p]![q] = c[q]!;
      }
      clock[p]![p] = j;
      stepClock[j] = [...clock[p]!];
      byThread[p]!.push(j);
    });
    // Threads left blocked or unfinished: their pending op races with what they did not see.
    for (const t of ex.threads) {
      if (t.done || !t.op) continue;
      for (const i of unknownDependent(t.id, t.op, ex.held[t.id]!, steps.length)) race(i, t.id);
    }
  }

  /** Move to the deepest node with a backtrack choice left; false when there is none. */
  private backtrack(length: number): boolean {
    const stack = this.stack;
    stack.length = Math.min(stack.length, length);
    for (;;) {
      const node = stack.at(-1);
      if (!node) return false;
      if (nextValue(node)) return true;
      node.done.add(node.choice);
      const next = [...node.backtrack].find((t) => !node.done.has(t) && !node.sleep.has(t));
      if (next !== undefined) {
        node.choice = next;
        node.value = 0;
        node.domain = 0;
        return true;
      }
      stack.pop();
    }
  }
}
