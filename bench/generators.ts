/**
 * What one model op costs before any model code runs: model code is generators calling generators
 * (yield*), and resuming a suspended op passes through every frame between the driver and the op.
 * Prints the cost per op at several delegation depths (the kernel paths of the model run 6-12 frames
 * deep: actor, fault handler, load page, ELDU, ENCLS wrapper, lock helpers), and, for comparison,
 * the same call chains run by a trampoline: each function yields the generator it calls to a driver
 * that keeps the stack of generators, so an op resumes one frame whatever the depth, but every call
 * is two more resumptions (docs/performance.md, "how threads become data"). Print only, no assert.
 *   node --import tsx bench/generators.ts
 */

function* leaf(n: number): Generator<number, number, unknown> {
  for (let i = 0; i < n; i++) yield i;
  return n;
}

function* chain(depth: number, n: number): Generator<number, number, unknown> {
  if (depth === 0) return yield* leaf(n);
  return yield* chain(depth - 1, n);
}

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
    console.log(
      `${String(opsPerCall).padStart(3)} op(s) per call chain, depth ${String(depth).padStart(2)}: yield* ${nested.toFixed(0).padStart(5)} ns per op, trampoline ${tramp.toFixed(0).padStart(5)} ns per op`,
    );
  }
}
