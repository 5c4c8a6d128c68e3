/**
 * A private Redis server for queue tests: Debian's redis-server on 127.0.0.1 and a free port, with
 * an append-only file in a temporary directory (so a restart keeps the queue, as a production Redis
 * with persistence would), and `epcsim worker` processes attached to it.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const BIN = join(import.meta.dirname, "../../bin/epcsim.js");

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = new Socket();
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(500, () => done(false));
    sock.once("error", () => done(false));
    sock.connect(port, "127.0.0.1", () => sock.write("PING\r\n"));
    sock.once("data", (d) => done(d.toString().startsWith("+PONG")));
  });
}

async function until(what: string, ok: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function haveRedis(): boolean {
  return spawnSync("redis-server", ["--version"]).status === 0;
}

export class TestRedis {
  private proc: ChildProcess | null = null;
  private readonly workers = new Set<ChildProcess>();
  readonly dir = mkdtempSync(join(tmpdir(), "epcsim-redis-"));

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<TestRedis> {
    const r = new TestRedis(await freePort());
    await r.up();
    return r;
  }

  private async up(): Promise<void> {
    this.proc = spawn(
      "redis-server",
      [
        "--port",
        String(this.port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--dir",
        this.dir,
      ],
      { stdio: "ignore" },
    );
    await until("redis-server", () => answersPing(this.port));
  }

  /** Stop the server (SIGTERM: it flushes its append-only file) and wait until it is gone. */
  async down(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once("exit", r));
    p.kill("SIGTERM");
    await exited;
    this.proc = null;
  }

  async restart(): Promise<void> {
    await this.down();
    await this.up();
  }

  /** Start `epcsim worker` on this server; resolves once it is taking jobs. */
  async worker(...args: string[]): Promise<ChildProcess> {
    const w = spawn(process.execPath, [BIN, "worker", "--redis", this.url, "--concurrency", "1", ...args], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    this.workers.add(w);
    w.once("exit", () => this.workers.delete(w));
    let log = "";
    w.stderr!.on("data", (d) => {
      log += d.toString();
    });
    await until("epcsim worker to start", () => {
      if (w.exitCode !== null) throw new Error(`epcsim worker exited: ${log}`);
      return /epcsim worker: \d+ thread/.test(log);
    });
    (w as ChildProcess & { log: () => string }).log = () => log;
    return w;
  }

  /** SIGTERM a worker and wait for its graceful exit. */
  async stopWorker(w: ChildProcess): Promise<number | null> {
    if (w.exitCode !== null) return w.exitCode;
    const exited = new Promise<number | null>((r) => w.once("exit", (code) => r(code)));
    w.kill("SIGTERM");
    return exited;
  }

  async close(): Promise<void> {
    for (const w of this.workers) w.kill("SIGKILL");
    await this.down();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export { until };
