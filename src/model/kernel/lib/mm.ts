/**
 * struct mm_struct, struct vm_area_struct, page table entries for enclave mappings, the mmap_lock,
 * mm_users, mm_cpumask, zap_vma_ptes() with its TLB shootdown, vmf_insert_pfn(), the young bit, and
 * MMU notifiers. Only what the SGX paths use.
 */
import type { AtomicOp, IpiOp, LockOp, ModelGen, SpawnOp, WorkOp } from "../../../rt/ops.ts";
import { withSite } from "../../../rt/site.ts";
import { PAGE_SIZE } from "../../hw/arch.ts";
import type { Machine } from "../../machine.ts";
import { Chunked } from "../../util/chunked.ts";
import { atomic_long_t } from "./atomic.ts";
import { type file, fput } from "./file.ts";
import { down_read, down_write, rw_semaphore, up_read, up_write } from "./locks.ts";
import { srcu_read_lock, srcu_read_unlock, synchronize_srcu } from "./srcu.ts";

export const VM_READ = 0x1;
export const VM_WRITE = 0x2;
export const VM_EXEC = 0x4;
export const VM_SHARED = 0x8;
export const VM_PFNMAP = 0x400;
export const VM_IO = 0x4000;
/** The VMA is not copied into a child at fork (dup_mmap skips it). */
export const VM_DONTCOPY = 0x20000;
export const VM_DONTDUMP = 0x04000000;

export const VM_FAULT_NOPAGE = 0x100;
export const VM_FAULT_SIGBUS = 0x2;
export const VM_FAULT_OOM = 0x1;
/** The handler dropped the mmap_lock; the fault is retried from the start. */
export const VM_FAULT_RETRY = 0x400;

/** vmf->flags: the handler may drop the mmap_lock and return VM_FAULT_RETRY. */
export const FAULT_FLAG_ALLOW_RETRY = 0x4;

/**
 * struct mmu_notifier as the SGX driver registers it (ops = sgx_mmu_notifier_ops, whose release is
 * sgx_mmu_notifier_release). Plain data, no closures, so a Machine can be cloned.
 */
export interface mmu_notifier {
  /** The struct sgx_encl_mm that embeds the notifier. */
  owner: unknown;
}

/**
 * struct vm_area_struct mapping an enclave's ELRANGE. Its page table entries live here, indexed by
 * the page number inside the VMA: a PFN (EPC page) or -1, and the Accessed bit.
 */
export class vm_area_struct {
  readonly pte: Chunked;
  readonly young: Chunked;
  /** Page table lock of this mapping's PTEs: zap, young-bit tests and PFN inserts serialize on it. */
  readonly ptl: AtomicOp;
  /** vm_file: the mapped file, with the reference the mapping holds (dropped when the VMA goes). */
  vm_file: file | null = null;
  constructor(
    readonly id: number,
    readonly vm_mm: mm_struct,
    readonly vm_start: number,
    readonly vm_end: number,
    public vm_flags: number,
    public vm_private_data: unknown,
  ) {
    const n = Math.ceil((vm_end - vm_start) / PAGE_SIZE);
    this.pte = new Chunked(n, -1);
    this.young = new Chunked(n);
    this.ptl = { kind: "atomic", loc: { id, cls: "ptl" }, what: "page table lock", write: true };
  }
  pageOf(addr: number): number {
    return Math.floor((addr - this.vm_start) / PAGE_SIZE);
  }
}

export class mm_struct {
  readonly mmap_lock: rw_semaphore;
  readonly mm_users: atomic_long_t;
  /** mm_cpumask(): CPUs currently running a thread of this mm. */
  readonly cpumask: Uint8Array;
  readonly vmas: vm_area_struct[] = [];
  readonly notifiers: mmu_notifier[] = [];
  /** The memory cgroup of the mm's owner (get_mem_cgroup_from_mm); null = root. */
  memcg: unknown = null;
  /** The mm is being torn down (exit_mmap ran). */
  dead = false;
  /**
   * mm_count: references on the struct itself (mmgrab/mmdrop): one for all of mm_users together and
   * one per MMU notifier subscription. The last mmdrop frees the struct (KASAN then watches it).
   */
  mm_count = 1;
  /** kfree()d by the last mmdrop. */
  freed = false;
  constructor(
    readonly id: number,
    readonly name: string,
    nrCpus: number,
    mmapLockId: number,
    usersId: number,
  ) {
    this.mmap_lock = new rw_semaphore(mmapLockId, "mmap_lock");
    this.mm_users = new atomic_long_t(usersId, "mm_users", 1);
    this.cpumask = new Uint8Array(nrCpus);
  }
}

/** mmap_read_lock: yield it to take the mmap_lock for read. */
export function mmap_read_lock(mm: mm_struct): LockOp {
  return down_read(mm.mmap_lock);
}

