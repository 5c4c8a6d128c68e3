/**
 * User space around cgroups: an administrator who writes cgroup files and kills processes at given
 * times (a scenario's `events`), and the EPC cgroup selftest's shell script
 * (run_epc_cg_selftests.sh: set limits, start test processes in cgroups, kill one, check the
 * results and the final misc.current), which a scenario's `steps` describe.
 *
 * Both run as threads of their own. Times are a program's sleeps (msleep); random choices (a time
 * in a range, which process to kill) go through choose ops, so a seed decides them.
 */
import type { ChooseOp, ModelGen, SpawnOp } from "../../rt/ops.ts";
import { withSite } from "../../rt/site.ts";
import { type misc_cg, misc_cg_current, misc_cg_max_write } from "../kernel/cgroup/misc.ts";
import { errnoName } from "../kernel/lib/errno.ts";
import type { mem_cgroup } from "../kernel/lib/memcg.ts";
import { msleep, wait_event, wait_queue_head_t, wake_up } from "../kernel/lib/sched.ts";
import type { Machine } from "../machine.ts";
import { newProcess, type Process, send_sigkill } from "./process.ts";
import { type ProcessProgram, process_main } from "./program.ts";

/** A write to a cgroup's files: misc.max (sgx_epc, bytes), memory.max (bytes), memory.swap.max. */
export interface CgroupWrite {
  cgroup: misc_cg;
  memcg: mem_cgroup;
  misc_max?: number;
  memory_max?: number;
  /** memory.swap.max: false = 0 (no swap for this cgroup), true = max. */
  swap?: boolean;
}

/** An administrator's action. */
export type AdminAction =
  | { kind: "write"; w: CgroupWrite }
  /** swapoff -a (false) / swapon -a (true). */
  | { kind: "swap"; on: boolean }
  /** kill -9 one of these processes, chosen at random (one name: that one). */
  | { kind: "kill"; procs: string[] };

/** An action at a simulated time since the start: a fixed time, or a random one in [min, max]. */
export interface TimedAction {
  at: number | [number, number];
  action: AdminAction;
}

/** A time in [min, max] at a 1 us granularity, decided by a choose op. */
function* pickTime(at: number | [number, number]): ModelGen<number> {
  if (typeof at === "number") return at;
  const [lo, hi] = at;
  const steps = Math.max(1, Math.floor((hi - lo) / 1000) + 1);
  const k = steps > 1 ? yield withSite<ChooseOp>({ kind: "choose", n: steps, why: "time in range" }) : 0;
  return Math.min(hi, lo + k * 1000);
}

/** Sleep `ns`, then go on; the mark shows the wake-up in traces. */
function* sleep(m: Machine, ns: number): ModelGen {
  yield* msleep(m, ns);
  yield* m.mark("woke", ns);
}

/** One of `n` things at random. */
function* pickOne(n: number, why: string): ModelGen<number> {
  return n > 1 ? yield withSite<ChooseOp>({ kind: "choose", n, why }) : 0;
}

/** Apply an administrator's action. Returns the name of a killed process, if any. */
export function* apply_action(
  m: Machine,
  a: AdminAction,
  procs: ReadonlyMap<string, Process>,
): ModelGen<string | null> {
  switch (a.kind) {
    case "write": {
      const w = a.w;
      if (w.misc_max !== undefined) yield* misc_cg_max_write(m, w.cgroup, w.misc_max);
      // memory.max in the model counts 4 KiB pages of backing store.
      if (w.memory_max !== undefined) w.memcg.max = Math.floor(w.memory_max / 4096);
      if (w.swap !== undefined) w.memcg.swap = w.swap;
      return null;
    }
    case "swap":
      for (const cg of m.memcgs.values()) cg.swap = a.on;
      return null;
    case "kill": {
      const name = a.procs[yield* pickOne(a.procs.length, "process to kill")]!;
      const p = procs.get(name);
      if (p && !p.exited) send_sigkill(m, p);
      return name;
    }
  }
}

/**
 * The administrator of a scenario's `events`: sleeps until each action's time and applies it.
 * Runs as a kernel-side helper thread that does not keep the run alive.
 */
export function* cgroup_events_main(
  m: Machine,
  events: TimedAction[],
  procs: ReadonlyMap<string, Process>,
): ModelGen {
  const timed: { t: number; a: AdminAction; i: number }[] = [];
  for (let i = 0; i < events.length; i++)
    timed.push({ t: yield* pickTime(events[i]!.at), a: events[i]!.action, i });
  timed.sort((x, y) => x.t - y.t || x.i - y.i);
  let now = 0;
  for (const e of timed) {
    if (e.t > now) yield* sleep(m, e.t - now);
    now = Math.max(now, e.t);
    yield* apply_action(m, e.a, procs);
  }
}

/** What a selftest step expects of its processes (the selftest's words). */
export type StepExpect =
  | {
      kind:
        | "fail"
        | "all fail"
        | "at least one succeeds"
        | "at least one fails"
        | "all succeed"
        | "all others succeed";
    }
  | { kind: "misc_current"; cgroup: misc_cg; equals: number };

/** A process a step starts: its program, its cgroup and memcg. */
export interface StepProcess {
  name: string;
  cgroup: misc_cg;
  memcg: mem_cgroup | null;
  prog: ProcessProgram;
}

