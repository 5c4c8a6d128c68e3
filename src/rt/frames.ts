/**
 * The runtime of the frames transform (scripts/frames_transform.mjs): model generator functions
 * compiled, in the build, into resumable frames, so that an op resumes one frame instead of the
 * whole chain of `yield*` delegations above it (docs/performance.md: ~150-250 ns per op at the
 * model's depth of 6-12 frames, against 16-18 ns for the build's frames at any depth).
 *
 * The transform is Babel's regenerator: each generator function becomes a plain function that
 * returns a `Frame` whose `inner` function runs the body as a `switch` over resume points, with
 * the body's locals kept in the plain function's closure. Regenerator's own runtime drives a
 * `yield*` by delegation, one nested `next` per level, as V8 does; this one keeps the frames of a
 * thread on an explicit stack (each frame points at its caller) and resumes only the innermost:
 *
 * - `inner(frame)` returns the op it yields (after setting `frame.n`, where it resumes), or
 *   `CONTINUE` after one of the context calls below.
 * - `frame.a(2, v)` returns `v`; `frame.a(3, loc)` jumps to `loc` (a `break` out of a loop).
 * - `frame.d(iterator, loc)` is `yield*`: when the iterator is a frame, the driver pushes it and
 *   hands its return value to the caller, which resumes at `loc`; any other iterator (an
 *   untransformed generator: a patch, a mutant) is stepped by `next` like V8 would.
 *
 * A frame is also a generator object to whoever holds it (`next`, `return`, `throw`,
 * `[Symbol.iterator]`): stepThread drives the thread's outermost frame, and untransformed code
 * delegates to a transformed function with `yield*` unchanged. Model code has no `try` around a
 * yield (scripts/generator_survey.ts), so an exception simply ends every frame of the thread, as
 * it ends every generator of a `yield*` chain; the transform refuses a `try` around a yield.
 */
import { resolve } from "node:path";
import { SRC_DIR } from "../paths.ts";

/** What `inner` returns when it did not yield: the driver looks at the frame to see why. */
const CONTINUE: unique symbol = Symbol("frames.continue");

type Inner = (this: unknown, f: Frame) => unknown;

/**
 * What the transform records of each frame function for reports (V8's stack no longer holds the
 * callers of a running frame): the name V8 would print, the file under src/, whether it is a loop
 * body babel split out of the enclosing function (reported as that function), and the source
 * position ("line:column") of each `yield*` by the location it resumes at.
 */
export interface FrameMeta {
  name: string | null;
  file: string;
  inline: boolean;
  at: Record<number, string>;
}

const NO_META: FrameMeta = { name: null, file: "", inline: false, at: {} };

/** Marks a function compiled from a generator function (patches.ts tells generators apart). */
export const FRAMES_GENERATOR = Symbol.for("epcsim.framesGenerator");

export class Frame {
  /** Regenerator's context: the resume point, and the value sent in (or a callee's return). */
  n = 0;
  v: unknown = undefined;
  /** The callee this frame waits on (`yield*`), until it returns. */
  del: Iterator<unknown, unknown, unknown> | null = null;
  /** The frame that called this one with `yield*`, while this one runs. */
  caller: Frame | null = null;
  /** On the frame a driver holds: the innermost frame of its stack, where `next` resumes. */
  cur: Frame;
  done = false;
  rv: unknown = undefined;
  /** While a drive of this frame runs: the drive it interrupted (a frame run by untransformed code). */
  outer: Frame | null = null;
  /** The result object `next` hands out, made the first time this frame is driven. */
  res: { value: unknown; done: false } | null = null;
  readonly inner: Inner;
  /** The `this` of the call (a method's receiver), which the body reads. */
  readonly self: unknown;
  readonly meta: FrameMeta;

  constructor(inner: Inner, self: unknown, meta: FrameMeta) {
    this.inner = inner;
    this.self = self;
    this.meta = meta;
    this.cur = this;
  }

  /** Regenerator's abrupt completion: 2 returns `arg`, 3 jumps to location `arg`. */
  a(type: number, arg?: unknown): typeof CONTINUE {
    if (type === 3) this.n = arg as number;
    else if (type === 2) {
      this.done = true;
      this.rv = arg;
    } else throw new Error(`frames: abrupt completion of type ${type} (a try around a yield?)`);
    return CONTINUE;
  }

  /** Regenerator's `yield*`: wait on `it`, then resume at `loc` with its return value. */
  d(it: Iterator<unknown, unknown, unknown>, loc: number): typeof CONTINUE {
    this.del = it;
    this.n = loc;
    return CONTINUE;
  }

  next(value?: unknown): IteratorResult<unknown, unknown> {
    return drive(this, value);
  }

  /** Close the thread: model code has no `finally`, so nothing runs. */
  return(value?: unknown): IteratorResult<unknown, unknown> {
    this.done = true;
    this.cur = this;
    return { value, done: true };
  }

  /** Model code never catches what is thrown into it: the thread ends with the exception. */
  throw(e: unknown): IteratorResult<unknown, unknown> {
    this.done = true;
    this.cur = this;
    throw e;
  }

  [Symbol.iterator](): this {
    return this;
  }
}

/**
 * The innermost drive in progress on this thread; each drive's frame keeps the one it interrupted
 * (`outer`). Site capture and a watchdog that pauses a step find there the frames V8's stack does
 * not show (an exception carries its own: see the catch in drive).
 */
let running: Frame | null = null;

