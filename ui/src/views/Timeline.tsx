/**
 * Run timeline: start a run (a built-in scenario, or the editor's), follow its progress or cancel
 * it, then draw its CPU tracks and counters on a canvas. The spans stay on the server, which sends
 * the view as tiles (src/serve/tiles.ts: runs of pixels per row, spans under a pixel aggregated),
 * so a run of millions of spans zooms as fast as a small one; zoomed in, each span is its own run.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { api, fmtNs, type OpsWindow, pending, type Tiles, type TimelineMeta } from "../api.ts";

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
const COUNTER_H = 70;
const SERIES_COLORS = ["#f28e2b", "#4e79a7", "#e15759", "#59a14f", "#b07aa1", "#76b7b2"];

interface Job {
  id: number;
  state: string;
  fraction: number;
  error: string | null;
}

function colorOf(t: TimelineMeta, label: number): string {
  const name = t.labels[label]!;
  return COLORS[name] ?? TASK_COLORS[label % TASK_COLORS.length]!;
}

/** Draw the server's tiles (runs of pixels per CPU row) and the free-pages counter. */
function draw(canvas: HTMLCanvasElement, t: TimelineMeta, tl: Tiles) {
  const ctx = canvas.getContext("2d")!;
  const w = canvas.width;
  const [t0, t1] = [tl.from, tl.to];
  const scale = (w - LEFT) / (t1 - t0);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, w, canvas.height);
  ctx.font = "10px sans-serif";
  for (const row of tl.rows) {
    const y = row.cpu * (2 * ROW + LANE_GAP) + row.depth * ROW + 4;
    if (row.depth === 0) {
      ctx.fillStyle = "#333";
      ctx.fillText(`CPU ${row.cpu}`, 4, y + ROW);
    }
    for (const [x0, x1, label] of row.runs) {
      ctx.fillStyle = colorOf(t, label);
      ctx.fillRect(LEFT + x0, y, Math.max(1, x1 - x0), ROW - 2);
      if (row.depth === 0 && x1 - x0 > 40) {
        ctx.fillStyle = "#222";
        ctx.fillText(t.labels[label]!, LEFT + x0 + 2, y + ROW - 4);
      }
    }
  }
  // Every counter track under the CPU rows, one band each, each series its own color.
  Object.entries(t.counters).forEach(([name, byKey], k) => {
    const top = t.cpus * (2 * ROW + LANE_GAP) + 10 + k * COUNTER_H;
    const series = Object.entries(byKey);
    const max = Math.max(1, ...series.flatMap(([, pts]) => pts.map((p) => p[1])));
    ctx.fillStyle = "#333";
    ctx.fillText(`${name} (max ${max})`, 4, top + 10);
    series.forEach(([key, pts], j) => {
      ctx.strokeStyle = SERIES_COLORS[j % SERIES_COLORS.length]!;
      ctx.fillStyle = ctx.strokeStyle;
      if (series.length > 1) ctx.fillText(key, LEFT + 4 + j * 150, top + 22);
      ctx.beginPath();
      let started = false;
      for (const [ts, v] of pts) {
        const x = LEFT + (ts - t0) * scale;
        if (x < LEFT - 50 || x > w + 50) continue;
        const y = top + COUNTER_H - 4 - (v / max) * (COUNTER_H - 26);
        if (started) ctx.lineTo(x, y);
        else ctx.moveTo(x, y);
        started = true;
      }
      ctx.stroke();
    });
  });
}

/** One row per task that ran ops in the window: each op a rectangle of its modelled cost. */
function drawOps(canvas: HTMLCanvasElement, o: OpsWindow, view: [number, number]) {
  const ctx = canvas.getContext("2d")!;
  const w = canvas.width;
  const scale = (w - LEFT) / (view[1] - view[0]);
  const tasks = [...new Set(o.task)].sort((a, b) => a - b);
  canvas.height = Math.max(40, tasks.length * (ROW + 2) + 8);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, w, canvas.height);
  ctx.font = "10px sans-serif";
  tasks.forEach((tid, r) => {
    ctx.fillStyle = "#333";
    ctx.fillText(o.tasks[tid] ?? `task ${tid}`, 4, r * (ROW + 2) + ROW);
  });
  for (let i = 0; i < o.ts.length; i++) {
    const x0 = (o.ts[i]! - view[0]) * scale;
    const x1 = (o.ts[i]! + o.dur[i]! - view[0]) * scale;
    if (x1 < 0 || x0 > w - LEFT) continue;
    const y = tasks.indexOf(o.task[i]!) * (ROW + 2) + 4;
    const name = o.labels[o.label[i]!]!;
    ctx.fillStyle = name.startsWith("ENCLS")
      ? "#e15759"
      : name.startsWith("enclave_run")
        ? "#59a14f"
        : "#4e79a7";
    ctx.fillRect(LEFT + Math.max(0, x0), y, Math.max(1, Math.min(w - LEFT, x1) - Math.max(0, x0)), ROW - 2);
    if (x1 - x0 > 60) {
      ctx.fillStyle = "#fff";
      ctx.fillText(name, LEFT + Math.max(0, x0) + 2, y + ROW - 4, x1 - x0 - 4);
    }
  }
}

