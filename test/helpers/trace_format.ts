/**
 * A validator for the Chrome trace-event JSON format, written from its specification ("Trace Event
 * Format", the document Perfetto's JSON importer follows): the phases epcsim writes and the rules
 * a viewer relies on. Returns every problem found (empty: valid).
 * - Every event: `name` a string, `ph` a known phase, `pid` an integer; `ts` (microseconds) a
 *   finite number >= 0 where the phase has one; `tid` an integer on thread-scoped phases.
 * - X (complete): `dur` >= 0; on one thread, slices nest: one lies inside another or after it
 *   (a partial overlap is an import error in Perfetto).
 * - B/E (duration): per thread, each E closes the last open B (same name), in timestamp order;
 *   nothing left open.
 * - b/e (nestable async): `cat` and `id` given; each e closes a b of the same cat, id and name,
 *   not before it.
 * - s/f (flow v1): `cat` and `id` given; exactly one s and one f per id, f not before s; each
 *   binds to an enclosing slice (X or B/E) on its thread at its timestamp (f with `bp: "e"`).
 * - C (counter): `args` with finite numbers only.
 * - i (instant): scope `s` is t, p or g.
 * - M (metadata): process_name / thread_name with a string `args.name`, *_sort_index with a
 *   number `args.sort_index`.
 * Times are compared in whole nanoseconds (microseconds with three decimals are what the writer
 * has; a float sum such as 82228.44 + 0.6 must not count as a 1e-11 us overlap).
 */
type Ev = Record<string, unknown> & { name: string; ph: string; pid: number; tid?: number; ts?: number };

const PHASES = new Set(["X", "B", "E", "b", "e", "s", "t", "f", "C", "i", "I", "M"]);
const THREAD_SCOPED = new Set(["X", "B", "E", "s", "t", "f", "i"]);

const isInt = (v: unknown) => Number.isInteger(v);
const isNum = (v: unknown) => typeof v === "number" && Number.isFinite(v);

