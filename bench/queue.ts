/**
 * Throughput of the Redis job queue against the local worker pool (issue 13). Prints, never asserts.
 *   node --import tsx bench/queue.ts
 * Needs Debian's redis-server (started privately on a free loopback port).
 * - a 40-run sweep (runs of ~0.1 s) on local worker threads (1, 2) and on 1 and 2 `epcsim worker`
 *   processes through Redis: the scaling per added worker core (target >= 0.9x linear);
 * - 200 trivial runs on one worker through Redis vs one local thread: the queue's per-job overhead
 *   (target <= 5 ms per job).
 */
import { availableParallelism, loadavg } from "node:os";
import { runSweep } from "../src/experiment/execute.ts";
import type { SweepSpec } from "../src/experiment/sweep.ts";
import { TestRedis } from "../test/helpers/redis.ts";

function spec(name: string, duration: string, cells: number, reps: number): SweepSpec {
  return {
    name,
    scenario: "seed-batching",
    base: ["machine.epc=512", `run.duration=${duration}`, "run.warmup=0"],
    grid: [{ key: "reclaimer.batch", values: Array.from({ length: cells }, (_, i) => String(i + 1)) }],
    reps,
    maxRuns: 10_000,
  };
}

async function timed(label: string, fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  console.log(`${label.padEnd(44)} ${(ms / 1000).toFixed(2).padStart(7)} s`);
  return ms;
}

const redis = await TestRedis.start();
try {
  console.log(
    `machine: ${availableParallelism()} CPUs, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  const sweep = spec("bench-40", "20ms", 10, 4);
  // Warm the local pool's code paths once so both sides start equally warm.
  await runSweep(spec("warm", "1ms", 2, 1), { workers: 1 });
  const local1 = await timed("40 runs, local, 1 worker thread", () => runSweep(sweep, { workers: 1 }));
  const local2 = await timed("40 runs, local, 2 worker threads", () => runSweep(sweep, { workers: 2 }));
  const backend = { kind: "redis" as const, url: redis.url };
  const w1 = await redis.worker("--quiet");
  await runSweep(spec("warm", "1ms", 2, 1), { backend });
  const r1 = await timed("40 runs, Redis, 1 worker", () => runSweep({ ...sweep, seed: 2 }, { backend }));
  const w2 = await redis.worker("--quiet");
  await runSweep(spec("warm2", "1ms", 4, 1), { backend });
  const r2 = await timed("40 runs, Redis, 2 workers", () => runSweep({ ...sweep, seed: 3 }, { backend }));
  console.log(
    `scaling 1 -> 2 workers: local ${(local1 / local2).toFixed(2)}x, Redis ${(r1 / r2).toFixed(2)}x (linear: 2.00x; target >= 1.80x)`,
  );
  await redis.stopWorker(w2);

  const trivial = spec("bench-200", "1us", 50, 4);
  const l = await timed("200 trivial runs, local, 1 worker thread", () => runSweep(trivial, { workers: 1 }));
  const r = await timed("200 trivial runs, Redis, 1 worker", () =>
    runSweep({ ...trivial, seed: 5 }, { backend }),
  );
  console.log(`queue overhead per job: ${((r - l) / 200).toFixed(2)} ms (target <= 5 ms)`);
  await redis.stopWorker(w1);
} finally {
  await redis.close();
}
