/**
 * The timed driver: a discrete-event simulator that runs model threads on modeled CPUs.
 *
 * Each thread's pending op is attempted at an event time. If it can execute, the simulator resumes
 * the thread (the op's action happens) and charges the op's cost: the thread is busy on its CPU
 * until then. Zero-cost ops, and ops whose completion comes before every other queued event, run
 * inline without a heap round trip. A thread whose op cannot execute blocks on the op's location:
 * spinning (keeps its CPU) for spinlocks, sleeping (frees it) otherwise; an executed op that
 * releases a location re-checks its waiters in FIFO order.
 */

import { SGX_PAGE_TYPE_SECS } from "../model/hw/arch.ts";
import type { task_struct } from "../model/kernel/lib/sched.ts";
import { KernelBug, type Machine } from "../model/machine.ts";
import { PREEMPT_NONE, PREEMPT_RESCHED, PREEMPT_TICK } from "../model/user/enclave_thread.ts";
import type { Op, ThreadSpec } from "../rt/ops.ts";
import { errorSite, siteCapture } from "../rt/site.ts";
import {
  describeOp,
  isEnabled,
  isExclusiveAcquire,
  releaseLoc,
  spinsWhileBlocked,
  stepThread,
  Thread,
  waitLoc,
} from "../rt/thread.ts";
import type { OpObserver } from "./cgroup_metrics.ts";
import type { CostProfile } from "./costs.ts";
import { EventHeap } from "./heap.ts";
import { type Metrics, MetricsCollector, type MetricThread } from "./metrics.ts";
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
} from "./op_class.ts";
import { SimRng } from "./rng.ts";
import { type TraceData, type TraceOptions, TraceRecorder } from "./trace_recorder.ts";

type State = "new" | "runnable" | "running" | "spinning" | "sleeping" | "done";

class SimThread implements MetricThread {
  state: State = "new";
  cpu = -1;
  /** Sequence of this thread's valid queued event, or -1. */
  evSeq = -1;
  evTime = 0;
  /** When the pending op was first found disabled (-1: it never waited). */
  blockedAt = -1;
  woken = false;
  reschedOk = false;
  readyAt = 0;
  runSince = 0;
  faultStart = -1;
  /** A soft lockup of this thread was already logged. */
  lockupReported = false;
  /** Start of the current stretch on a CPU without a scheduling point (see kernelStretch). */
  stretchFrom = 0;
  /** The pending msleep op has slept its time: executing it now resumes the thread. */
  slept = false;
  /** The queued event ends an msleep: the thread must get a CPU first. */
  wakeFromTimer = false;
  constructor(
    readonly t: Thread,
    /** Compute time per enclave page touch. */
    readonly touchNs: number,
  ) {}
}

/**
 * The waiters of one location (a lock, a wait queue, an SRCU struct), FIFO: live entries are
 * a[head..]; the front is taken by moving head, so a wake-up neither splices nor allocates.
 */
class WaitQueue {
  a: SimThread[] = [];
  head = 0;
  /**
   * Lock hand-off: a lock released to a waiter is reserved for it until it takes it, so the
   * releasing thread cannot steal it back at once (FIFO qspinlocks; the mutex HANDOFF flag).
   */
  reserved: SimThread | null = null;
}

class SimCpu {
  thread: SimThread | null = null;
  last: task_struct | null = null;
  needResched = false;
  nextTick: number;
  constructor(
    readonly id: number,
    tick: number,
  ) {
    this.nextTick = tick;
  }
}

export interface Sample {
  t: number;
  free_pages: number;
  reclaim_rounds: number;
  faults: number;
  accesses: number;
  /** Pages in the enclaves' backing files (shmem). */
  backing_pages: number;
}

