/**
 * A hunt's state lives in Redis, not in the process that started it: the spec, its status and
 * deadline, counters, and the findings deduplicated by signature. Workers keep a hunt going by
 * queueing the next slice when they finish one, so the hunt survives its submitter exiting; the
 * submitter (or `epcsim hunt status`) only reads.
 *
 * Slices partition the search so that no two workers repeat work: slice i checks scenario
 * i mod S with strategy ⌊i / S⌋ mod |strategies| and a seed derived from (hunt seed, i). Only the
 * sampling strategies (random, pct) are partitioned this way; their executions under different
 * seeds are independent draws.
 */
import { createHash } from "node:crypto";
import { Queue } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import type { StrategyChoice } from "../../check/checker.ts";
import type { CheckSummary } from "../../check/session.ts";
import { connectionOptions, HUNT_QUEUE } from "./connection.ts";
import type { ShippedPatch } from "./patches.ts";
import type { HuntSliceTask } from "./thread.ts";

export const HUNT_STRATEGIES: StrategyChoice[] = ["random", "pct"];

export interface HuntScenario {
  name: string;
  /** The check scenario after overrides, kernel included. */
  raw: unknown;
  kernel: string;
  patches: ShippedPatch[];
}

export interface HuntSpec {
  id: string;
  scenarios: HuntScenario[];
  seed: number;
  strategies: StrategyChoice[];
  /** Executions per slice, and a wall-time cap per slice (ms). */
  sliceExecutions: number;
  sliceMs: number;
  durationMs: number;
  /** Slices in the queue at once (about the number of worker threads to keep busy). */
  parallel: number;
}

export interface HuntSliceData {
  id: string;
  i: number;
}

export interface HuntFinding {
  signature: string;
  property: string;
  detail: string;
  functions: string[];
  racing: string[];
  scenario: string;
  kernel: string;
  strategy: string;
  seed: number;
  slice: number;
  token: string;
  report: string;
  found_at: string;
  /** Slices that found this signature. */
  count: number;
}

export type HuntState = "running" | "stopped" | "done";

export interface HuntStatus {
  id: string;
  status: HuntState;
  scenarios: string[];
  started: number;
  deadline: number;
  slices: number;
  executions: number;
  findings: number;
}

/** Seed of slice i: independent of how many workers there are and of who runs the slice. */
export function sliceSeed(seed: number, i: number): number {
  return Number.parseInt(createHash("sha256").update(`${seed}:${i}`).digest("hex").slice(0, 8), 16);
}

/** Findings are the same bug when the property and the racing functions (report.ts) are. */
export function signatureOf(s: { property: string | null; racing: string[] }): string {
  return `${s.property} @ ${[...s.racing].sort().join(", ")}`;
}

/** A hunt's id: a hash of what it searches, so submitting the same hunt again resumes it. */
export function huntId(spec: Omit<HuntSpec, "id" | "durationMs" | "parallel">): string {
  const material = JSON.stringify({
    scenarios: spec.scenarios.map((s) => ({ raw: s.raw, patches: s.patches.map((p) => p.sha) })),
    seed: spec.seed,
    strategies: spec.strategies,
    slice: [spec.sliceExecutions, spec.sliceMs],
  });
  return createHash("sha256").update(material).digest("hex").slice(0, 12);
}

const HUNTS = "epcsim:hunts";
const key = (id: string) => `epcsim:hunt:${id}`;

export class HuntStore {
  readonly redis: Redis;
  private readonly queue: Queue<HuntSliceData>;
  private readonly specs = new Map<string, HuntSpec>();

  constructor(url: string) {
    this.redis = new Redis(connectionOptions(url) as RedisOptions);
    this.queue = new Queue<HuntSliceData>(HUNT_QUEUE, { connection: connectionOptions(url) });
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.redis.disconnect();
  }

  async spec(id: string): Promise<HuntSpec | null> {
    const cached = this.specs.get(id);
    if (cached) return cached;
    const text = await this.redis.hget(key(id), "spec");
    if (!text) return null;
    const spec = JSON.parse(text) as HuntSpec;
    this.specs.set(id, spec);
    return spec;
  }

  /** Running and not past its deadline; a hunt found past its deadline is marked done. */
  async live(id: string): Promise<boolean> {
    const [status, deadline] = await this.redis.hmget(key(id), "status", "deadline");
    if (status !== "running") return false;
    if (Date.now() >= Number(deadline)) {
      await this.redis.hset(key(id), "status", "done");
      return false;
    }
    return true;
  }

  sliceTask(spec: HuntSpec, i: number): HuntSliceTask {
    const s = spec.scenarios[i % spec.scenarios.length]!;
    const strategy = spec.strategies[Math.floor(i / spec.scenarios.length) % spec.strategies.length]!;
    return {
      kind: "hunt",
      raw: s.raw,
      name: s.name,
      kernel: s.kernel,
      strategy,
      seed: sliceSeed(spec.seed, i),
      schedules: spec.sliceExecutions,
      timeMs: spec.sliceMs,
      patches: s.patches,
    };
  }

