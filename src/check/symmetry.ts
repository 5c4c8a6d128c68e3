/**
 * Symmetry reduction over interchangeable EPC pages, for the stateful search.
 *
 * The driver never cares which physical EPC page holds an enclave page: two states that differ only
 * by a renaming of EPC pages behave the same (say two faults racing for the free list got pages p
 * and q, or q and p, and both pages were later freed or reclaimed in the same order). The canonical
 * hash renames EPC pages by a traversal that does not depend on their numbers (the never-touched
 * free pages in allocation order, then every page list in list order, then pages reached from
 * enclave pages, VA pages, SECSs, PTEs and TLBs, then the rest by their own records) and hashes
 * every per-page table and every page-valued field through that renaming. Two states get the same
 * hash only if a renaming maps one onto the other (whatever order the traversal picks, the
 * renaming is a bijection that keeps sections and never-touched pages, so a match is sound).
 *
 * Soundness rests on knowing every place that holds an EPC page number, so:
 *   - a page's section (its NUMA node) is part of its record, so only pages of the same section
 *     are interchangeable; never-touched free pages keep their numbers (they are handed out in
 *     physical order), because they come first in the traversal and their ranges are hashed as is;
 *   - each class whose fields hold page numbers has a hook that checks its field list, and every
 *     other class in the state must be in VETTED (reviewed: holds no page number); any other
 *     object, a vEPC in use, or a variant's own globals make the hash fall back to the plain one;
 *   - relabelPages() applies a renaming to a real state; test/check/symmetry.test.ts runs every
 *     built-in check scenario from a renamed set-up state and checks the executions match step by
 *     step, which fails if a page-valued field is missing here (a mutant of it shows that).
 *
 * CPUs are not reduced: every actor is pinned to its own CPU and actors are distinguished by their
 * schedule, so no two CPUs are interchangeable in a check scenario (docs/checker.md).
 */
import { Cpu } from "../model/hw/cpu.ts";
import { mem_page, mem_swap } from "../model/hw/memory.ts";
import { HwEnclave, SgxHw } from "../model/hw/sgx_hw.ts";
import { MiscCgroups, misc_cg, misc_res } from "../model/kernel/cgroup/misc.ts";
import { atomic_long_t, bitflags, kref } from "../model/kernel/lib/atomic.ts";
import { mutex, rw_semaphore, spinlock_t } from "../model/kernel/lib/locks.ts";
import { mem_cgroup } from "../model/kernel/lib/memcg.ts";
import { mm_struct, vm_area_struct } from "../model/kernel/lib/mm.ts";
import { task_struct, wait_queue_head_t } from "../model/kernel/lib/sched.ts";
import { shmem_file } from "../model/kernel/lib/shmem.ts";
import { srcu_struct } from "../model/kernel/lib/srcu.ts";
import { work_struct, workqueue_struct } from "../model/kernel/lib/workqueue.ts";
import { xarray } from "../model/kernel/lib/xarray.ts";
import { SgxCgroupGlobals, sgx_cgroup } from "../model/kernel/sgx/epc_cgroup.ts";
import {
  EnclPages,
  EpcPages,
  PageListHead,
  SgxGlobals,
  sgx_encl,
  sgx_encl_mm,
  sgx_epc_section,
  sgx_numa_node,
  sgx_va_page,
} from "../model/kernel/sgx/sgx.ts";
import { VepcGlobals } from "../model/kernel/sgx/virt.ts";
import { Machine } from "../model/machine.ts";
import { type Hasher, type HashHook, hashDeep, NotCanonical } from "../model/snapshot.ts";
import { Process, SgxFile, UserEnclave } from "../model/user/process.ts";
import { Chunked, Growable, SparseArray } from "../model/util/chunked.ts";

/** Classes reviewed to hold no EPC page number (hooked classes are handled below). */
const VETTED = new Set<unknown>([
  Machine,
  SgxGlobals,
  sgx_encl,
  sgx_encl_mm,
  sgx_epc_section,
  sgx_numa_node,
  PageListHead,
  Growable,
  mm_struct,
  task_struct,
  wait_queue_head_t,
  work_struct,
  workqueue_struct,
  spinlock_t,
  mutex,
  rw_semaphore,
  atomic_long_t,
  bitflags,
  kref,
  srcu_struct,
  xarray,
  shmem_file,
  mem_page,
  mem_swap,
  SparseArray,
  mem_cgroup,
  MiscCgroups,
  misc_cg,
  misc_res,
  SgxCgroupGlobals,
  sgx_cgroup,
  Process,
  SgxFile,
  UserEnclave,
]);

