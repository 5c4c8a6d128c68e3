/**
 * Chrome trace-event JSON (opens in Perfetto or chrome://tracing): one complete event ("X") per
 * executed op, on a track per model thread, grouped by simulated CPU.
 */
export interface TraceSpan {
  ts: number;
  dur: number;
  tid: number;
  cpu: number;
  name: string;
}

export function chromeTrace(spans: TraceSpan[], threadNames: Map<number, string>): string {
  const events: unknown[] = [];
  for (const [tid, name] of threadNames) {
    events.push({ name: "thread_name", ph: "M", pid: 1, tid, args: { name } });
  }
  for (const s of spans) {
    events.push({
      name: s.name,
      ph: "X",
      pid: 1,
      tid: s.tid,
      ts: s.ts / 1000,
      dur: Math.max(s.dur, 1) / 1000,
      args: { cpu: s.cpu },
    });
  }
  return JSON.stringify({ traceEvents: events, displayTimeUnit: "ns" });
}
