/**
 * Exploration strategies: random walk, PCT, preemption-bounded DFS with sleep sets, stateful DFS
 * and BFS with state hashing (DPOR is in dpor.ts). Each runs executions until it finds a failure,
 * runs out of executions to try, or its budget ends. All randomness comes from seeded streams
 * derived from (seed, execution index), so a run is reproducible and an execution can be rerun alone.
 */
import { hashDeep } from "../model/snapshot.ts";
import type { Op } from "../rt/ops.ts";
import { SimRng } from "../sim/rng.ts";
import {
  type CheckModel,
  type ExecOptions,
  execute,
  type Outcome,
  type Picker,
  ReplayPicker,
} from "./engine.ts";
import type { Execution } from "./execution.ts";
import { type SymmetryStats, symmetricHash } from "./symmetry.ts";

export type StrategyName = "random" | "pct" | "dfs" | "dpor" | "sdfs" | "bfs";

/** One execution an explorer ran. */
export interface Trial {
  out: Outcome;
  /** Seed of the execution's randomness (random, PCT) or of the run (DFS, BFS). */
  seed: number;
  /** Index of the execution within its explorer. */
  index: number;
}

/**
 * A strategy as a resumable explorer: each call of next() runs one execution. It returns null once
 * the strategy has nothing left to explore (DFS and BFS within their bounds).
 */
export interface Explorer {
  readonly name: string;
  next(): Trial | null;
  /** Distinct states seen (BFS only). */
  states(): number;
  /**
   * Systematic explorers: a `choose` op had more values than MAX_CHOICE_DOMAIN and only the first
   * ones were explored, so running out of work is not exhaustion.
   */
  choicesCut?(): boolean;
}

/**
 * The systematic strategies branch on every value of a `choose` op (its domain is the op's `n`, as
 * declared where the choice is made) up to this many; a larger domain is explored in part and the
 * verdict says so.
 */
export const MAX_CHOICE_DOMAIN = 64;

export interface StrategyOptions extends ExecOptions {
  seed: number;
  preemptionBound: number;
  pctDepth: number;
  /** Stateful search hashes states up to renaming of EPC pages (default on; see symmetry.ts). */
  symmetry?: boolean;
}

/** Derive the seed of execution `i` from the run's seed (independent of how executions are split). */
export function executionSeed(seed: number, i: number): number {
  let x = (seed ^ Math.imul(i + 1, 0x9e3779b9)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) | 0;
}

/** Random walk: every step picks uniformly among the enabled threads. */
export class RandomPicker implements Picker {
  private readonly rng: SimRng;
  constructor(seed: number) {
    this.rng = new SimRng(seed);
  }
  pick(_ex: Execution, enabled: number[]): number {
    return enabled[this.rng.below(enabled.length)]!;
  }
  choose(n: number): number {
    return this.rng.below(n);
  }
}

/**
 * PCT (probabilistic concurrency testing, bug depth d): random distinct priorities per thread; the
 * highest-priority enabled thread runs; at d-1 random steps the running thread drops to a low
 * priority. Finds a bug of depth d with probability >= 1/(n k^(d-1)).
 */
export class PctPicker implements Picker {
  private readonly rng: SimRng;
  private readonly prio = new Map<number, number>();
  private readonly changeAt: number[];
  private next = 0;
  /** Priorities given to yielding threads: below the change points' (1..d-1) and every other. */
  private lowest = 0;
  constructor(seed: number, depth: number, estimatedSteps: number) {
    this.rng = new SimRng(seed);
    this.changeAt = [];
    for (let i = 0; i < depth - 1; i++) this.changeAt.push(1 + this.rng.below(Math.max(1, estimatedSteps)));
    this.changeAt.sort((a, b) => a - b);
  }
  private priority(t: number): number {
    let p = this.prio.get(t);
    if (p === undefined) {
      p = 1000 + this.rng.below(1_000_000);
      this.prio.set(t, p);
    }
    return p;
  }
  pick(ex: Execution, enabled: number[], step: number): number {
    // A thread about to busy-retry (spin_wait: a fault or ioctl that returns to user space and tries
    // again) yields: it drops below every other thread, as a fair scheduler would let the thread it
    // waits for run. Without this, PCT starves that thread and the retry loops to the step bound.
    if (enabled.length > 1)
      for (const t of enabled) if (ex.pending(t)?.kind === "spin_wait") this.prio.set(t, this.lowest--);
    let best = enabled[0]!;
    for (const t of enabled) if (this.priority(t) > this.priority(best)) best = t;
    while (this.next < this.changeAt.length && this.changeAt[this.next]! <= step) {
      this.prio.set(best, this.changeAt.length - this.next);
      this.next++;
      best = enabled[0]!;
      for (const t of enabled) if (this.priority(t) > this.priority(best)) best = t;
    }
    return best;
  }
  choose(n: number): number {
    return this.rng.below(n);
  }
}

