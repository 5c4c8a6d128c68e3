/**
 * Benchmarks of the timed simulator. They print figures; they never assert on wall time.
 *   node --import tsx bench/run.ts [--only <case>] [--src]
 * It measures the build (dist/, `make bench` builds it), or with --src the sources through tsx.
 * Each case runs in its own process so its peak memory is its own. Long cases run only when named
 * with --only (the list says which).
 * Targets (issues 2 and 12): warm, >= 3M model ops/s and >= 100k simulated EPC faults per wall
 * second on fault-heavy, seed-batching at 10x the 2.9k faults per wall second of issue 12's day; a
 * 512 GB EPC with 1 GiB of enclave pages in well under 1 GiB of memory. Each line prints the cold
 * figure (the first run in the process) and the warm one.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { api, FROM_SRC, MEASURED } from "./api.ts";

const { runScenario, loadScenario } = api;

const BUILD_AND_ZERO = fileURLToPath(new URL("build-and-zero.yaml", import.meta.url));

/** `optIn`: a long case, run only when named with --only. */
/** `memory`: the figure is the peak RSS of one run, so no warm runs follow it. */
const CASES: Record<string, { scenario: string; sets: string[]; optIn?: boolean; memory?: boolean }> = {
  "seed-batching/batch16": { scenario: "seed-batching", sets: [] },
  "seed-batching/batch1": { scenario: "seed-batching", sets: ["reclaimer.batch=1"] },
  "seed-batching/4-reclaimers": { scenario: "seed-batching", sets: ["reclaimer.threads=4"] },
  "seed-batching/fault-heavy": {
    scenario: "seed-batching",
    sets: ['processes.0.threads.0.pattern={"kind":"uniform"}', "run.duration=50ms"],
  },
  oversubscribed: { scenario: "oversubscribed", sets: [] },
  // 512 GB of EPC, 1 GiB of enclave pages: memory must grow with touched pages, not with the EPC.
  "epc-512GiB/encl-1GiB": {
    scenario: "seed-batching",
    sets: [
      "machine.epc=512GiB",
      "machine.profile=icelake-server",
      "processes.0.enclaves.0.pages=1GiB",
      'processes.0.threads.0.pattern={"kind":"uniform"}',
      "run.warmup=0",
      "run.duration=5ms",
    ],
    memory: true,
  },
  // Build an enclave far larger than the EPC, then write it once: the backing store holds a page
  // per enclave page (memory must stay well under 1 GiB for 8 GiB of enclave).
  "build-and-zero/1GiB": { scenario: BUILD_AND_ZERO, sets: [], memory: true },
  "build-and-zero/8GiB": {
    scenario: BUILD_AND_ZERO,
    sets: ["processes.0.enclaves.0.pages=8GiB"],
    optIn: true,
    memory: true,
  },
};

/** Warm runs after the first (cold) one, in the same process; the median is printed. */
const WARM_RUNS = 3;

interface Figures {
  wall: number;
  simulated: number;
  ops: number;
  opsPerSec: number;
  faultsPerSec: number;
}

function measure(c: (typeof CASES)[string]): Figures {
  const { scenario } = loadScenario(c.scenario, c.sets);
  const t0 = performance.now();
  const { result } = runScenario(scenario);
  const wall = (performance.now() - t0) / 1000;
  const m = result.metrics;
  const opsPerSec = result.total_ops / wall;
  return {
    wall,
    simulated: (result.simulated_ns + result.warmup_ns) / 1e9,
    ops: result.total_ops,
    opsPerSec,
    // Faults (first faults and NOPAGE retries) per wall second, at the measured window's ops per fault.
    faultsPerSec: m.model_ops > 0 ? ((m.faults + m.fault_retries) / m.model_ops) * opsPerSec : 0,
  };
}

/**
 * One case: a cold run (the first in this process: what `epcsim run` pays), then, unless the case is
 * a memory case (optIn, or memory-bound: its peak RSS is the figure), WARM_RUNS more (what each
 * replication of a long `ab` or `sweep` pays in a warm worker), medians printed side by side.
 */
function one(name: string): void {
  const c = CASES[name]!;
  const cold = measure(c);
  const rss = process.resourceUsage().maxRSS / 1024;
  const warm: Figures[] = [];
  if (!c.memory) for (let i = 0; i < WARM_RUNS; i++) warm.push(measure(c));
  warm.sort((a, b) => a.wall - b.wall);
  const w = warm[warm.length >> 1];
  const pair = (f: (x: Figures) => string) => (w ? `${f(cold)} / ${f(w)}` : f(cold));
  console.log(
    [
      name.padEnd(28),
      `wall ${pair((x) => `${x.wall.toFixed(2)} s`)}`.padEnd(w ? 24 : 13),
      `simulated ${(cold.simulated * 1e3).toFixed(1)} ms`.padEnd(20),
      `ops ${cold.ops}`,
      `model ops/s ${pair((x) => `${(x.opsPerSec / 1e6).toFixed(2)}M`)}`,
      `faults/wall-s ${pair((x) => `${Math.round(x.faultsPerSec)}`)}`,
      `peak RSS ${rss.toFixed(0)} MiB`,
    ].join("  "),
  );
}

const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : undefined;
if (only) {
  if (!CASES[only]) {
    console.error(`unknown case ${only}; cases: ${Object.keys(CASES).join(", ")}`);
    process.exit(2);
  }
  one(only);
} else {
  const optIn = Object.keys(CASES).filter((n) => CASES[n]!.optIn);
  console.log(
    `node ${process.version}; ${MEASURED}; one process per case; cold (first run) / warm (median of ${WARM_RUNS} more); with --only: ${optIn.join(", ")}`,
  );
  for (const name of Object.keys(CASES)) {
    if (CASES[name]!.optIn) continue;
    const r = spawnSync(
      process.execPath,
      [...process.execArgv, process.argv[1]!, "--only", name, ...(FROM_SRC ? ["--src"] : [])],
      {
        stdio: "inherit",
      },
    );
    if (r.status !== 0) process.exitCode = 1;
  }
}