export interface SimOptions {
  profile: CostProfile;
  seed: number;
  /** Length of the measured window (ns): the run stops this long after measurement starts. */
  endNs: number;
  /**
   * When measurement starts: at time 0, or once every process has built its enclaves (the
   * `build_done` marks): metrics and the timeline then cover only the steady state.
   */
  measureFrom: "start" | "build_done";
  /** Number of processes whose build_done starts the measurement. */
  processes: number;
  /** Extra time after measureFrom before the measured window opens. */
  warmupNs: number;
  /** Record a Perfetto trace (trace_recorder.ts), or null. */
  trace: TraceOptions | null;
  /** Sampling period of the timeline (ns). */
  sampleNs: number;
  /** Abort after this many executed ops (a runaway guard). */
  maxOps: number;
  /** Called now and then with the simulated time (for progress on a terminal). */
  onProgress?: (now: number) => void;
}

export interface SimResult {
  /** Length of the measured window. */
  simulated_ns: number;
  /** Simulated time before measurement started (enclave builds). */
  warmup_ns: number;
  /** Ops executed over the whole run, warm-up included (for benchmarks). */
  total_ops: number;
  metrics: Metrics;
  timeline: Sample[];
  /** The run's trace (when opt.trace), or null. */
  trace: TraceData | null;
  /** Why the run ended. */
  end: "workload_done" | "time_limit" | "stalled" | "kernel_bug" | "op_limit";
  /** Fault latency (ns) at q = 1%, 2%, ..., 100% of the window's faults. */
  fault_latency_quantiles: number[];
  /** Threads still blocked when the run stalled, with the op they wait for. */
  stalled: string[];
  /** Every thread the run had: id (as in the trace), name, kind. */
  threads: { id: number; name: string; kind: string }[];
  dmesg: Machine["dmesg"];
}

export class Simulator {
  now = 0;
  private readonly heap = new EventHeap();
  private readonly threads: SimThread[] = [];
  /** Threads by task pid (pids are small integers). */
  private readonly byPid: (SimThread | undefined)[] = [];
  private readonly cpus: SimCpu[];
  private readonly runq: SimThread[] = [];
  /** Waiters and hand-off reservation by location id (ids are small integers: Machine.newId). */
  private readonly waitQs: (WaitQueue | undefined)[] = [];
  private readonly rng: SimRng;
  private liveUser = 0;
  private end: SimResult["end"] | null = null;
  /** The trace being recorded (opt.trace; none while draining). */
  private tracer: TraceRecorder | null = null;
  private nextCounter = 0;
  /** A function-detail trace: ops carry their call stacks only inside its window (they cost µs). */
  private stackWindow: { from: number; to: number } | null = null;
  /** After the run (drain): user threads exit on a kill, kernel threads finish their work. */
  private draining = false;
  private readonly timeline: Sample[] = [];
  private nextSample = 0;
  private ops = 0;
  private polls = 0;
  /** Absolute simulated time at which the run stops. */
  private stopAt: number;
  /** Simulated time at which measurement started. */
  private measureStart = 0;
  private builds = 0;
  /** Most backing-file pages seen at a sample of the measured window. */
  private backingPeak = 0;
  /** Pending start of measurement (after a warm-up), or Infinity. */
  private measureAt = Number.POSITIVE_INFINITY;
  metrics = new MetricsCollector();
  /** Optional observer of executed ops (per-cgroup metrics, see cgroup_metrics.ts). */
  observer: OpObserver | null = null;

  constructor(
    readonly m: Machine,
    readonly opt: SimOptions,
  ) {
    this.cpus = m.hw.cpus.map((c) => new SimCpu(c.id, opt.profile.tick || Number.POSITIVE_INFINITY));
    this.rng = new SimRng(opt.seed);
    if (opt.trace) this.tracer = new TraceRecorder(opt.trace, this.cpus.length);
    if (opt.trace?.detail === "functions")
      this.stackWindow = opt.trace.window ?? { from: 0, to: Number.POSITIVE_INFINITY };
    this.stopAt = Number.POSITIVE_INFINITY;
    if (opt.measureFrom === "start" || opt.processes === 0) this.armMeasurement();
  }

