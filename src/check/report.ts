/**
 * Bug reports: replay the minimized schedule with source sites captured, then describe the
 * violated property, where the threads were preempted (the race window, in the style of a KCSAN
 * report: thread, model function and line, lock or page touched), and the whole schedule as a
 * per-thread listing.
 */

import type { Op } from "../rt/ops.ts";
import { siteCapture, siteOf } from "../rt/site.ts";
import { describeOp } from "../rt/thread.ts";
import { type CheckModel, execute, ReplayPicker } from "./engine.ts";
import type { Execution, Failure } from "./execution.ts";
import type { Candidate } from "./minimize.ts";

/** The kernel source file a model file follows (arch/x86/kernel/cpu/sgx/*.c), if it is one. */
const SGX_C: Record<string, string> = {
  "main.ts": "main.c",
  "encl.ts": "encl.c",
  "ioctl.ts": "ioctl.c",
  "driver.ts": "driver.c",
  "virt.ts": "virt.c",
  "epc_cgroup.ts": "epc_cgroup.c",
};

/** "sgx_reclaim_pages (main.ts:212) < ..." -> the innermost frame's kernel function and C file. */
export function kernelFunction(site: string): string {
  const m = /^([\w$.]+) \(([\w.]+):(\d+)\)/.exec(site.split(" < ")[0] ?? "");
  if (!m) return "";
  const c = SGX_C[m[2]!];
  return c ? `${m[1]}() in arch/x86/kernel/cpu/sgx/${c}` : `${m[1]}()`;
}

export interface ReportStep {
  step: number;
  thread: string;
  op: string;
  site: string;
}

export interface RaceWindow {
  /** The thread preempted, and its last op before the preemption. */
  preempted: ReportStep;
  /** The first and last op of the other thread(s) while it was off the CPU. */
  ranFirst: ReportStep;
  ranLast: ReportStep;
  /** The preempted thread's next op (if it ran again). */
  resumed: ReportStep | null;
}

export interface BugReport {
  failure: Failure;
  actors: string[];
  steps: ReportStep[];
  races: RaceWindow[];
  /** Kernel functions named in the race windows (for matching a commit message). */
  functions: string[];
  /**
   * The racing paths: the kinds of the actors (reclaim, access, ioctl, ...) whose threads run in the
   * race windows. With the property, a bug's signature: minimized schedules of one bug differ in
   * where exactly they preempt and which helpers they are in, rarely in which paths race.
   */
  racing: string[];
  text: string;
}

/** Replay a candidate with site capture on. */
export function replayWithSites(model: CheckModel, c: Candidate): { ex: Execution; failure: Failure | null } {
  siteCapture.on = true;
  try {
    const { ex, out } = execute(model, new ReplayPicker(c.schedule, c.choices, false), {
      // Exactly the schedule: an execution the watchdog cut fails again at the same step.
      maxSteps: c.schedule.length,
      everyStep: model.chk.invariants === "step",
      disabled: new Set(c.disabled),
    });
    return { ex, failure: out.failure };
  } finally {
    siteCapture.on = false;
  }
}

function row(ex: Execution, i: number): ReportStep {
  const s = ex.trace[i]!;
  return { step: i, thread: ex.actors[s.tid]!.name, op: describeOp(s.op as Op), site: siteOf(s.op) };
}

/** The preemptions of the schedule, as race windows. */
function raceWindows(ex: Execution, preemptedAt: number[]): RaceWindow[] {
  const out: RaceWindow[] = [];
  for (const i of preemptedAt) {
    const a = ex.trace[i]!.tid;
    let j = i + 1;
    while (j < ex.trace.length && ex.trace[j]!.tid === a) j++;
    if (j >= ex.trace.length) continue;
    let k = j;
    while (k + 1 < ex.trace.length && ex.trace[k + 1]!.tid !== a) k++;
    const resumed = k + 1 < ex.trace.length ? row(ex, k + 1) : null;
    out.push({ preempted: row(ex, i), ranFirst: row(ex, j), ranLast: row(ex, k), resumed });
  }
  return out;
}

function fnName(site: string): string {
  return site.split(" (")[0] ?? "";
}

