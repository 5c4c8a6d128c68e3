/**
 * Machine: all state of one execution of the model (kernel globals, hardware, tasks, workload).
 * Nothing in the model is module-level mutable state: parallel runs, resets and replay depend on it.
 * Drivers write only the CPU context (`current`, via context_switch); everything else changes by
 * model code run between yields.
 */

import type {
  EnclsLeaf,
  EnclsOp,
  Located,
  MarkOp,
  ModelGen,
  SharedOp,
  SpawnOp,
  ThreadSpec,
  WorkOp,
} from "../rt/ops.ts";
import { withSite } from "../rt/site.ts";
import { encls_faulted, sgxRetName } from "./hw/arch.ts";
import type { Cpu } from "./hw/cpu.ts";
import { onUseAfterFree, SgxHw } from "./hw/sgx_hw.ts";
import { MiscCgroups } from "./kernel/cgroup/misc.ts";
import { mem_cgroup, mem_cgroup_charge, mem_cgroup_uncharge } from "./kernel/lib/memcg.ts";
import { mm_struct } from "./kernel/lib/mm.ts";
import { PF_KTHREAD, task_struct, wait_queue_head_t } from "./kernel/lib/sched.ts";
import { shmem_file } from "./kernel/lib/shmem.ts";
import { kasan_kfree } from "./kernel/lib/slab.ts";
import { srcu_struct } from "./kernel/lib/srcu.ts";
import type { xarray } from "./kernel/lib/xarray.ts";
import { type KernelFns, mainline } from "./kernel/sgx/index.ts";
import { epcFlagsWriteOp } from "./kernel/sgx/main.ts";
import {
  DEFAULT_SGX_CONSTANTS,
  EnclPages,
  EpcPages,
  type SgxConstants,
  SgxGlobals,
  sgx_encl,
  type sgx_encl_mm,
  sgx_epc_section,
  sgx_numa_node,
  type sgx_va_page,
} from "./kernel/sgx/sgx.ts";
import { VepcGlobals } from "./kernel/sgx/virt.ts";

/** A kernel BUG(): the execution cannot continue. */
export class KernelBug extends Error {
  constructor(
    message: string,
    readonly pid: number,
  ) {
    super(message);
  }
}

/**
 * The hardware consumed poison: an ENCLS leaf read or wrote the contents of an EPC page a machine
 * check had reported poisoned. Fatal (a kernel panic on real hardware unless recoverable).
 */
export class MachineCheck extends KernelBug {}

/**
 * ENCLS leaves that read or write an EPC page's contents (EWB encrypts it out, ELDU decrypts into
 * it, EADD/EAUG/ECREATE/EPA fill it, EEXTEND and EINIT read it). EREMOVE, EBLOCK, ETRACK, EMODPR,
 * EMODT and EACCEPT change only the EPCM entry, which is why the kernel may still EREMOVE a
 * poisoned page when its enclave is torn down.
 */
export const CONTENT_LEAVES: ReadonlySet<string> = new Set([
  "ECREATE",
  "EADD",
  "EEXTEND",
  "EINIT",
  "EPA",
  "EWB",
  "ELDU",
  "EAUG",
]);

/** One line of the kernel log (WARN, pr_warn, BUG). */
export interface DmesgEntry {
  level: "warn" | "bug";
  /** Stable tag for tests and reports (e.g. "encls:EWB", "pcmd_not_empty"). */
  tag: string;
  msg: string;
  pid: number;
  comm: string;
}

export interface EpcSectionConfig {
  node: number;
  pages: number;
}

export interface MachineConfig {
  /** NUMA node of each logical CPU. */
  cpuNodes: number[];
  sections: EpcSectionConfig[];
  constants?: Partial<SgxConstants>;
  /** Kernel function table (a variant); defaults to mainline. */
  fn?: KernelFns;
  /** Check lock ownership in lockdep_assert_held and friends (costs a little). */
  debugLocks?: boolean;
}

