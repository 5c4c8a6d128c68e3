// The watchdog thread (see rt/watchdog.ts): polls every thread's heartbeat; a thread that stays
// inside one step of a model thread past the limit (or past a budgeted check's deadline) is paused
// through the inspector, its frames are printed source-mapped, and the process exits with code 1.
// Plain JavaScript: it must start without the TypeScript loader.
import { readFileSync, writeSync } from "node:fs";
import { Session } from "node:inspector";
import { SourceMap } from "node:module";
import { fileURLToPath } from "node:url";
import { workerData } from "node:worker_threads";

const { sab, words, slots, deadlines, limitMs } = workerData;
const i32 = new Int32Array(sab, 0, words);
/** Each slot's deadline (ms since the epoch) of a budgeted check, or 0. */
const deadline = new Float64Array(sab, deadlines, slots);
const GRACE_MS = 1000;

const last = new Int32Array(slots).fill(-1);
const since = new Float64Array(slots);
let tripped = false;
/** Slots of workers that ended inside a step (terminated): never watched again. */
const retired = new Set();

setInterval(
  () => {
    if (tripped) return;
    const now = Date.now();
    const claimed = Math.min(slots - 1, Atomics.load(i32, 0));
    for (let s = 0; s <= claimed; s++) {
      if (retired.has(s)) continue;
      const base = 1 + s * 3;
      const steps = Atomics.load(i32, base);
      const inside = Atomics.load(i32, base + 1);
      if (!inside || steps !== last[s]) {
        last[s] = steps;
        since[s] = now;
        continue;
      }
      const stuck = now - since[s];
      const d = deadline[s];
      const pastBudget = d > 0 && now > d + GRACE_MS && stuck > GRACE_MS;
      if (stuck > limitMs || pastBudget) {
        tripped = true;
        trip(s, Atomics.load(i32, base + 2), stuck, stuck > limitMs ? "" : " (past the check's --budget)");
        return;
      }
    }
  },
  Math.max(50, Math.min(500, limitMs / 4)),
);

