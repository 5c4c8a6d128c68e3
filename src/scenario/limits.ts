/**
 * Semantic checks and limits of a scenario, made when it is loaded so that a mistake is reported
 * with its place in the file (never when a model thread trips over it, never as a kernel bug) and so
 * that every accepted scenario ends within bounded time and memory. The limits are documented in
 * docs/scenarios.md ("Limits").
 */
import { elrangeSize } from "../model/user/process.ts";
import { getProfile, PROFILES } from "../sim/costs.ts";
import type { Scenario } from "./schema.ts";

export interface LimitIssue {
  path: (string | number)[];
  message: string;
}

export const LIMITS = {
  /** Simulated time of a run (warm-up included). */
  maxDurationNs: 3600e9,
  minSampleNs: 1000,
  /** Timeline samples of a run (duration / sample). */
  maxSamples: 1_000_000,
  maxProcesses: 1024,
  maxThreads: 4096,
  maxTcs: 4096,
  /** Enclave pages of one enclave, and of all enclaves of the scenario (64 GiB each): the largest accepted scenario peaks at about 3.6 GB of memory (docs/scenarios.md). */
  maxEnclavePages: 1 << 24,
  maxTotalPages: 1 << 24,
  /** An enclave needs its SECS, a VA page, a TCS and the page it touches resident at once. */
  minEpcPages: 4,
  /** A check scenario's machine and enclaves stay tiny: every execution rebuilds nothing, but setup is sequential. */
  maxCheckEpcPages: 1 << 20,
  maxCheckTcs: 64,
  /** A single cost of the model: one second. */
  maxCostNs: 1e9,
} as const;

function costKeys(): Set<string> {
  const p = Object.values(PROFILES)[0]!;
  const keys = Object.keys(p).filter((k) => typeof (p as unknown as Record<string, unknown>)[k] === "number");
  return new Set([
    ...keys.filter((k) => k !== "epc_pages"),
    ...Object.keys(p.encls).map((l) => `encls.${l}`),
  ]);
}