export class Machine {
  private nextId = 1;
  readonly c: SgxConstants;
  fn: KernelFns;
  readonly hw: SgxHw;
  readonly pages: EpcPages;
  readonly encl_pages = new EnclPages();
  readonly va_pages: sgx_va_page[] = [];
  /** Every struct sgx_encl_mm allocated (kmemleak scans them: src/check/kmemleak.ts). */
  readonly encl_mms: sgx_encl_mm[] = [];
  readonly sgx: SgxGlobals;
  readonly ksgxd_waitq: wait_queue_head_t;
  readonly enclaves: sgx_encl[] = [];
  /** virt.c: the KVM virtual EPC instances and the zombie SECS list. */
  readonly vepc: VepcGlobals;
  readonly mms: mm_struct[] = [];
  readonly tasks: task_struct[] = [];
  readonly shmem_files: shmem_file[] = [];
  readonly dmesg: DmesgEntry[] = [];
  readonly nrCpus: number;
  debugLocks: boolean;
  /**
   * Yield every shared access (atomics, unlocked reads and writes, page-table locks) as its own
   * op. The checker needs each as a scheduling point; the timed simulator does not (it runs such
   * zero-cost, never-blocking ops inline anyway) and turns this off for speed. Lock, ENCLS, IPI,
   * wait and wake ops are always yielded.
   */
  interleaveAll = true;
  /** The task running the model code right now (set by context_switch). */
  current: task_struct;
  /** mm/mmu_notifier.c's static `srcu`: release callbacks run inside it; unregister waits for them. */
  readonly mmu_notifier_srcu: srcu_struct;
  /** KASAN: locations embedded in freed objects (lib/slab.ts); the checker reports any access to them. */
  readonly kasan_freed = new Map<number, string>();
  /** kmemleak: where each EPC page was allocated (recorded only while sites are captured). */
  readonly kmemleak_sites = new Map<number, string>();
  /** Memory cgroups by name (a process's mm points to one; null means the root). */
  readonly memcgs = new Map<string, mem_cgroup>();
  /** The misc cgroup controller (kernel/cgroup/misc.c): the cgroup tree and sgx_epc's capacity. */
  readonly misc: MiscCgroups;
  /**
   * Globals of a kernel variant whose design has state mainline lacks (isgx: its free-list lock,
   * process contexts, per-enclave load lists); null for mainline. Part of the machine, so snapshots,
   * restores and state hashes cover it.
   */
  variantState: object | null = null;
  /** Charge a shmem page to a memcg (null: root). */
  memcgCharge(_m: Machine, memcg: unknown): boolean {
    return mem_cgroup_charge(memcg as mem_cgroup | null);
  }
  memcgUncharge(_m: Machine, memcg: unknown): void {
    mem_cgroup_uncharge(memcg as mem_cgroup | null);
  }
  /** The memcg called `name`, created on first use (scenarios name them per process). */
  memcg(name: string): mem_cgroup {
    let cg = this.memcgs.get(name);
    if (!cg) {
      cg = new mem_cgroup(this.memcgs.size + 1, name);
      this.memcgs.set(name, cg);
    }
    return cg;
  }
  /** Shared locations that are not objects of their own (for ops on fields). */
  readonly locs: { epc_flags: Located; mm_cpumask: Located; xa_rcu: Located };
  readonly activeListRead: SharedOp;
  /** Task id of the boot CPU's idle/init context (model code run outside any thread). */
  readonly init_task: task_struct;

  constructor(cfg: MachineConfig) {
    this.c = { ...DEFAULT_SGX_CONSTANTS, ...cfg.constants };
    this.fn = cfg.fn ?? mainline;
    this.debugLocks = cfg.debugLocks ?? true;
    this.nrCpus = cfg.cpuNodes.length;
    const nr_pages = cfg.sections.reduce((s, x) => s + x.pages, 0);
    this.hw = new SgxHw(nr_pages, cfg.cpuNodes);
    onUseAfterFree(this.hw, (what) => this.bug(`KASAN: use-after-free of ${what}`));
    this.pages = new EpcPages(nr_pages);
    const ids = () => this.newId();
    this.ksgxd_waitq = new wait_queue_head_t(ids(), "ksgxd_waitq");
    this.mmu_notifier_srcu = new srcu_struct(ids(), "mmu_notifier srcu");
    this.sgx = new SgxGlobals(ids, this.pages, this.ksgxd_waitq);
    this.locs = {
      epc_flags: { id: ids(), cls: "epc_page->flags" },
      mm_cpumask: { id: ids(), cls: "mm_cpumask" },
      xa_rcu: { id: ids(), cls: "xa_load" },
    };
    this.activeListRead = {
      kind: "read",
      loc: this.sgx.sgx_active_page_list,
      sub: -1,
      what: "list_empty(&sgx_active_page_list)",
    };
    this.init_task = new task_struct(0, "swapper", PF_KTHREAD, null);
    this.current = this.init_task;
    this.setupEpc(cfg.sections);
    this.misc = new MiscCgroups(ids);
    // The end of sgx_init(): the EPC cgroup registers sgx_epc (a no-op in kernels without it).
    this.fn.sgx_cgroup_wq_init(this);
    this.fn.sgx_cgroup_init(this);
    this.vepc = new VepcGlobals(ids);
  }

