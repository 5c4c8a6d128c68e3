/**
 * From a validated scenario to a running simulation: the modeled machine (CPUs, NUMA nodes, EPC
 * sections), the kernel (variant and knobs), ksgxd, and one main thread per process.
 */

import { getVariant, variantFns, variantNames } from "../model/kernel/variants/index.ts";
import { type EpcSectionConfig, Machine } from "../model/machine.ts";
import type { StepResult } from "../model/user/cgroup_script.ts";
import { elrangeSize, newProcess, type Process } from "../model/user/process.ts";
import { type ProcessProgram, process_main } from "../model/user/program.ts";
import type { ScriptStep } from "../model/user/script.ts";
import { CgroupMetricsCollector } from "../sim/cgroup_metrics.ts";
import { type CostProfile, getProfile, overrideProfile, PROFILES } from "../sim/costs.ts";
import { Simulator } from "../sim/simulator.ts";
import { type TraceOptions, traceOptions } from "../sim/trace_recorder.ts";
import { attachCgroup, processCgroups, setupCgroups, startCgroupThreads } from "./cgroups.ts";
import { didYouMean } from "./did_you_mean.ts";
import { ScenarioError } from "./load.ts";
import type { ProcessSpec, Scenario } from "./schema.ts";

export interface BuildOptions {
  seed?: number;
  trace?: boolean | Partial<TraceOptions>;
  /** Called now and then with the simulated time. */
  onProgress?: (now: number) => void;
}

export interface Built {
  m: Machine;
  sim: Simulator;
  profile: CostProfile;
  processes: Process[];
  seed: number;
  /** The selftest script's step results (filled as it runs), when the scenario has `steps`. */
  steps?: StepResult[];
  /** Per-cgroup metrics, when the scenario has cgroups. */
  cgroupMetrics?: CgroupMetricsCollector;
}

