/**
 * The timed simulator's trace, in the Chrome trace-event format that Perfetto opens:
 * - a "CPUs" process with a track per CPU: the task running there (a span per stay on the CPU)
 *   and, nested in it, what the CPU executes: enclave mode, kernel code, user code, and the
 *   AEX + ERESUME an IPI forces (a flow arrow from the IPI to each AEX it causes);
 * - a "tasks" process with a track per model thread: every executed op (detail "ops"), or the
 *   kernel functions on its call stack as nested spans, as ftrace's function_graph shows them
 *   (detail "functions"); a flow from each wake-up (or lock release) to the task it woke;
 * - a "locks" process: a span per lock hold and per wait, by lock class (async slices);
 * - counter tracks: free EPC pages per node, reclaimable pages on the LRU and isolated by the
 *   reclaimer, backing pages, misc.current of each cgroup.
 * Event names are stable (`spin_lock sgx_reclaimer_lock`), numbers go to `args`, so Perfetto can
 * aggregate. Timestamps are microseconds (the format's unit) with nanosecond fractions.
 * Detail "summary" keeps only the CPU tracks, the IPI -> AEX flows and the counters.
 */

import { LINK_NONE, LIST_POISON } from "../model/kernel/lib/list.ts";
import { SGX_EPC_PAGE_IS_FREE, SGX_EPC_PAGE_RECLAIMER_TRACKED } from "../model/kernel/sgx/sgx.ts";
import type { Machine } from "../model/machine.ts";
import { isLockOp, type Op } from "../rt/ops.ts";
import { waitLoc } from "../rt/thread.ts";

export type TraceDetail = "ops" | "functions" | "summary";

export interface TraceOptions {
  detail: TraceDetail;
  /** Only events in [from, to) of simulated time (ns) are kept; null: the whole run. */
  window: { from: number; to: number } | null;
  /** Period of the counter tracks (ns). */
  counterNs: number;
}

/** One trace event as the format defines it (`ph` decides which fields matter). */
export interface ChromeEvent {
  name: string;
  ph: "X" | "B" | "E" | "b" | "e" | "s" | "f" | "C" | "M" | "i";
  pid: number;
  tid?: number;
  ts?: number;
  dur?: number;
  cat?: string;
  id?: number;
  bp?: "e";
  s?: "t" | "p" | "g";
  args?: Record<string, string | number>;
}

export interface TraceData {
  events: ChromeEvent[];
  detail: TraceDetail;
  window: TraceOptions["window"];
}

export const CPU_PID = 1;
export const TASK_PID = 2;
export const LOCK_PID = 3;
export const EPC_PID = 4;

const us = (ns: number) => ns / 1000;

/** What a CPU executes during an op: the mode its track shows. */
function modeOf(op: Op): string {
  switch (op.kind) {
    case "enclave_run":
    case "eresume":
      return "enclave mode";
    case "eenter":
    case "eexit":
    case "aex":
    case "syscall":
    case "page_fault":
    case "sigbus":
    case "sigsegv":
    case "epcm_fault":
      return "user mode";
    default:
      return "kernel";
  }
}

/** A stable event name for an op (no numbers) and its arguments. */
export function opEvent(op: Op): { name: string; args: Record<string, string | number> } {
  if (isLockOp(op))
    return { name: `${op.kind} ${op.lock.cls}`, args: { lock: `${op.lock.cls}#${op.lock.id}` } };
  switch (op.kind) {
    case "atomic":
      return { name: `atomic ${op.what}`, args: { loc: op.loc.id } };
    case "read":
    case "write":
      return { name: `${op.kind} ${op.what}`, args: { sub: op.sub } };
    case "encls":
      return { name: `ENCLS[${op.leaf}]`, args: { epc_page: op.page, ret: op.ret } };
    case "ipi":
      return { name: `IPI ${op.why}`, args: { targets: op.targets, aex: op.aex.length } };
    case "sleep":
      return { name: `schedule ${op.wq.cls}`, args: {} };
    case "wake_up":
      return { name: `wake_up ${op.wq.cls}`, args: { woken: op.woken.length } };
    case "srcu_sync":
      return { name: `synchronize_srcu ${op.srcu.cls}`, args: {} };
    case "work":
      return { name: `work ${op.what}`, args: { n: op.n } };
    case "choose":
      return { name: `choose ${op.why}`, args: { n: op.n } };
    case "spawn":
      return { name: "spawn", args: { comm: op.thread.task.comm } };
    case "enclave_run":
      return { name: "enclave_run", args: { budget: op.budget, touches: op.touches } };
    case "msleep":
      return { name: "msleep", args: { ns: op.ns } };
    case "mark":
      return { name: `mark ${op.what}`, args: { detail: op.detail } };
    case "eenter":
    case "eresume":
    case "eexit":
    case "aex":
    case "page_fault":
    case "sigbus":
    case "syscall":
    case "epcm_fault":
    case "sigsegv":
      return { name: op.kind, args: { page: op.page, why: op.why } };
    default:
      return { name: op.kind, args: {} };
  }
}

