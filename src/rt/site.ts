/**
 * Source sites of ops, for bug reports. When site capture is on (the checker turns it on only while
 * it replays a failing schedule to write the report), every op is copied and tagged with the model
 * functions and source lines on the stack where it was yielded, e.g.
 * "sgx_reclaimer_write (main.ts:151) < sgx_reclaim_pages (main.ts:242)".
 * When it is off, ops pass through untouched and cost one branch.
 */
import { fileURLToPath } from "node:url";
import { SRC_DIR } from "../paths.ts";
import { activeChains, FRAME_CHAINS } from "./frames.ts";
import type { Op } from "./ops.ts";

/**
 * A process-wide debugging switch (not model state): on only during report replays. Kept on
 * globalThis so that a second copy of this module (a patch that imports model files by path while
 * epcsim runs from its build) sees the same switch.
 */
const SWITCH = Symbol.for("epcsim.siteCapture");
export const siteCapture: { on: boolean; depth: number } = ((globalThis as Record<symbol, unknown>)[
  SWITCH
] ??= {
  on: false,
  depth: 3,
}) as { on: boolean; depth: number };

/**
 * Run `f` with every op tagged with its whole model call stack (a trace's function spans): site
 * capture on, every model frame kept, and V8's stack traces long enough to reach the outermost.
 */
export function withFullStacks<T>(f: () => T): T {
  const limit = Error.stackTraceLimit;
  const { on, depth } = siteCapture;
  siteCapture.on = true;
  siteCapture.depth = 64;
  Error.stackTraceLimit = 200;
  try {
    return f();
  } finally {
    siteCapture.on = on;
    siteCapture.depth = depth;
    Error.stackTraceLimit = limit;
  }
}

/** The op, tagged with its site when capture is on. */
export function withSite<T extends Op>(op: T): T {
  if (!siteCapture.on) return op;
  return { ...op, site: captureSite() };
}

/** Helpers that build ops for their callers: the caller is the site. */
const HELPERS = new Set(["withSite", "captureSite", "ev", "userEvent", "epcFlagsWriteOp"]);

/** epcsim's src directory: frames are classified by their path inside it, never by the checkout's
 * absolute path (a clone under /check/... must not look like the checker's own frames). */

/**
 * Frames that are not model code: everything of epcsim outside src/model (the runtime, the
 * drivers, the CLI), the hardware model, node internals. Patches outside src/ are model code.
 */
const SKIP_IN_SRC = /^(?!model\/)|^model\/hw\/|^model\/(machine|snapshot)\.ts$/;
const SKIP_ANYWHERE = /^node:|<anonymous>|[\\/]node_modules[\\/]/;

function isSkipped(file: string): boolean {
  if (SKIP_ANYWHERE.test(file)) return true;
  const path = file.startsWith("file://") ? fileURLToPath(file) : file;
  return path.startsWith(SRC_DIR) && SKIP_IN_SRC.test(path.slice(SRC_DIR.length));
}

/**
 * The model frames of the current stack: innermost first, at most three. Frames of kernel library
 * helpers (locks, lists, shmem) are left out so that the caller shows, unless there is no other
 * model frame (an actor that runs a library path such as kswapd's shmem passes).
 */
export function captureSite(): string {
  const frames = modelFrames(currentStack());
  const own = frames.filter((f) => !LIB.test(f.file));
  return (own.length ? own : frames)
    .slice(0, siteCapture.depth)
    .map((f) => `${f.fn} (${f.file.split("/").pop()}:${f.line})`)
    .join(" < ");
}

/** Where an exception was thrown in model code: its innermost model frames. */
export function errorSite(e: unknown): string {
  const stack = e instanceof Error ? (e.stack ?? "") : "";
  const chains = (e as Record<symbol, string[][] | undefined> | null)?.[FRAME_CHAINS];
  return modelFrames(asWithoutFrames(stack, Error.stackTraceLimit, chains))
    .slice(0, 3)
    .map((f) => `${f.fn} (${f.file.split("/").pop()}:${f.line})`)
    .join(" < ");
}

/**
 * The V8 stack here, as it would read if the model's generator functions ran as written. In the
 * build they run as frames (rt/frames.ts): only the running frame function is on V8's stack, and
 * the chains of the drives in progress take the place of each drive (more frames are captured,
 * then cut back to the limit).
 */
export function currentStack(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = limit * 3;
  const stack = new Error().stack ?? "";
  Error.stackTraceLimit = limit;
  // As if the caller had made the Error: this function's own frame is not counted.
  const lines = stack.split("\n");
  lines.splice(1, 1);
  return asWithoutFrames(lines.join("\n"), limit, activeChains());
}

/** A frame function of the build's on V8's stack (scripts/frames_transform.mjs names it `name$frame`). */
const FRAME_FUNCTION = /^\s*at (?:[\w$<>]+\.)?([\w$<>]+)\$frame\d* \(/;

const FRAMES_RUNTIME = /[\\/]rt[\\/]frames\.ts:\d+:\d+\)$/;

/**
 * A V8 stack without the frames runtime's own frames, at most `limit` frames long (errorSite reads
 * an exception under the limit it was thrown with: the cut changes nothing there unless chains
 * were put in). Each `drive` of the runtime is where a chain of frames ran whose functions are not
 * on V8's stack: given the chains (innermost first: rt/frames.ts's activeChains, or those an
 * exception collected on its way out), each takes the place of its drive.
 */
export function asWithoutFrames(stack: string, limit: number, chains?: string[][]): string {
  const lines = stack.split("\n");
  if (!stack.includes("frames.ts:")) return lines.slice(0, limit + 1).join("\n");
  const out = [lines[0]!];
  let chain = 0;
  for (const line of lines.slice(1)) {
    if (FRAMES_RUNTIME.test(line)) {
      if (/^\s*at drive \(/.test(line) && chains?.[chain]) out.push(...chains[chain++]!);
      continue;
    }
    out.push(line);
    // A running frame function: V8 shows a generator's frame with the `next` that resumed it.
    const fn = FRAME_FUNCTION.exec(line);
    if (fn) out.push(`    at ${fn[1]}.next (<anonymous>)`);
  }
  return out.slice(0, limit + 1).join("\n");
}

const VERSION_SUFFIX = /_(pre_)?v\d+(_\d+)*$/;

const LIB = /\/model\/kernel\/lib\//;

/** The model frames of a V8 stack trace, innermost first (exported for its test). */
export function modelFrames(stack: string): { fn: string; file: string; line: string }[] {
  const out: { fn: string; file: string; line: string }[] = [];
  for (const line of stack.split("\n").slice(1)) {
    const m = /at (?:async )?(?:Generator\.next \()?([\w$.<>]+)[^(]*\((.*):(\d+):\d+\)/.exec(line.trim());
    if (!m) continue;
    const [, fn, file, ln] = m;
    if (isSkipped(file!) || fn!.endsWith(".next") || HELPERS.has(fn!)) continue;
    // Kernel functions are called through the function table (m.fn.x): V8 names them Object.x.
    // Variants name an older copy of a function after its version (sgx_vma_fault_pre_v6_0): a
    // report shows the kernel's name.
    // The build's frame function of a model function is named after it (`name$frame`, which
    // esbuild may number).
    const name = fn!
      .replace(/^Object\./, "")
      .replace(/\$frame\d*$/, "")
      .replace(VERSION_SUFFIX, "");
    out.push({ fn: name, file: file!, line: ln! });
  }
  return out;
}

/** The site an op was tagged with, or "". */
export function siteOf(op: Op): string {
  return (op as { site?: string }).site ?? "";
}
