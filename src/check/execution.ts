/**
 * One execution of the checker: a copy of the set-up world, the actors as model threads (each on
 * its own CPU), and a step function that runs one thread's pending op. Marks, cost-only work and
 * the simulator's scheduling hints are not scheduling points: they run as part of the step before.
 *
 * After every step the execution looks for a failure: a kernel BUG or WARN, a broken hardware
 * assertion, a livelock report, a deadlock, or (at the end, or after every step) a violated
 * invariant of the whole state.
 */

import { HwAssertion } from "../model/hw/sgx_hw.ts";
import { type ListLinks, listWatch } from "../model/kernel/lib/list.ts";
import { PF_KTHREAD, type task_struct } from "../model/kernel/lib/sched.ts";
import { shmem_reclaim } from "../model/kernel/lib/shmem.ts";
import { STACK_OUT_OF_BOUNDS } from "../model/kernel/lib/stack_array.ts";
import { descWatch } from "../model/kernel/sgx/sgx.ts";
import { KernelBug, type Machine, MachineCheck } from "../model/machine.ts";
import {
  access_actor,
  add_pages_actor,
  close_actor,
  eaccept_actor,
  exit_actor,
  fork_exit_actor,
  poison_actor,
  reclaim_actor,
  rmdir_actor,
  sgx2_ioctl_actor,
  vepc_actor,
} from "../model/user/actors.ts";
import { newProcess, thread_exit } from "../model/user/process.ts";
import { PAGE_TYPES } from "../model/user/sgx2.ts";
import { LockViolation } from "../rt/effects.ts";
import type { ModelGen, Op, ThreadSpec } from "../rt/ops.ts";
import { errorSite, siteCapture } from "../rt/site.ts";
import { isEnabled, MalformedOp, stepThread, Thread } from "../rt/thread.ts";
import type { ActorSpec, CheckSection } from "../scenario/schema.ts";
import type { CustomActor } from "./engine.ts";
import { checkInvariants, checkProperties } from "./invariants.ts";
import { kasanCheck, USE_AFTER_FREE } from "./kasan.ts";
import { Lockdep, type LockEdge } from "./lockdep.ts";
import { DATA_RACE, Lockset, type LocksetNames } from "./lockset.ts";
import type { World } from "./world.ts";

export interface Failure {
  /** Stable name of the violated property, e.g. "WARN encls:EWB" or "deadlock". */
  property: string;
  /** What happened, in one line. */
  detail: string;
  /** Thread that failed (-1 for whole-state properties). */
  tid: number;
  /**
   * For a livelock: the failing thread and what it retries. The minimizer keeps this fixed, so that
   * dropping the actor a spinning thread waits for cannot turn the livelock into a different one.
   */
  wait?: string;
}

/** One executed scheduling step: the thread and the op it executed. */
export interface Step {
  tid: number;
  op: Op;
  /** Value passed to a choose op. */
  value: number;
  /** Ops that are not scheduling points and ran within this step (kept only when sites are captured). */
  extra?: Op[];
}

/** Ops that are not scheduling points: they touch nothing another thread can observe. */
function invisible(op: Op): boolean {
  switch (op.kind) {
    case "mark":
    case "work":
    case "preempt_point":
    case "msleep":
    case "cond_resched":
    case "spawn":
      return true;
    default:
      return false;
  }
}

/**
 * Ops after which another thread can see a new state: releases, wake-ups, writes, ENCLS. A busy
 * retry waits for one of them (a step that publishes nothing cannot end the busy condition).
 */
function publishes(op: Op): boolean {
  switch (op.kind) {
    case "spin_unlock":
    case "mutex_unlock":
    case "up_read":
    case "up_write":
    case "wake_up":
    case "write":
    case "encls":
    case "ipi":
      return true;
    case "atomic":
      return op.write;
    default:
      return false;
  }
}

export interface ActorInfo {
  name: string;
  daemon: boolean;
  spec: ActorSpec | null;
  /** The thread whose op spawned this one (a work item); absent for an actor of the scenario. */
  parent?: number;
}

const NO_LOCKS: ReadonlySet<number> = new Set();