/** mmap_read_unlock. */
export function mmap_read_unlock(mm: mm_struct): LockOp {
  return up_read(mm.mmap_lock);
}

/** mmgrab: pin the struct mm_struct (not the address space). */
export function mmgrab(m: Machine, mm: mm_struct): void {
  if (mm.freed) m.kasanUse(mm, `struct mm_struct ${mm.name}`);
  mm.mm_count++;
}

/** mmdrop: drop an mm_count reference; the last one frees the struct (__mmdrop). */
export function mmdrop(m: Machine, mm: mm_struct): void {
  if (mm.mm_count <= 0) m.warn("mmdrop", `mmdrop on ${mm.name} with mm_count ${mm.mm_count} (underflow)`);
  if (--mm.mm_count === 0) m.kfreeObj(mm, `struct mm_struct ${mm.name}`);
}

/** mmu_notifier_register: subscribe `n` to `mm`'s notifiers; the subscription holds an mm_count. */
export function mmu_notifier_register(m: Machine, n: mmu_notifier, mm: mm_struct): void {
  mmgrab(m, mm);
  mm.notifiers.push(n);
}

/**
 * mmu_notifier_put: the subscription is done; after an SRCU grace period its free callback runs,
 * then the mm_count it held is dropped. Model: no grace period (the callers, the SGX driver's
 * release callback, have just waited for their own SRCU).
 */
export function* mmu_notifier_put(m: Machine, mm: mm_struct, free_notifier: () => ModelGen): ModelGen {
  yield* free_notifier();
  mmdrop(m, mm);
}

/** mmget_not_zero: pin the address space unless it is already being torn down. */
export function* mmget_not_zero(m: Machine, mm: mm_struct): ModelGen<boolean> {
  // The report's text is built only for a freed mm (this runs for every page the reclaimer ages).
  if (mm.freed) m.kasanUse(mm, `struct mm_struct ${mm.name}`);
  if (m.interleaveAll) yield withSite(mm.mm_users.wr);
  if (mm.mm_users.v === 0) return false;
  mm.mm_users.v++;
  return true;
}

/**
 * __mmput: the last mm_users reference is gone: exit_mmap() runs the MMU notifiers' release (the
 * SGX driver unlinks the mm from its enclaves) and unmaps everything.
 */
export function* __mmput(m: Machine, mm: mm_struct): ModelGen {
  // __mmu_notifier_release: every subscription's release, inside the notifiers' SRCU.
  const idx = yield* srcu_read_lock(m, m.mmu_notifier_srcu);
  for (const n of mm.notifiers.slice()) yield* m.fn.sgx_mmu_notifier_release(m, n.owner as never, mm);
  yield* srcu_read_unlock(m, m.mmu_notifier_srcu, idx);
  // remove_vma() of every mapping: each drops its reference on the mapped file.
  const vmas = mm.vmas.splice(0);
  for (const vma of vmas) if (vma.vm_file) yield* fput(m, vma.vm_file);
  mm.dead = true;
  // The mm_count all of mm_users held.
  mmdrop(m, mm);
}

/**
 * mmu_notifier_unregister: a subscription still registered gets its release called here; either
 * way the caller then waits (synchronize_srcu) for release callbacks already running in
 * __mmu_notifier_release, so whatever they touch is still alive when unregister returns.
 */
export function* mmu_notifier_unregister(m: Machine, n: mmu_notifier, mm: mm_struct): ModelGen {
  if (mm.notifiers.includes(n)) {
    const idx = yield* srcu_read_lock(m, m.mmu_notifier_srcu);
    yield* m.fn.sgx_mmu_notifier_release(m, n.owner as never, mm);
    yield* srcu_read_unlock(m, m.mmu_notifier_srcu, idx);
    const k = mm.notifiers.indexOf(n);
    if (k >= 0) mm.notifiers.splice(k, 1); // hlist_del_init_rcu
  }
  yield* synchronize_srcu(m, m.mmu_notifier_srcu);
  // The mm_count the subscription held.
  mmdrop(m, mm);
}

/** mmput: drop an mm_users reference; the last one tears the address space down right here. */
export function* mmput(m: Machine, mm: mm_struct): ModelGen {
  yield withSite(mm.mm_users.wr);
  if (--mm.mm_users.v === 0) yield* __mmput(m, mm);
}

/**
 * mmput_async: drop an mm_users reference; if it was the last, the teardown runs later in a work
 * item (a kworker), because the caller may be inside an SRCU read section that the teardown's
 * synchronize_srcu() would wait for.
 */
