/** `--trace-window from..to` and `--trace-detail level` of `epcsim run`. */
import { parseDuration } from "../scenario/units.ts";
import type { TraceDetail, TraceOptions } from "../sim/trace_recorder.ts";
import { UsageError } from "./errors.ts";

const DETAILS: readonly TraceDetail[] = ["ops", "functions", "summary"];

export function parseTraceOptions(window: string | undefined, detail: string): Partial<TraceOptions> {
  if (!DETAILS.includes(detail as TraceDetail))
    throw new UsageError(`--trace-detail ${detail}: expected one of ${DETAILS.join(", ")}`);
  const out: Partial<TraceOptions> = { detail: detail as TraceDetail };
  if (window === undefined) return out;
  const parts = window.split("..");
  const [from, to] = parts.map((p) => parseDuration(p));
  if (parts.length !== 2 || typeof from !== "number" || typeof to !== "number")
    throw new UsageError(
      `--trace-window ${window}: expected two durations from the start of the run, e.g. 95ms..100ms`,
    );
  if (to <= from) throw new UsageError(`--trace-window ${window}: the end must come after the start`);
  out.window = { from, to };
  return out;
}