export class Execution {
  readonly w: World;
  readonly m: Machine;
  readonly threads: Thread[] = [];
  readonly actors: ActorInfo[] = [];
  readonly trace: Step[] = [];
  /** Per thread: its steps in the trace, and the answers its choose ops got (for state hashes,
   * which would otherwise filter the whole trace for every thread at every step). */
  readonly stepsOf: number[] = [];
  readonly choicesOf: number[][] = [];
  /** Locks each thread holds (for reports and dependence). */
  readonly held: Set<number>[] = [];
  /** Lock order and sleeping-in-atomic checks (lockdep.ts). */
  private readonly lockdep: Lockdep;
  /** Steps other threads took since each thread's last fault began (its last AEX). */
  private readonly othersMoved: number[] = [];
  /** The thread's last fault ended busy and it has not completed an access since. */
  private readonly retrying: boolean[] = [];
  failure: Failure | null = null;
  /** The last step: its thread and op (null when the step started the thread). */
  lastStep: { tid: number; op: Op | null } | null = null;
  private dmesgSeen = 0;
  /** Data races on the kernel's lists and enclave page descriptors (lockset.ts). */
  private readonly lockset = new Lockset({
    ...this.raceNames(),
    access: (h, op) => `${op}(${this.m.pages.heads[h]?.cls ?? `list#${h}`})`,
  });
  private readonly descLockset = new Lockset({
    ...this.raceNames(),
    access: (e, op) => {
      const E = this.m.encl_pages;
      const encl = this.m.enclaves[E.encl.a[e]!];
      return `a ${op} of encl_page->desc of ${encl?.name || "enclave"} page ${E.index.a[e]}`;
    },
  });
  /** The thread whose step is running, and the names of the locks seen (for reports). */
  private stepping = -1;
  private readonly lockNames = new Map<number, string>();
  private readonly onListWrite = (P: ListLinks, h: number, what: string): void => {
    if (P !== this.m.pages || this.failure) return;
    const tid = this.stepping;
    const bad = this.lockset.access(h, tid, this.held[tid] ?? NO_LOCKS, what, true);
    if (bad) this.fail(DATA_RACE, bad, tid);
  };
  private readonly onDescAccess = (entry: number, write: boolean): void => {
    if (this.failure) return;
    const tid = this.stepping;
    const bad = this.descLockset.access(
      entry,
      tid,
      this.held[tid] ?? NO_LOCKS,
      write ? "write" : "read",
      write,
    );
    if (bad) this.fail(DATA_RACE, bad, tid);
  };

  constructor(
    /** The world this execution runs on (already reset to the set-up state). */
    world: World,
    readonly chk: CheckSection,
    /** Actors left out (the minimizer drops actors). */
    readonly disabled: ReadonlySet<number> = new Set(),
    custom?: CustomActor[],
    /** Lock dependencies earlier executions took (replaying a cross-execution lockdep report). */
    lockdepSeed: readonly LockEdge[] = [],
  ) {
    this.lockdep = new Lockdep(lockdepSeed);
    this.w = world;
    this.m = world.m;
    if (custom) {
      custom.forEach((a, i) => {
        const task = this.m.newTask(a.name, PF_KTHREAD, null);
        this.spawn(
          { task, body: () => a.body(this.w), kind: "kthread", cpu: i },
          { name: a.name, daemon: a.daemon ?? false, spec: null },
        );
        if (disabled.has(i)) this.threads[i]!.done = true;
      });
      return;
    }
    // Processes an `exit` actor ends: their other actors are threads exit_group must wait for.
    const exiting = new Set(
      chk.actors.flatMap((a, i) =>
        (a.kind === "exit" || (a.kind === "close" && a.exit && a.child === undefined)) && !disabled.has(i)
          ? [a.enclave]
          : [],
      ),
    );
    chk.actors.forEach((a, i) => {
      this.addActor(a, i, exiting);
    });
  }

