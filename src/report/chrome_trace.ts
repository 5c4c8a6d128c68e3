/**
 * Writing a trace (src/sim/trace_recorder.ts) as Chrome trace-event JSON, which Perfetto and
 * chrome://tracing open; gzip'd when the file name ends in .gz (Perfetto opens that directly),
 * which makes a trace 10-20x smaller.
 */
import { gzipSync } from "node:zlib";
import type { TraceData } from "../sim/trace_recorder.ts";

/** The JSON text, one event per line (built in pieces: a long run has millions of events). */
export function chromeTraceJson(trace: TraceData): string {
  const parts: string[] = ['{"displayTimeUnit":"ns","otherData":'];
  parts.push(JSON.stringify({ detail: trace.detail, window_ns: trace.window ?? "whole run" }));
  parts.push(',"traceEvents":[\n');
  const ev = trace.events;
  for (let i = 0; i < ev.length; i++) parts.push(i ? `,\n${JSON.stringify(ev[i])}` : JSON.stringify(ev[i]));
  parts.push("\n]}\n");
  return parts.join("");
}

/** The bytes of the trace file `path`: gzip'd for a .gz name. */
export function chromeTraceFile(trace: TraceData, path: string): Uint8Array | string {
  const json = chromeTraceJson(trace);
  return path.endsWith(".gz") ? gzipSync(json, { level: 6 }) : json;
}
