/**
 * Shapes of the serve API's answers that the web UI reads too (ui/ imports this file for its
 * types only): no imports, so the UI's type check does not pull in the model.
 */

/** A run's timeline, from its summary trace: the CPU tracks' spans as columns of numbers. */
export interface Timeline {
  cpus: number;
  /** Span labels ("enclave mode", "kernel", "AEX + ERESUME", task names). */
  labels: string[];
  /** Per span: CPU, nesting depth (0: the task on the CPU, 1: what it executes), label, start and length (ns). */
  cpu: number[];
  depth: number[];
  label: number[];
  ts: number[];
  dur: number[];
  /** Counter tracks: name -> series -> [t (ns), value] points. */
  counters: Record<string, Record<string, [number, number][]>>;
  end: number;
}

/** GET /api/jobs/:id/timeline: the timeline's shape and counters (its spans come as tiles). */
export interface TimelineMeta {
  cpus: number;
  labels: string[];
  end: number;
  spans: number;
  counters: Timeline["counters"];
}

/** GET /api/jobs/:id/tiles: a view [from, to) drawn `width` pixels wide. */
export interface Tiles {
  from: number;
  to: number;
  width: number;
  /** Per row: CPU, depth and the runs of pixels, [x0, x1, label]. */
  rows: { cpu: number; depth: number; runs: [number, number, number][] }[];
  /** Spans that intersect the view, and rectangles to draw. */
  visible: number;
  drawn: number;
}

/** GET /api/jobs/:id/ops: every op the run's tasks executed in a window (one span per op). */
export interface OpsWindow {
  from: number;
  to: number;
  /** Task names by id; op names. */
  tasks: Record<number, string>;
  labels: string[];
  /** Per op: task, name, start and length (ns). */
  task: number[];
  label: number[];
  ts: number[];
  dur: number[];
}
