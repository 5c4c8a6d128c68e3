/**
 * The exploration engine: run one execution with a scheduling policy (a Picker), recording the
 * schedule. Strategies are Pickers plus the logic of which execution to try next.
 */
import type { ModelGen } from "../rt/ops.ts";
import type { CheckSection, Scenario } from "../scenario/schema.ts";
import { Execution, type Failure } from "./execution.ts";
import type { LockEdge } from "./lockdep.ts";
import { watchdogFailure } from "./watchdog.ts";
import { buildWorld, checkSection, type World, WorldBase } from "./world.ts";

/** A thread of a hand-written check (tests of the checker itself): any model body. */
export interface CustomActor {
  name: string;
  body: (w: World) => ModelGen<unknown>;
  daemon?: boolean;
}

/** A check scenario ready to run: the set-up world every execution copies. */
export interface CheckModel {
  sc: Scenario;
  chk: CheckSection;
  /** The set-up world; executions reset it in place (one execution at a time). */
  base: WorldBase;
  /** Hand-written actors instead of the scenario's (the checker's own tests). */
  custom?: CustomActor[];
  /** An extra property checked at the end of every execution: a violation message or null. */
  property?: (w: World) => string | null;
  /**
   * Lock dependencies of earlier executions that every execution starts with: set when a run's
   * LockGraph found a cycle across executions, so that minimizing and replaying the execution that
   * closed it report the same cycle (and carried in its replay token).
   */
  lockdepSeed?: LockEdge[];
}

export function prepare(sc: Scenario): CheckModel {
  return { sc, chk: checkSection(sc), base: new WorldBase(buildWorld(sc)) };
}

/** Chooses the next thread among the enabled ones (ascending ids), and answers choose ops. */
export interface Picker {
  pick(ex: Execution, enabled: number[], step: number): number;
  choose?(n: number, why: string): number;
}

export interface Outcome {
  failure: Failure | null;
  /** Thread run at each visible step. */
  schedule: number[];
  /** Answers given to choose ops, in order. */
  choices: number[];
  /** The execution hit the step bound. */
  truncated: boolean;
  /** Preemptions: switches away from a thread that could have continued. */
  preemptions: number;
  /** Lock-class dependencies the execution took (lockdep.ts). */
  lockEdges?: readonly LockEdge[];
}

export interface ExecOptions {
  maxSteps: number;
  /** Check the whole-state invariants after every step (else only at the end). */
  everyStep: boolean;
  /** Actors left out. */
  disabled?: ReadonlySet<number>;
}

/** Run one execution to its end, a failure, or the step bound. */
export function execute(
  model: CheckModel,
  picker: Picker,
  opt: ExecOptions,
): { ex: Execution; out: Outcome } {
  const ex = new Execution(model.base.fresh(), model.chk, opt.disabled, model.custom, model.lockdepSeed);
  const out: Outcome = { failure: null, schedule: [], choices: [], truncated: false, preemptions: 0 };
  let prev = -1;
  for (let step = 0; ; step++) {
    if (ex.failure) break;
    const enabled = ex.enabled();
    if (enabled.length === 0) {
      const spinning = ex.spinning();
      if (spinning.length) {
        const t = spinning[0]!;
        const op = ex.pending(t)!;
        const why = op.kind === "spin_wait" ? (op as { why: string }).why : "";
        ex.fail(
          "livelock",
          `${ex.actors[t]!.name} keeps retrying (${why}) and nothing else can run: ${ex.describeBlocked()}`,
          t,
          `${ex.actors[t]!.name}: ${why}`,
        );
      } else if (ex.finished()) {
        ex.checkState(true);
        const bad = model.property?.(ex.w);
        if (bad) ex.fail("property", bad, -1);
      } else ex.fail("deadlock", `every thread is blocked: ${ex.describeBlocked()}`, -1);
      break;
    }
    if (step >= opt.maxSteps) {
      // The kernel's watchdogs would fire: a finding, not a silent cut (watchdog.ts).
      out.truncated = true;
      const w = watchdogFailure(ex, enabled);
      ex.fail(w.property, w.detail, w.tid);
      break;
    }
    const tid = picker.pick(ex, enabled, step);
    if (prev >= 0 && tid !== prev && enabled.includes(prev)) out.preemptions++;
    prev = tid;
    const op = ex.pending(tid);
    let value = 0;
    if (op?.kind === "choose") {
      value = picker.choose ? picker.choose(op.n, op.why) : 0;
      out.choices.push(value);
    }
    ex.step(tid, value);
    out.schedule.push(tid);
    if (opt.everyStep) ex.checkState(false);
  }
  out.failure = ex.failure;
  out.lockEdges = ex.lockEdges();
  return { ex, out };
}

/**
 * Replay a recorded schedule. In lenient mode a listed thread that cannot run is skipped, and once
 * the list is used up the execution continues without preemption (the current thread while it can
 * run, else the lowest enabled); the minimizer relies on this to try shortened schedules.
 */
export class ReplayPicker implements Picker {
  private i = 0;
  private c = 0;
  private last = -1;
  constructor(
    private readonly schedule: readonly number[],
    private readonly choices: readonly number[] = [],
    private readonly lenient = false,
  ) {}
  pick(_ex: Execution, enabled: number[]): number {
    while (this.i < this.schedule.length) {
      const t = this.schedule[this.i++]!;
      if (enabled.includes(t)) return (this.last = t);
      if (!this.lenient)
        throw new ReplayDiverged(
          `step ${this.i - 1}: thread ${t} cannot run (enabled: ${enabled.join(",")})`,
        );
    }
    if (!this.lenient)
      throw new ReplayDiverged(
        `the schedule ended after ${this.schedule.length} steps but the execution goes on`,
      );
    this.last = enabled.includes(this.last) ? this.last : enabled[0]!;
    return this.last;
  }
  choose(n: number): number {
    const v = this.choices[this.c++] ?? 0;
    return v < n ? v : 0;
  }
}

/** A replay that does not follow its schedule: the model or the scenario changed. */
export class ReplayDiverged extends Error {}
