/**
 * The soft-lockup watchdog for code epcsim did not write (patches, automatic mutants): a loop that
 * never reaches a scheduling point would hang a run or a check forever, since JavaScript cannot be
 * interrupted. Such code is instrumented when it is loaded (scenario/patch_hooks.mjs): every loop
 * body first calls the tick below; the drivers reset the count whenever a thread yields an op
 * (rt/thread.ts). Past the limit the tick throws LoopWithoutYield, whose stack names the loop.
 */
const GUARD = Symbol.for("epcsim.loopGuard");
const TICK = Symbol.for("epcsim.loopTick");

interface Guard {
  count: number;
  limit: number;
}

const g = globalThis as unknown as Record<symbol, unknown>;
/** Shared through globalThis: the build (dist/) and the sources may both be loaded in one process. */
export const loopGuard: Guard = (g[GUARD] ??= { count: 0, limit: 20_000_000 }) as Guard;

/** A loop ran `limit` iterations without yielding an op: the kernel's soft-lockup watchdog. */
export class LoopWithoutYield extends Error {
  override name = "LoopWithoutYield";
}

g[TICK] ??= (): void => {
  if (++loopGuard.count > loopGuard.limit) {
    loopGuard.count = 0;
    throw new LoopWithoutYield(
      `a loop ran ${loopGuard.limit.toLocaleString("en-US")} iterations without reaching a scheduling point`,
    );
  }
};