export function validateTrace(doc: unknown): string[] {
  const problems: string[] = [];
  const bad = (i: number, msg: string) => {
    if (problems.length < 50) problems.push(`event ${i}: ${msg}`);
  };
  const events = (doc as { traceEvents?: unknown }).traceEvents;
  if (!Array.isArray(events)) return ["no traceEvents array"];
  const slices = new Map<string, { ts: number; end: number; i: number }[]>();
  const open = new Map<string, { name: string; ts: number }[]>();
  const asyncOpen = new Map<string, number>();
  const flows = new Map<number, { s?: Ev; f?: Ev; si?: number; fi?: number }>();
  const lastTs = new Map<string, number>();
  for (let i = 0; i < events.length; i++) {
    const raw = events[i];
    const e = raw as Ev;
    if (typeof e.name !== "string") bad(i, "name is not a string");
    if (!PHASES.has(e.ph)) {
      bad(i, `unknown phase ${e.ph}`);
      continue;
    }
    if (!isInt(e.pid)) bad(i, "pid is not an integer");
    if (e.ph !== "M" && (!isNum(e.ts) || (e.ts as number) < 0)) bad(i, `ts ${e.ts} is not a time`);
    if (THREAD_SCOPED.has(e.ph) && !isInt(e.tid)) bad(i, `${e.ph} without an integer tid`);
    const track = `${e.pid}/${e.tid}`;
    const ts = Math.round((e.ts as number) * 1000);
    switch (e.ph) {
      case "X": {
        if (!isNum(e.dur) || (e.dur as number) < 0) bad(i, `dur ${e.dur}`);
        let list = slices.get(track);
        if (!list) slices.set(track, (list = []));
        list.push({ ts, end: ts + Math.round((e.dur as number) * 1000), i });
        break;
      }
      case "B":
      case "E": {
        if (ts < (lastTs.get(track) ?? 0)) bad(i, `${e.ph} goes back in time on ${track}`);
        lastTs.set(track, ts);
        let st = open.get(track);
        if (!st) open.set(track, (st = []));
        if (e.ph === "B") st.push({ name: e.name, ts });
        else {
          const top = st.pop();
          if (!top) bad(i, `E ${e.name} with nothing open on ${track}`);
          else if (top.name !== e.name) bad(i, `E ${e.name} closes B ${top.name} on ${track}`);
          else {
            let list = slices.get(track);
            if (!list) slices.set(track, (list = []));
            list.push({ ts: top.ts, end: ts, i });
          }
        }
        break;
      }
      case "b":
      case "e": {
        if (typeof e.cat !== "string" || e.id === undefined) {
          bad(i, `${e.ph} without cat and id`);
          continue;
        }
        const key = `${e.cat}/${String(e.id)}/${e.name}/${e.pid}`;
        if (e.ph === "b") asyncOpen.set(key, ts);
        else {
          const from = asyncOpen.get(key);
          if (from === undefined) bad(i, `async end ${e.name} without its begin`);
          else if (ts < from) bad(i, `async end ${e.name} before its begin`);
          asyncOpen.delete(key);
        }
        break;
      }
      case "s":
      case "f": {
        if (typeof e.cat !== "string" || !isInt(e.id)) {
          bad(i, `flow ${e.ph} without cat and id`);
          continue;
        }
        let fl = flows.get(e.id as number);
        if (!fl) flows.set(e.id as number, (fl = {}));
        if (e.ph === "s") {
          if (fl.s) bad(i, `second flow start for id ${e.id}`);
          fl.s = e;
          fl.si = i;
        } else {
          if (fl.f) bad(i, `second flow end for id ${e.id}`);
          fl.f = e;
          fl.fi = i;
        }
        break;
      }
      case "C":
        if (!e.args || typeof e.args !== "object") bad(i, "counter without args");
        else
          for (const [k, v] of Object.entries(e.args)) if (!isNum(v)) bad(i, `counter ${e.name}.${k} = ${v}`);
        break;
      case "i":
        if (e.s !== undefined && !["t", "p", "g"].includes(e.s as string)) bad(i, `instant scope ${e.s}`);
        break;
      case "M": {
        const args = e.args as Record<string, unknown> | undefined;
        if (e.name === "process_name" || e.name === "thread_name") {
          if (typeof args?.name !== "string") bad(i, `${e.name} without args.name`);
        } else if (e.name.endsWith("_sort_index")) {
          if (!isNum(args?.sort_index)) bad(i, `${e.name} without args.sort_index`);
        }
        break;
      }
    }
  }
  for (const [track, st] of open)
    if (st.length) problems.push(`${st.length} B events never closed on ${track}`);
  if (asyncOpen.size) problems.push(`${asyncOpen.size} async begins never closed`);
  // Slices on a thread nest or follow each other.
  for (const [track, list] of slices) {
    list.sort((a, b) => a.ts - b.ts || b.end - a.end);
    const stack: { ts: number; end: number; i: number }[] = [];
    for (const s of list) {
      while (stack.length && stack.at(-1)!.end <= s.ts) stack.pop();
      const top = stack.at(-1);
      if (top && s.end > top.end)
        problems.push(`slice of event ${s.i} overlaps event ${top.i} on ${track} without nesting`);
      stack.push(s);
    }
  }
  // Flows: one start, one end, each bound to a slice that encloses it.
  const encloses = (e: Ev) => {
    const ts = Math.round((e.ts as number) * 1000);
    return (slices.get(`${e.pid}/${e.tid}`) ?? []).some((s) => s.ts <= ts && ts <= s.end);
  };
  for (const [id, fl] of flows) {
    if (!fl.s || !fl.f) {
      problems.push(`flow ${id} has no ${fl.s ? "end" : "start"}`);
      continue;
    }
    if ((fl.f.ts as number) < (fl.s.ts as number)) problems.push(`flow ${id} ends before it starts`);
    if (!encloses(fl.s)) problems.push(`flow start ${id} (event ${fl.si}) is not inside a slice`);
    if (!encloses(fl.f)) problems.push(`flow end ${id} (event ${fl.fi}) is not inside a slice`);
  }
  return problems.slice(0, 50);
}
