/**
 * Writing a trace (src/sim/trace_recorder.ts) as Chrome trace-event JSON, which Perfetto and
 * chrome://tracing open; gzip'd when the file name ends in .gz (Perfetto opens that directly),
 * which makes a trace 10-20x smaller. A long run's JSON is larger than the longest string V8 can
 * hold (about 512 MB), so files are written in pieces, never as one string.
 */

import { once } from "node:events";
import { createWriteStream, renameSync, rmSync } from "node:fs";
import { createGzip } from "node:zlib";
import type { TraceData } from "../sim/trace_recorder.ts";

/** The JSON text in pieces of about `chunk` characters: the header, one event per line, the end. */
export function* chromeTraceChunks(trace: TraceData, chunk = 1 << 20): Generator<string> {
  let buf = `{"displayTimeUnit":"ns","otherData":${JSON.stringify({ detail: trace.detail, window_ns: trace.window ?? "whole run" })},"traceEvents":[\n`;
  const ev = trace.events;
  for (let i = 0; i < ev.length; i++) {
    buf += i ? `,\n${JSON.stringify(ev[i])}` : JSON.stringify(ev[i]);
    if (buf.length >= chunk) {
      yield buf;
      buf = "";
    }
  }
  yield `${buf}\n]}\n`;
}

/** The whole JSON text (small traces: tests, the API's small answers). */
export function chromeTraceJson(trace: TraceData): string {
  return [...chromeTraceChunks(trace)].join("");
}

/**
 * Write the trace to `path` (gzip'd for a .gz name) through a temporary file beside it, renamed
 * into place once complete. Returns the bytes written.
 */
export async function writeChromeTrace(trace: TraceData, path: string): Promise<number> {
  const tmp = `${path}.${process.pid}.tmp`;
  const file = createWriteStream(tmp);
  const gz = path.endsWith(".gz") ? createGzip({ level: 6 }) : null;
  const sink = gz ?? file;
  if (gz) gz.pipe(file);
  try {
    for (const piece of chromeTraceChunks(trace)) if (!sink.write(piece)) await once(sink, "drain");
    sink.end();
    await once(file, "close");
  } catch (e) {
    file.destroy();
    rmSync(tmp, { force: true });
    throw e;
  }
  renameSync(tmp, path);
  return file.bytesWritten;
}