/** Seeded executions from a picker factory: execution i uses executionSeed(seed, i). */
export class SamplingExplorer implements Explorer {
  private i: number;
  constructor(
    readonly name: string,
    private readonly model: CheckModel,
    private readonly opt: StrategyOptions,
    private readonly make: (seed: number, index: number) => Picker,
    /** First execution index (workers split the index space). */
    start = 0,
    private readonly stride = 1,
  ) {
    this.i = start;
  }
  next(): Trial {
    const index = this.i;
    this.i += this.stride;
    const seed = executionSeed(this.opt.seed, index);
    const { out } = execute(this.model, this.make(seed, index), this.opt);
    return { out, seed, index };
  }
  states(): number {
    return 0;
  }
}

export function randomExplorer(model: CheckModel, opt: StrategyOptions, start = 0, stride = 1): Explorer {
  return new SamplingExplorer("random", model, opt, (s) => new RandomPicker(s), start, stride);
}

/** PCT needs an estimate of the execution length: the length of one non-preemptive execution. */
function estimateSteps(model: CheckModel, opt: StrategyOptions): number {
  const { out } = execute(model, new ReplayPicker([], [], true), opt);
  return Math.max(4, out.schedule.length);
}

export function pctExplorer(model: CheckModel, opt: StrategyOptions, start = 0, stride = 1): Explorer {
  const k = estimateSteps(model, opt);
  return new SamplingExplorer(
    `pct(d=${opt.pctDepth})`,
    model,
    opt,
    (s) => new PctPicker(s, opt.pctDepth, k),
    start,
    stride,
  );
}

/**
 * The portfolio: execution i runs PCT with depth 3, a random walk, or PCT with depth 2, by i mod 3.
 * Only seeded samplers, so splitting the executions over workers cannot change what is found.
 */
export function portfolioExplorer(model: CheckModel, opt: StrategyOptions, start = 0, stride = 1): Explorer {
  const k = estimateSteps(model, opt);
  const members = [
    (s: number) => new PctPicker(s, 3, k),
    (s: number) => new RandomPicker(s),
    (s: number) => new PctPicker(s, 2, k),
  ];
  return new SamplingExplorer(
    "portfolio(pct d=3, random, pct d=2)",
    model,
    opt,
    (s, i) => members[i % 3]!(s),
    start,
    stride,
  );
}

// ---- dependence between steps (for sleep sets) --------------------------------------------------

const GLOBAL = -1;

/** Locations an op touches (lock, atomic, shared field, wait queue), or GLOBAL when unknown. */
function opLocation(op: Op | null): { loc: number; write: boolean } {
  if (!op) return { loc: GLOBAL, write: true };
  switch (op.kind) {
    case "spin_lock":
    case "spin_unlock":
    case "mutex_lock":
    case "mutex_unlock":
    case "down_write":
    case "up_write":
      return { loc: op.lock.id, write: true };
    case "down_read":
    case "up_read":
      // Readers do not exclude each other, but acquiring and releasing still order against writers.
      return { loc: op.lock.id, write: true };
    case "atomic":
      return { loc: op.loc.id, write: op.write };
    case "read":
    case "write":
      return { loc: op.loc.id, write: op.kind === "write" };
    case "sleep":
      return { loc: op.wq.id, write: true };
    case "wake_up":
      return { loc: op.wq.id, write: true };
    case "srcu_sync":
      return { loc: op.srcu.id, write: true };
    case "choose":
      return { loc: -2, write: false };
    default:
      return { loc: GLOBAL, write: true };
  }
}

/**
 * Are the next steps of threads a and b independent (executing them in either order gives the same
 * state)? A step is the op plus the code up to the thread's next yield, which may touch data guarded
 * by any lock the thread holds; so the footprint is the op's location plus every held lock. Unknown
 * ops (ENCLS, IPIs, enclave execution) are dependent with everything. This assumes shared data is
 * either guarded by a lock its user holds or accessed through an op of its own, which is the model's
 * rule; the random and PCT strategies do not rely on it.
 */
