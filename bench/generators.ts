/**
 * What one model op costs before any model code runs: model code is generators calling generators
 * (yield*), and resuming a suspended op passes through every frame between the driver and the op.
 * Prints the cost per op at several delegation depths (the kernel paths of the model run 6-12 frames
 * deep: actor, fault handler, load page, ELDU, ENCLS wrapper, lock helpers). Print only, no assert.
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

const OPS = 150;
const RUNS = 2000;
console.log(`node ${process.version}`);
for (const depth of [0, 2, 4, 8, 12]) {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let k = 0; k < RUNS; k++) {
      const g = chain(depth, OPS);
      while (!g.next().done);
    }
    best = Math.min(best, performance.now() - t0);
  }
  const ns = (best / (RUNS * OPS)) * 1e6;
  console.log(`yield* depth ${String(depth).padStart(2)}: ${ns.toFixed(0)} ns per op`);
}