export function scenarioLimits(sc: Scenario): LimitIssue[] {
  const out: LimitIssue[] = [];
  const bad = (path: (string | number)[], message: string) => out.push({ path, message });
  const L = LIMITS;
  const epc = sc.machine.epc ?? getProfile(sc.machine.profile)?.epc_pages ?? 0;
  const cpus = sc.machine.cpus;

  const r = sc.run;
  if (r.duration + r.warmup > L.maxDurationNs)
    bad(["run", "duration"], `the run simulates at most 1 hour (duration plus warm-up)`);
  if (r.sample < L.minSampleNs) bad(["run", "sample"], "the sampling period must be at least 1us");
  else if ((r.duration + r.warmup) / r.sample > L.maxSamples)
    bad(
      ["run", "sample"],
      `${Math.ceil((r.duration + r.warmup) / r.sample)} samples: at most ${L.maxSamples} per run (a longer period)`,
    );

  const known = costKeys();
  for (const [k, v] of Object.entries(sc.costs)) {
    if (!known.has(k)) bad(["costs", k], `unknown cost "${k}" (known: ${[...known].join(", ")})`);
    else if (v > L.maxCostNs) bad(["costs", k], `${v} ns: a cost is at most 1 s`);
  }

  if (sc.processes.length && epc < L.minEpcPages)
    bad(
      ["machine", "epc"],
      `${epc} EPC pages: an enclave needs at least ${L.minEpcPages} (SECS, VA page, TCS, the page it touches)`,
    );

  let procs = 0;
  let threads = 0;
  let pagesTotal = 0;
  sc.processes.forEach((p, pi) => {
    procs += p.count;
    const names = new Set<string>();
    p.enclaves.forEach((e, ei) => {
      const at = ["processes", pi, "enclaves", ei];
      if (names.has(e.name))
        bad([...at, "name"], `a second enclave named "${e.name}" in process "${p.name}"`);
      names.add(e.name);
      const pages = typeof e.pages === "number" ? e.pages : Math.max(1, Math.round(e.pages.epc * epc));
      if (pages > L.maxEnclavePages)
        bad([...at, "pages"], `${pages} pages: an enclave has at most ${L.maxEnclavePages} (64 GiB)`);
      pagesTotal += pages * p.count;
      if (e.tcs > L.maxTcs) bad([...at, "tcs"], `${e.tcs} TCS pages: at most ${L.maxTcs}`);
      if (e.size && (pages + e.tcs) * 4096 > e.size)
        bad([...at, "size"], `${pages} pages and ${e.tcs} TCS do not fit in an ELRANGE of ${e.size} bytes`);
    });
    p.threads.forEach((t, ti) => {
      const at = ["processes", pi, "threads", ti];
      threads += t.count * p.count;
      const e = p.enclaves.find((x) => x.name === t.enclave);
      if (!e && p.enclaves.length)
        bad([...at, "enclave"], `"${t.enclave}" is not an enclave of process "${p.name}"`);
      if (t.cpu >= cpus) bad([...at, "cpu"], `CPU ${t.cpu}: the machine has ${cpus} CPUs (0..${cpus - 1})`);
      if (t.range) {
        if (t.range[0] >= t.range[1])
          bad([...at, "range"], `[${t.range}]: the first page must come before the end`);
        else if (e) {
          const pages = typeof e.pages === "number" ? e.pages : Math.max(1, Math.round(e.pages.epc * epc));
          const elrange = elrangeSize({ pages, tcs: e.tcs, size: e.size ?? 0 }) / 4096;
          if (t.range[1] > elrange)
            bad([...at, "range"], `[${t.range}] goes past the ${elrange}-page ELRANGE of "${e.name}"`);
        }
      }
    });
  });
  if (procs > L.maxProcesses)
    bad(["processes"], `${procs} processes (counting copies): at most ${L.maxProcesses}`);
  if (threads > L.maxThreads)
    bad(["processes"], `${threads} enclave threads (counting copies): at most ${L.maxThreads}`);
  if (pagesTotal > L.maxTotalPages)
    bad(
      ["processes"],
      `${pagesTotal} enclave pages in all: at most ${L.maxTotalPages} (64 GiB), which bounds the model's memory`,
    );

  if (sc.check) checkSectionLimits(sc, bad);
  return out;
}

const SGX2_ACTORS = new Set(["eaccept", "modify_types", "remove_pages", "restrict_permissions"]);