export function independent(
  a: Op | null,
  heldA: ReadonlySet<number>,
  b: Op | null,
  heldB: ReadonlySet<number>,
): boolean {
  const la = opLocation(a);
  const lb = opLocation(b);
  if (la.loc === GLOBAL || lb.loc === GLOBAL) return false;
  if (la.loc === lb.loc && (la.write || lb.write)) return false;
  if (heldA.has(lb.loc) || heldB.has(la.loc)) return false;
  for (const l of heldA) if (heldB.has(l)) return false;
  return true;
}

interface DfsNode {
  enabled: number[];
  /** The answer to the chosen thread's `choose` op at this step, and that op's domain (0: no choose). */
  value: number;
  domain: number;
  /** Threads asleep here: exploring them again would repeat an equivalent interleaving. */
  sleep: Set<number>;
  /** Choices already explored from this node. */
  done: Set<number>;
  choice: number;
  prev: number;
  preemptions: number;
}

/**
 * Depth-first search over the tree of schedules with at most `preemptionBound` preemptions. Each
 * execution replays the path to the current node and extends it, non-preemptively first; after it,
 * the search backtracks to the deepest node with an unexplored choice. Subclasses decide what a new
 * node is, or that the execution stops where it is (a state already explored).
 */
abstract class ScheduleTreeExplorer implements Explorer {
  abstract readonly name: string;
  protected readonly stack: DfsNode[] = [];
  private runs = 0;
  private exhausted = false;
  private cut = false;
  constructor(
    protected readonly model: CheckModel,
    protected readonly opt: StrategyOptions,
  ) {}
  abstract states(): number;
  choicesCut(): boolean {
    return this.cut;
  }
  /** The node of a new step whose parent is `parent` (undefined at the root), or null to stop here. */
  protected abstract extend(
    ex: Execution,
    enabled: number[],
    parent: DfsNode | undefined,
    prev: number,
    preemptions: number,
  ): DfsNode | null;
  next(): Trial | null {
    if (this.exhausted) return null;
    const stack = this.stack;
    let cur = -1;
    const picker: Picker = {
      pick: (ex, enabled, step) => {
        cur = step;
        if (step < stack.length) return stack[step]!.choice;
        const parent = stack[step - 1];
        const { prev, preemptions } = afterChoice(parent);
        const node = this.extend(ex, enabled, parent, prev, preemptions);
        if (!node) throw new StopHere();
        stack.push(node);
        return node.choice;
      },
      choose: (n) =>
        answerChoice(stack[cur]!, n, () => {
          this.cut = true;
        }),
    };
    let out: Outcome;
    try {
      out = execute(this.model, picker, this.opt).out;
    } catch (e) {
      if (!(e instanceof StopHere)) throw e;
      const schedule = stack.map((n) => n.choice);
      out = { failure: null, schedule, choices: [], truncated: false, preemptions: 0 };
    }
    const trial = { out, seed: this.opt.seed, index: this.runs++ };
    this.exhausted = !backtrack(stack, out.schedule.length, this.opt.preemptionBound);
    return trial;
  }
}

/** Stateless depth-first search over schedules with sleep sets. */
export class DfsExplorer extends ScheduleTreeExplorer {
  readonly name: string;
  constructor(model: CheckModel, opt: StrategyOptions) {
    super(model, opt);
    this.name = `dfs(preemptions<=${opt.preemptionBound})`;
  }
  states(): number {
    return 0;
  }
  protected extend(
    ex: Execution,
    enabled: number[],
    parent: DfsNode | undefined,
    prev: number,
    preemptions: number,
  ): DfsNode {
    // Sleep set: the parent's sleepers and its explored siblings, unless the step just taken
    // depends on them.
    const sleep = new Set<number>();
    const taken = ex.lastStep;
    if (parent && taken?.op) {
      for (const t of [...parent.sleep, ...parent.done]) {
        if (t === parent.choice || !enabled.includes(t)) continue;
        if (independent(ex.pending(t), ex.held[t]!, taken.op, ex.held[taken.tid]!)) sleep.add(t);
      }
    }
    const node: DfsNode = {
      enabled,
      sleep,
      done: new Set(),
      choice: -1,
      prev,
      preemptions,
      value: 0,
      domain: 0,
    };
    node.choice = firstChoice(node, this.opt.preemptionBound);
    if (node.choice < 0) node.choice = enabled.includes(prev) ? prev : enabled[0]!;
    return node;
  }
}

/**
 * A tree node's answer to its step's `choose` op: the value under exploration, recording the domain
 * so that backtracking tries the others (at most MAX_CHOICE_DOMAIN of them; `cut` is told when the
 * domain is larger).
 */