  /** Measurement starts after the warm-up: at once, or at a timer event. */
  private armMeasurement(): void {
    if (this.opt.warmupNs <= 0) {
      this.startMeasurement();
      return;
    }
    this.measureAt = this.now + this.opt.warmupNs;
    this.stopAt = this.measureAt + this.opt.endNs;
  }

  /** Every process finished building: restart the metrics and the clock of the measured window. */
  private startMeasurement(): void {
    this.measureStart = this.now;
    this.stopAt = this.now + this.opt.endNs;
    this.metrics = new MetricsCollector();
    this.observer?.reset(this.now);
    this.timeline.length = 0;
    this.backingPeak = 0;
    this.nextSample = this.now;
    for (const st of this.threads) st.faultStart = -1;
  }

  /** Add a thread; it becomes runnable at the current time. */
  spawn(spec: ThreadSpec): Thread {
    const t = new Thread(this.threads.length, spec);
    const st = new SimThread(t, spec.touchNs ?? this.opt.profile.touch);
    this.threads.push(st);
    this.byPid[spec.task.pid] = st;
    if (spec.kind === "user") this.liveUser++;
    this.makeRunnable(st, 0);
    return t;
  }

  run(): SimResult {
    this.dispatch();
    this.loop();
    const stalled: string[] = [];
    if (this.end === "stalled") {
      for (const st of this.threads) {
        if (st.state === "done" || st.t.spec.kind === "kthread") continue;
        stalled.push(`${st.t.name}: ${st.t.op ? describeOp(st.t.op) : "?"}`);
      }
    }
    this.sample(true);
    const threads = this.threads.map((st) => ({ id: st.t.id, name: st.t.name, kind: st.t.spec.kind }));
    const trace = this.tracer?.finish(this.now, threads) ?? null;
    this.tracer = null;
    const warnings = this.m.dmesg.filter((d) => d.level === "warn").length;
    const measured = this.now - this.measureStart;
    return {
      simulated_ns: measured,
      warmup_ns: this.measureStart,
      total_ops: this.ops,
      metrics: this.metrics.finish(measured, warnings, { end: this.backingPages(), peak: this.backingPeak }),
      fault_latency_quantiles: this.metrics.latencyQuantiles(),
      timeline: this.timeline,
      trace,
      end: this.end!,
      stalled,
      threads,
      dmesg: this.m.dmesg,
    };
  }

  /**
   * After a run whose processes exited (or were just sent SIGKILL): let them finish exiting and the
   * kernel finish what they left behind (an asynchronous mmput, work items, a cgroup's free) so that
   * an end-of-run scan (kmemleak) sees a kernel with no path running. Nothing of the result changes: metrics, samples and the trace go
   * nowhere. Returns true when every thread is done or asleep with nothing scheduled, false when
   * work was still running `limitNs` of simulated time later.
   */
  drain(limitNs: number): boolean {
    this.metrics = new MetricsCollector();
    this.observer = null;
    this.tracer = null;
    this.stackWindow = null;
    this.nextSample = Number.POSITIVE_INFINITY;
    this.measureAt = Number.POSITIVE_INFINITY;
    this.stopAt = this.now + limitNs;
    this.end = null;
    this.draining = true;
    this.dispatch();
    this.loop();
    return this.heap.size === 0 && this.end !== "kernel_bug";
  }

  /** Run events until the run ends (this.end is set). */
  private loop(): void {
    const heap = this.heap;
    while (this.end === null) {
      const end = this.stopAt;
      if (heap.size === 0) {
        this.end = this.liveUser > 0 ? "stalled" : "workload_done";
        break;
      }
      const t = heap.peekTime();
      if (t > end) {
        this.advance(end);
        this.end = "time_limit";
        break;
      }
      const who = heap.peekWho();
      const seq = heap.peekSeq();
      heap.pop();
      const st = this.threads[who]!;
      if (st.evSeq !== seq) continue;
      if (this.opt.onProgress && (++this.polls & 0xffff) === 0) this.opt.onProgress(t);
      st.evSeq = -1;
      this.advance(t);
      if (st.wakeFromTimer) {
        st.wakeFromTimer = false;
        this.makeRunnable(st, 0);
        continue;
      }
      this.attempt(st);
    }
  }

