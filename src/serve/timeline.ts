/**
 * The web UI's timeline of a run, from its summary trace (sim/trace_recorder.ts): the spans of the
 * CPU tracks as columns of numbers (a 10-million-op run has millions of them; objects would be
 * many times larger) and the counter series. The server answers views of it as tiles (tiles.ts).
 */
import { CPU_PID, EPC_PID, TASK_PID, type TraceData } from "../sim/trace_recorder.ts";
import type { OpsWindow, Timeline } from "./api_types.ts";

export type { Timeline };

const MODES = new Set(["enclave mode", "user mode", "kernel", "AEX + ERESUME"]);

/** A timeline with no spans yet. */
export function emptyTimeline(): Timeline {
  return { cpus: 0, labels: [], cpu: [], depth: [], label: [], ts: [], dur: [], counters: {}, end: 0 };
}

/** Append a span (times in ns) to the columns; `cpus` and `end` are the caller's. */
export function pushSpan(
  t: Timeline,
  cpu: number,
  depth: number,
  label: number,
  ts: number,
  dur: number,
): void {
  t.cpu.push(cpu);
  t.depth.push(depth);
  t.label.push(label);
  t.ts.push(ts);
  t.dur.push(dur);
}

export function timelineOf(trace: TraceData, threads: { id: number; name: string }[]): Timeline {
  const names = new Set(threads.map((t) => t.name));
  const t = emptyTimeline();
  const ids = new Map<string, number>();
  for (const e of trace.events) {
    if (e.ph === "X" && e.pid === CPU_PID) {
      let id = ids.get(e.name);
      if (id === undefined) {
        id = t.labels.length;
        ids.set(e.name, id);
        t.labels.push(e.name);
      }
      const ts = Math.round(e.ts! * 1000);
      const dur = Math.round(e.dur! * 1000);
      pushSpan(t, e.tid!, MODES.has(e.name) && !names.has(e.name) ? 1 : 0, id, ts, dur);
      t.cpus = Math.max(t.cpus, e.tid! + 1);
      t.end = Math.max(t.end, ts + dur);
    } else if (e.ph === "C" && e.pid === EPC_PID) {
      const c = (t.counters[e.name] ??= {});
      for (const [k, v] of Object.entries(e.args ?? {}))
        (c[k] ??= []).push([Math.round(e.ts! * 1000), Number(v)]);
    }
  }
  return t;
}

/** The ops of an op-detail trace of a window, as columns. */
export function opsOf(
  trace: TraceData,
  threads: { id: number; name: string }[],
  from: number,
  to: number,
): OpsWindow {
  const o: OpsWindow = { from, to, tasks: {}, labels: [], task: [], label: [], ts: [], dur: [] };
  for (const t of threads) o.tasks[t.id] = t.name;
  const ids = new Map<string, number>();
  for (const e of trace.events) {
    if (e.ph !== "X" || e.pid !== TASK_PID) continue;
    let id = ids.get(e.name);
    if (id === undefined) {
      id = o.labels.length;
      ids.set(e.name, id);
      o.labels.push(e.name);
    }
    o.task.push(e.tid!);
    o.label.push(id);
    o.ts.push(Math.round(e.ts! * 1000));
    o.dur.push(Math.round(e.dur! * 1000));
  }
  return o;
}