export function answerChoice(node: { value: number; domain: number }, n: number, cut: () => void): number {
  if (n > MAX_CHOICE_DOMAIN) cut();
  node.domain = Math.min(n, MAX_CHOICE_DOMAIN);
  return node.value < n ? node.value : 0;
}

/** The next value of the node's choice, if one is left (then the same thread runs again with it). */
export function nextValue(node: { value: number; domain: number }): boolean {
  if (node.value + 1 >= node.domain) return false;
  node.value++;
  return true;
}

/**
 * After an execution that took `steps` steps: move to the deepest node with an unexplored value of
 * its choose op or an unexplored, allowed thread choice, and select it. False when there is none
 * (the search is exhausted).
 */
function backtrack(stack: DfsNode[], steps: number, bound: number): boolean {
  stack.length = Math.min(stack.length, steps);
  for (;;) {
    const node = stack.at(-1);
    if (!node) return false;
    if (nextValue(node)) return true;
    node.done.add(node.choice);
    const next = nextChoice(node, bound);
    if (next >= 0) {
      node.choice = next;
      node.value = 0;
      node.domain = 0;
      return true;
    }
    stack.pop();
  }
}

/** The thread that ran last and the preemptions so far, after `parent`'s choice (none at the root). */
function afterChoice(parent: DfsNode | undefined): { prev: number; preemptions: number } {
  if (!parent) return { prev: -1, preemptions: 0 };
  return {
    prev: parent.choice,
    preemptions: parent.preemptions + (isPreemption(parent, parent.choice) ? 1 : 0),
  };
}

function isPreemption(node: DfsNode, t: number): boolean {
  return node.prev >= 0 && t !== node.prev && node.enabled.includes(node.prev);
}

function allowed(node: DfsNode, t: number, bound: number): boolean {
  return !node.sleep.has(t) && (!isPreemption(node, t) || node.preemptions < bound);
}

/** First choice at a new node: continue the current thread if it can run (no preemption). */
function firstChoice(node: DfsNode, bound: number): number {
  if (node.enabled.includes(node.prev) && allowed(node, node.prev, bound)) return node.prev;
  for (const t of node.enabled) if (allowed(node, t, bound)) return t;
  return -1;
}

function nextChoice(node: DfsNode, bound: number): number {
  for (const t of node.enabled) if (!node.done.has(t) && allowed(node, t, bound)) return t;
  return -1;
}

const NO_SLEEP: ReadonlySet<number> = new Set();

/**
 * Stateful depth-first search: DFS over schedules with at most `preemptionBound` preemptions that
 * stops an execution as soon as it reaches a state already explored with no more preemptions used
 * (the same state key as BFS, so the same under-approximation). A new state costs one step and one
 * hash instead of BFS's replay of its whole path, so it covers states several times faster; it does
 * not give shortest counterexamples (the minimizer shortens what it finds). No sleep sets: they are
 * unsound together with state matching.
 */
export class StatefulDfsExplorer extends ScheduleTreeExplorer {
  readonly name: string;
  /** State key (of a state where more than one thread can run) -> the fewest preemptions used. */
  private readonly seen = new Map<number, number>();
  private readonly skip = new Set(["dmesg", "current", "cpu", "pid", "nextId", "kmemleak_sites"]);
  readonly symmetryStats: SymmetryStats | null;
  constructor(model: CheckModel, opt: StrategyOptions) {
    super(model, opt);
    this.symmetryStats = opt.symmetry === false ? null : { reduced: 0, fallback: 0, reason: null };
    const sym = this.symmetryStats ? ", up to EPC page renaming" : "";
    this.name = `sdfs(preemptions<=${opt.preemptionBound}${sym})`;
  }
  states(): number {
    return this.seen.size;
  }
  protected extend(
    ex: Execution,
    enabled: number[],
    _parent: DfsNode | undefined,
    prev: number,
    preemptions: number,
  ): DfsNode | null {
    // Only states with a choice are matched: from a state where one thread can run, the execution
    // goes on deterministically to the next state with a choice, which is matched there.
    if (enabled.length > 1) {
      const key = stateHash(ex, this.skip, this.symmetryStats);
      const best = this.seen.get(key);
      if (best !== undefined && best <= preemptions) return null;
      this.seen.set(key, preemptions);
    }
    const node: DfsNode = {
      enabled,
      sleep: NO_SLEEP as Set<number>,
      done: new Set(),
      choice: -1,
      prev,
      preemptions,
      value: 0,
      domain: 0,
    };
    node.choice = firstChoice(node, this.opt.preemptionBound);
    return node;
  }
}