  private advance(t: number): void {
    if (t >= this.measureAt) {
      this.now = this.measureAt;
      this.measureAt = Number.POSITIVE_INFINITY;
      this.startMeasurement();
    }
    this.now = t;
    if (t >= this.nextSample) this.sample(false);
    if (this.stackWindow) siteCapture.on = t >= this.stackWindow.from && t < this.stackWindow.to;
    if (this.tracer && t >= this.nextCounter) {
      this.tracer.counters(this.m, t, this.backingPages());
      this.nextCounter = t + this.tracer.opt.counterNs;
    }
  }

  private backingPages(): number {
    let n = 0;
    for (const f of this.m.shmem_files) n += f.pages.size;
    return n;
  }

  private sample(final: boolean): void {
    const mm = this.metrics.m;
    const backing = this.backingPages();
    if (backing > this.backingPeak) this.backingPeak = backing;
    while (this.nextSample <= this.now || final) {
      this.timeline.push({
        t: final ? this.now : this.nextSample,
        free_pages: this.m.sgx.sgx_nr_free_pages.v,
        reclaim_rounds: mm.reclaim_rounds,
        faults: mm.faults,
        accesses: mm.accesses,
        backing_pages: backing,
      });
      if (final) break;
      this.nextSample += this.opt.sampleNs;
    }
  }

  private schedule(st: SimThread, at: number): void {
    st.evTime = at;
    st.evSeq = this.heap.push(at, st.t.id);
  }

  /** Attempt the thread's pending op now; keep going inline while that is exact. */
  private attempt(st: SimThread): void {
    const m = this.m;
    const th = st.t;
    const P = this.opt.profile;
    for (;;) {
      m.current = th.spec.task as task_struct;
      if (!th.started) {
        stepThread(th, 0);
        if (this.afterStep(st)) return;
        continue;
      }
      const op = th.op!;
      // One dispatch on the kind; the questions below test its bits (op_class.ts).
      const oc = opClass(op.kind);
      if (
        (oc & OC_WAITS) !== 0 &&
        (!isEnabled(op) || ((oc & OC_EXCL) !== 0 && this.reservedForOther(op, st)))
      ) {
        this.block(st, op);
        return;
      }
      let value = 0;
      if ((oc & OC_DRIVER) !== 0)
        switch (op.kind) {
          case "choose":
            value = this.rng.below(op.n);
            break;
          case "preempt_point":
            value = this.decidePreempt(st);
            break;
          case "msleep":
            // The thread sleeps off its CPU first; the op completes (and the code after it runs)
            // when the time is up and the thread has a CPU again.
            if (!st.slept) {
              st.slept = true;
              this.releaseCpu(st);
              st.state = "sleeping";
              this.dispatch();
              this.schedule(st, this.now + op.ns);
              st.wakeFromTimer = true;
              return;
            }
            st.slept = false;
            break;
          case "cond_resched":
            if (!st.reschedOk && this.wantsCpu(st.cpu)) {
              st.reschedOk = true;
              this.yieldCpu(st);
              return;
            }
            st.reschedOk = false;
            break;
          case "spawn":
            this.spawn(op.thread);
            break;
          default:
            break;
        }
      const wasSecs =
        (oc & OC_SPECIAL) !== 0 &&
        op.kind === "encls" &&
        op.leaf === "EWB" &&
        m.hw.type.get(op.page) === SGX_PAGE_TYPE_SECS;
      stepThread(th, value);
      this.ops++;
      if ((oc & OC_METRICS) !== 0) this.metrics.executed(op, this.now, st, st.blockedAt, wasSecs);
      else this.metrics.counted();
      if (this.observer) this.observer.executed(op, this.now, th.spec.task);
      if (st.woken && (oc & OC_EXCL) !== 0) {
        const q = this.waitQs[waitLoc(op)];
        if (q) q.reserved = null;
      }
      const waitedFrom = st.blockedAt;
      st.blockedAt = -1;
      st.woken = false;
      const cost = (oc & OC_COST) !== 0 ? this.cost(op, st, P) : 0;
      if ((oc & OC_STRETCH) !== 0)
        this.endStretch(st, this.now, this.now + ((oc & OC_USER) !== 0 ? cost : 0));
      this.tracer?.op(th.id, st.cpu, op, this.now, cost, waitedFrom);
      if (
        (oc & OC_SPECIAL) !== 0 &&
        op.kind === "mark" &&
        op.what === "build_done" &&
        ++this.builds === this.opt.processes
      ) {
        if (this.opt.measureFrom === "build_done") this.armMeasurement();
      }
      if ((oc & OC_RELEASES) !== 0) {
        const rel = releaseLoc(op);
        if (rel >= 0) this.wakeWaiters(rel, th.id);
      }
      if ((oc & OC_SPECIAL) !== 0 && op.kind === "ipi" && op.aex.length)
        this.interruptVictims(op.aex, P.aex_eresume);
      if (this.afterStep(st)) return;
      if (this.ops >= this.opt.maxOps) {
        this.end = "op_limit";
        return;
      }
      if (cost === 0) continue;
      const next = this.now + cost;
      if (next < this.heap.peekTime() && next <= this.stopAt) {
        this.advance(next);
        continue;
      }
      this.schedule(st, next);
      return;
    }
  }