  private addActor(a: ActorSpec, i: number, exiting: ReadonlySet<string>): void {
    const m = this.m;
    const w = this.w;
    const name = a.name ?? `${a.kind}${i}`;
    const proc = "enclave" in a ? w.procs.get(a.enclave) : undefined;
    const ue = "enclave" in a ? w.encls.get(a.enclave) : undefined;
    if ("enclave" in a && (!proc || !ue)) throw new Error(`actor ${name}: no enclave ${a.enclave}`);
    // The process an actor runs in: the enclave's, or the k-th child forked in setup.
    const childOr = (child: number | undefined) => {
      const p = child === undefined ? proc! : w.children[child];
      if (!p) throw new Error(`actor ${name}: no child ${child} was forked in setup`);
      return p;
    };
    let body: () => ModelGen<unknown>;
    let mm = proc?.mm ?? null;
    let daemon = false;
    switch (a.kind) {
      case "reclaim":
        body = () => reclaim_actor(m, a.rounds);
        mm = null;
        break;
      case "ksgxd":
        body = () => m.fn.ksgxd(m);
        mm = null;
        daemon = true;
        break;
      case "reclaim_direct":
        body = () => m.fn.sgx_reclaim_direct(m);
        mm = null;
        break;
      case "access": {
        const runIn = childOr(a.child);
        mm = runIn.mm;
        body = () => access_actor(m, runIn, ue!, a.pages, a.write);
        break;
      }
      case "add_pages": {
        const first = ue!.encl.page_array.count;
        body = () => add_pages_actor(m, ue!, first, a.pages);
        break;
      }
      case "exit":
        body = () => exit_actor(m, proc!);
        break;
      case "fork_exit":
        body = () => fork_exit_actor(m, proc!);
        break;
      case "rmdir": {
        const cg = m.misc.all.find((c) => c.name === a.cgroup);
        if (!cg) throw new Error(`actor ${name}: no cgroup ${a.cgroup}`);
        mm = null;
        body = () => rmdir_actor(m, cg);
        break;
      }
      case "close": {
        const runIn = childOr(a.child);
        mm = runIn.mm;
        body = () => close_actor(m, runIn, ue!, a.munmap, a.exit);
        break;
      }
      case "poison":
        body = () => poison_actor(m, ue!, a.page);
        mm = null;
        break;
      case "shmem_reclaim":
        body = () => shmem_reclaim(m, ue!.encl.backing!, a.passes);
        mm = null;
        break;
      case "eaccept":
        body = () => eaccept_actor(m, proc!, ue!, a.pages, a.accept, a.write);
        break;
      case "modify_types":
        body = () => sgx2_ioctl_actor(m, ue!, "modify_types", a.pages, PAGE_TYPES[a.type]);
        break;
      case "remove_pages":
        body = () => sgx2_ioctl_actor(m, ue!, "remove_pages", a.pages, 0);
        break;
      case "restrict_permissions":
        body = () => sgx2_ioctl_actor(m, ue!, "restrict_permissions", a.pages, a.perms);
        break;
      case "vepc": {
        // A VMM process of its own (its mm maps the guest EPC).
        const vmm = newProcess(m, name);
        mm = vmm.mm;
        body = () => vepc_actor(m, vmm, a.pages);
        break;
      }
    }
    // A thread of the enclave's process (not its exit): exit_group waits for it (exit_actor).
    if (
      proc &&
      mm === proc.mm &&
      a.kind !== "exit" &&
      !(a.kind === "close" && a.exit) &&
      a.kind !== "vepc" &&
      "enclave" in a &&
      exiting.has(a.enclave)
    ) {
      proc.live++;
      const inner = body;
      body = function* () {
        yield* inner();
        yield* thread_exit(m, proc);
      };
    }
    const task = m.newTask(name, mm ? 0 : PF_KTHREAD, mm);
    if (a.kind === "reclaim" || a.kind === "ksgxd") m.sgx.ksgxd_tsk.push(task.pid);
    const cpu = a.cpu ?? i;
    if (cpu >= m.nrCpus) throw new Error(`actor ${name}: no CPU ${cpu}`);
    if (this.threads.some((t) => t.spec.cpu === cpu))
      throw new Error(`actor ${name}: CPU ${cpu} already runs another actor`);
    this.spawn({ task, body, kind: mm ? "user" : "kthread", cpu }, { name, daemon, spec: a });
    if (this.disabled.has(i)) this.threads[i]!.done = true;
  }

  private spawn(spec: ThreadSpec, info: ActorInfo): void {
    const t = new Thread(this.threads.length, spec);
    this.threads.push(t);
    this.actors.push(info);
    this.held.push(new Set());
    this.othersMoved.push(0);
    this.retrying.push(false);
  }

  /** The lock-class dependencies this execution took (for the run's LockGraph). */
  lockEdges(): readonly LockEdge[] {
    return this.lockdep.edgeList();
  }

