/**
 * The soft-lockup watchdog for all model code, epcsim's own included (patches and mutants also have
 * the loop guard, rt/loop_guard.ts, which needs their loops instrumented): JavaScript cannot be
 * interrupted, so a step of a model thread that never yields its next op would hang a run, a check
 * or a worker pool forever. Every thread that steps model threads owns a heartbeat slot in one
 * shared buffer: a step counter and an "inside a step" flag, written by stepThread. A watchdog
 * thread (rt/watchdog_thread.mjs) polls the slots; when a slot stays inside one step for longer
 * than the limit, it pauses that thread through the inspector, prints where it loops (source-mapped
 * frames) as the kernel's soft-lockup report, and ends the process with exit code 1.
 *
 * Only the command line enables it (enableWatchdog); worker threads find the buffer through
 * worker_threads' environment data, which every worker of the process inherits.
 */
import { getEnvironmentData, isMainThread, setEnvironmentData, threadId, Worker } from "node:worker_threads";
import { srcUrl } from "../paths.ts";

const KEY = "epcsim.watchdog";
/** Slots: the main thread is slot 0; workers claim the others. */
const SLOTS = 256;
/** Int32 words: [0] claimed worker slots, [1..] per slot: steps, inside-a-step flag, thread id. */
const WORDS = 1 + SLOTS * 3;
/** Then, 8-byte aligned, a Float64 per slot: the wall-clock deadline of its budgeted check, or 0. */
const DEADLINES = Math.ceil((WORDS * 4) / 8) * 8;
const BYTES = DEADLINES + SLOTS * 8;

/** This thread's heartbeat: [0] steps started, [1] 1 while inside a step. A dummy until enabled. */
export let heartbeat: Int32Array<ArrayBufferLike> = new Int32Array(3);
/** This thread's deadline (ms since the epoch; 0: none). A dummy until enabled. */
let deadline: Float64Array<ArrayBufferLike> = new Float64Array(1);
let shared: SharedArrayBuffer | null = null;

function claim(sab: SharedArrayBuffer, slot: number): void {
  shared = sab;
  heartbeat = new Int32Array(sab, (1 + slot * 3) * 4, 3);
  heartbeat[2] = threadId;
  deadline = new Float64Array(sab, DEADLINES + slot * 8, 1);
}

// A worker thread of a process whose watchdog runs: claim the next free slot.
if (!isMainThread) {
  const sab = getEnvironmentData(KEY) as SharedArrayBuffer | undefined;
  if (sab) {
    const slot = Atomics.add(new Int32Array(sab, 0, 1), 0, 1) + 1;
    if (slot < SLOTS) claim(sab, slot);
  }
}

/** Seconds a step may run without yielding (EPCSIM_WATCHDOG; 0 turns the watchdog off). */
export function watchdogSeconds(): number {
  const v = process.env.EPCSIM_WATCHDOG;
  const n = v === undefined || v === "" ? 10 : Number(v);
  return Number.isFinite(n) && n >= 0 ? n : 10;
}

/** Start the watchdog thread for this process (the command line calls it once, before any model runs). */
export function enableWatchdog(): void {
  if (!isMainThread || shared) return;
  const secs = watchdogSeconds();
  if (secs === 0) return;
  const sab = new SharedArrayBuffer(BYTES);
  claim(sab, 0);
  setEnvironmentData(KEY, sab);
  const w = new Worker(srcUrl("rt", "watchdog_thread.mjs"), {
    workerData: { sab, words: WORDS, slots: SLOTS, deadlines: DEADLINES, limitMs: secs * 1000 },
    name: "epcsim-watchdog",
  });
  // The watchdog never keeps the process alive, and its own failure must not end a run.
  w.unref();
  w.on("error", () => {});
}

/**
 * This thread's budgeted check ends at `at` (ms since the epoch): a step of it still running a
 * second later is hung, even before the step limit (check --budget is honoured when model code
 * loops). Per thread: each worker of a campaign has its own budget. 0 clears it.
 */
export function watchdogDeadline(at: number): void {
  deadline[0] = at;
}
