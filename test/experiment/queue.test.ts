/**
 * Sweeps, A/Bs and hunts on a real job queue: Debian's redis-server on a free loopback port and
 * `epcsim worker` processes, killed and restarted as a cluster's would be.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { Job, Queue } from "bullmq";
import { Redis } from "ioredis";
import { replayToken } from "../../src/check/session.ts";
import { decodeToken } from "../../src/check/token.ts";
import { runSweep } from "../../src/experiment/execute.ts";
import { makeJob, prepareScenario } from "../../src/experiment/jobs.ts";
import { connectionOptions, RUN_QUEUE } from "../../src/experiment/queue/connection.ts";
import type { HuntFinding } from "../../src/experiment/queue/hunt_store.ts";
import { executeOnQueue } from "../../src/experiment/queue/runs.ts";
import { ResultsStore } from "../../src/experiment/store.ts";
import type { SweepSpec } from "../../src/experiment/sweep.ts";
import { loadKernel } from "../../src/scenario/patches.ts";
import { BIN, TestRedis, until } from "../helpers/redis.ts";

const PATCH = resolve(import.meta.dirname, "../../examples/patches/per-page-reclaim.ts");

function sweep(over: Partial<SweepSpec>): SweepSpec {
  return {
    name: "q",
    scenario: "seed-batching",
    base: ["machine.epc=512", "run.duration=1ms", "run.warmup=0"],
    grid: [],
    reps: 1,
    ...over,
  };
}

/** Run the epcsim CLI to completion. */
function cli(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => {
      out += d;
    });
    p.stderr.on("data", (d) => {
      err += d;
    });
    p.on("exit", (code) => done({ code, out, err }));
  });
}