  /** After a step: handle a finished or crashed thread. Returns true when the thread is done. */
  private afterStep(st: SimThread): boolean {
    const th = st.t;
    if (th.error) {
      const e = th.error;
      if (e instanceof KernelBug) {
        this.end = "kernel_bug";
        this.finish(st);
        return true;
      }
      // An instrumented loop of patch or mutant code that never yields: the soft-lockup watchdog.
      if (e instanceof Error && e.name === "LoopWithoutYield") {
        const where = errorSite(e);
        this.m.dmesg.push({
          level: "bug",
          tag: "soft lockup",
          msg: `watchdog: BUG: soft lockup: ${e.message}${where ? `: ${where}` : ""}`,
          pid: th.spec.task.pid,
          comm: th.spec.task.comm,
        });
        this.end = "kernel_bug";
        this.finish(st);
        return true;
      }
      throw e;
    }
    if (th.done) {
      this.finish(st);
      return true;
    }
    return false;
  }

  /**
   * A thread reached a scheduling point (cond_resched, a preemption check, user mode, giving up the
   * CPU): the non-preemptible stretch it ran since the last one is over. The kernel's soft-lockup
   * watchdog fires when such a stretch exceeds 2 x watchdog_thresh; the metric records the longest.
   */
  private endStretch(st: SimThread, at: number, nextFrom: number): void {
    this.metrics.kernelStretch(at - st.stretchFrom, st.t.name);
    if (at - st.stretchFrom > SOFTLOCKUP_NS && !st.lockupReported) {
      st.lockupReported = true;
      const task = st.t.spec.task as task_struct;
      this.m.dmesg.push({
        level: "warn",
        tag: "soft_lockup",
        msg: `watchdog: BUG: soft lockup - CPU#${st.cpu} stuck for ${Math.floor((at - st.stretchFrom) / 1e9)}s! [${task.comm}:${task.pid}]`,
        pid: task.pid,
        comm: task.comm,
      });
    }
    st.stretchFrom = nextFrom;
  }

  /** Is the lock an exclusive acquisition `op` takes (OC_EXCL) handed off to another thread? */
  private reservedForOther(op: Op, st: SimThread): boolean {
    const r = this.waitQs[waitLoc(op)]?.reserved;
    return r != null && r !== st;
  }