  /** Threads whose pending op can execute now, ascending. */
  enabled(): number[] {
    const out: number[] = [];
    for (const t of this.threads) if (!t.done && this.canRun(t)) out.push(t.id);
    return out;
  }

  private canRun(t: Thread): boolean {
    if (!t.started) return true;
    const op = t.op!;
    // A busy retry runs only if another thread published something since the failed attempt
    // began (its AEX): otherwise it would fail again in exactly the same way.
    if (op.kind === "spin_wait") return this.othersMoved[t.id]! > 0;
    return isEnabled(op);
  }

  /** Threads spinning on a retry. */
  spinning(): number[] {
    return this.threads.filter((t) => !t.done && t.op?.kind === "spin_wait").map((t) => t.id);
  }

  /** Every non-daemon thread finished. */
  finished(): boolean {
    for (let i = 0; i < this.threads.length; i++)
      if (!this.threads[i]!.done && !this.actors[i]!.daemon) return false;
    return true;
  }

  /** The pending op of a thread (null before it started). */
  pending(tid: number): Op | null {
    return this.threads[tid]!.op;
  }

  /** Run thread `tid` one visible step. Starting a thread (up to its first op) is a step of its own. */
  step(tid: number, value = 0): void {
    const t = this.threads[tid]!;
    if (!t.started) {
      this.lastStep = { tid, op: null };
      this.run(t, 0);
      this.skipInvisible(t);
      return;
    }
    const op = t.op!;
    this.lastStep = { tid, op };
    this.trace.push({ tid, op, value });
    this.stepsOf[tid] = (this.stepsOf[tid] ?? 0) + 1;
    if (op.kind === "choose") (this.choicesOf[tid] ??= []).push(value);
    const uaf = kasanCheck(this.m.kasan_freed, op);
    if (uaf) this.fail(USE_AFTER_FREE, `${this.actors[tid]!.name}: ${uaf}`, tid);
    const bad = this.lockdep.before(tid, this.actors[tid]!.name, op);
    if (bad) this.fail(bad.property, bad.detail, tid);
    this.trackLocks(tid, op);
    this.lockdep.after(tid, op);
    // Only a thread that is not itself busy-retrying can end another's busy condition (two retrying
    // threads would otherwise wake each other forever while the reclaimer never runs).
    if (publishes(op) && !this.retrying[tid])
      for (let i = 0; i < this.othersMoved.length; i++) if (i !== tid) this.othersMoved[i]!++;
    // A new attempt starts when the retry runs (or, for an enclave access, at its AEX): only what
    // other threads publish from then on can make the attempt after it succeed.
    if (op.kind === "aex" || op.kind === "spin_wait") this.othersMoved[tid] = 0;
    this.run(t, value);
    if (op.kind === "enclave_run" && op.touches > 0) this.retrying[tid] = false;
    this.skipInvisible(t);
    if (t.op?.kind === "spin_wait") this.retrying[tid] = true;
  }

  private run(t: Thread, value: number): void {
    const m = this.m;
    const task = t.spec.task as task_struct;
    m.context_switch(t.spec.cpu, task, null);
    this.stepping = t.id;
    listWatch.fn = this.onListWrite;
    descWatch.fn = this.onDescAccess;
    stepThread(t, value);
    listWatch.fn = null;
    descWatch.fn = null;
    if (t.error) this.onError(t);
    else if (t.done && task.mm) m.cpu_idle(t.spec.cpu, task);
    this.checkDmesg(t.id);
  }

  private skipInvisible(t: Thread): void {
    while (!t.done && !this.failure && t.op && invisible(t.op)) {
      const op = t.op;
      const last = this.trace.at(-1);
      if (siteCapture.on && last && last.tid === t.id) (last.extra ??= []).push(op);
      // msleep and cond_resched are not scheduling points here, but they may sleep.
      const bad = this.lockdep.before(t.id, this.actors[t.id]!.name, op);
      if (bad) this.fail(bad.property, bad.detail, t.id);
      // An enclave's release owns the enclave's own lists and pages (the lockset detector must know).
      if (op.kind === "mark" && op.what === "encl_release") this.claimEnclave(op.detail, t.id);
      // A spawned work item (e.g. the deferred mmput) must finish like an actor.
      if (op.kind === "spawn")
        this.spawn(op.thread, { name: op.thread.task.comm, daemon: false, spec: null, parent: t.id });
      this.run(t, 0);
    }
  }