  /** sgx_page_cache_init + sanitization: sections, nodes, all pages free in physical order. */
  private setupEpc(sections: EpcSectionConfig[]): void {
    let first = 0;
    for (const s of sections) {
      let node = this.sgx.sgx_numa_nodes[s.node];
      if (!node) {
        node = new sgx_numa_node(
          s.node,
          this.newId(),
          this.pages.newHead(this.newId(), "free_page_list"),
          this.pages.newHead(this.newId(), "sgx_poison_page_list"),
        );
        this.sgx.sgx_numa_nodes[s.node] = node;
        this.sgx.sgx_numa_mask.push(s.node);
      }
      this.sgx.sgx_epc_sections.push(new sgx_epc_section(first, s.pages, node));
      node.fresh.push({ next: first, end: first + s.pages });
      node.size += s.pages;
      first += s.pages;
    }
    this.sgx.sgx_numa_mask.sort((a, b) => a - b);
    this.sgx.sgx_nr_free_pages.v = first;
  }

  newId(): number {
    return this.nextId++;
  }

  // ---- diagnostics ----------------------------------------------------------------------------

  /** BUG(): record and abort the execution. */
  bug(msg: string): never {
    this.dmesg.push({ level: "bug", tag: "bug", msg, pid: this.current.pid, comm: this.current.comm });
    throw new KernelBug(msg, this.current.pid);
  }

  /** WARN()/pr_warn(): record and continue. */
  warn(tag: string, msg: string): void {
    this.dmesg.push({ level: "warn", tag, msg, pid: this.current.pid, comm: this.current.comm });
  }

  /** ENCLS_WARN(ret, name). */
  ENCLS_WARN(ret: number, name: string): void {
    this.warn(`encls:${name}`, `${name} returned ${ret} (0x${ret.toString(16)}) ${sgxRetName(ret)}`);
  }

  // ---- ops helpers ----------------------------------------------------------------------------

  /** Yield an ENCLS op, run the leaf, record its return code in the op. */
  *encls(leaf: EnclsLeaf, page: number, run: () => number): ModelGen<number> {
    const op: EnclsOp = withSite({ kind: "encls", leaf, page, ret: 0 });
    yield op;
    if (page >= 0 && CONTENT_LEAVES.has(leaf) && this.pages.poison.get(page))
      throw new MachineCheck(
        `${leaf} consumed poison in EPC page ${page} (memory failure reported earlier)`,
        this.current.pid,
      );
    const ret = run();
    op.ret = ret;
    if (encls_faulted(ret)) op.ret = ret;
    return ret;
  }

  *work(what: string, n: number): ModelGen {
    const op: WorkOp = withSite({ kind: "work", what, n });
    yield op;
  }

  *mark(what: string, detail: number): ModelGen {
    const op: MarkOp = withSite({ kind: "mark", what, detail });
    yield op;
  }

  sharedRead(loc: Located, sub: number, what: string): SharedOp {
    return withSite({ kind: "read", loc, sub, what });
  }

  sharedWrite(loc: Located, what: string): SharedOp {
    return withSite({ kind: "write", loc, sub: -1, what });
  }

  epcFlagsWrite(page: number): SharedOp {
    return withSite(epcFlagsWriteOp(this, page));
  }

  /** xa_load() outside the lock that guards the array (an RCU read). */
  *xaLoadUnlocked(xa: xarray, index: number): ModelGen<number> {
    if (this.interleaveAll) yield withSite(xa.rd);
    return xa.get(index);
  }

  /** kthread_run: create a kernel thread; it becomes runnable right away. Returns its pid. */
  *kthread_run(comm: string, body: () => ModelGen<unknown>): ModelGen<number> {
    const task = this.newTask(comm, PF_KTHREAD, null);
    const op: SpawnOp = { kind: "spawn", thread: { task, body, kind: "kthread", cpu: -1 } };
    yield op;
    return task.pid;
  }

  // ---- object lookup --------------------------------------------------------------------------