export function* mmput_async(m: Machine, mm: mm_struct): ModelGen {
  if (m.interleaveAll) yield withSite(mm.mm_users.wr);
  if (--mm.mm_users.v === 0) {
    const task = m.newTask("kworker/mmput", 0x00200000, null);
    yield withSite<SpawnOp>({
      kind: "spawn",
      thread: { task, body: () => __mmput(m, mm), kind: "kthread", cpu: -1 },
    });
  }
}

/** find_vma restricted to the mapping that contains `addr`. Context: mmap_lock held. */
export function find_vma(mm: mm_struct, addr: number): vm_area_struct | null {
  for (const v of mm.vmas) if (addr >= v.vm_start && addr < v.vm_end) return v;
  return null;
}

const ZAP_LOCAL: WorkOp = { kind: "work", what: "zap_pte", n: 1 };

/**
 * zap_vma_ptes: clear the PTE of one page and flush the TLB: a shootdown IPI to every other CPU
 * running this mm (an enclave thread on such a CPU takes an AEX). Context: mmap_lock held (read).
 */
export function* zap_vma_ptes(m: Machine, vma: vm_area_struct, addr: number): ModelGen {
  if (m.interleaveAll) yield withSite(vma.ptl);
  const i = vma.pageOf(addr);
  const had = vma.pte.get(i) >= 0;
  vma.pte.set(i, -1);
  vma.young.set(i, 0);
  if (had) yield* flush_tlb_mm(m, vma.vm_mm);
}

/**
 * munmap() of every mapping of `vm_file` in `mm`: unmap_region clears the PTEs and flushes the TLB,
 * remove_vma drops each VMA's file reference (the last one runs the file's release). The mm stays
 * registered with the enclave (its sgx_encl_mm leaves mm_list only when the mm exits or the
 * enclave is released). Context: takes mmap_lock for write.
 */
export function* vm_munmap(m: Machine, mm: mm_struct, vm_file: unknown): ModelGen {
  yield down_write(mm.mmap_lock);
  const gone = mm.vmas.filter((v) => v.vm_file === vm_file);
  for (const vma of gone) {
    if (m.interleaveAll) yield withSite(vma.ptl);
    let had = false;
    vma.pte.forEachSet((i, pfn) => {
      if (pfn >= 0) had = true;
      vma.pte.set(i, -1);
      vma.young.set(i, 0);
    });
    if (had) yield* flush_tlb_mm(m, mm);
    mm.vmas.splice(mm.vmas.indexOf(vma), 1);
  }
  yield up_write(mm.mmap_lock);
  for (const vma of gone) if (vma.vm_file) yield* fput(m, vma.vm_file);
}

/** flush_tlb_mm: a shootdown IPI to every other CPU running `mm` (each inside an enclave takes an AEX). */
function* flush_tlb_mm(m: Machine, mm: mm_struct): ModelGen {
  const self = m.current.cpu;
  const mask = mm.cpumask;
  const targets: number[] = [];
  for (let c = 0; c < mask.length; c++) if (mask[c] && c !== self) targets.push(c);
  if (targets.length === 0) {
    yield withSite(ZAP_LOCAL);
    return;
  }
  const op: IpiOp = withSite({ kind: "ipi", why: "tlb_shootdown", targets: targets.length, aex: [] });
  yield op;
  op.aex = m.hw.interrupt(targets);
}

/** ptep_test_and_clear_young for one enclave page. Context: mmap_lock held. */
export function* ptep_test_and_clear_young(m: Machine, vma: vm_area_struct, addr: number): ModelGen<boolean> {
  if (m.interleaveAll) yield withSite(vma.ptl);
  const i = vma.pageOf(addr);
  if (vma.pte.get(i) < 0) return false;
  const y = vma.young.get(i) === 1;
  if (y) vma.young.set(i, 0);
  return y;
}

/**
 * copy_page_range for a PFN mapping (dup_mmap at fork): the child's VMA gets every present PTE of
 * the parent's, marked old (pte_mkold), so the child reaches the same EPC pages without faulting.
 * Context: both mms' mmap_lock held for write.
 */
export function* copy_page_range(m: Machine, dst: vm_area_struct, src: vm_area_struct): ModelGen {
  if (m.interleaveAll) yield withSite(src.ptl);
  src.pte.forEachSet((i, pfn) => {
    if (pfn >= 0) dst.pte.set(i, pfn);
  });
}

/** vmf_insert_pfn: install a PTE to an EPC page; an existing PTE is left alone (as insert_pfn does). */
export function* vmf_insert_pfn(
  m: Machine,
  vma: vm_area_struct,
  addr: number,
  pfn: number,
): ModelGen<number> {
  if (m.interleaveAll) yield withSite(vma.ptl);
  const i = vma.pageOf(addr);
  if (vma.pte.get(i) < 0) {
    vma.pte.set(i, pfn);
    vma.young.set(i, 1);
  }
  return VM_FAULT_NOPAGE;
}
