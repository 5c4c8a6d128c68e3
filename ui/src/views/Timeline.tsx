/**
 * Run timeline: start a run (a built-in scenario, or the editor's), follow its progress or cancel
 * it, then draw its CPU tracks and counters on a canvas. Spans narrower than a pixel are not drawn
 * one by one: each row keeps, per pixel column, the label that covers most of it (level of detail),
 * so a run of millions of ops draws in milliseconds; zooming in shows the single spans.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { api, fmtNs, pending, type Timeline } from "../api.ts";

const COLORS: Record<string, string> = {
  "enclave mode": "#59a14f",
  "user mode": "#76b7b2",
  kernel: "#4e79a7",
  "AEX + ERESUME": "#e15759",
};
const TASK_COLORS = ["#bab0ac", "#d4a6c8", "#f1ce63", "#9d7660", "#a0cbe8", "#ffbe7d"];
const ROW = 14;
const LANE_GAP = 6;
const LEFT = 60;
const COUNTER_H = 80;

interface Job {
  id: number;
  state: string;
  fraction: number;
  error: string | null;
}

/** Per row (CPU x depth), span indices sorted by start: rows never overlap within themselves. */
function rowsOf(t: Timeline): number[][] {
  const rows: number[][] = Array.from({ length: t.cpus * 2 }, () => []);
  for (let i = 0; i < t.ts.length; i++) rows[t.cpu[i]! * 2 + t.depth[i]!]!.push(i);
  for (const r of rows) r.sort((a, b) => t.ts[a]! - t.ts[b]!);
  return rows;
}