/** The kernel functions on an op's stack, outermost first, from its captured site. */
function functionsOf(op: Op): string[] {
  const site = (op as { site?: string }).site;
  if (!site) return [];
  return site
    .split(" < ")
    .map((f) => f.slice(0, f.indexOf(" (")))
    .reverse();
}

interface CpuState {
  /** The task on the CPU and since when (-1: idle). */
  tid: number;
  from: number;
  /** The open mode span. */
  mode: string;
  modeFrom: number;
  modeTo: number;
}

export class TraceRecorder {
  readonly events: ChromeEvent[] = [];
  private readonly cpus: CpuState[];
  /** Held locks: `${tid}:${lock id}` -> start and class. */
  private readonly held = new Map<string, { from: number; cls: string; id: number }>();
  /** Woken tasks waiting for their next op to end a wake flow: tid -> flow id. */
  private readonly wakeFlows = new Map<number, { waker: number; at: number }>();
  /** Open function spans per task (detail "functions"), outermost first. */
  private readonly stacks = new Map<number, string[]>();
  private nextId = 1;
  private readonly from: number;
  private readonly to: number;
  /** The op being recorded has its X event on the task track (flows can bind to it). */
  private opOnTrack = false;
  /** The IPI op just recorded (its AEXes follow), when it is on its task's track. */
  private ipi: { tid: number; at: number } | null = null;

  constructor(
    readonly opt: TraceOptions,
    nrCpus: number,
  ) {
    this.cpus = Array.from({ length: nrCpus }, () => ({
      tid: -1,
      from: 0,
      mode: "",
      modeFrom: 0,
      modeTo: 0,
    }));
    this.from = opt.window?.from ?? 0;
    this.to = opt.window?.to ?? Number.POSITIVE_INFINITY;
  }

  /** A complete event, clipped to the window; false when it lies outside. */
  private span(
    pid: number,
    tid: number,
    name: string,
    ts: number,
    end: number,
    args?: ChromeEvent["args"],
  ): boolean {
    const a = Math.max(ts, this.from);
    const b = Math.min(end, this.to);
    if (b < a || (b === a && (ts < this.from || ts >= this.to))) return false;
    const e: ChromeEvent = { name, ph: "X", pid, tid, ts: us(a), dur: us(b - a) };
    if (args) e.args = args;
    this.events.push(e);
    return true;
  }

  private inWindow(ts: number): boolean {
    return ts >= this.from && ts < this.to;
  }

  // ---- CPU tracks -----------------------------------------------------------------------------

  /** `tid` starts running on `cpu` at `at`. */
  running(cpu: number, tid: number, at: number): void {
    const c = this.cpus[cpu]!;
    c.tid = tid;
    c.from = at;
    c.mode = "";
  }

  /** The task on `cpu` leaves it at `at`. */
  stopped(cpu: number, at: number, name: string): void {
    const c = this.cpus[cpu]!;
    if (c.tid < 0) return;
    this.closeMode(cpu, Math.min(c.modeTo, at));
    this.span(CPU_PID, cpu, name, c.from, Math.max(at, c.from), { task: c.tid });
    c.tid = -1;
  }

  private closeMode(cpu: number, at: number): void {
    const c = this.cpus[cpu]!;
    if (c.mode) this.span(CPU_PID, cpu, c.mode, c.modeFrom, Math.max(at, c.modeFrom));
    c.mode = "";
  }

  /** The CPU executes `mode` over [at, at + dur): extend the open span or start another. */
  private mode(cpu: number, mode: string, at: number, dur: number): void {
    const c = this.cpus[cpu];
    if (!c || c.tid < 0) return;
    if (c.mode === mode && at <= c.modeTo) {
      c.modeTo = Math.max(c.modeTo, at + dur);
      return;
    }
    this.closeMode(cpu, Math.min(c.modeTo, at));
    c.mode = mode;
    c.modeFrom = at;
    c.modeTo = at + dur;
  }