  private block(st: SimThread, op: Op): void {
    if (st.blockedAt < 0) st.blockedAt = this.now;
    const loc = waitLoc(op);
    let q = this.waitQs[loc];
    if (!q) {
      q = new WaitQueue();
      this.waitQs[loc] = q;
    }
    // A waiter that was handed the location but lost it to a running thread keeps its place.
    if (!st.woken) q.a.push(st);
    else if (q.head > 0) q.a[--q.head] = st;
    else q.a.unshift(st);
    st.woken = false;
    if (spinsWhileBlocked(op) || this.optimisticSpin(op)) {
      st.state = "spinning";
    } else {
      st.state = "sleeping";
      this.releaseCpu(st);
      this.dispatch();
    }
  }

  /**
   * Mutex optimistic spinning: a mutex waiter spins instead of sleeping while the owner is running
   * on a CPU (decided when it starts waiting).
   */
  private optimisticSpin(op: Op): boolean {
    if (op.kind !== "mutex_lock") return false;
    const owner = this.byPid[op.lock.owner];
    return owner !== undefined && (owner.state === "running" || owner.state === "spinning");
  }

  /** Wake the waiters of `loc` (released or woken by task `waker`). */
  private wakeWaiters(loc: number, waker: number): void {
    const q = this.waitQs[loc];
    if (!q || q.head === q.a.length) return;
    const P = this.opt.profile;
    const a = q.a;
    for (let i = q.head; i < a.length; ) {
      const w = a[i]!;
      const op = w.t.op!;
      if (!isEnabled(op)) {
        i++;
        continue;
      }
      if (i === q.head) i = ++q.head;
      else a.splice(i, 1);
      w.woken = true;
      this.tracer?.wake(waker, w.t.id, this.now);
      const exclusive = isExclusiveAcquire(op);
      if (exclusive) q.reserved = w;
      if (w.state === "spinning") {
        w.state = "running";
        this.schedule(w, this.now + P.lock_handoff);
      } else {
        this.makeRunnable(w, P.wakeup);
      }
      if (exclusive) break;
    }
    // Drop the taken front: all of it when the queue is empty, or once it is most of the array.
    if (q.head === a.length) {
      a.length = 0;
      q.head = 0;
    } else if (q.head >= 64 && q.head * 2 >= a.length) {
      a.copyWithin(0, q.head);
      a.length -= q.head;
      q.head = 0;
    }
  }

  /** CPUs forced out of enclave mode by an IPI: their threads pay AEX + ERESUME. */
  private interruptVictims(cpus: number[], aexCost: number): void {
    for (const c of cpus) {
      const v = this.cpus[c]!.thread;
      if (!v || v.evSeq < 0) continue;
      this.tracer?.aex(c, this.now, aexCost);
      this.schedule(v, v.evTime + aexCost);
    }
  }

  private decidePreempt(st: SimThread): number {
    const cpu = this.cpus[st.cpu]!;
    const P = this.opt.profile;
    if (cpu.needResched || (this.wantsCpu(cpu.id) && this.now - st.runSince >= P.timeslice)) {
      cpu.needResched = false;
      st.reschedOk = false;
      return PREEMPT_RESCHED;
    }
    if (this.now >= cpu.nextTick) {
      cpu.nextTick = (Math.floor(this.now / P.tick) + 1) * P.tick;
      return PREEMPT_TICK;
    }
    return PREEMPT_NONE;
  }

  private cost(op: Op, st: SimThread, P: CostProfile): number {
    switch (op.kind) {
      case "encls":
        return P.encls[op.leaf];
      case "ipi":
        return op.targets ? P.ipi_base + P.ipi_per_cpu * op.targets : 0;
      case "work":
        return workCost(op.what, P) * op.n;
      case "enclave_run":
        return op.touches * st.touchNs;
      case "aex":
        return P.aex_eresume;
      case "eenter":
        return P.eenter;
      case "eexit":
        return P.eexit;
      case "syscall":
        return P.syscall;
      default:
        return 0;
    }
  }

  // ---- CPU scheduling -------------------------------------------------------------------------

  private allowed(st: SimThread, cpu: number): boolean {
    const pin = st.t.spec.cpu;
    return pin < 0 || pin === cpu;
  }

