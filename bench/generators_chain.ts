/**
 * The call chain bench/generators.ts measures, as model code writes it: a generator that yields
 * `n` ops, called through `depth` functions that delegate with `yield*`. The bench runs it as
 * written and compiled by the build's frames transform (scripts/frames_transform.mjs).
 */
export function* leaf(n: number): Generator<number, number, unknown> {
  for (let i = 0; i < n; i++) yield i;
  return n;
}

export function* chain(depth: number, n: number): Generator<number, number, unknown> {
  if (depth === 0) return yield* leaf(n);
  return yield* chain(depth - 1, n);
}