  /** How race reports name threads and locks. */
  private raceNames(): Pick<LocksetNames, "thread" | "lock"> {
    return {
      thread: (t) => this.actors[t]!.name,
      lock: (id) => this.lockNames.get(id) ?? `lock#${id}`,
    };
  }

  /** An enclave's release owns its lists and page descriptors. */
  private claimEnclave(encl: number, tid: number): void {
    const heads = this.m.pages.heads;
    for (let h = 0; h < heads.length; h++) if (heads[h]!.owner === encl) this.lockset.claim(h, tid);
    const E = this.m.encl_pages;
    for (let e = 0; e < E.count; e++) if (E.encl.a[e] === encl) this.descLockset.claim(e, tid);
  }

  private trackLocks(tid: number, op: Op): void {
    const h = this.held[tid]!;
    switch (op.kind) {
      case "spin_lock":
      case "mutex_lock":
      case "down_read":
      case "down_write":
        h.add(op.lock.id);
        this.lockNames.set(op.lock.id, `${op.lock.cls}#${op.lock.id}`);
        break;
      case "spin_unlock":
      case "mutex_unlock":
      case "up_read":
      case "up_write":
        h.delete(op.lock.id);
        break;
      default:
        break;
    }
  }

  private onError(t: Thread): void {
    const e = t.error;
    // Not a kernel bug but a patch that yields something else than an op: the user's mistake.
    if (e instanceof MalformedOp) throw e;
    if (e instanceof MachineCheck) {
      this.fail("machine check", e.message, t.id);
      return;
    }
    if (e instanceof KernelBug && e.message.startsWith("KASAN: use-after-free")) {
      this.fail(USE_AFTER_FREE, e.message, t.id);
      return;
    }
    if (e instanceof KernelBug && e.message.startsWith(STACK_OUT_OF_BOUNDS)) {
      this.fail(STACK_OUT_OF_BOUNDS, e.message, t.id);
      return;
    }
    if (e instanceof KernelBug || e instanceof LockViolation) {
      this.fail("BUG", e.message, t.id);
      return;
    }
    if (e instanceof HwAssertion) {
      this.fail("hardware assertion", e.message, t.id);
      return;
    }
    // An instrumented loop (patch or mutant code) that never reached a scheduling point.
    if (e instanceof Error && e.name === "LoopWithoutYield") {
      const where = errorSite(e);
      this.fail("soft lockup", `${e.message}${where ? `: ${where}` : ""}`, t.id);
      return;
    }
    // A JavaScript exception in model code (a patch reading a freed object, a typo) is the
    // model's oops: reported, minimized and replayable like any other failure.
    if (e instanceof Error) {
      const where = errorSite(e);
      this.fail("exception", `${e.name}: ${e.message}${where ? ` at ${where}` : ""}`, t.id);
      return;
    }
    throw e;
  }

  private checkDmesg(tid: number): void {
    const d = this.m.dmesg;
    if (this.failure || d.length === this.dmesgSeen) return;
    const from = this.dmesgSeen;
    this.dmesgSeen = d.length;
    for (let i = from; i < d.length; i++) {
      const e = d[i]!;
      if (e.level === "warn" && this.chk.tolerate.includes(e.tag)) continue;
      this.fail(`${e.level === "bug" ? "BUG" : "WARN"} ${e.tag}`, e.msg, tid);
      return;
    }
  }

  fail(property: string, detail: string, tid: number, wait?: string): void {
    if (!this.failure)
      this.failure = wait === undefined ? { property, detail, tid } : { property, detail, tid, wait };
  }

  /** Whole-state invariants; `quiescent` when no thread is inside a path (the end of an execution). */
  checkState(quiescent: boolean): void {
    if (this.failure) return;
    const v =
      checkInvariants(this.w, quiescent) ?? (quiescent ? checkProperties(this.w, this.chk.properties) : null);
    if (v) this.fail(v.property ?? `invariant: ${v.name}`, v.detail, -1);
  }

  describeBlocked(): string {
    return this.threads
      .filter((t) => !t.done && t.op)
      .map((t) => `${this.actors[t.id]!.name} waits in ${t.op!.kind}`)
      .join("; ");
  }
}

/** Is `op` enabled? (re-exported for strategies) */
export { isEnabled };
