/**
 * The engine on the usual DES lock-contention benchmark (issue 12): epcsim's Simulator + rt threads
 * + a model mutex, against a minimal engine in this file and against SimPy. Prints, never asserts on
 * wall time; exits non-zero when a variant's count differs from EXPECTED_CYCLES.
 *   node --import tsx bench/engine.ts [--rounds R] [--runs K] [--simpy-runs S] [--no-simpy]
 *
 * The workload: WORKERS threads loop forever:
 *   think for 1 + (u32 % THINK_RANGE) ns; lock the one shared mutex (FIFO hand-off to waiters);
 *   hold it for 1 + (u32 % HOLD_RANGE) ns; unlock; count one lock cycle.
 * Every u32 comes from ONE mulberry32 stream seeded with SEED, drawn when a thread runs: the think
 * time right after its unlock (and at its start), the hold time right after it got the mutex.
 * Events at the same nanosecond run in the order they were scheduled (a released mutex goes to the
 * first waiter, which resumes at that time after what was already queued for it). Counted are the
 * cycles whose unlock happened at a time <= LIMIT_NS. Integer times, no floating point: every engine,
 * in any language, must reach exactly EXPECTED_CYCLES.
 *
 * Variants (each in its own process; R rounds interleave them, each process does K runs: the first
 * is "cold" (a fresh process, JIT not warmed), the median of the rest "warm"):
 *   epcsim-d0 / epcsim-d5  Simulator (a machine of WORKERS CPUs, one pinned thread each, a cost
 *     profile whose context switch, wake-up and lock hand-off cost 0 and xa_walk 1 ns) running the
 *     thread bodies below: `mutex_lock(l)` / `mutex_unlock(l)` ops of a model `mutex`, and
 *     `{kind: "work", what: "xa_walk", n}` ops built like m.work builds them. d5: every op is yielded
 *     at the bottom of 5 nested `yield*` calls made for it, as model code calls helper generators.
 *   minimal-d0 / minimal-d5  the same thread bodies on the ~60-line engine below.
 *   simpy  bench/engine_simpy.py on Debian's python3-simpy (SimPy 2.3.1), depth 0 only.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { mutex, mutex_lock, mutex_unlock } from "../src/model/kernel/lib/locks.ts";
import { Machine } from "../src/model/machine.ts";
import type { Op, WorkOp } from "../src/rt/ops.ts";
import { withSite } from "../src/rt/site.ts";
import { CLIENT } from "../src/sim/costs.ts";
import { Simulator } from "../src/sim/simulator.ts";

export const WORKERS = 16;
export const THINK_RANGE = 2000;
export const HOLD_RANGE = 200;
export const LIMIT_NS = 100_000_000;
export const SEED = 1;
/** Lock cycles completed by LIMIT_NS: every engine must produce exactly this. */
export const EXPECTED_CYCLES = 988_268;

/** mulberry32: the next uint32 of the stream. */
export function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** What a worker yields: built per engine, so both engines run the same generator code. */
interface WorkerOps<O> {
  lock: O;
  unlock: O;
  work(n: number): O;
}

/** The op at the bottom of `depth` nested generator calls. */
function* nest<O>(depth: number, op: O): Generator<O, void, number> {
  if (depth === 1) yield op;
  else yield* nest(depth - 1, op);
}

function* worker<O>(
  ops: WorkerOps<O>,
  rnd: () => number,
  cycles: { n: number },
  depth: number,
): Generator<O, void, number> {
  for (;;) {
    const think = ops.work(1 + (rnd() % THINK_RANGE));
    if (depth === 0) yield think;
    else yield* nest(depth, think);
    if (depth === 0) yield ops.lock;
    else yield* nest(depth, ops.lock);
    const hold = ops.work(1 + (rnd() % HOLD_RANGE));
    if (depth === 0) yield hold;
    else yield* nest(depth, hold);
    if (depth === 0) yield ops.unlock;
    else yield* nest(depth, ops.unlock);
    cycles.n++;
  }
}