  private wantsCpu(cpu: number): boolean {
    const runq = this.runq;
    for (let i = 0; i < runq.length; i++) if (this.allowed(runq[i]!, cpu)) return true;
    return false;
  }

  private makeRunnable(st: SimThread, delay: number): void {
    st.state = "runnable";
    st.readyAt = this.now + delay;
    this.runq.push(st);
    this.dispatch();
  }

  private dispatch(): void {
    const runq = this.runq;
    if (runq.length === 0) return;
    const cpus = this.cpus;
    for (let c = 0; c < cpus.length; c++) {
      const cpu = cpus[c]!;
      if (cpu.thread) continue;
      // The first runnable thread allowed on this CPU leaves the run queue (FIFO).
      let i = 0;
      while (i < runq.length && !this.allowed(runq[i]!, cpu.id)) i++;
      if (i === runq.length) continue;
      const st = runq[i]!;
      for (let j = i + 1; j < runq.length; j++) runq[j - 1] = runq[j]!;
      runq.length--;
      this.assign(cpu, st);
      if (runq.length === 0) return;
    }
    // No idle CPU: a runnable kernel thread asks a CPU running a user thread to reschedule.
    for (let k = 0; k < runq.length; k++) {
      const w = runq[k]!;
      if (w.t.spec.kind !== "kthread") continue;
      for (let c = 0; c < cpus.length; c++) {
        const cpu = cpus[c]!;
        if (cpu.thread?.t.spec.kind === "user" && !cpu.needResched && this.allowed(w, cpu.id)) {
          cpu.needResched = true;
          break;
        }
      }
    }
  }

  private assign(cpu: SimCpu, st: SimThread): void {
    const task = st.t.spec.task as task_struct;
    const switching = cpu.last !== task;
    cpu.thread = st;
    st.cpu = cpu.id;
    st.state = "running";
    this.m.context_switch(cpu.id, task, cpu.last);
    cpu.last = task;
    st.runSince = this.now;
    if (switching) this.metrics.contextSwitch();
    const at = Math.max(this.now, st.readyAt) + (switching ? this.opt.profile.context_switch : 0);
    st.stretchFrom = at;
    this.tracer?.running(cpu.id, st.t.id, at);
    this.schedule(st, at);
  }

  private releaseCpu(st: SimThread): void {
    if (st.cpu < 0) return;
    this.endStretch(st, this.now, this.now);
    const cpu = this.cpus[st.cpu]!;
    if (cpu.thread === st) cpu.thread = null;
    this.tracer?.stopped(cpu.id, this.now, st.t.name);
    st.cpu = -1;
    if (!this.wantsCpu(cpu.id) && cpu.last) {
      this.m.cpu_idle(cpu.id, cpu.last);
      cpu.last = null;
    }
  }

  private yieldCpu(st: SimThread): void {
    this.releaseCpu(st);
    st.state = "runnable";
    st.readyAt = this.now;
    this.runq.push(st);
    this.dispatch();
  }

  private finish(st: SimThread): void {
    st.state = "done";
    if (st.t.spec.kind === "user") {
      this.liveUser--;
      // While draining, the last user thread's exit is not the end: the kernel's work is.
      if (this.liveUser === 0 && this.end === null && !this.draining) this.end = "workload_done";
    }
    this.releaseCpu(st);
    this.dispatch();
  }
}

/** softlockup_thresh: 2 x the default watchdog_thresh of 10 s. */
const SOFTLOCKUP_NS = 20e9;

function workCost(what: string, P: CostProfile): number {
  switch (what) {
    case "fault_entry":
      return P.fault_entry;
    case "test_young":
      return P.test_young;
    case "zap_pte":
      return P.zap_pte;
    case "shmem_lookup":
      return P.shmem_lookup;
    case "shmem_alloc":
      return P.shmem_alloc;
    case "shmem_truncate":
      return P.shmem_truncate;
    case "lru_op":
      return P.lru_op;
    case "freelist_op":
      return P.freelist_op;
    case "xa_walk":
      return P.xa_walk;
    default:
      return 0;
  }
}
