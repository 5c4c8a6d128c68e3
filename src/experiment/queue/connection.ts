/**
 * Where jobs run: `local` (worker threads of this process, the default) or a Redis server that
 * `epcsim worker` processes on any number of machines take jobs from (BullMQ).
 */
import type { ConnectionOptions } from "bullmq";

export type Backend = { kind: "local" } | { kind: "redis"; url: string };

export class BackendError extends Error {}

/** `--backend local` or `--backend redis://[user:password@]host:port[/db]`. */
export function parseBackend(v: string | undefined): Backend {
  if (v === undefined || v === "local") return { kind: "local" };
  return { kind: "redis", url: checkRedisUrl(v, "--backend") };
}

export function checkRedisUrl(v: string, option: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new BackendError(`${option} ${v}: expected local or a Redis URL such as redis://127.0.0.1:6379`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:")
    throw new BackendError(`${option} ${v}: expected a redis:// or rediss:// URL`);
  if (u.pathname && u.pathname !== "/" && !/^\/\d+$/.test(u.pathname))
    throw new BackendError(`${option} ${v}: the path must be a database number (redis://host:6379/0)`);
  return v;
}

/**
 * BullMQ connection options for a Redis URL. `maxRetriesPerRequest: null` is what BullMQ's workers
 * require: a command waits for a reconnection instead of failing, so a Redis restart mid-sweep
 * delays jobs instead of losing them.
 */
export function connectionOptions(url: string): ConnectionOptions {
  const u = new URL(url);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  return {
    host: u.hostname || "127.0.0.1",
    port: u.port ? Number(u.port) : 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db,
    tls: u.protocol === "rediss:" ? {} : undefined,
    maxRetriesPerRequest: null,
    // Reconnect quickly after a restart, at most every 2 s.
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
  };
}

/** Queue names; the Redis keys are `bull:<name>:...`. */
export const RUN_QUEUE = "epcsim-runs";
export const HUNT_QUEUE = "epcsim-hunt";
export const MUTANT_QUEUE = "epcsim-mutants";