/** A work op as Machine.work builds it (priced by the profile's xa_walk, 1 ns here). */
function work(n: number): Op {
  const op: WorkOp = withSite({ kind: "work", what: "xa_walk", n });
  return op;
}

function runEpcsim(depth: number): number {
  const m = new Machine({
    cpuNodes: Array.from({ length: WORKERS }, () => 0),
    sections: [{ node: 0, pages: 64 }],
  });
  const s = new Simulator(m, {
    profile: { ...CLIENT, tick: 0, context_switch: 0, wakeup: 0, lock_handoff: 0, xa_walk: 1 },
    seed: SEED,
    endNs: LIMIT_NS,
    measureFrom: "start",
    processes: 0,
    warmupNs: 0,
    trace: null,
    sampleNs: LIMIT_NS,
    maxOps: Number.MAX_SAFE_INTEGER,
  });
  const l = new mutex(m.newId(), "bench_lock");
  const ops: WorkerOps<Op> = { lock: mutex_lock(l), unlock: mutex_unlock(l), work };
  const rnd = mulberry32(SEED);
  const cycles = { n: 0 };
  for (let i = 0; i < WORKERS; i++) {
    s.spawn({
      task: m.newTask(`worker${i}`, 0, null),
      kind: "user",
      cpu: i,
      body: () => worker(ops, rnd, cycles, depth),
    });
  }
  const r = s.run();
  if (r.end !== "time_limit") throw new Error(`epcsim run ended with ${r.end}`);
  return cycles.n;
}

// ---- The minimal engine: a (time, seq) binary heap, generator threads, a FIFO mutex -------------
// Its own heap, not src/sim/heap.ts: the reference must not share the code whose cost it measures.

class MiniMutex {
  owner = -1;
  q: number[] = [];
  head = 0;
}
type MiniOp =
  | { kind: "work"; what: string; n: number }
  | { kind: "mutex_lock" | "mutex_unlock"; lock: MiniMutex };

function runMinimal(depth: number): number {
  let time = new Float64Array(64);
  let seq = new Float64Array(64);
  let who = new Int32Array(64);
  let size = 0;
  let nextSeq = 0;
  const push = (t: number, w: number): void => {
    if (size === time.length) {
      const g = <A extends Float64Array | Int32Array>(a: A, b: A): A => {
        b.set(a);
        return b;
      };
      time = g(time, new Float64Array(size * 2));
      seq = g(seq, new Float64Array(size * 2));
      who = g(who, new Int32Array(size * 2));
    }
    const s = nextSeq++;
    let i = size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (time[p]! < t || (time[p] === t && seq[p]! < s)) break;
      time[i] = time[p]!;
      seq[i] = seq[p]!;
      who[i] = who[p]!;
      i = p;
    }
    time[i] = t;
    seq[i] = s;
    who[i] = w;
  };
  const pop = (): void => {
    const n = --size;
    const t = time[n]!;
    const s = seq[n]!;
    const w = who[n]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && (time[c + 1]! < time[c]! || (time[c + 1] === time[c] && seq[c + 1]! < seq[c]!))) c++;
      if (t < time[c]! || (t === time[c] && s < seq[c]!)) break;
      time[i] = time[c]!;
      seq[i] = seq[c]!;
      who[i] = who[c]!;
      i = c;
    }
    time[i] = t;
    seq[i] = s;
    who[i] = w;
  };
  const l = new MiniMutex();
  const ops: WorkerOps<MiniOp> = {
    lock: { kind: "mutex_lock", lock: l },
    unlock: { kind: "mutex_unlock", lock: l },
    work: (n) => ({ kind: "work", what: "xa_walk", n }),
  };
  const rnd = mulberry32(SEED);
  const cycles = { n: 0 };
  const threads: Generator<MiniOp, void, number>[] = [];
  for (let i = 0; i < WORKERS; i++) {
    threads.push(worker(ops, rnd, cycles, depth));
    push(0, i);
  }
  while (size > 0 && time[0]! <= LIMIT_NS) {
    const now = time[0]!;
    const id = who[0]!;
    pop();
    const g = threads[id]!;
    for (;;) {
      const op = g.next(0).value as MiniOp;
      if (op.kind === "work") {
        push(now + op.n, id);
        break;
      }
      const m = op.lock;
      if (op.kind === "mutex_lock") {
        if (m.owner === -1) m.owner = id;
        else {
          m.q.push(id);
          break;
        }
      } else if (m.head < m.q.length) {
        m.owner = m.q[m.head++]!;
        push(now, m.owner);
        if (m.head === m.q.length) m.q.length = m.head = 0;
      } else m.owner = -1;
    }
  }
  return cycles.n;
}

