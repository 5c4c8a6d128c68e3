/**
 * Seed derivation. Every run's seed is a hash of the root seed and the run's stream name (its
 * replication, and for independent streams its cell), never a counter shared between workers: the
 * seed of a run does not depend on how many workers there are or in which order runs finish.
 */
import { createHash } from "node:crypto";

/** A non-negative 31-bit integer seed derived from the root seed and a stream name. */
export function deriveSeed(root: number, stream: string): number {
  const h = createHash("sha256").update(`epcsim-seed/${root}/${stream}`).digest();
  return h.readUInt32BE(0) >>> 1;
}

/**
 * The seed of replication `rep`. With common random numbers (`cell` undefined) every cell of an
 * experiment (A and B, every sweep cell) gets the same seed for a replication, so their differences
 * are paired; with a cell name, each (cell, replication) gets its own stream.
 */
export function replicationSeed(root: number, rep: number, cell?: string): number {
  return deriveSeed(root, cell === undefined ? `rep/${rep}` : `cell/${cell}/rep/${rep}`);
}
