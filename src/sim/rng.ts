/**
 * The drivers' seeded random streams (pure-rand xoroshiro128+). A stream is derived from a root
 * seed and a stream number by jumping, so streams never overlap and a run's randomness does not
 * depend on how many other runs or workers exist.
 */
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import type { JumpableRandomGenerator } from "pure-rand/types/JumpableRandomGenerator";

export class SimRng {
  private readonly g: JumpableRandomGenerator;
  constructor(seed: number, stream = 0) {
    this.g = xoroshiro128plus(seed | 0);
    for (let i = 0; i < stream; i++) this.g.jump();
  }
  /** Uniform integer in [0, n). */
  below(n: number): number {
    return n <= 1 ? 0 : uniformInt(this.g, 0, n - 1);
  }
  /** Uniform float in [0, 1). */
  float(): number {
    return (this.g.next() >>> 0) / 4294967296;
  }
}