export function TimelineView() {
  const [names, setNames] = useState<string[]>([]);
  const [scenario, setScenario] = useState("seed-batching");
  const [duration, setDuration] = useState("5ms");
  const [job, setJob] = useState<Job | null>(null);
  const [t, setT] = useState<TimelineMeta | null>(null);
  const [view, setView] = useState<[number, number]>([0, 1]);
  const [stats, setStats] = useState({ visible: 0, drawn: 0 });
  const [error, setError] = useState("");
  const canvas = useRef<HTMLCanvasElement>(null);
  const opsCanvas = useRef<HTMLCanvasElement>(null);
  const [ops, setOps] = useState<OpsWindow | null>(null);
  const [opsBusy, setOpsBusy] = useState(false);

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
          const tl = await api<TimelineMeta>(`jobs/${id}/timeline`);
          setT(tl);
          setView([0, tl.end]);
        } else if (j.error) setError(j.error);
        return;
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  // The view moved: the ops shown (if any) belong to another window.
  useEffect(() => setOps(null), [view]);
  useEffect(() => {
    if (ops && opsCanvas.current) drawOps(opsCanvas.current, ops, view);
  }, [ops]);
  async function loadOps() {
    if (!job) return;
    setOpsBusy(true);
    try {
      setOps(await api<OpsWindow>(`jobs/${job.id}/ops?from=${Math.floor(view[0])}&to=${Math.ceil(view[1])}`));
    } catch (e) {
      setError(String((e as Error).message));
    } finally {
      setOpsBusy(false);
    }
  }

  // Tiles of the view from the server (the spans stay there); the latest request wins.
  const asked = useRef(0);
  useEffect(() => {
    if (!t || !job || !canvas.current) return;
    const n = ++asked.current;
    const width = canvas.current.width - LEFT;
    api<Tiles>(
      `jobs/${job.id}/tiles?from=${Math.floor(view[0])}&to=${Math.ceil(view[1])}&width=${width}`,
    ).then(
      (tl) => {
        if (n !== asked.current || !canvas.current) return;
        draw(canvas.current, t, tl);
        setStats({ visible: tl.visible, drawn: tl.drawn });
      },
      (e) => setError(String(e)),
    );
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
  const height = t ? t.cpus * (2 * ROW + LANE_GAP) + Object.keys(t.counters).length * COUNTER_H + 20 : 100;
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
            {stats.visible} of {t.spans} spans in view, {stats.drawn} rectangles drawn
          </span>{" "}
          <a id="open-perfetto" href={`/api/jobs/${job.id}/trace.json.gz`} download>
            Download the trace (open it in Perfetto)
          </a>
        </p>
      )}
      <canvas id="timeline-canvas" ref={canvas} width={1100} height={height} onWheel={onWheel} />
      {t && view[1] - view[0] <= 2e6 && (
        <p>
          <button type="button" id="load-ops" disabled={opsBusy} onClick={loadOps}>
            {opsBusy ? "Running it again up to this window..." : "Show every op in this window"}
          </button>{" "}
          {ops && (
            <span id="ops-count" data-ops={ops.ts.length}>
              {ops.ts.length} ops of {new Set(ops.task).size} tasks (the run again, deterministic, traced in
              this window)
            </span>
          )}
        </p>
      )}
      {ops && <canvas id="ops-canvas" ref={opsCanvas} width={1100} height={100} />}
      <p class="muted">
        Scroll on the chart to zoom around the pointer. Green: enclave mode; blue: kernel; red: AEX + ERESUME
        forced by an IPI. Under the CPUs: the counter tracks, each on its own scale.
      </p>
    </div>
  );
}