  /** kfree(obj) with KASAN: a second kfree of the same object is a double-free (a BUG). */
  kfree(obj: object, what: string): void {
    if (!kasan_kfree(this.kasan_freed, obj, what)) this.bug(`KASAN: double-free of ${what}`);
  }

  /**
   * kfree() of an object that holds no lock or other location of its own (struct sgx_encl_mm,
   * struct sgx_va_page): KASAN sees its later use through kasanUse().
   */
  kfreeObj(obj: { freed: boolean }, what: string): void {
    if (obj.freed) this.bug(`KASAN: double-free of ${what}`);
    obj.freed = true;
    this.kfree(obj, what);
  }

  /** A read of `obj` that KASAN checks: an object kfreeObj() freed is a use-after-free. */
  kasanUse<T extends { freed: boolean }>(obj: T, what: string): T {
    if (obj.freed) this.bug(`KASAN: use-after-free of ${what}`);
    return obj;
  }

  /** encl_page's VA page (the slot its evicted version lives in), checked by KASAN. */
  vaPageOf(encl_page: number): sgx_va_page {
    const v = this.va_pages[this.encl_pages.va_page.a[encl_page]!]!;
    if (v.freed) this.kasanUse(v, `struct sgx_va_page #${v.id}`);
    return v;
  }

  /** encl_page->encl, catching use of a freed enclave or enclave page. */
  enclOf(encl_page: number): sgx_encl {
    const E = this.encl_pages;
    if (encl_page < 0 || encl_page >= E.count) this.bug(`bad sgx_encl_page id ${encl_page}`);
    if (!E.alive.a[encl_page]) this.bug(`use after free of sgx_encl_page ${encl_page}`);
    const encl = this.enclaves[E.encl.a[encl_page]!]!;
    if (encl.freed) this.bug(`use after free of enclave ${encl.name || encl.id}`);
    return encl;
  }

  /** encl_page->desc & PAGE_MASK. */
  enclPageAddr(encl_page: number): number {
    const encl = this.enclaves[this.encl_pages.encl.a[encl_page]!]!;
    return encl.base + this.encl_pages.index.a[encl_page]! * 4096;
  }

  /** section->node of an EPC page. */
  nodeOf(page: number): sgx_numa_node {
    for (const s of this.sgx.sgx_epc_sections)
      if (page >= s.first && page < s.first + s.nr_pages) return s.node;
    return this.bug(`EPC page ${page} is in no section`);
  }

  cpu(): Cpu {
    return this.hw.cpus[this.current.cpu]!;
  }

  // ---- objects --------------------------------------------------------------------------------

  newTask(comm: string, flags: number, mm: mm_struct | null): task_struct {
    const t = new task_struct(this.tasks.length + 1, comm, flags, mm);
    this.tasks.push(t);
    return t;
  }

  newMm(name: string): mm_struct {
    const mm = new mm_struct(this.mms.length, name, this.nrCpus, this.newId(), this.newId());
    this.mms.push(mm);
    return mm;
  }

  newEncl(name: string): sgx_encl {
    const e = new sgx_encl(this.enclaves.length, () => this.newId(), this.nrCpus);
    e.name = name;
    this.enclaves.push(e);
    return e;
  }

  shmem_file_setup(name: string, size_pages: number): shmem_file {
    const f = new shmem_file(this.newId(), name, size_pages);
    this.shmem_files.push(f);
    return f;
  }

  /** fput() of a backing file: its pages are freed, each uncharged from the memcg it was charged to. */
  fput(f: shmem_file): void {
    for (const p of f.pages.values()) this.memcgUncharge(this, p.memcg);
    f.pages.clear();
  }

  /**
   * context_switch: `task` now runs on `cpu` (the scheduler's part of the kernel). A driver calls it
   * whenever it puts a thread on a CPU; it updates current, task->cpu and mm_cpumask.
   */
  context_switch(cpu: number, task: task_struct, prevOnCpu: task_struct | null): void {
    if (prevOnCpu && prevOnCpu !== task && prevOnCpu.mm && prevOnCpu.mm !== task.mm) {
      prevOnCpu.mm.cpumask[cpu] = 0;
    }
    task.cpu = cpu;
    if (task.mm) task.mm.cpumask[cpu] = 1;
    this.current = task;
  }

  /** A CPU went idle after running `prev`: its mm no longer runs there. */
  cpu_idle(cpu: number, prev: task_struct): void {
    if (prev.mm) prev.mm.cpumask[cpu] = 0;
  }
}

export type { ThreadSpec };
