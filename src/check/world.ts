/**
 * The checker's starting state: a machine with the scenario's enclaves built (each in its own
 * process), some pages evicted, some mapped, some children forked, all done sequentially. It is
 * built once per scenario; every execution starts from a deep copy of it.
 */
import { list_add, list_del, list_head_of } from "../model/kernel/lib/list.ts";
import { PF_KTHREAD } from "../model/kernel/lib/sched.ts";
import { cgfn, sgx_cgroup_from_misc_cg } from "../model/kernel/sgx/epc_cgroup.ts";
import { isgxSetupEvict } from "../model/kernel/variants/isgx.ts";
import type { Machine } from "../model/machine.ts";
import { Snapshot } from "../model/snapshot.ts";
import { makePattern } from "../model/user/access.ts";
import { EnclaveThread, enclave_page_fault } from "../model/user/enclave_thread.ts";
import {
  build_enclave,
  enclaveBase,
  fork,
  newProcess,
  type Process,
  type UserEnclave,
} from "../model/user/process.ts";
import { acceptSecinfo, eaccept_call, PAGE_TYPES, sgx2_ioctl } from "../model/user/sgx2.ts";
import type { ModelGen } from "../rt/ops.ts";
import { runSequential } from "../rt/sequential.ts";
import { buildMachine, resolveProfile } from "../scenario/build.ts";
import { attachCgroup } from "../scenario/cgroups.ts";
import { ScenarioError } from "../scenario/load.ts";
import type { CheckSection, Scenario } from "../scenario/schema.ts";

export interface World {
  m: Machine;
  /** The process that owns each enclave, by enclave name. */
  procs: Map<string, Process>;
  encls: Map<string, UserEnclave>;
  /** Children forked during setup. */
  children: Process[];
  /** State of hand-written checks (copied with the world for every execution). */
  extra?: Record<string, unknown>;
}

export function checkSection(sc: Scenario): CheckSection {
  if (!sc.check) throw new ScenarioError([`${sc.name}: not a check scenario (it has no \`check\` section)`]);
  return sc.check;
}

function seq<R>(m: Machine, mm: Process | null, body: () => ModelGen<R>, comm: string, cpu = 0): R {
  const task = m.newTask(comm, mm ? 0 : PF_KTHREAD, mm ? mm.mm : null);
  return runSequential(m, task, body, { cpu });
}

/** Build the starting state of a check scenario. */
export function buildWorld(sc: Scenario): World {
  const chk = checkSection(sc);
  const m = buildMachine(sc, resolveProfile(sc));
  m.debugLocks = true;
  m.interleaveAll = true;
  if (sc.machine.cpus < chk.actors.length)
    throw new ScenarioError([
      `machine.cpus: ${sc.machine.cpus} CPUs for ${chk.actors.length} actors (each actor needs a CPU)`,
    ]);
  const w: World = { m, procs: new Map(), encls: new Map(), children: [] };
  chk.enclaves.forEach((e, i) => {
    const proc = newProcess(m, e.name);
    attachCgroup(m, proc.mm, e.cgroup, undefined);
    const spec = {
      name: e.name,
      pages: e.pages,
      tcs: e.tcs,
      size: e.size ?? 0,
      measure: false,
      add_chunk: 4096,
    };
    if (e.cpu >= sc.machine.cpus)
      throw new ScenarioError([
        `check.enclaves.${i}.cpu: no CPU ${e.cpu} (machine.cpus is ${sc.machine.cpus})`,
      ]);
    const r = seq(
      m,
      proc,
      () => build_enclave(m, proc, spec, enclaveBase(i), e.init),
      `${e.name}-build`,
      e.cpu,
    );
    if (typeof r === "number")
      throw new ScenarioError([
        `check.enclaves.${i}: building "${e.name}" failed with ${r} (is the EPC large enough?)`,
      ]);
    w.procs.set(e.name, proc);
    w.encls.set(e.name, r);
    for (let k = 0; k < e.forks; k++)
      w.children.push(seq(m, proc, () => fork(m, proc, `${e.name}-child${k}`), "fork"));
    if (e.trim.length) trimPages(m, sc, i, proc, r, e.trim, e.pages, e.cpu);
    const evict = typeof e.evict === "number" ? Array.from({ length: e.evict }, (_, k) => k) : e.evict;
    if (evict.some((p) => p >= e.pages))
      throw new ScenarioError([
        `check.enclaves.${i}.evict: a page is outside the enclave's ${e.pages} regular pages`,
      ]);
    if (evict.length) evictPages(m, r, evict, e.cpu);
    for (const page of e.touch) {
      if (page >= e.pages + e.tcs)
        throw new ScenarioError([`check.enclaves.${i}.touch: page ${page} is outside the enclave`]);
      const th = new EnclaveThread(proc, r, makePattern({ kind: "uniform" }, 0, 1, 0, 1, 1, 0), 1, 0);
      seq(m, proc, () => enclave_page_fault(m, th, page), `${e.name}-touch`, e.cpu);
    }
  });
  if (m.dmesg.length) throw new ScenarioError([`${sc.name}: the setup itself logged: ${m.dmesg[0]!.msg}`]);
  return w;
}