/** struct sgx_epc_page fields: plain values, and list links (page numbers or heads). */
const EPC_VALUES = ["flags", "poison", "owner", "sgx_cg"] as const;
const EPC_LINKS = ["next", "prev"] as const;
/** EPCM and contents, per EPC page. */
const HW_PAGE = [
  "valid",
  "type",
  "blocked",
  "pending",
  "modified",
  "pr",
  "perm",
  "modSeq",
  "eid",
  "linaddr",
  "blockSeq",
  "data",
] as const;

/** The canonical renaming of a state's EPC pages: perm[page] = canonical number, inv its inverse. */
export interface PageOrder {
  perm: Int32Array;
  inv: Int32Array;
}

/** Number the EPC pages by a traversal that never looks at their numbers (see the module comment). */
export function canonicalPageOrder(m: Machine): PageOrder {
  const n = m.pages.nr_pages;
  const perm = new Int32Array(n).fill(-1);
  const inv = new Int32Array(n);
  let k = 0;
  const take = (p: number): void => {
    if (p >= 0 && p < n && perm[p] === -1) {
      perm[p] = k;
      inv[k++] = p;
    }
  };
  for (const node of m.sgx.sgx_numa_nodes)
    for (const r of node.fresh) for (let p = r.next; p < r.end; p++) take(p);
  const P = m.pages;
  for (let h = 0; h < P.heads.length; h++) {
    // A corrupted list (a mutant's) may loop or hold a poisoned link: stop at either.
    for (let p = P.headNext[h]!; p >= 0 && p < n && perm[p] === -1; p = P.next.get(p)) take(p);
  }
  const E = m.encl_pages;
  for (let id = 0; id < E.count; id++) take(E.epc_page.a[id]!);
  for (const va of m.va_pages) take(va.epc_page);
  for (const he of m.hw.enclaves) take(he.secsPage);
  for (const mm of m.mms) for (const vma of mm.vmas) vma.pte.forEachSet((_i, v) => take(v));
  for (const cpu of m.hw.cpus) cpu.tlbForEach((_i, e) => take(e));
  // Left: pages only a running thread holds (a reclaimer's isolated batch after EWB). Order them by
  // their own records, so that their numbers do not matter either; physical order breaks ties.
  const rest: number[] = [];
  for (let p = 0; p < n; p++) if (perm[p] === -1) rest.push(p);
  if (rest.length > 1) {
    const section = sectionOf(m);
    const key = (p: number): number[] => [
      section[p]!,
      ...EPC_VALUES.map((f) => P[f].get(p)),
      ...HW_PAGE.map((f) => m.hw[f].get(p)),
    ];
    const keys = new Map(rest.map((p) => [p, key(p)]));
    rest.sort((a, b) => {
      const ka = keys.get(a)!;
      const kb = keys.get(b)!;
      for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
      return a - b;
    });
  }
  for (const p of rest) take(p);
  return { perm, inv };
}

function expectKeys(o: object, keys: string): void {
  const got = Object.keys(o).join(",");
  if (got !== keys)
    throw new NotCanonical(`${o.constructor.name} has fields ${got}; the symmetry reduction knows ${keys}`);
}

/** The section (so the NUMA node) of every EPC page. */
const sections = new WeakMap<Machine, Int32Array>();
function sectionOf(m: Machine): Int32Array {
  let s = sections.get(m);
  if (!s) {
    s = new Int32Array(m.pages.nr_pages).fill(-1);
    const secs = m.sgx.sgx_epc_sections;
    for (let i = 0; i < secs.length; i++) s.fill(i, secs[i]!.first, secs[i]!.first + secs[i]!.nr_pages);
    sections.set(m, s);
  }
  return s;
}

/**
 * The hooks for machine `m`, hashing through `cur`, the page order of the state being hashed (set
 * before each hash: the hooks are built once per machine, not once per state).
 */