  /**
   * The IPI just recorded forced the enclave thread on `cpu` out (AEX, then ERESUME) at `at` for
   * `cost`: the open enclave span is cut there and resumes after it, with a flow arrow from the IPI.
   */
  aex(cpu: number, at: number, cost: number): void {
    const c = this.cpus[cpu];
    if (!c || c.tid < 0) return;
    const resumeTo = c.modeTo + cost;
    const wasEnclave = c.mode === "enclave mode";
    this.closeMode(cpu, Math.min(c.modeTo, at));
    if (this.span(CPU_PID, cpu, "AEX + ERESUME", at, at + cost, { task: c.tid }) && this.ipi) {
      // One flow per target CPU: the format pairs each start with one finish.
      const id = this.nextId++;
      const from = this.ipi;
      this.events.push({
        name: "IPI -> AEX",
        ph: "s",
        cat: "ipi",
        id,
        pid: TASK_PID,
        tid: from.tid,
        ts: us(from.at),
      });
      this.events.push({
        name: "IPI -> AEX",
        ph: "f",
        bp: "e",
        cat: "ipi",
        id,
        pid: CPU_PID,
        tid: cpu,
        ts: us(at),
      });
    }
    if (wasEnclave && resumeTo > at + cost) {
      c.mode = "enclave mode";
      c.modeFrom = at + cost;
      c.modeTo = resumeTo;
    }
  }

  // ---- task tracks ----------------------------------------------------------------------------

  /**
   * An op executed by task `tid` on `cpu` at `at` for `cost`; `waitedFrom` >= 0 when it waited
   * (a lock, a wait queue) since then.
   */
  op(tid: number, cpu: number, op: Op, at: number, cost: number, waitedFrom: number): void {
    const detail = this.opt.detail;
    this.mode(cpu, modeOf(op), at, cost);
    this.opOnTrack = false;
    const { name, args } = opEvent(op);
    if (detail === "functions") this.functions(tid, functionsOf(op), at);
    if (detail !== "summary" || op.kind === "ipi") {
      if (detail !== "ops" && op.kind !== "ipi") {
        // Functions detail: ops stay visible as instants inside their function's span.
        if (this.inWindow(at))
          this.events.push({ name, ph: "i", s: "t", pid: TASK_PID, tid, ts: us(at), args });
      } else this.opOnTrack = this.span(TASK_PID, tid, name, at, at + cost, args);
    }
    // A wake flow goes from the last waker's op to the first op of the woken task; both ends are
    // written together, so a task woken again (or never run again) leaves no dangling start.
    const w = this.wakeFlows.get(tid);
    if (w !== undefined) {
      this.wakeFlows.delete(tid);
      if (this.opOnTrack) {
        const id = this.nextId++;
        this.events.push({
          name: "wake",
          ph: "s",
          cat: "wake",
          id,
          pid: TASK_PID,
          tid: w.waker,
          ts: us(w.at),
        });
        this.events.push({ name: "wake", ph: "f", bp: "e", cat: "wake", id, pid: TASK_PID, tid, ts: us(at) });
      }
    }
    if (detail !== "summary") this.locks(tid, op, at, waitedFrom);
    this.ipi = op.kind === "ipi" && this.opOnTrack ? { tid, at } : null;
  }

  /** Task `waker` (at its op at `at`) woke `woken`: a flow to the woken task's next op. */
  wake(waker: number, woken: number, at: number): void {
    // Flows bind to the ops' slices, which only detail "ops" has for every op.
    if (this.opt.detail !== "ops" || !this.opOnTrack) return;
    this.wakeFlows.set(woken, { waker, at });
  }

  private locks(tid: number, op: Op, at: number, waitedFrom: number): void {
    if (!isLockOp(op)) return;
    const { lock } = op;
    const key = `${tid}:${lock.id}`;
    // An acquisition is an op that waits on its lock (waitLoc), a release one that frees it.
    if (waitLoc(op) >= 0) {
      if (waitedFrom >= 0 && waitedFrom < at) this.async(`wait ${lock.cls}`, tid, lock.id, waitedFrom, at);
      this.held.set(key, { from: at, cls: lock.cls, id: lock.id });
      return;
    }
    const h = this.held.get(key);
    if (!h) return;
    this.held.delete(key);
    this.async(`hold ${h.cls}`, tid, h.id, h.from, at);
  }

  /** A lock hold or wait as an async slice of the "locks" process (holders may overlap). */
  private async(name: string, tid: number, lock: number, from: number, to: number): void {
    const a = Math.max(from, this.from);
    const b = Math.min(to, this.to);
    if (b < a) return;
    const id = this.nextId++;
    const args = { task: tid, lock };
    this.events.push({ name, ph: "b", cat: "lock", id, pid: LOCK_PID, ts: us(a), args });
    this.events.push({ name, ph: "e", cat: "lock", id, pid: LOCK_PID, ts: us(b) });
  }

  /** Detail "functions": open and close spans so the task's track shows `stack` at `at`. */
  private functions(tid: number, stack: string[], at: number): void {
    const open = this.stacks.get(tid) ?? [];
    const inside = this.inWindow(at);
    const want = inside ? stack : [];
    let common = 0;
    while (common < open.length && common < want.length && open[common] === want[common]) common++;
    const ts = us(Math.min(Math.max(at, this.from), this.to));
    for (let i = open.length - 1; i >= common; i--)
      this.events.push({ name: open[i]!, ph: "E", pid: TASK_PID, tid, ts });
    for (let i = common; i < want.length; i++)
      this.events.push({ name: want[i]!, ph: "B", pid: TASK_PID, tid, ts });
    this.stacks.set(tid, want.slice());
  }

