/**
 * The workload's random stream is xoshiro128** seeded by splitmix32: every access pattern, and so
 * every recorded result, depends on its exact output. This checks WorkloadRng (which keeps its state
 * as int32 words for speed) against a plain unsigned transcription of the published algorithm.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { WorkloadRng } from "../../src/model/user/prng.ts";

/** xoshiro128** over uint32 words, as Blackman and Vigna publish it. */
function reference(seed: number, stream: number): () => number {
  let x = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
  const splitmix = () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  const s = [splitmix(), splitmix(), splitmix(), (splitmix() | 1) >>> 0];
  const rotl = (v: number, k: number) => ((v << k) | (v >>> (32 - k))) >>> 0;
  return () => {
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2] = (s[2]! ^ s[0]!) >>> 0;
    s[3] = (s[3]! ^ s[1]!) >>> 0;
    s[1] = (s[1]! ^ s[2]!) >>> 0;
    s[0] = (s[0]! ^ s[3]!) >>> 0;
    s[2] = (s[2]! ^ t) >>> 0;
    s[3] = rotl(s[3]!, 11);
    return result;
  };
}

test("WorkloadRng draws exactly the xoshiro128** sequence for several seeds and streams", () => {
  for (const [seed, stream] of [
    [1, 0],
    [1, 7],
    [0xdeadbeef, 3],
    [42, 1000],
  ] as const) {
    const rng = new WorkloadRng(seed, stream);
    const ref = reference(seed, stream);
    for (let i = 0; i < 20_000; i++)
      assert.equal(rng.u32(), ref(), `seed ${seed} stream ${stream} draw ${i}`);
  }
});

test("float and below are derived from u32 and stay in range", () => {
  const a = new WorkloadRng(5, 2);
  const b = new WorkloadRng(5, 2);
  for (let i = 0; i < 1000; i++) {
    const u = b.u32();
    assert.equal(a.float(), u / 4294967296);
    const f = a.below(37);
    assert.ok(Number.isInteger(f) && f >= 0 && f < 37);
    b.u32();
  }
});