function checkSectionLimits(sc: Scenario, bad: (path: (string | number)[], message: string) => void): void {
  const chk = sc.check!;
  const L = LIMITS;
  const encls = new Map<string, (typeof chk.enclaves)[number]>();
  const epc = sc.machine.epc ?? 0;
  if (epc > L.maxCheckEpcPages)
    bad(
      ["machine", "epc"],
      `${epc} EPC pages: a check scenario explores a tiny machine (at most ${L.maxCheckEpcPages} pages)`,
    );
  chk.enclaves.forEach((e, i) => {
    const at = ["check", "enclaves", i];
    if (encls.has(e.name)) bad([...at, "name"], `a second enclave named "${e.name}"`);
    if (e.tcs > L.maxCheckTcs)
      bad([...at, "tcs"], `${e.tcs} TCS pages: at most ${L.maxCheckTcs} in a check scenario`);
    const lists: [string, readonly number[]][] = [
      ["evict", typeof e.evict === "number" ? [] : e.evict],
      ["touch", e.touch],
      ["trim", e.trim],
    ];
    if (e.trim.length && !sc.machine.sgx2) bad([...at, "trim"], "trimming pages needs machine.sgx2: true");
    if (typeof e.evict === "number" && e.evict > e.pages)
      bad([...at, "evict"], `${e.evict} pages: the enclave has ${e.pages} regular pages`);
    for (const [k, pages] of lists)
      for (const p of pages)
        if (p >= e.pages) bad([...at, k], `page ${p} is outside the enclave's ${e.pages} regular pages`);
    encls.set(e.name, e);
    if (e.cpu >= sc.machine.cpus)
      bad(["check", "enclaves", i, "cpu"], `CPU ${e.cpu}: the machine has ${sc.machine.cpus} CPUs`);
    if (e.size && (e.pages + e.tcs) * 4096 > e.size)
      bad(
        ["check", "enclaves", i, "size"],
        `${e.pages} pages and ${e.tcs} TCS do not fit in an ELRANGE of ${e.size} bytes`,
      );
  });
  const cpus = new Map<number, number>();
  chk.actors.forEach((a, i) => {
    const at = ["check", "actors", i];
    const cpu = a.cpu ?? i;
    if (cpu >= sc.machine.cpus)
      bad(
        [...at, "cpu"],
        `CPU ${cpu}: the machine has ${sc.machine.cpus} CPUs (an actor runs on its index unless it names one)`,
      );
    else if (cpus.has(cpu)) bad([...at, "cpu"], `CPU ${cpu} already runs actor ${cpus.get(cpu)}`);
    cpus.set(cpu, i);
    if (SGX2_ACTORS.has(a.kind) && !sc.machine.sgx2)
      bad([...at, "kind"], `${a.kind} needs machine.sgx2: true`);
    if (a.kind === "rmdir" && !(a.cgroup in (sc.cgroups ?? {})))
      bad([...at, "cgroup"], `no cgroup "${a.cgroup}" in cgroups`);
    if (!("enclave" in a)) return;
    const e = encls.get(a.enclave);
    if (!e) {
      bad([...at, "enclave"], `no enclave "${a.enclave}" in check.enclaves`);
      return;
    }
    const elrange = elrangeSize({ pages: e.pages, tcs: e.tcs, size: e.size ?? 0 }) / 4096;
    switch (a.kind) {
      case "access":
        for (const p of a.pages)
          if (p >= (sc.machine.sgx2 ? elrange : e.pages))
            bad(
              [...at, "pages"],
              `page ${p} is outside enclave "${e.name}" (${sc.machine.sgx2 ? `${elrange}-page ELRANGE` : `${e.pages} pages`})`,
            );
        if (a.child !== undefined && a.child >= e.forks)
          bad([...at, "child"], `child ${a.child}: enclave "${e.name}" forks ${e.forks} children in setup`);
        break;
      case "close":
        if (a.child !== undefined && a.child >= e.forks)
          bad([...at, "child"], `child ${a.child}: enclave "${e.name}" forks ${e.forks} children in setup`);
        break;
      case "add_pages":
        if (e.init)
          bad(
            [...at, "enclave"],
            `ADD_PAGES needs an enclave that is not initialized (init: false on "${e.name}")`,
          );
        if (e.pages + e.tcs + a.pages > elrange)
          bad(
            [...at, "pages"],
            `${a.pages} more pages do not fit in the ${elrange}-page ELRANGE of "${e.name}"`,
          );
        break;
      case "poison":
        if (a.page >= e.pages)
          bad([...at, "page"], `page ${a.page} is outside enclave "${e.name}" (${e.pages} pages)`);
        break;
      case "eaccept":
        for (const p of a.pages)
          if (p >= elrange)
            bad([...at, "pages"], `page ${p} is past the ${elrange}-page ELRANGE of "${e.name}"`);
        break;
      case "modify_types":
      case "remove_pages":
      case "restrict_permissions":
        if (a.pages[0] >= a.pages[1])
          bad([...at, "pages"], `[${a.pages}]: the first page must come before the end`);
        else if (a.pages[1] > elrange)
          bad([...at, "pages"], `[${a.pages}] goes past the ${elrange}-page ELRANGE of "${e.name}"`);
        break;
    }
  });
}