export function resolveProfile(sc: Scenario): CostProfile {
  const p = getProfile(sc.machine.profile);
  if (!p)
    throw new ScenarioError([
      `machine.profile: unknown cost profile "${sc.machine.profile}" (known: ${Object.keys(PROFILES).join(", ")})`,
    ]);
  return overrideProfile(p, sc.costs);
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The machine a scenario describes, with no threads yet. */
export function buildMachine(sc: Scenario, profile: CostProfile): Machine {
  const v = getVariant(sc.kernel);
  if (!v)
    throw new ScenarioError([
      `kernel: unknown kernel variant "${sc.kernel}"${didYouMean(sc.kernel, variantNames())} (see \`epcsim kernels\`)`,
    ]);
  const { cpuNodes, sections } = numaLayout(sc, profile);
  const m = new Machine({
    cpuNodes,
    sections,
    fn: variantFns(v),
    // The scenario's knobs win over the variant's constants; unset knobs keep the variant's.
    constants: {
      ...v.constants,
      ...defined({
        SGX_NR_TO_SCAN: sc.reclaimer.batch,
        SGX_NR_LOW_PAGES: sc.reclaimer.low_pages,
        SGX_NR_HIGH_PAGES: sc.reclaimer.high_pages,
        nr_ksgxd: sc.reclaimer.threads,
      }),
      sgx2: sc.machine.sgx2,
    },
    debugLocks: false,
  });
  setupCgroups(m, sc.cgroups, epcPages(sc, profile));
  return m;
}

/** The EPC size in pages the scenario's machine has. */
export function epcPages(sc: Scenario, profile: CostProfile): number {
  return sc.machine.epc ?? profile.epc_pages;
}

/**
 * CPUs and EPC sections per NUMA node: as `machine.numa` places them, or `cpus` and `epc` split
 * evenly over `numa_nodes` (one section per node).
 */
function numaLayout(
  sc: Scenario,
  profile: CostProfile,
): { cpuNodes: number[]; sections: EpcSectionConfig[] } {
  const numa = sc.machine.numa;
  if (numa)
    return {
      cpuNodes: numa.flatMap((n, node) => Array.from({ length: n.cpus }, () => node)),
      sections: numa.flatMap((n, node) => (n.epc > 0 ? [{ node, pages: n.epc }] : [])),
    };
  const nodes = sc.machine.numa_nodes;
  const cpuNodes = Array.from({ length: sc.machine.cpus }, (_, i) =>
    Math.floor((i * nodes) / sc.machine.cpus),
  );
  const epc = epcPages(sc, profile);
  if (epc < nodes)
    throw new ScenarioError([`machine.epc: ${epc} pages cannot be split over ${nodes} NUMA nodes`]);
  const sections: EpcSectionConfig[] = [];
  for (let n = 0; n < nodes; n++) {
    const pages = Math.floor(epc / nodes) + (n === nodes - 1 ? epc % nodes : 0);
    sections.push({ node: n, pages });
  }
  return { cpuNodes, sections };
}

/** An enclave's page count, resolving sizes relative to the EPC. */
export function enclavePages(v: number | { epc: number }, epc: number): number {
  return typeof v === "number" ? v : Math.max(1, Math.round(v.epc * epc));
}

/** The programs of every process of the scenario (count copies expanded). */
export function processPrograms(
  sc: Scenario,
  seed: number,
  epc: number,
): { name: string; memcg?: string; prog: ProcessProgram }[] {
  const out: { name: string; memcg?: string; prog: ProcessProgram }[] = [];
  let ordinal = 0;
  let stream = 0;
  for (const ps of sc.processes) {
    for (let k = 0; k < ps.count; k++) {
      const name = ps.count > 1 ? `${ps.name}${k}` : ps.name;
      const enclaves = ps.enclaves.map((e) => ({
        spec: {
          name: `${name}/${e.name}`,
          pages: enclavePages(e.pages, epc),
          tcs: e.tcs,
          size: e.size ?? 0,
          measure: e.measure,
          add_chunk: e.add_chunk,
        },
        ordinal: ordinal++,
      }));
      const threads = [];
      for (const t of ps.threads) {
        const ei = ps.enclaves.findIndex((e) => e.name === t.enclave);
        if (ei < 0)
          throw new ScenarioError([
            `processes.${sc.processes.indexOf(ps)}.threads: enclave "${t.enclave}" is not an enclave of process "${ps.name}"`,
          ]);
        const pages = enclavePages(ps.enclaves[ei]!.pages, epc);
        const range: [number, number] = t.range ?? [0, pages];
        if (range[1] > pages || range[0] >= range[1])
          throw new ScenarioError([
            `processes.${sc.processes.indexOf(ps)}.threads.range: [${range}] is outside the ${pages} pages of "${t.enclave}"`,
          ]);
        for (let c = 0; c < t.count; c++) {
          threads.push({
            enclave: ei,
            pattern: t.pattern,
            writeRatio: t.write_ratio,
            touches: t.touches,
            budget: t.budget,
            range,
            ocallEvery: t.ocall_every,
            cpu: t.cpu,
            touchNs: t.compute_ns,
            stream: stream++,
          });
        }
      }
      const script = compileScript(sc, ps, epc);
      out.push({
        name,
        memcg: ps.memcg,
        prog: { enclaves, threads, forks: ps.forks, exit: ps.exit, seed, script },
      });
    }
  }
  return out;
}

/**
 * A process's script with enclave names resolved and page ranges checked: a range may go past the
 * enclave's regular pages (SGX2 adds pages there) but not past its ELRANGE; by default it is all
 * regular pages.
 */
function compileScript(sc: Scenario, ps: ProcessSpec, epc: number): ScriptStep[] {
  const at = `processes.${sc.processes.indexOf(ps)}.script`;
  return ps.script.map((s, i): ScriptStep => {
    if (s.op === "vepc" || s.op === "vepc_close" || s.op === "vepc_remove_all") return s;
    if (s.op === "sleep") return { op: "sleep", ns: s.time };
    const ei = ps.enclaves.findIndex((e) => e.name === s.enclave);
    if (ei < 0)
      throw new ScenarioError([
        `${at}.${i}.enclave: "${s.enclave}" is not an enclave of process "${ps.name}"`,
      ]);
    const e = ps.enclaves[ei]!;
    const pages = enclavePages(e.pages, epc);
    const elrange = elrangeSize({ pages, tcs: e.tcs, size: e.size ?? 0 }) / 4096;
    const range: [number, number] = s.range ?? [0, pages];
    if (range[1] > elrange)
      throw new ScenarioError([
        `${at}.${i}.range: [${range}] goes past the ${elrange}-page ELRANGE of "${s.enclave}"`,
      ]);
    switch (s.op) {
      case "access":
        return { op: "access", enclave: ei, range, write: s.write };
      case "eaccept":
        return { op: "eaccept", enclave: ei, range, accept: s.accept, perms: s.perms };
      case "modify_types":
        return { op: "modify_types", enclave: ei, range, type: s.type, retry: s.retry, expect: s.expect };
      case "remove_pages":
        return { op: "remove_pages", enclave: ei, range, retry: s.retry, expect: s.expect };
      default:
        return {
          op: "restrict_permissions",
          enclave: ei,
          range,
          perms: s.perms,
          retry: s.retry,
          expect: s.expect,
        };
    }
  });
}

/** Build the machine and the simulator with ksgxd and every process's main thread spawned. */
export function buildSimulation(sc: Scenario, opt: BuildOptions = {}): Built {
  const seed = opt.seed ?? sc.seed;
  const profile = resolveProfile(sc);
  const m = buildMachine(sc, profile);
  // The simulator runs never-blocking zero-cost ops inline: they need not be ops of their own.
  m.interleaveAll = false;
  const programs = processPrograms(sc, seed, epcPages(sc, profile));
  const sim = new Simulator(m, {
    profile,
    seed,
    endNs: sc.run.duration,
    measureFrom: sc.run.measure_from,
    warmupNs: sc.run.warmup,
    processes: programs.length,
    trace: traceOptions(opt.trace),
    sampleNs: sc.run.sample,
    maxOps: sc.run.max_ops,
    onProgress: opt.onProgress,
  });
  // Boot: sgx_init() starts the reclaimer thread(s).
  const init = m.newTask("sgx_init", 0x00200000, null);
  sim.spawn({ task: init, body: () => m.fn.sgx_page_reclaimer_init(m), kind: "kthread", cpu: -1 });
  const processes: Process[] = [];
  const cgroupOf = processCgroups(sc.processes);
  for (const { name, memcg, prog } of programs) {
    const proc = newProcess(m, name);
    if (memcg) proc.mm.memcg = m.memcg(memcg);
    attachCgroup(m, proc.mm, cgroupOf.get(name), memcg);
    processes.push(proc);
    const task = m.newTask(name, 0, proc.mm);
    sim.spawn({ task, body: () => process_main(m, proc, prog), kind: "user", cpu: -1 });
  }
  const byName = new Map(processes.map((p) => [p.name, p]));
  const steps = startCgroupThreads(
    m,
    sc,
    epcPages(sc, profile),
    byName,
    (t) => sim.spawn(t),
    (ps) => processPrograms({ ...sc, processes: ps }, seed, epcPages(sc, profile)),
  );
  const cgroupMetrics = m.misc.all.length > 1 ? new CgroupMetricsCollector(m, sc.run.sample) : undefined;
  sim.observer = cgroupMetrics ?? null;
  return {
    m,
    sim,
    profile,
    processes,
    seed,
    ...(steps ? { steps } : {}),
    ...(cgroupMetrics ? { cgroupMetrics } : {}),
  };
}