// ---- Driver ---------------------------------------------------------------------------------------

const VARIANTS: Record<string, () => number> = {
  "epcsim-d0": () => runEpcsim(0),
  "epcsim-d5": () => runEpcsim(5),
  "minimal-d0": () => runMinimal(0),
  "minimal-d5": () => runMinimal(5),
};

interface ChildResult {
  variant: string;
  counts: number[];
  /** Wall time of each run, and the CPU time (user + system) the process spent in it. */
  ms: number[];
  cpuMs: number[];
}

function child(variant: string, runs: number): void {
  const f = VARIANTS[variant]!;
  const out: ChildResult = { variant, counts: [], ms: [], cpuMs: [] };
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    out.counts.push(f());
    out.ms.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    out.cpuMs.push((c.user + c.system) / 1000);
  }
  console.log(JSON.stringify(out));
}

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
};

/** python3 with SimPy 2 importable (pyenv's python3 may not see Debian's dist-packages). */
function simpyPython(): string | null {
  for (const py of ["python3", "/usr/bin/python3"]) {
    const r = spawnSync(py, ["-c", "import SimPy.Simulation"], { stdio: "ignore" });
    if (r.status === 0) return py;
  }
  return null;
}

function main(): void {
  const self = fileURLToPath(import.meta.url);
  const rounds = arg("--rounds", 3);
  // The first run of a process is the cold one: at least one more gives the warm figure.
  const runs = Math.max(2, arg("--runs", 4));
  const simpyRuns = arg("--simpy-runs", 2);
  const only = process.argv.includes("--variants")
    ? process.argv[process.argv.indexOf("--variants") + 1]!.split(",")
    : Object.keys(VARIANTS);
  const fmtLoad = () =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(" ");
  console.log(
    `node ${process.version}; lock contention: ${WORKERS} workers, think 1..${THINK_RANGE} ns, hold 1..${HOLD_RANGE} ns, ` +
      `limit ${LIMIT_NS} ns, mulberry32(${SEED}); expected ${EXPECTED_CYCLES} cycles; load ${fmtLoad()}`,
  );
  console.log(`${rounds} rounds x ${runs} runs per process, variants interleaved`);
  const cold: Record<string, number[]> = {};
  const warm: Record<string, number[]> = {};
  const warmCpu: Record<string, number[]> = {};
  let bad = false;
  const check = (variant: string, counts: number[]) => {
    for (const c of counts)
      if (c !== EXPECTED_CYCLES) {
        console.log(`MISMATCH ${variant}: ${c} cycles, expected ${EXPECTED_CYCLES}`);
        bad = true;
      }
  };
  for (let r = 0; r < rounds; r++) {
    for (const v of only) {
      const p = spawnSync(
        process.execPath,
        [...process.execArgv, self, "--child", v, "--runs", String(runs)],
        {
          encoding: "utf8",
        },
      );
      if (p.status !== 0) {
        console.log(`${v} failed: ${p.stderr}`);
        process.exit(1);
      }
      const res = JSON.parse(p.stdout.trim().split("\n").pop()!) as ChildResult;
      check(v, res.counts);
      const rate = res.ms.map((ms) => res.counts[0]! / (ms / 1000));
      (cold[v] ??= []).push(rate[0]!);
      (warm[v] ??= []).push(...rate.slice(1));
      (warmCpu[v] ??= []).push(...res.cpuMs.slice(1).map((ms) => res.counts[0]! / (ms / 1000)));
    }
  }
  let simpy: number | null = null;
  let simpyCpu: number | null = null;
  const py = simpyRuns > 0 && !process.argv.includes("--no-simpy") ? simpyPython() : null;
  if (simpyRuns > 0 && !process.argv.includes("--no-simpy")) {
    const script = self.replace(/engine\.ts$/, "engine_simpy.py");
    if (!py) console.log("simpy: skipped: no python3 with SimPy (apt-get install -y python3-simpy)");
    else if (!existsSync(script)) console.log(`simpy: skipped: ${script} missing`);
    else {
      const rates: number[] = [];
      const cpuRates: number[] = [];
      for (let r = 0; r < simpyRuns; r++) {
        const p = spawnSync(py, [script], { encoding: "utf8" });
        if (p.status !== 0) {
          console.log(`simpy failed: ${p.stderr}`);
          process.exit(1);
        }
        const res = JSON.parse(p.stdout.trim().split("\n").pop()!) as {
          count: number;
          s: number;
          cpu_s: number;
          version: string;
        };
        check("simpy", [res.count]);
        if (r === 0) console.log(`simpy: SimPy ${res.version} (${py})`);
        rates.push(res.count / res.s);
        cpuRates.push(res.count / res.cpu_s);
      }
      simpy = median(rates);
      simpyCpu = median(cpuRates);
    }
  }
  const k = (x: number) => `${(x / 1000).toFixed(0)}k/s`;
  console.log(
    `${"variant".padEnd(12)} ${"cold".padStart(10)} ${"warm".padStart(10)} ${"warm CPU".padStart(10)}   (lock cycles per second of wall / CPU time, medians)`,
  );
  for (const v of only)
    console.log(
      `${v.padEnd(12)} ${k(median(cold[v]!)).padStart(10)} ${k(median(warm[v]!)).padStart(10)} ${k(median(warmCpu[v]!)).padStart(10)}`,
    );
  if (simpy !== null && simpyCpu !== null)
    console.log(
      `${"simpy".padEnd(12)} ${k(simpy).padStart(10)} ${k(simpy).padStart(10)} ${k(simpyCpu).padStart(10)}`,
    );
  // Ratios of warm medians, by wall time (and by CPU time, less sensitive to other load on the machine).
  for (const [label, rates, sp] of [
    ["wall", warm, simpy],
    ["CPU", warmCpu, simpyCpu],
  ] as const) {
    const w = (v: string) => (rates[v] ? median(rates[v]) : Number.NaN);
    for (const d of ["d0", "d5"]) {
      if (!rates[`epcsim-${d}`]) continue;
      const e = w(`epcsim-${d}`);
      const parts = [`minimal-${d}/epcsim-${d} ${(w(`minimal-${d}`) / e).toFixed(2)}x`];
      if (d !== "d0") parts.push(`minimal-d0/epcsim-${d} ${(w("minimal-d0") / e).toFixed(2)}x`);
      if (sp !== null) parts.push(`epcsim-${d}/simpy ${(e / sp).toFixed(1)}x`);
      console.log(`warm ratios (${label}): ${parts.join(", ")}`);
    }
  }
  console.log(`load ${fmtLoad()}`);
  if (bad) process.exit(1);
}

if (process.argv.includes("--child"))
  child(process.argv[process.argv.indexOf("--child") + 1]!, arg("--runs", 1));
else if (process.argv.includes("--count")) {
  for (const v of Object.keys(VARIANTS)) console.log(v, VARIANTS[v]!());
} else main();