/**
 * Breadth-first search over states: shortest counterexamples first. A state is identified by the
 * canonical hash of the model state (up to renaming of EPC pages unless symmetry is off; see
 * symmetry.ts) plus each thread's pending op and step count; generators' locals are not part of
 * it, so merging two paths may hide a behaviour (an under-approximation, like SPIN's bitstate mode).
 * Each state is reached by replaying its path from the start.
 */
export class BfsExplorer implements Explorer {
  readonly name: string;
  private readonly seen = new Set<number>();
  /** Paths: the thread of each step and the answer to its choose op (0 for other ops). */
  private frontier: { path: number[]; values: number[] }[] = [{ path: [], values: [] }];
  private next_: { path: number[]; values: number[] }[] = [];
  private runs = 0;
  private cut = false;
  private readonly skip = new Set(["dmesg", "current", "cpu", "pid", "nextId", "kmemleak_sites"]);
  /** States hashed up to page renaming, and those that fell back to the plain hash. */
  readonly symmetryStats: SymmetryStats | null;
  constructor(
    private readonly model: CheckModel,
    private readonly opt: StrategyOptions,
  ) {
    this.symmetryStats = opt.symmetry === false ? null : { reduced: 0, fallback: 0, reason: null };
    this.name = this.symmetryStats ? "bfs(hashed up to EPC page renaming)" : "bfs(hashed)";
  }
  states(): number {
    return this.seen.size;
  }
  choicesCut(): boolean {
    return this.cut;
  }
  next(): Trial | null {
    if (this.frontier.length === 0) {
      if (this.next_.length === 0) return null;
      this.frontier = this.next_;
      this.next_ = [];
    }
    const { path, values } = this.frontier.shift()!;
    let enabledAtEnd: number[] = [];
    let domains: number[] = [];
    let stateKey = 0;
    let cur = -1;
    const picker: Picker = {
      pick: (ex, enabled, step) => {
        cur = step;
        if (step < path.length) return path[step]!;
        enabledAtEnd = enabled;
        // Each enabled thread's next step branches on every value of its choose op.
        domains = enabled.map((t) => {
          const op = ex.pending(t);
          if (op?.kind !== "choose") return 1;
          if (op.n > MAX_CHOICE_DOMAIN) this.cut = true;
          return Math.max(1, Math.min(op.n, MAX_CHOICE_DOMAIN));
        });
        stateKey = stateHash(ex, this.skip, this.symmetryStats);
        throw new StopHere();
      },
      choose: (n) => {
        const v = values[cur] ?? 0;
        return v < n ? v : 0;
      },
    };
    let out: Outcome = { failure: null, schedule: path, choices: [], truncated: false, preemptions: 0 };
    let ended = false;
    try {
      out = execute(this.model, picker, { ...this.opt, maxSteps: path.length + 1 }).out;
      ended = true;
    } catch (e) {
      if (!(e instanceof StopHere)) throw e;
    }
    const trial = { out, seed: this.opt.seed, index: this.runs++ };
    if (ended || this.seen.has(stateKey)) return trial;
    this.seen.add(stateKey);
    if (path.length >= this.opt.maxSteps) {
      out.truncated = true;
      return trial;
    }
    enabledAtEnd.forEach((t, k) => {
      for (let v = 0; v < domains[k]!; v++) this.next_.push({ path: [...path, t], values: [...values, v] });
    });
    return trial;
  }
}

/** Thrown by a picker to end an execution early (its state was explored already, or all threads sleep). */
export class StopHere extends Error {}

function stateHash(ex: Execution, skip: ReadonlySet<string>, symmetry: SymmetryStats | null): number {
  // The answers a thread got from choose ops live in its generator's locals, which the world does
  // not show: they are part of the state, or two values would merge into one state before use.
  const threads = ex.threads.map((t) => [
    t.done ? -1 : t.started ? 1 : 0,
    describePending(t.op),
    ex.stepsOf[t.id] ?? 0,
    ex.choicesOf[t.id] ?? [],
  ]);
  return symmetry ? symmetricHash([ex.w, threads], ex.w.m, skip, symmetry) : hashDeep([ex.w, threads], skip);
}

function describePending(op: Op | null): string {
  if (!op) return "";
  const l = opLocation(op);
  return `${op.kind}:${l.loc}`;
}