/** One step of the selftest script. */
export interface SelftestStep {
  name: string;
  /** Cgroup writes and swapoff/swapon before the processes start. */
  before: AdminAction[];
  processes: StepProcess[];
  /** Time between two process starts (the shell's fork and exec of each background job). */
  start_interval: number;
  /** Kill one of the step's processes at random after a random delay in this range (ns). */
  kill_random_after: [number, number] | null;
  /** Sleep after the processes exited, before the check (ns). */
  wait: number;
  expect: StepExpect;
}

/** A step's outcome, as `epcsim run --json` reports it. */
export interface StepResult {
  name: string;
  expected: string;
  observed: string;
  passed: boolean;
  /** Processes the step started, those that succeeded, failed (build error, SIGBUS, bad data, killed). */
  processes: number;
  succeeded: number;
  failed: number;
  /** The process the step killed, if any. */
  killed: string | null;
  /** How each process ended: "ok", "build failed: -ENOMEM", "failed" (SIGBUS, bad data, killed). */
  outcomes: Record<string, string>;
  /** misc.current (bytes) of the checked cgroup, for a misc_current step. */
  misc_current: number | null;
}

/** The expectation of a step as the selftest states it. */
export function describeExpect(e: StepExpect): string {
  return e.kind === "misc_current"
    ? `misc.current of ${e.cgroup.name || "/"} == ${e.equals}`
    : e.kind === "fail"
      ? "the process fails"
      : e.kind;
}

/** How a process ended. */
function outcome(p: Process): string {
  if (p.buildError) return `build failed: -${errnoName(p.buildError)}`;
  if (p.failed) return "failed";
  return p.exited ? "ok" : "running";
}

/** Did a process of the step succeed (built its enclave and ran its threads to the end, intact)? */
function succeeded(p: Process): boolean {
  return p.exited && p.buildError === 0 && !p.failed;
}

/**
 * The selftest's shell script: each step in turn, its processes started together (ash_cgexec.sh
 * puts each in its cgroup), waited for, and checked. Results go to `results`.
 */
export function* selftest_main(m: Machine, steps: SelftestStep[], results: StepResult[]): ModelGen {
  const wq = new wait_queue_head_t(m.newId(), "selftest wait");
  for (const step of steps) {
    const procs = new Map<string, Process>();
    for (const a of step.before) yield* apply_action(m, a, procs);
    let running = 0;
    for (const [i, sp] of step.processes.entries()) {
      if (i > 0 && step.start_interval) yield* sleep(m, step.start_interval);
      const proc = newProcess(m, sp.name);
      m.misc.mm_cg.set(proc.mm.id, sp.cgroup.id);
      if (sp.memcg) proc.mm.memcg = sp.memcg;
      procs.set(sp.name, proc);
      const task = m.newTask(sp.name, 0, proc.mm);
      running++;
      yield withSite<SpawnOp>({
        kind: "spawn",
        thread: {
          task,
          kind: "user",
          cpu: -1,
          body: function* () {
            yield* process_main(m, proc, sp.prog);
            running--;
            yield* wake_up(m, wq);
          },
        },
      });
    }
    let killed: string | null = null;
    if (step.kill_random_after && step.processes.length) {
      yield* sleep(m, yield* pickTime(step.kill_random_after));
      killed = yield* apply_action(m, { kind: "kill", procs: step.processes.map((p) => p.name) }, procs);
    }
    yield* wait_event(m, wq, function* () {
      return running === 0;
    });
    if (step.wait) yield* sleep(m, step.wait);
    results.push(evaluate(step, procs, killed));
  }
}

function evaluate(step: SelftestStep, procs: Map<string, Process>, killed: string | null): StepResult {
  const all = [...procs.values()];
  const ok = all.filter(succeeded).length;
  const n = all.length;
  const r: StepResult = {
    name: step.name,
    expected: describeExpect(step.expect),
    observed: "",
    passed: false,
    processes: n,
    succeeded: ok,
    failed: n - ok,
    killed,
    misc_current: null,
    outcomes: Object.fromEntries(all.map((p) => [p.name, outcome(p)])),
  };
  const e = step.expect;
  switch (e.kind) {
    case "misc_current": {
      const v = misc_cg_current(e.cgroup);
      r.misc_current = v;
      r.observed = `misc.current of ${e.cgroup.name || "/"} == ${v}`;
      r.passed = v === e.equals;
      return r;
    }
    case "fail":
    case "all fail":
      r.observed = `${n - ok} of ${n} failed`;
      r.passed = n > 0 && ok === 0;
      return r;
    case "at least one succeeds":
      r.observed = `${ok} of ${n} succeeded`;
      r.passed = ok >= 1;
      return r;
    case "at least one fails":
      r.observed = `${n - ok} of ${n} failed`;
      r.passed = n - ok >= 1;
      return r;
    case "all succeed":
      r.observed = `${ok} of ${n} succeeded`;
      r.passed = n > 0 && ok === n;
      return r;
    case "all others succeed": {
      const others = all.filter((p) => p.name !== killed);
      const good = others.filter(succeeded).length;
      r.observed = `${killed ?? "nobody"} killed; ${good} of ${others.length} others succeeded`;
      r.passed = killed !== null && good === others.length;
      return r;
    }
  }
}