/**
 * Run `root`'s stack until its innermost frame yields (or `root` returns). `value` answers the
 * yield the innermost frame stopped at.
 */
function drive(root: Frame, value: unknown): IteratorResult<unknown, unknown> {
  if (root.done) return { value: undefined, done: true };
  root.outer = running;
  running = root;
  try {
    return run(root, value);
  } catch (e) {
    // The sites of the frames this exception ends, for errorSite (rt/site.ts), innermost drive first.
    if (e !== null && typeof e === "object") {
      const chains = ((e as Record<symbol, unknown>)[FRAME_CHAINS] ??= []) as string[][];
      chains.push(chainLines(root));
    }
    root.done = true;
    root.cur = root;
    throw e;
  } finally {
    running = root.outer;
    root.outer = null;
  }
}

function run(root: Frame, value: unknown): IteratorResult<unknown, unknown> {
  // One result object per driven frame, reused: its reader (stepThread, or V8's `yield*` in
  // untransformed code) takes the value before asking for the next.
  const res = (root.res ??= { value: undefined, done: false });
  let f = root.cur;
  const pending = f.del;
  if (pending !== null) {
    // An untransformed generator this frame delegates to gets the value.
    const r = pending.next(value);
    if (!r.done) return r;
    f.del = null;
    f.v = r.value;
  } else f.v = value;
  for (;;) {
    const out = f.inner.call(f.self, f);
    if (out !== CONTINUE) {
      res.value = out;
      return res;
    }
    if (f.done) {
      if (f === root) return { value: f.rv, done: true };
      const caller = f.caller as Frame;
      f.caller = null;
      caller.del = null;
      caller.v = f.rv;
      root.cur = f = caller;
      continue;
    }
    const callee = f.del;
    if (callee === null) continue; // a jump
    if (callee instanceof Frame && callee.cur === callee && callee.n === 0 && !callee.done) {
      callee.caller = f;
      callee.v = undefined;
      root.cur = f = callee;
      continue;
    }
    // Not a fresh frame: delegate the way V8 does, by its next().
    const r = callee.next(undefined);
    if (!r.done) return r;
    f.del = null;
    f.v = r.value;
  }
}

/** Where an exception keeps the frame chains of the drives it went through (site.ts reads them). */
export const FRAME_CHAINS = Symbol.for("epcsim.frameChains");

/** V8's name for a receiver's type in a stack frame ("Object" for a plain object, "Module" for a namespace). */
function typeName(self: unknown): string | null {
  if (self === null || self === undefined || typeof self !== "object") return null;
  const tag = (self as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
  if (tag === "Module") return tag;
  return (self as { constructor?: { name?: string } }).constructor?.name || "Object";
}

/**
 * The frames of `root`'s stack that V8's stack does not show, innermost first, as V8 stack lines
 * ("    at name (/abs/src/file.ts:line:col)"). The innermost frame is on V8's stack when its
 * body is what runs (it threw, or it is paused); when it waits on an untransformed generator, the
 * generator is on V8's stack and the frame is not. A loop body's frame stands for the enclosing
 * function's frame, which is then left out (one frame in the sources).
 */
function chainLines(root: Frame): string[] {
  const lines: string[] = [];
  let below: Frame | null = null;
  for (let f: Frame | null = root.cur; f !== null; below = f, f = f.caller) {
    if (below?.meta.inline) continue;
    if (f === root.cur && f.del === null) continue; // its body runs: on V8's stack
    const { name, file, at } = f.meta;
    const pos = at[f.n];
    if (name === null || pos === undefined) continue;
    const recv = typeName(f.self);
    // With the line V8 adds under each generator's frame when it resumes it (the stack's length
    // limit counts it): a chain reads as the sources' generators would.
    lines.push(
      `    at ${recv ? `${recv}.` : ""}${name} (${resolve(SRC_DIR, file)}:${pos})`,
      `    at ${name}.next (<anonymous>)`,
    );
  }
  return lines;
}

/**
 * The frame chains of the drives in progress, innermost drive first: site.ts reads them, and the
 * watchdog thread asks the paused thread for them through the global below.
 */
export function activeChains(): string[][] {
  const chains: string[][] = [];
  for (let d = running; d !== null; d = d.outer) chains.push(chainLines(d));
  return chains;
}
(globalThis as Record<symbol, unknown>)[Symbol.for("epcsim.activeFrameChains")] = activeChains;

/** Regenerator's `_regenerator()` helper: `w` makes a call's frame, `m` marks the function. */
const runtime = {
  w(inner: Inner, _outer?: unknown, self?: unknown, tryLocs?: unknown, meta?: FrameMeta): Frame {
    if (tryLocs !== undefined) throw new Error("frames: a try around a yield is not supported");
    return new Frame(inner, self, meta ?? NO_META);
  },
  m<F extends object>(fn: F): F {
    (fn as Record<symbol, unknown>)[FRAMES_GENERATOR] = true;
    return fn;
  },
};

export function __frames_regenerator(): typeof runtime {
  return runtime;
}

/** Regenerator's `_regeneratorValues(x)`: what `yield* x` iterates. */
export function __frames_regeneratorValues(x: unknown): Iterator<unknown, unknown, unknown> {
  if (x instanceof Frame) return x;
  const it = (x as { [Symbol.iterator]?: () => Iterator<unknown, unknown, unknown> } | null)?.[
    Symbol.iterator
  ];
  if (typeof it !== "function") throw new TypeError(`${typeof x} is not iterable`);
  return it.call(x);
}
