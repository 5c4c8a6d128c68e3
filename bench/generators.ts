/**
 * What one model op costs before any model code runs: model code is generators calling generators
 * (yield*), and resuming a suspended op passes through every frame between the driver and the op.
 * Prints the cost per op at several delegation depths (the kernel paths of the model run 6-12 frames
 * deep: actor, fault handler, load page, ELDU, ENCLS wrapper, lock helpers), and, for comparison,
 * the same call chains run by a trampoline: each function yields the generator it calls to a driver
 * that keeps the stack of generators, so an op resumes one frame whatever the depth, but every call
 * is two more resumptions, and on resumable frames (plain objects holding locals and a resume point,
 * as a transform of the model's functions would make; docs/performance.md, "how threads become
 * data"), and compiled by the build's frames transform (scripts/frames_transform.mjs: what the
 * command line runs). Print only, no assert.
 *   node --import tsx bench/generators.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
// @ts-expect-error: a plain JavaScript build script
import { framesPlugin } from "../scripts/frames_transform.mjs";
import { chain } from "./generators_chain.ts";

/** The build's frames: the same chain compiled as scripts/build.mjs compiles the model. */
async function compiledChain(): Promise<typeof import("./generators_chain.ts")> {
  const dir = mkdtempSync(join(tmpdir(), "epcsim-bench-"));
  const out = join(dir, "chain.mjs");
  await build({
    entryPoints: [join(import.meta.dirname, "generators_chain.ts")],
    outfile: out,
    bundle: true,
    format: "esm",
    platform: "node",
    logLevel: "error",
    plugins: [framesPlugin(/generators_chain\.ts$/)],
  });
  try {
    return await import(pathToFileURL(out).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const built = await compiledChain();

/** A call in the trampolined form: the callee's generator, handed to the driver. */
class Call {
  constructor(readonly g: Generator<unknown, unknown, unknown>) {}
}

function* tleaf(n: number): Generator<unknown, number, unknown> {
  for (let i = 0; i < n; i++) yield i;
  return n;
}

function* tchain(depth: number, n: number): Generator<unknown, number, unknown> {
  if (depth === 0) return (yield new Call(tleaf(n))) as number;
  return (yield new Call(tchain(depth - 1, n))) as number;
}

/** The trampoline: runs the top generator; a Call pushes, a return pops and answers the caller. */
function drive(root: Generator<unknown, unknown, unknown>): number {
  const stack = [root];
  let ops = 0;
  let v: unknown;
  while (stack.length > 0) {
    const r = stack[stack.length - 1]!.next(v);
    if (r.done) {
      stack.pop();
      v = r.value;
    } else if (r.value instanceof Call) {
      stack.push(r.value.g);
      v = undefined;
    } else {
      ops++;
      v = undefined;
    }
  }
  return ops;
}

/**
 * The same chains as resumable frames: what a build-time transform of model functions would make of
 * them (docs/performance.md). A frame is a plain object holding its locals and its resume point; its
 * step runs to the next op, call or return and says which; the driver keeps the stack of frames.
 * The frames could be snapshotted with the world state, which generators cannot.
 */
const F_OP = 0;
const F_CALL = 1;
const F_RETURN = 2;
interface Frame {
  step(d: FrameDriver, v: number): number;
}
interface FrameDriver {
  op: number;
  callee: Frame | null;
  ret: number;
}

class LeafFrame implements Frame {
  private i = 0;
  constructor(private readonly n: number) {}
  step(d: FrameDriver): number {
    if (this.i < this.n) {
      d.op = this.i++;
      return F_OP;
    }
    d.ret = this.n;
    return F_RETURN;
  }
}

class ChainFrame implements Frame {
  private pc = 0;
  constructor(
    private readonly depth: number,
    private readonly n: number,
  ) {}
  step(d: FrameDriver, v: number): number {
    if (this.pc === 0) {
      this.pc = 1;
      d.callee = this.depth === 0 ? new LeafFrame(this.n) : new ChainFrame(this.depth - 1, this.n);
      return F_CALL;
    }
    d.ret = v;
    return F_RETURN;
  }
}

function driveFrames(root: Frame): number {
  const d: FrameDriver = { op: 0, callee: null, ret: 0 };
  const stack: Frame[] = [root];
  let ops = 0;
  let v = 0;
  while (stack.length > 0) {
    const r = stack[stack.length - 1]!.step(d, v);
    if (r === F_OP) {
      ops++;
      v = 0;
    } else if (r === F_CALL) {
      stack.push(d.callee!);
      v = 0;
    } else {
      stack.pop();
      v = d.ret;
    }
  }
  return ops;
}

/** Best of 5, in ns per op. */
function best(run: () => void, ops: number): number {
  let b = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    run();
    b = Math.min(b, performance.now() - t0);
  }
  return (b / ops) * 1e6;
}

const RUNS = 2000;
console.log(`node ${process.version}`);
// Ops per call: 150 (a long loop in one function) and 1 (a call per op, as `yield* m.work(...)`).
for (const opsPerCall of [150, 1]) {
  const runs = opsPerCall === 1 ? RUNS * 50 : RUNS;
  for (const depth of [0, 2, 4, 8, 12]) {
    const nested = best(() => {
      for (let k = 0; k < runs; k++) {
        const g = chain(depth, opsPerCall);
        while (!g.next().done);
      }
    }, runs * opsPerCall);
    const tramp = best(() => {
      for (let k = 0; k < runs; k++) drive(tchain(depth, opsPerCall));
    }, runs * opsPerCall);
    const frames = best(() => {
      for (let k = 0; k < runs; k++) driveFrames(new ChainFrame(depth, opsPerCall));
    }, runs * opsPerCall);
    const transformed = best(() => {
      for (let k = 0; k < runs; k++) {
        const g = built.chain(depth, opsPerCall);
        while (!g.next().done);
      }
    }, runs * opsPerCall);
    console.log(
      `${String(opsPerCall).padStart(3)} op(s) per call chain, depth ${String(depth).padStart(2)}: yield* ${nested.toFixed(0).padStart(5)} ns per op, trampoline ${tramp.toFixed(0).padStart(5)}, hand-written frames ${frames.toFixed(0).padStart(4)}, the build's frames ${transformed.toFixed(0).padStart(4)}`,
    );
  }
}