export function buildReport(
  model: CheckModel,
  c: Candidate,
  meta: { scenario: string; kernel: string; stepsBefore: number; preemptionsBefore?: number },
): BugReport {
  const { ex, failure } = replayWithSites(model, c);
  if (!failure) throw new Error("the minimized schedule no longer fails on replay");
  // Preemption points: the step before a switch away from a thread that could have continued. The
  // replay does not record enabledness, so every switch away from a thread that later runs again
  // (or is blocked at the failure) counts; that is what a reader wants to see.
  const preempted: number[] = [];
  for (let i = 0; i + 1 < ex.trace.length; i++) {
    const a = ex.trace[i]!.tid;
    if (ex.trace[i + 1]!.tid === a) continue;
    const again = ex.trace.slice(i + 1).some((s) => s.tid === a) || !ex.threads[a]!.done;
    if (again) preempted.push(i);
  }
  const races = raceWindows(ex, preempted);
  const steps = ex.trace.map((_, i) => row(ex, i));
  // The kernel functions active in the race windows (every op of every thread, sites included);
  // without a preemption (the threads fail one after the other), those of the whole schedule.
  const functions: string[] = [];
  const spans = races.length
    ? races.map((r) => [r.preempted.step, r.resumed ? r.resumed.step : r.ranLast.step] as const)
    : [[0, ex.trace.length - 1] as const];
  for (const [start, end] of spans) {
    for (let i = start; i <= end; i++) {
      const st = ex.trace[i]!;
      for (const op of [st.op, ...(st.extra ?? [])]) {
        for (const f of siteOf(op).split(" < ").map(fnName)) {
          if (f && !f.endsWith("_actor") && !functions.includes(f)) functions.push(f);
        }
      }
    }
  }
  const racing: string[] = [];
  for (const [start, end] of spans)
    for (let i = start; i <= end; i++) {
      const a = ex.actors[ex.trace[i]!.tid]!;
      const path = a.spec?.kind ?? a.name.replace(/\d+$/, "");
      if (!racing.includes(path)) racing.push(path);
    }
  racing.sort();
  const actors = ex.actors.map((a) => a.name);
  const text = formatReport(meta, failure, actors, steps, races, ex, c);
  return { failure, actors, steps, races, functions, racing, text };
}

function formatReport(
  meta: { scenario: string; kernel: string; stepsBefore: number },
  f: Failure,
  actors: string[],
  steps: ReportStep[],
  races: RaceWindow[],
  ex: Execution,
  c: Candidate,
): string {
  const lines: string[] = [];
  lines.push(`BUG: ${f.property} in ${meta.scenario} (kernel ${meta.kernel})`);
  lines.push(`  ${f.detail}`);
  if (f.tid >= 0) lines.push(`  in thread ${actors[f.tid]}, after step ${steps.length - 1}`);
  lines.push("");
  if (!races.length) {
    lines.push("No race window: the failure needs no preemption, the threads run one after the other.");
    lines.push("");
  }
  // The kernel C function a site's innermost model frame follows (same name, in sgx/*.c).
  const at = (site: string) => {
    const k = kernelFunction(site);
    return `${site || "?"}${k.includes(" in ") ? `  [kernel: ${k}]` : ""}`;
  };
  if (races.length) {
    lines.push("Race windows (where the minimized schedule preempts a thread):");
    for (const r of races) {
      lines.push(`  ${r.preempted.thread} is preempted after step ${r.preempted.step}: ${r.preempted.op}`);
      lines.push(`      at ${at(r.preempted.site)}`);
      const n = r.ranLast.step - r.ranFirst.step + 1;
      lines.push(`  ${r.ranFirst.thread} runs ${n} step${n === 1 ? "" : "s"}, from ${r.ranFirst.op}`);
      lines.push(`      at ${at(r.ranFirst.site)}`);
      lines.push(`    to ${r.ranLast.op}`);
      lines.push(`      at ${at(r.ranLast.site)}`);
      if (r.resumed) {
        lines.push(`  ${r.resumed.thread} resumes at step ${r.resumed.step}: ${r.resumed.op}`);
        lines.push(`      at ${at(r.resumed.site)}`);
      }
      lines.push("");
    }
  }
  const dropped = c.disabled.map((d) => actors[d]).filter(Boolean);
  lines.push(
    // Steps as the summary line and the token count them: scheduling decisions, thread starts
    // included (a start runs no op, so it has no row below).
    `Schedule: ${c.schedule.length} steps (minimized from ${meta.stepsBefore}), ${steps.length} ops shown${dropped.length ? `; actors not needed: ${dropped.join(", ")}` : ""}`,
  );
  const used = actors
    .map((_, i) => i)
    .filter((i) => !c.disabled.includes(i) && ex.trace.some((s) => s.tid === i));
  // Wide enough for every function name: an op description is shortened, a name never is.
  const fnOf = (site: string) => (site ? fnName(site.split(" < ")[0]!) : "");
  const longestFn = Math.max(0, ...steps.map((s) => fnOf(s.site).length));
  const width = Math.max(48, longestFn + 30);
  lines.push(`  step | ${used.map((i) => actors[i]!.padEnd(width)).join(" | ")}`);
  const cell = (op: string, site: string) => {
    const fn = fnOf(site);
    const tail = fn ? `  [${fn}]` : "";
    const room = width - tail.length;
    return `${op.length > room ? `${op.slice(0, Math.max(0, room - 1))}…` : op}${tail}`;
  };
  const line = (label: string, tid: number, text: string) =>
    `  ${label.padStart(4)} | ${used.map((i) => (i === tid ? text.padEnd(width) : "".padEnd(width))).join(" | ")}`;
  // A schedule the watchdog cut is thousands of steps of one loop: show its start and its end.
  const HEAD = 150;
  const TAIL = 50;
  steps.forEach((s, k) => {
    if (steps.length > HEAD + TAIL + 1 && k >= HEAD && k < steps.length - TAIL) {
      if (k === HEAD) lines.push(`   ... | (${steps.length - HEAD - TAIL} steps not shown)`);
      return;
    }
    const st = ex.trace[s.step]!;
    lines.push(line(String(s.step), st.tid, cell(s.op, s.site)));
    for (const x of st.extra ?? []) lines.push(line("", st.tid, `  ${cell(describeOp(x), siteOf(x))}`));
  });
  return lines.join("\n");
}
