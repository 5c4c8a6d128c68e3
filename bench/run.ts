/**
 * Benchmarks of the timed simulator. They print figures; they never assert on wall time.
 *   node --import tsx bench/run.ts [--only <case>]
 * Each case runs in its own process so its peak memory is its own. Long cases run only when named
 * with --only (the list says which).
 * Targets (issue 2): >= 3M model ops/s and >= 100k simulated EPC faults per wall second on one
 * core; a 512 GB EPC with 1 GiB of enclave pages in well under 1 GiB of memory.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { runScenario } from "../src/experiment/run.ts";
import { loadScenario } from "../src/scenario/load.ts";

const BUILD_AND_ZERO = fileURLToPath(new URL("build-and-zero.yaml", import.meta.url));

/** `optIn`: a long case, run only when named with --only. */
const CASES: Record<string, { scenario: string; sets: string[]; optIn?: boolean }> = {
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
  },
  // Build an enclave far larger than the EPC, then write it once: the backing store holds a page
  // per enclave page (memory must stay well under 1 GiB for 8 GiB of enclave).
  "build-and-zero/1GiB": { scenario: BUILD_AND_ZERO, sets: [] },
  "build-and-zero/8GiB": {
    scenario: BUILD_AND_ZERO,
    sets: ["processes.0.enclaves.0.pages=8GiB"],
    optIn: true,
  },
};

function one(name: string): void {
  const c = CASES[name]!;
  const { scenario } = loadScenario(c.scenario, c.sets);
  const t0 = performance.now();
  const { result } = runScenario(scenario);
  const wall = (performance.now() - t0) / 1000;
  const m = result.metrics;
  const simulated = (result.simulated_ns + result.warmup_ns) / 1e9;
  const opsPerSec = result.total_ops / wall;
  // Faults (first faults and NOPAGE retries) per wall second, at the measured window's ops per fault.
  const faultsPerSec = m.model_ops > 0 ? ((m.faults + m.fault_retries) / m.model_ops) * opsPerSec : 0;
  console.log(
    [
      name.padEnd(28),
      `wall ${wall.toFixed(2)} s`.padEnd(13),
      `simulated ${(simulated * 1e3).toFixed(1)} ms`.padEnd(20),
      `sim/wall ${(simulated / wall).toFixed(4)}`,
      `ops ${result.total_ops}`,
      `model ops/s ${(opsPerSec / 1e6).toFixed(2)}M`,
      `faults/wall-s ${Math.round(faultsPerSec)}`,
      `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
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
  console.log(`node ${process.version}; one process per case; with --only: ${optIn.join(", ")}`);
  for (const name of Object.keys(CASES)) {
    if (CASES[name]!.optIn) continue;
    const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, "--only", name], {
      stdio: "inherit",
    });
    if (r.status !== 0) process.exitCode = 1;
  }
}