/** Source maps by script id, from Debugger.scriptParsed. */
function mapper() {
  const scripts = new Map();
  const maps = new Map();
  return {
    parsed(p) {
      scripts.set(p.scriptId, p);
    },
    where(frame) {
      const s = scripts.get(frame.location.scriptId);
      const url = s?.url || frame.url || "";
      const line = frame.location.lineNumber;
      const col = frame.location.columnNumber ?? 0;
      let out = { file: url.replace(/^file:\/\//, ""), line: line + 1 };
      try {
        let sm = maps.get(frame.location.scriptId);
        if (sm === undefined && s?.sourceMapURL) {
          const ref = s.sourceMapURL;
          const json = ref.startsWith("data:")
            ? Buffer.from(ref.slice(ref.indexOf(",") + 1), "base64").toString("utf8")
            : readFileSync(fileURLToPath(new URL(ref, url)), "utf8");
          sm = new SourceMap(JSON.parse(json));
          maps.set(frame.location.scriptId, sm);
        }
        const e = sm?.findEntry(line, col);
        if (e?.originalSource) {
          const src = e.originalSource.startsWith("file:")
            ? fileURLToPath(e.originalSource)
            : e.originalSource;
          out = { file: src, line: e.originalLine + 1 };
        }
      } catch {}
      return `${frame.functionName || "<anonymous>"} (${out.file.replace(/^.*\/(src|test|examples|bench)\//, "$1/")}:${out.line})`;
    },
  };
}

/**
 * In the build, model generator functions run as frames (rt/frames.ts): the runtime's `drive`
 * runs a chain of them, of which only the innermost is on V8's stack. The paused thread is asked
 * for the chains of its drives in progress (innermost first), and each takes its drive's place.
 */
const CHAINS = 'globalThis[Symbol.for("epcsim.activeFrameChains")]?.() ?? []';

function withChains(frames, chains) {
  const out = [];
  let i = 0;
  for (const f of frames) {
    if (!/\(src\/rt\/frames\.ts:\d+\)$/.test(f)) out.push(f);
    else if (f.startsWith("drive (") && chains[i]) {
      for (const line of chains[i++]) {
        // "    at Object.ksgxd (/abs/src/model/kernel/sgx/main.ts:123:9)" -> "ksgxd (src/model/...:123)"
        const m = /at (?:[\w$<>]+\.)?([\w$<>]+) \((.*):(\d+):\d+\)$/.exec(line);
        if (m) out.push(`${m[1]} (${m[2].replace(/^.*\/(src|test|examples|bench)\//, "$1/")}:${m[3]})`);
      }
    }
  }
  return out;
}

function report(stuckMs, who, frames, why) {
  const where = frames.filter((f) => !/^node:|\(node:/.test(f)).slice(0, 8);
  const secs = Math.round(stuckMs / 100) / 10;
  writeSync(
    2,
    `epcsim: watchdog: BUG: soft lockup - ${who} ran ${secs} s${why} inside one step of a model thread without yielding an op (a loop that never reaches a scheduling point, in the model or a patch)\n${where.map((f) => `  at ${f}`).join("\n")}\n(Node adds "Waiting for the debugger to disconnect...": the watchdog inspected the thread)\n`,
  );
}

function trip(slot, tid, stuckMs, why) {
  const session = new Session();
  session.connectToMainThread();
  const map = mapper();
  const exitMain = () => {
    session.post("Runtime.evaluate", { expression: "process.exit(1)" });
  };
  if (slot === 0) {
    session.on("Debugger.scriptParsed", (m) => map.parsed(m.params));
    session.once("Debugger.paused", (m) => {
      const callFrameId = m.params.callFrames[0].callFrameId;
      session.post(
        "Debugger.evaluateOnCallFrame",
        { callFrameId, expression: CHAINS, returnByValue: true },
        (err, r) => {
          const chains = (!err && r?.result?.value) || [];
          report(
            stuckMs,
            "the main thread",
            withChains(
              m.params.callFrames.map((f) => map.where(f)),
              chains,
            ),
            why,
          );
          session.post("Debugger.evaluateOnCallFrame", { callFrameId, expression: "process.exit(1)" });
        },
      );
    });
    session.post("Debugger.enable", () => session.post("Debugger.pause"));
    return;
  }
  // A worker thread: attach to it through the main thread's NodeWorker domain.
  let id = 1;
  let found = false;
  session.on("NodeWorker.attachedToWorker", (m) => {
    const { sessionId, workerInfo } = m.params;
    // The inspector numbers workers its own way; the title starts with "[worker <threadId>]".
    if (/^\[worker (\d+)\]/.exec(workerInfo.title)?.[1] !== String(tid)) return;
    found = true;
    let paused = null;
    let chainsId = -1;
    const send = (method, params = {}) => {
      const mid = id++;
      session.post("NodeWorker.sendMessageToWorker", {
        sessionId,
        message: JSON.stringify({ id: mid, method, params }),
      });
      return mid;
    };
    session.on("NodeWorker.receivedMessageFromWorker", (r) => {
      if (r.params.sessionId !== sessionId) return;
      const msg = JSON.parse(r.params.message);
      if (msg.method === "Debugger.scriptParsed") map.parsed(msg.params);
      else if (msg.method === "Debugger.paused") {
        paused = msg.params.callFrames.map((f) => map.where(f));
        chainsId = send("Debugger.evaluateOnCallFrame", {
          callFrameId: msg.params.callFrames[0].callFrameId,
          expression: CHAINS,
          returnByValue: true,
        });
      } else if (msg.id === chainsId && paused) {
        report(stuckMs, `worker thread ${tid}`, withChains(paused, msg.result?.result?.value ?? []), why);
        paused = null;
        // A paused worker would keep the process from exiting: let it run on, then end everything.
        send("Debugger.resume");
        exitMain();
      }
    });
    send("Debugger.enable");
    send("Debugger.pause");
  });
  session.post("NodeWorker.enable", { waitForDebuggerOnStart: false });
  // A worker that is gone (terminated in the middle of a step, its slot frozen) is no hang: its
  // slot is retired and the watch goes on.
  setTimeout(() => {
    if (found) return;
    session.disconnect();
    retired.add(slot);
    tripped = false;
  }, 2000).unref();
}