describe("the Redis job queue", () => {
  let redis: TestRedis;
  let dir: string;
  before(async () => {
    redis = await TestRedis.start();
    dir = mkdtempSync(join(tmpdir(), "epcsim-queue-"));
  });
  after(async () => {
    await redis?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    const r = new Redis(redis.port, "127.0.0.1");
    await r.flushall();
    r.disconnect();
  });

  test("two workers complete a 20-cell sweep with results identical to --backend local", async () => {
    const w1 = await redis.worker();
    const w2 = await redis.worker();
    const spec = sweep({
      grid: [
        { key: "reclaimer.batch", values: ["1", "2", "4", "8", "16"] },
        { key: "machine.epc", values: ["256", "384", "512", "640"] },
      ],
    });
    const remote = await runSweep(spec, { backend: { kind: "redis", url: redis.url } });
    const local = await runSweep(spec, { workers: 0 });
    assert.equal(remote.plan.cells.length, 20);
    assert.equal(remote.runs.executed, 20);
    assert.deepEqual(remote.analysis, local.analysis);
    const logs = [w1, w2].map((w) => (w as unknown as { log: () => string }).log());
    assert.ok(
      logs.every((l) => / done/.test(l)),
      "both workers ran jobs",
    );
    assert.equal(await redis.stopWorker(w1), 0, "SIGTERM stops a worker cleanly");
    await redis.stopWorker(w2);
  });

  test("epcsim mutate on the queue: workers evaluate the mutants, outcomes as with local threads", async () => {
    const w = await redis.worker();
    const { runCampaign } = await import("../../src/mutate/campaign.ts");
    const opts = {
      functions: ["sgx_reclaimer_block"],
      scenarios: ["check-fault-vs-reclaim", "check-release-vs-reclaim"],
      schedules: 100,
      timeMs: 60_000,
      seed: 1,
      workers: 2,
    };
    const remote = await runCampaign({ ...opts, redisUrl: redis.url });
    const local = await runCampaign(opts);
    assert.ok(remote.length >= 3);
    assert.deepEqual(
      remote.map((r) => [r.name, r.status, r.outcome?.scenario ?? null, r.outcome?.property ?? null]),
      local.map((r) => [r.name, r.status, r.outcome?.scenario ?? null, r.outcome?.property ?? null]),
    );
    assert.match((w as unknown as { log: () => string }).log(), /mutant mutant\/auto\/sgx_reclaimer_block\//);
    await redis.stopWorker(w);
  });

  test("a worker killed with SIGKILL mid-job: the job is retried on another worker, nothing is lost or counted twice", async () => {
    const doomed = await redis.worker("--lock-ms", "1000");
    const spec = sweep({
      base: ["machine.epc=512", "run.duration=300ms", "run.warmup=0"],
      grid: [{ key: "reclaimer.batch", values: ["1", "16"] }],
      reps: 2,
    });
    const store = new ResultsStore(join(dir, "kill.db"));
    const queue = new Queue(RUN_QUEUE, { connection: connectionOptions(redis.url) });
    try {
      const running = runSweep(spec, { store, backend: { kind: "redis", url: redis.url } });
      await until("a job to be active", async () => (await queue.getActiveCount()) > 0);
      const [active] = await queue.getActive();
      doomed.kill("SIGKILL");
      const rescuer = await redis.worker("--lock-ms", "1000");
      const remote = await running;
      assert.equal(remote.runs.executed, 4);
      assert.equal(store.countRuns(), 4, "each run recorded once");
      const retried = await Job.fromId(queue, active!.id!);
      assert.ok(
        (retried?.attemptsStarted ?? 0) >= 2 || (retried?.stalledCounter ?? 0) >= 1,
        "the killed job was started again",
      );
      const local = await runSweep(spec, { workers: 2 });
      assert.deepEqual(remote.analysis, local.analysis);
      await redis.stopWorker(rescuer);
    } finally {
      await queue.close();
      store.close();
    }
  });

  test("a Redis restart mid-sweep: the sweep completes with the same results", async () => {
    const w1 = await redis.worker();
    const w2 = await redis.worker();
    const spec = sweep({
      base: ["machine.epc=512", "run.duration=40ms", "run.warmup=0"],
      grid: [{ key: "reclaimer.batch", values: ["1", "2", "4", "8", "16", "32"] }],
      reps: 2,
    });
    let restarted: Promise<void> | null = null;
    const remote = await runSweep(spec, {
      backend: { kind: "redis", url: redis.url },
      onProgress: (done) => {
        if (done >= 2 && !restarted) restarted = redis.restart();
      },
    });
    assert.ok(restarted, "Redis was restarted while runs were outstanding");
    await restarted;
    assert.equal(remote.runs.executed, 12);
    const local = await runSweep(spec, { workers: 2 });
    assert.deepEqual(remote.analysis, local.analysis);
    await Promise.all([redis.stopWorker(w1), redis.stopWorker(w2)]);
  });

  test("a job that fails deterministically is reported with its error and not retried", async () => {
    const w = await redis.worker();
    const job = makeJob(prepareScenario("seed-batching", ["run.duration=1ms"]), [], 1);
    // A scenario that passed validation here but that the worker cannot run (as from an older epcsim).
    const broken = {
      ...job,
      key: `${job.key}-broken`,
      scenario: { ...job.scenario, machine: null } as never,
    };
    await assert.rejects(
      executeOnQueue([broken], redis.url, () => {}),
      /failed on a worker/,
    );
    const queue = new Queue(RUN_QUEUE, { connection: connectionOptions(redis.url) });
    const failed = await Job.fromId(queue, broken.key);
    assert.equal(await failed?.getState(), "failed");
    assert.equal(failed?.attemptsMade, 1, "not retried");
    await queue.close();
    await redis.stopWorker(w);
  });

  test("a job carrying a patch is refused by a worker without --allow-patches and run by one with it", async () => {
    const spec = sweep({ grid: [{ key: "kernel", values: ["mainline", `mainline+${PATCH}`] }] });
    await loadKernel(`mainline+${PATCH}`);
    const careful = await redis.worker();
    await assert.rejects(
      runSweep(spec, { backend: { kind: "redis", url: redis.url } }),
      /not started with --allow-patches/,
    );
    await redis.stopWorker(careful);
    const trusting = await redis.worker("--allow-patches");
    const remote = await runSweep(spec, { backend: { kind: "redis", url: redis.url } });
    const local = await runSweep(spec, { workers: 0 });
    assert.deepEqual(remote.analysis, local.analysis);
    await redis.stopWorker(trusting);
  });

  test("a hunt on two workers finds a catalogued bug, deduplicates it, survives its submitter and its tokens replay locally", async () => {
    const w1 = await redis.worker();
    const w2 = await redis.worker();
    const args = [
      "hunt",
      "check-pcmd-truncate",
      "--kernel",
      "v5.19-B6",
      "--duration",
      "8s",
      "--slice",
      "50",
      "--parallel",
      "4",
      "--backend",
      redis.url,
    ];
    // The submitter detaches at once; the workers keep the hunt going.
    const detached = await cli(...args, "--detach");
    assert.equal(detached.code, 0, detached.err);
    const id = detached.out.trim();
    assert.match(id, /^[0-9a-f]{12}$/);
    await new Promise((r) => setTimeout(r, 2000));
    const status = await cli("hunt", "status", id, "--backend", redis.url, "--json");
    const s = JSON.parse(status.out).hunts[0];
    assert.equal(s.status, "running");
    assert.ok(s.slices > 0, "workers ran slices without the submitter");
    // Submitting the same hunt again resumes it and follows it to its end.
    const resumed = await cli(...args, "--json");
    assert.match(resumed.err, /resumed/);
    assert.equal(resumed.code, 1, "a hunt that found a bug exits 1");
    const final = JSON.parse(resumed.out) as { status: string; findings: HuntFinding[] };
    assert.equal(final.status, "done");
    assert.ok(final.findings.length >= 1);
    const total = final.findings.reduce((a, f) => a + f.count, 0);
    assert.ok(total > final.findings.length, `${total} findings deduplicated into ${final.findings.length}`);
    assert.equal(new Set(final.findings.map((f) => f.signature)).size, final.findings.length);
    for (const f of final.findings) {
      assert.match(f.property, /evicted data is in the backing store/);
      await loadKernel(decodeToken(f.token).variant);
      const r = replayToken(f.token);
      assert.equal(r.report.failure.property, f.property, "the token replays to the same failure here");
    }
    await Promise.all([redis.stopWorker(w1), redis.stopWorker(w2)]);
  });
});