/** First index in `row` whose span ends after `t0`. */
function firstVisible(t: Timeline, row: number[], t0: number): number {
  let lo = 0;
  let hi = row.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const i = row[mid]!;
    if (t.ts[i]! + t.dur[i]! <= t0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function colorOf(t: Timeline, label: number): string {
  const name = t.labels[label]!;
  return COLORS[name] ?? TASK_COLORS[label % TASK_COLORS.length]!;
}

function draw(canvas: HTMLCanvasElement, t: Timeline, rows: number[][], view: [number, number]) {
  const ctx = canvas.getContext("2d")!;
  const w = canvas.width;
  const plot = w - LEFT;
  const [t0, t1] = view;
  const scale = plot / (t1 - t0);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, w, canvas.height);
  ctx.font = "10px sans-serif";
  let visible = 0;
  let drawn = 0;
  rows.forEach((row, r) => {
    const cpu = r >> 1;
    const depth = r & 1;
    const y = cpu * (2 * ROW + LANE_GAP) + depth * ROW + 4;
    if (depth === 0) {
      ctx.fillStyle = "#333";
      ctx.fillText(`CPU ${cpu}`, 4, y + ROW);
    }
    // Per pixel column: the label covering most of it (spans under a pixel wide).
    const cover = new Float64Array(plot);
    const best = new Int32Array(plot).fill(-1);
    for (let k = firstVisible(t, row, t0); k < row.length; k++) {
      const i = row[k]!;
      const s = t.ts[i]!;
      if (s >= t1) break;
      visible++;
      const x0 = (s - t0) * scale;
      const x1 = (s + t.dur[i]! - t0) * scale;
      if (x1 - x0 >= 1) {
        ctx.fillStyle = colorOf(t, t.label[i]!);
        ctx.fillRect(LEFT + Math.max(0, x0), y, Math.min(plot, x1) - Math.max(0, x0), ROW - 2);
        drawn++;
        if (depth === 0 && x1 - x0 > 40) {
          ctx.fillStyle = "#222";
          ctx.fillText(t.labels[t.label[i]!]!, LEFT + Math.max(0, x0) + 2, y + ROW - 4);
        }
      } else {
        const px = Math.min(plot - 1, Math.max(0, Math.floor(x0)));
        const c = Math.max(x1 - x0, 0.01);
        if (c > cover[px]!) {
          cover[px] = c;
          best[px] = t.label[i]!;
        }
      }
    }
    for (let px = 0; px < plot; px++) {
      if (best[px]! < 0) continue;
      ctx.fillStyle = colorOf(t, best[px]!);
      ctx.fillRect(LEFT + px, y, 1, ROW - 2);
      drawn++;
    }
  });
  // The free EPC pages counter under the CPU rows.
  const top = t.cpus * (2 * ROW + LANE_GAP) + 10;
  const series = Object.entries(t.counters["free EPC pages"] ?? {});
  const max = Math.max(1, ...series.flatMap(([, pts]) => pts.map((p) => p[1])));
  ctx.fillStyle = "#333";
  ctx.fillText("free EPC pages", 4, top + 10);
  ctx.strokeStyle = "#f28e2b";
  for (const [, pts] of series) {
    ctx.beginPath();
    let started = false;
    for (const [ts, v] of pts) {
      const x = LEFT + (ts - t0) * scale;
      if (x < LEFT - 50 || x > w + 50) continue;
      const y = top + COUNTER_H - (v / max) * (COUNTER_H - 10);
      if (started) ctx.lineTo(x, y);
      else ctx.moveTo(x, y);
      started = true;
    }
    ctx.stroke();
  }
  return { visible, drawn };
}

export function TimelineView() {
  const [names, setNames] = useState<string[]>([]);
  const [scenario, setScenario] = useState("seed-batching");
  const [duration, setDuration] = useState("5ms");
  const [job, setJob] = useState<Job | null>(null);
  const [t, setT] = useState<Timeline | null>(null);
  const [view, setView] = useState<[number, number]>([0, 1]);
  const [stats, setStats] = useState({ visible: 0, drawn: 0 });
  const [error, setError] = useState("");
  const canvas = useRef<HTMLCanvasElement>(null);
  const rows = useRef<number[][]>([]);

  useEffect(() => {
    api<{ name: string; kind: string }[]>("scenarios").then((s) =>
      setNames(s.filter((x) => x.kind === "run").map((x) => x.name)),
    );
    if (pending.text) {
      const text = pending.text;
      pending.text = null;
      start(text);
    }
  }, []);

  async function start(text?: string) {
    setError("");
    setT(null);
    const body = text ?? (await api<{ text: string }>(`scenarios/${scenario}`)).text;
    const { id } = await api<{ id: number }>("jobs", {
      method: "POST",
      body: { text: body, set: [`run.duration=${duration}`] },
    });
    setJob({ id, state: "running", fraction: 0, error: null });
    for (;;) {
      const j = await api<Job>(`jobs/${id}`);
      setJob(j);
      if (j.state !== "running") {
        if (j.state === "done") {
          const tl = await api<Timeline>(`jobs/${id}/timeline`);
          rows.current = rowsOf(tl);
          setT(tl);
          setView([0, tl.end]);
        } else if (j.error) setError(j.error);
        return;
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  useEffect(() => {
    if (!t || !canvas.current) return;
    setStats(draw(canvas.current, t, rows.current, view));
  }, [t, view]);

  const zoom = (factor: number, at = 0.5) => {
    const [a, b] = view;
    const span = Math.max(50, (b - a) * factor);
    const c = a + (b - a) * at;
    setView([Math.max(0, c - span * at), Math.max(0, c - span * at) + span]);
  };
  const onWheel = (e: WheelEvent) => {
    e.preventDefault();
    const r = (e.target as HTMLCanvasElement).getBoundingClientRect();
    const at = Math.min(1, Math.max(0, (e.clientX - r.left - LEFT) / (r.width - LEFT)));
    zoom(e.deltaY < 0 ? 0.5 : 2, at);
  };
  const height = t ? t.cpus * (2 * ROW + LANE_GAP) + COUNTER_H + 20 : 100;
  return (
    <div>
      <p>
        <select id="timeline-scenario" onChange={(e) => setScenario((e.target as HTMLSelectElement).value)}>
          {names.map((n) => (
            <option key={n} value={n} selected={n === scenario}>
              {n}
            </option>
          ))}
        </select>{" "}
        measured window{" "}
        <input
          id="timeline-duration"
          size={6}
          value={duration}
          onInput={(e) => setDuration((e.target as HTMLInputElement).value)}
        />{" "}
        <button type="button" id="timeline-run" disabled={job?.state === "running"} onClick={() => start()}>
          Run
        </button>
        {job?.state === "running" && (
          <>
            <progress id="timeline-progress" max={1} value={job.fraction} /> {(job.fraction * 100).toFixed(0)}
            %{" "}
            <button
              type="button"
              id="timeline-cancel"
              onClick={() => api(`jobs/${job.id}`, { method: "DELETE" })}
            >
              Cancel
            </button>
          </>
        )}
        {job && job.state !== "running" && <span id="timeline-state"> {job.state}</span>}
      </p>
      {error && <p class="error">{error}</p>}
      {t && job && (
        <p>
          <button type="button" id="zoom-in" onClick={() => zoom(0.25)}>
            Zoom in
          </button>
          <button type="button" id="zoom-out" onClick={() => zoom(4)}>
            Zoom out
          </button>
          <button type="button" id="zoom-reset" onClick={() => setView([0, t.end])}>
            Whole run
          </button>
          <span id="view-span">
            {fmtNs(view[0])} .. {fmtNs(view[1])}
          </span>{" "}
          <span id="span-count" data-visible={stats.visible}>
            {stats.visible} spans in view, {stats.drawn} drawn
          </span>{" "}
          <a id="open-perfetto" href={`/api/jobs/${job.id}/trace.json`} download>
            Download the trace (open it in Perfetto)
          </a>
        </p>
      )}
      <canvas id="timeline-canvas" ref={canvas} width={1100} height={height} onWheel={onWheel} />
      <p class="muted">
        Scroll on the chart to zoom around the pointer. Green: enclave mode; blue: kernel; red: AEX + ERESUME
        forced by an IPI.
      </p>
    </div>
  );
}