  // ---- counters -------------------------------------------------------------------------------

  /** Counter tracks at `at`, from one pass over the EPC pages. */
  counters(m: Machine, at: number, backingPages: number): void {
    if (!this.inWindow(at)) return;
    const P = m.pages;
    const nodes = Math.max(1, m.sgx.sgx_numa_nodes.length);
    const free = new Array<number>(nodes).fill(0);
    let onLru = 0;
    let isolated = 0;
    let inUse = 0;
    for (let p = 0; p < P.nr_pages; p++) {
      const flags = P.flags.get(p);
      if (flags & SGX_EPC_PAGE_IS_FREE) {
        free[m.nodeOf(p).nid]!++;
        continue;
      }
      inUse++;
      if (flags & SGX_EPC_PAGE_RECLAIMER_TRACKED) {
        // Tracked and linked: on the LRU; tracked but unlinked (list_del_init): isolated.
        const next = P.next.get(p);
        if (next !== p && next !== LINK_NONE && next !== LIST_POISON) onLru++;
        else isolated++;
      }
    }
    const ts = us(at);
    const freeArgs: Record<string, number> = {};
    free.forEach((n, i) => {
      freeArgs[`node${i}`] = n;
    });
    this.events.push({ name: "free EPC pages", ph: "C", pid: EPC_PID, ts, args: freeArgs });
    this.events.push({
      name: "EPC pages in use",
      ph: "C",
      pid: EPC_PID,
      ts,
      args: { "on the LRU": onLru, "isolated by the reclaimer": isolated, other: inUse - onLru - isolated },
    });
    this.events.push({ name: "backing pages", ph: "C", pid: EPC_PID, ts, args: { pages: backingPages } });
    if (m.misc.all.length > 1) {
      const usage: Record<string, number> = {};
      for (const cg of m.misc.all) if (cg.parent) usage[cg.name] = cg.res.usage.v / 4096;
      this.events.push({ name: "misc.current (pages)", ph: "C", pid: EPC_PID, ts, args: usage });
    }
  }

  /** Close what is still open at `at` and add the track names. */
  finish(at: number, threads: { id: number; name: string }[]): TraceData {
    const names = new Map(threads.map((t) => [t.id, t.name]));
    this.cpus.forEach((c, cpu) => {
      if (c.tid >= 0) this.stopped(cpu, at, names.get(c.tid) ?? `task ${c.tid}`);
    });
    for (const [key, h] of this.held)
      this.async(`hold ${h.cls}`, Number(key.split(":")[0]), h.id, h.from, at);
    this.held.clear();
    for (const tid of [...this.stacks.keys()]) this.functions(tid, [], Math.min(this.to, at));
    const meta: ChromeEvent[] = [
      { name: "process_name", ph: "M", pid: CPU_PID, args: { name: "CPUs" } },
      { name: "process_sort_index", ph: "M", pid: CPU_PID, args: { sort_index: 1 } },
      { name: "process_name", ph: "M", pid: TASK_PID, args: { name: "tasks" } },
      { name: "process_sort_index", ph: "M", pid: TASK_PID, args: { sort_index: 2 } },
      { name: "process_name", ph: "M", pid: LOCK_PID, args: { name: "locks" } },
      { name: "process_sort_index", ph: "M", pid: LOCK_PID, args: { sort_index: 3 } },
      { name: "process_name", ph: "M", pid: EPC_PID, args: { name: "EPC" } },
      { name: "process_sort_index", ph: "M", pid: EPC_PID, args: { sort_index: 0 } },
    ];
    this.cpus.forEach((_, cpu) => {
      meta.push({ name: "thread_name", ph: "M", pid: CPU_PID, tid: cpu, args: { name: `CPU ${cpu}` } });
      meta.push({ name: "thread_sort_index", ph: "M", pid: CPU_PID, tid: cpu, args: { sort_index: cpu } });
    });
    for (const t of threads)
      meta.push({ name: "thread_name", ph: "M", pid: TASK_PID, tid: t.id, args: { name: t.name } });
    return { events: [...meta, ...this.events], detail: this.opt.detail, window: this.opt.window };
  }
}

/** Counter tracks every 100 us of simulated time: fine enough to see a reclaim round's effect. */
const COUNTER_NS = 100_000;

/** Trace options from a run's option: true is the whole run at op detail. */
export function traceOptions(v: boolean | Partial<TraceOptions> | undefined): TraceOptions | null {
  if (!v) return null;
  const o = v === true ? {} : v;
  return { detail: o.detail ?? "ops", window: o.window ?? null, counterNs: o.counterNs ?? COUNTER_NS };
}