/**
 * Trim pages of an enclave during setup the way an application does before removing them:
 * MODIFY_TYPES to TRIM, then EACCEPT from inside the enclave (which leaves them mapped).
 */
function trimPages(
  m: Machine,
  sc: Scenario,
  i: number,
  proc: Process,
  ue: UserEnclave,
  pages: number[],
  regular: number,
  cpu: number,
): void {
  if (!m.c.sgx2)
    throw new ScenarioError([`check.enclaves.${i}.trim: trimming pages needs machine.sgx2: true`]);
  if (pages.some((p) => p >= regular))
    throw new ScenarioError([
      `check.enclaves.${i}.trim: a page is outside the enclave's ${regular} regular pages`,
    ]);
  for (const p of pages) {
    const r = seq(m, proc, () => sgx2_ioctl(m, ue, "modify_types", p, 1, PAGE_TYPES.trim), "setup-trim", cpu);
    const a = seq(m, proc, () => eaccept_call(m, proc, ue, p, acceptSecinfo("trim")), "setup-eaccept", cpu);
    if (r.ret || a) throw new ScenarioError([`${sc.name}: trimming page ${p} failed (${r.ret}, ${a})`]);
  }
}

/**
 * Evict some pages of an enclave: move them to the head of the active list and run one
 * sgx_reclaim_pages() round of exactly that size (setup only).
 */
function evictPages(m: Machine, ue: UserEnclave, indices: number[], cpu: number): void {
  const E = m.encl_pages;
  const pages: number[] = [];
  for (const i of indices) {
    const e = ue.encl.page_array.get(i);
    if (e < 0 || E.epc_page.a[e]! < 0) continue;
    pages.push(E.epc_page.a[e]!);
  }
  // isgx has no global LRU: its pages sit on per-enclave load lists and are written back as a cluster.
  const isgxEvict = isgxSetupEvict(m, ue.encl, pages);
  if (isgxEvict) {
    seq(m, null, isgxEvict, "setup-evict", cpu);
    return;
  }
  // To the head of the reclaimer's list each page is on: the global list, or (EPC cgroup) the LRU
  // of the cgroup the enclave is charged to, which is then the list the round reclaims from.
  for (let i = pages.length - 1; i >= 0; i--) {
    const head = list_head_of(m.pages, pages[i]!) ?? m.sgx.sgx_active_page_list;
    list_del(m, m.pages, pages[i]!);
    list_add(m.pages, pages[i]!, head);
  }
  const cg = pages.length ? m.pages.sgx_cg.get(pages[0]!) : -1;
  const lru = cg >= 0 ? sgx_cgroup_from_misc_cg(m.misc.all[cg]!).lru : undefined;
  const saved = m.c.SGX_NR_TO_SCAN;
  m.c.SGX_NR_TO_SCAN = pages.length;
  seq(m, null, () => cgfn(m).sgx_reclaim_pages(m, lru), "setup-evict", cpu);
  m.c.SGX_NR_TO_SCAN = saved;
}

/**
 * The world every execution starts from: one live copy, put back into its set-up state before
 * each execution (in place, see Snapshot). Executions therefore run one at a time.
 */
export class WorldBase {
  private readonly snap: Snapshot;
  constructor(readonly world: World) {
    this.snap = new Snapshot(world);
  }
  /** Reset the live world to the set-up state and return it. */
  fresh(): World {
    this.snap.restore();
    return this.world;
  }
}