function renamingHooks(m: Machine, cur: PageOrder): Map<unknown, HashHook> {
  const page = (p: number): number => (p >= 0 && p < cur.perm.length ? cur.perm[p]! : p);
  const section = sectionOf(m);
  const hooks = new Map<unknown, HashHook>();
  const hook = <T>(
    ctor: abstract new (...a: never[]) => T,
    fn: (o: T, h: Hasher, visit: (v: unknown) => void) => void,
  ) => hooks.set(ctor, fn as HashHook);
  hook(EpcPages, (o, h, visit) => {
    expectKeys(o, "nr_pages,flags,poison,owner,next,prev,sgx_cg,headNext,headPrev,heads");
    h.num(o.nr_pages);
    const inv = cur.inv;
    for (let k = 0; k < inv.length; k++) {
      const p = inv[k]!;
      h.num(section[p]!);
      for (const f of EPC_VALUES) h.num(o[f].get(p));
      for (const f of EPC_LINKS) h.num(page(o[f].get(p)));
    }
    for (const v of o.headNext) h.num(page(v));
    for (const v of o.headPrev) h.num(page(v));
    visit(o.heads);
  });
  hook(SgxHw, (o, h, visit) => {
    expectKeys(o, `nrPages,${HW_PAGE.join(",")},va,enclaves,cpus,nonce`);
    h.num(o.nrPages);
    const inv = cur.inv;
    for (let k = 0; k < inv.length; k++) for (const f of HW_PAGE) h.num(o[f].get(inv[k]!));
    const va = [...o.va.keys()].sort((a, b) => page(a) - page(b));
    for (const p of va) {
      h.num(page(p));
      visit(o.va.get(p));
    }
    visit(o.enclaves);
    visit(o.cpus);
    h.num((o as unknown as { nonce: number }).nonce);
  });
  hook(EnclPages, (o, h) => {
    expectKeys(o, "count,encl,index,desc,epc_page,va_page,vm_max_prot_bits,type,alive");
    h.num(o.count);
    for (let id = 0; id < o.count; id++) {
      h.num(o.encl.a[id]!);
      h.num(o.index.a[id]!);
      h.num(o.desc.a[id]!);
      h.num(page(o.epc_page.a[id]!));
      h.num(o.va_page.a[id]!);
      h.num(o.vm_max_prot_bits.a[id]!);
      h.num(o.type.a[id]!);
      h.num(o.alive.a[id]!);
    }
  });
  hook(sgx_va_page, (o, h, visit) => {
    expectKeys(o, "id,epc_page,slots,used,freed");
    h.num(o.id);
    h.num(page(o.epc_page));
    visit(o.slots);
    h.num(o.used);
    h.num(o.freed ? 1 : 0);
  });
  hook(HwEnclave, (o, h, visit) => {
    expectKeys(o, "eid,secsPage,initialized,childCount,trackSeq,completedSeq,snapCpus,snapExits");
    h.num(o.eid);
    h.num(page(o.secsPage));
    visit([o.initialized, o.childCount, o.trackSeq, o.completedSeq, o.snapCpus, o.snapExits]);
  });
  hook(Cpu, (o, h) => {
    expectKeys(o, "id,node,inEnclave,exits,gen,tlbGen,tlbEpc,entries");
    // Only valid translations are state: a flushed entry is as good as none.
    for (const v of [o.id, o.node, o.inEnclave, o.exits, o.entries]) h.num(v);
    o.tlbForEach((i, e) => {
      h.num(i);
      h.num(page(e));
    });
  });
  hook(vm_area_struct, (o, h, visit) => {
    expectKeys(o, "id,vm_mm,vm_start,vm_end,vm_flags,vm_private_data,pte,young,ptl,vm_file");
    visit([o.id, o.vm_mm, o.vm_start, o.vm_end, o.vm_flags, o.vm_private_data, o.young, o.ptl, o.vm_file]);
    o.pte.forEachSet((i, v) => {
      h.num(i);
      h.num(page(v));
    });
  });
  hook(Chunked, (o, h) => {
    // By content, not by which chunks happen to be allocated.
    h.num((o as unknown as { def: number }).def);
    o.forEachSet((i, v) => {
      h.num(i);
      h.num(v);
    });
  });
  hook(VepcGlobals, (o, _h, visit) => {
    expectKeys(o, "instances,zombie_secs_pages,zombie_secs_pages_lock");
    if (o.instances.length || o.zombie_secs_pages.length)
      throw new NotCanonical("a vEPC holds EPC pages by number in its xarray");
    visit(o.zombie_secs_pages_lock);
  });
  return hooks;
}