  async recordSlice(spec: HuntSpec, i: number, task: HuntSliceTask, r: CheckSummary): Promise<void> {
    const k = key(spec.id);
    const m = this.redis.multi().hincrby(k, "slices", 1).hincrby(k, "executions", r.schedules);
    if (r.found && r.property) {
      const signature = signatureOf(r);
      const finding: Omit<HuntFinding, "count"> = {
        signature,
        property: r.property,
        detail: r.detail ?? "",
        functions: r.functions,
        racing: r.racing,
        scenario: task.name,
        kernel: task.kernel,
        strategy: task.strategy,
        seed: task.seed,
        slice: i,
        token: r.replay_token ?? "",
        report: r.report ?? "",
        found_at: new Date().toISOString(),
      };
      m.hsetnx(`${k}:findings`, signature, JSON.stringify(finding)).hincrby(`${k}:counts`, signature, 1);
    }
    await m.exec();
  }

  private async enqueue(id: string, from: number, to: number): Promise<void> {
    const jobs = [];
    for (let i = from; i < to; i++)
      jobs.push({
        name: "slice",
        data: { id, i },
        opts: { jobId: `${id}-${i}`, attempts: 5, removeOnComplete: 1000, removeOnFail: 1000 },
      });
    await this.queue.addBulk(jobs);
  }

  /** After a slice: queue the next one while the hunt is live. */
  async continueHunt(spec: HuntSpec): Promise<void> {
    if (!(await this.live(spec.id))) return;
    const next = await this.redis.hincrby(key(spec.id), "next", 1);
    await this.enqueue(spec.id, next - 1, next);
  }

  /**
   * Start a hunt, or resume the one with the same id: a running hunt whose slices were lost (Redis
   * restarted without persistence, every worker gone) gets its window of slices queued again.
   */
  async start(spec: HuntSpec): Promise<"started" | "resumed" | "ended"> {
    const k = key(spec.id);
    const status = (await this.redis.hget(k, "status")) as HuntState | null;
    if (status === null) {
      const now = Date.now();
      await this.redis
        .multi()
        .hset(k, {
          spec: JSON.stringify(spec),
          status: "running",
          started: now,
          deadline: now + spec.durationMs,
          next: spec.parallel,
          slices: 0,
          executions: 0,
        })
        .zadd(HUNTS, now, spec.id)
        .exec();
      await this.enqueue(spec.id, 0, spec.parallel);
      return "started";
    }
    if (!(await this.live(spec.id))) return "ended";
    const next = Number(await this.redis.hget(k, "next"));
    let queued = 0;
    for (let i = Math.max(0, next - spec.parallel); i < next; i++) {
      const state = await this.queue.getJobState(`${spec.id}-${i}`);
      if (state === "waiting" || state === "active" || state === "delayed" || state === "prioritized")
        queued++;
    }
    if (queued === 0) {
      const to = await this.redis.hincrby(k, "next", spec.parallel);
      await this.enqueue(spec.id, to - spec.parallel, to);
    }
    return "resumed";
  }

  async stop(id: string): Promise<boolean> {
    const status = await this.redis.hget(key(id), "status");
    if (status === null) return false;
    if (status === "running") await this.redis.hset(key(id), "status", "stopped");
    return true;
  }

  async status(id: string): Promise<HuntStatus | null> {
    const h = await this.redis.hgetall(key(id));
    if (!h.spec) return null;
    const spec = JSON.parse(h.spec) as HuntSpec;
    let status = h.status as HuntState;
    if (status === "running" && Date.now() >= Number(h.deadline)) status = "done";
    return {
      id,
      status,
      scenarios: spec.scenarios.map((s) => s.name),
      started: Number(h.started),
      deadline: Number(h.deadline),
      slices: Number(h.slices ?? 0),
      executions: Number(h.executions ?? 0),
      findings: await this.redis.hlen(`${key(id)}:findings`),
    };
  }

  /** Every hunt this Redis knows, newest first. */
  async list(): Promise<HuntStatus[]> {
    const ids = await this.redis.zrevrange(HUNTS, 0, -1);
    const out: HuntStatus[] = [];
    for (const id of ids) {
      const s = await this.status(id);
      if (s) out.push(s);
    }
    return out;
  }

  async findings(id: string): Promise<HuntFinding[]> {
    const [all, counts] = await Promise.all([
      this.redis.hgetall(`${key(id)}:findings`),
      this.redis.hgetall(`${key(id)}:counts`),
    ]);
    return Object.entries(all)
      .map(([sig, json]) => ({
        ...(JSON.parse(json) as Omit<HuntFinding, "count">),
        count: Number(counts[sig] ?? 1),
      }))
      .sort((a, b) => a.found_at.localeCompare(b.found_at) || a.signature.localeCompare(b.signature));
  }

  /** Slices waiting or running now. */
  async inFlight(): Promise<number> {
    const c = await this.queue.getJobCounts("waiting", "active", "delayed", "prioritized");
    return Object.values(c).reduce((a, b) => a + b, 0);
  }

  async workers(): Promise<number> {
    return this.queue.getWorkersCount();
  }
}