const renamers = new WeakMap<Machine, { cur: PageOrder; hooks: Map<unknown, HashHook> }>();

/** Why the last symmetric hash of a state fell back to the plain hash (for reports), or null. */
export interface SymmetryStats {
  reduced: number;
  fallback: number;
  reason: string | null;
}

/**
 * Hash of `root` (which holds machine `m`) up to renaming of EPC pages; when the state holds
 * something the renaming does not cover, the plain hash (tagged so the two kinds never collide).
 */
export function symmetricHash(
  root: unknown,
  m: Machine,
  skip: ReadonlySet<string>,
  stats?: SymmetryStats,
): number {
  try {
    if (m.variantState !== null) throw new NotCanonical("the kernel variant keeps its own globals");
    let r = renamers.get(m);
    if (!r) {
      const cur = canonicalPageOrder(m);
      r = { cur, hooks: renamingHooks(m, cur) };
      renamers.set(m, r);
    }
    Object.assign(r.cur, canonicalPageOrder(m));
    const v = hashDeep(root, { skip, hooks: r.hooks, vetted: VETTED });
    if (stats) stats.reduced++;
    return v;
  } catch (e) {
    if (!(e instanceof NotCanonical)) throw e;
    if (stats) {
      stats.fallback++;
      stats.reason = e.message;
    }
    return hashDeep([root, "plain"], skip);
  }
}

/**
 * Rename the EPC pages of a state that no thread is running in: page p becomes sigma[p] everywhere
 * a page number lives. For the symmetry self-test; `forget` leaves one place unrenamed (its mutant).
 */
export function relabelPages(m: Machine, sigma: Int32Array, forget?: "pte"): void {
  const n = m.pages.nr_pages;
  const page = (p: number): number => (p >= 0 && p < n ? sigma[p]! : p);
  const move = (c: Chunked, link: boolean): void => {
    const old = new Float64Array(n);
    for (let p = 0; p < n; p++) old[p] = c.get(p);
    for (let p = 0; p < n; p++) c.set(sigma[p]!, link ? page(old[p]!) : old[p]!);
  };
  const P = m.pages;
  for (const f of EPC_VALUES) move(P[f], false);
  for (const f of EPC_LINKS) move(P[f], true);
  for (let h = 0; h < P.headNext.length; h++) {
    P.headNext[h] = page(P.headNext[h]!);
    P.headPrev[h] = page(P.headPrev[h]!);
  }
  for (const f of HW_PAGE) move(m.hw[f], false);
  const va = [...m.hw.va];
  m.hw.va.clear();
  for (const [p, contents] of va) m.hw.va.set(page(p), contents);
  const E = m.encl_pages;
  for (let id = 0; id < E.count; id++) E.epc_page.a[id] = page(E.epc_page.a[id]!);
  for (const v of m.va_pages) v.epc_page = page(v.epc_page);
  for (const he of m.hw.enclaves) he.secsPage = page(he.secsPage);
  for (const cpu of m.hw.cpus) cpu.tlbRename(page);
  if (forget !== "pte")
    for (const mm of m.mms)
      for (const vma of mm.vmas) {
        const set: [number, number][] = [];
        vma.pte.forEachSet((i, v) => set.push([i, v]));
        for (const [i, v] of set) vma.pte.set(i, page(v));
      }
}

/**
 * A renaming for the self-test: a random permutation (from `rand`) of the touched pages of each
 * section; never-touched free pages keep their numbers, as the canonical order assumes.
 */
export function randomRenaming(m: Machine, rand: () => number): Int32Array {
  const n = m.pages.nr_pages;
  const sigma = new Int32Array(n);
  for (let p = 0; p < n; p++) sigma[p] = p;
  const fresh = new Uint8Array(n);
  for (const node of m.sgx.sgx_numa_nodes) for (const r of node.fresh) fresh.fill(1, r.next, r.end);
  for (const sec of m.sgx.sgx_epc_sections) {
    const pages: number[] = [];
    for (let p = sec.first; p < sec.first + sec.nr_pages; p++) if (!fresh[p]) pages.push(p);
    const shuffled = [...pages];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    pages.forEach((p, i) => {
      sigma[p] = shuffled[i]!;
    });
  }
  return sigma;
}
