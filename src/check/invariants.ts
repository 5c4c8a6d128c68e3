/**
 * Invariants over the whole model state (../shared/reference/kernel.md section 7). Some hold at
 * every step; others only when the system is quiescent (no thread inside a path, no lock held),
 * which the checker has at the end of an execution.
 */
import { SGX_VA_SLOT_COUNT } from "../model/hw/arch.ts";
import { type mem_page, PCMD_WORDS } from "../model/hw/memory.ts";
import { headLink } from "../model/kernel/lib/list.ts";
import { shmem_view } from "../model/kernel/lib/shmem.ts";
import {
  LINK_NONE,
  type PageListHead,
  SGX_ENCL_PAGE_VA_OFFSET_MASK,
  SGX_EPC_PAGE_IS_FREE,
  SGX_EPC_PAGE_RECLAIMER_TRACKED,
} from "../model/kernel/sgx/sgx.ts";
import type { Machine } from "../model/machine.ts";
import { cgroupLrus, cgroupProblem, isLru } from "./cgroup_invariants.ts";
import { heapLeakProblem, KMEMLEAK, kmemleakProblem } from "./kmemleak.ts";
import type { World } from "./world.ts";

export interface Violation {
  name: string;
  detail: string;
  /** A detector's own property name (kmemleak), reported as it is instead of "invariant: name". */
  property?: string;
}

const v = (name: string, detail: string): Violation => ({ name, detail });

/** Walk a page list checking its links; returns its pages or a violation. */
export function walk(m: Machine, head: PageListHead, limit: number): number[] | Violation {
  const P = m.pages;
  const h = headLink(head);
  const out: number[] = [];
  let prev = h;
  for (let x = P.headNext[head.h]!; x !== h; x = P.next.get(x)) {
    if (x < 0) return v("list links", `${head.cls}: link to another list head (${x}) inside the list`);
    const p = P.prev.get(x);
    if (p !== prev) return v("list links", `${head.cls}: page ${x}'s prev is ${p}, expected ${prev}`);
    out.push(x);
    if (out.length > limit) return v("list links", `${head.cls}: cycle`);
    prev = x;
  }
  return out;
}

export function checkInvariants(w: World, quiescent: boolean): Violation | null {
  const m = w.m;
  const P = m.pages;
  const N = P.nr_pages;
  const where = new Map<number, string>();
  // The reclaimer's lists: the global active list and, with the EPC cgroup, every cgroup's LRU.
  const lists: PageListHead[] = [m.sgx.sgx_active_page_list, ...cgroupLrus(m)];
  for (const node of m.sgx.sgx_numa_nodes)
    if (node) lists.push(node.free_page_list, node.sgx_poison_page_list);
  let freeCount = 0;
  for (const head of lists) {
    const pages = walk(m, head, N);
    if (!Array.isArray(pages)) return pages;
    for (const p of pages) {
      const other = where.get(p);
      if (other) return v("one list per page", `EPC page ${p} is on ${other} and on ${head.cls}`);
      where.set(p, head.cls);
    }
    if (!isLru(head.cls)) freeCount += pages.length;
  }
  for (const node of m.sgx.sgx_numa_nodes) {
    if (!node) continue;
    for (const r of node.fresh) freeCount += Math.max(0, r.end - r.next);
  }
  // Every page that was ever touched: flags agree with the list it is on.
  for (let p = 0; p < N; p++) {
    if (P.next.get(p) === LINK_NONE) continue; // never left its fresh range
    const f = P.flags.get(p);
    const on = where.get(p);
    if (f & SGX_EPC_PAGE_RECLAIMER_TRACKED) {
      const isolated = P.next.get(p) === p;
      if (!isLru(on) && !isolated)
        return v(
          "tracked means listed or isolated",
          `EPC page ${p} is RECLAIMER_TRACKED but ${on ? `on ${on}` : "off every list and not isolated"}`,
        );
    } else if (isLru(on)) {
      return v(
        "tracked means listed or isolated",
        `EPC page ${p} is on the active list without RECLAIMER_TRACKED`,
      );
    }
    // arch_memory_failure quarantines a poisoned page: never free for allocation, never reclaimable.
    if (P.poison.get(p) && (on === "free_page_list" || isLru(on)))
      return v("poisoned pages are quarantined", `EPC page ${p} is poisoned but on ${on}`);
    if (f & SGX_EPC_PAGE_IS_FREE && on !== "free_page_list" && on !== "sgx_poison_page_list")
      return v(
        "free pages are on a free list",
        `EPC page ${p} has IS_FREE but is ${on ? `on ${on}` : "on no list"}`,
      );
    if (!(f & SGX_EPC_PAGE_IS_FREE) && (on === "free_page_list" || on === "sgx_poison_page_list"))
      return v("free pages are on a free list", `EPC page ${p} is on ${on} without IS_FREE`);
  }
  if (quiescent && m.sgx.sgx_nr_free_pages.v !== freeCount)
    return v(
      "nr_free matches the free lists",
      `sgx_nr_free_pages = ${m.sgx.sgx_nr_free_pages.v} but the free and poison lists hold ${freeCount} pages`,
    );
  const E = m.encl_pages;
  // No PTE points to an EPC page other than the one that holds its enclave page now.
  for (const mm of m.mms) {
    for (const vma of mm.vmas) {
      const encl = vma.vm_private_data as (typeof m.enclaves)[number] | null;
      if (!encl) continue;
      let bad: Violation | null = null;
      vma.pte.forEachSet((i, pfn) => {
        if (bad) return;
        const e = encl.page_array.get(i);
        const cur = e >= 0 && E.alive.a[e] ? E.epc_page.a[e]! : -1;
        if (cur !== pfn)
          bad = v(
            "no stale PTE",
            `${mm.name}: PTE of ${encl.name} page ${i} points to EPC page ${pfn}, but the page is ${cur < 0 ? "not resident" : `in ${cur}`}`,
          );
      });
      if (bad) return bad;
    }
  }
  if (quiescent) {
    for (const encl of m.enclaves) {
      const bad = enclaveProblem(m, encl);
      if (bad) return bad;
    }
    const leak = kmemleakProblem(w, where) ?? heapLeakProblem(w);
    if (leak) return { name: "no leaked object", detail: leak, property: KMEMLEAK };
    const t = teardownProblem(w);
    if (t) return v("teardown returns everything", t);
  }
  return cgroupProblem(w, quiescent, where);
}

/**
 * Per-enclave bookkeeping, valid when no path is inside the enclave's critical sections:
 * resident pages are owned and valid, evicted pages own one VA slot each and their data is in the
 * backing store, secs_child_cnt counts resident children, the SECS stays while it has children.
 */
function enclaveProblem(m: Machine, encl: Machine["enclaves"][number]): Violation | null {
  if (encl.freed || encl.secs < 0) return null;
  const E = m.encl_pages;
  const P = m.pages;
  let resident = 0;
  const slots = new Set<string>();
  for (const i of encl.page_array.indices(0, encl.size / 4096)) {
    const e = encl.page_array.get(i);
    if (!E.alive.a[e]) return v("no use after free", `page_array of ${encl.name} holds freed entry ${e}`);
    const epc = E.epc_page.a[e]!;
    if (epc >= 0) {
      resident++;
      if (P.owner.get(epc) !== e)
        return v("owner", `${encl.name} page ${i}: EPC page ${epc} is owned by ${P.owner.get(epc)}`);
      if (!m.hw.valid.get(epc))
        return v(
          "resident pages are valid",
          `${encl.name} page ${i}: EPC page ${epc} is not valid in the EPCM`,
        );
      continue;
    }
    const va = m.va_pages[E.va_page.a[e]!];
    const off = E.desc.a[e]! & SGX_ENCL_PAGE_VA_OFFSET_MASK;
    if (!va || va.epc_page < 0)
      return v("one VA slot per evicted page", `${encl.name} page ${i} is evicted without a VA page`);
    if (!va.slots[off >> 3])
      return v("one VA slot per evicted page", `${encl.name} page ${i}: its VA slot ${off >> 3} is free`);
    const key = `${va.id}:${off}`;
    if (slots.has(key))
      return v("one VA slot per evicted page", `${encl.name}: two pages share VA slot ${key}`);
    slots.add(key);
    const bad = backingProblem(encl, i);
    if (bad) return v("evicted data is in the backing store", `${encl.name} page ${i}: ${bad}`);
  }
  if (resident !== encl.secs_child_cnt)
    return v(
      "secs_child_cnt counts resident children",
      `${encl.name}: secs_child_cnt = ${encl.secs_child_cnt}, resident children = ${resident}`,
    );
  if (encl.secs_child_cnt > 0 && E.epc_page.a[encl.secs]! < 0)
    return v(
      "SECS resident while it has children",
      `${encl.name}: ${encl.secs_child_cnt} children resident, SECS evicted`,
    );
  // An evicted SECS owns a VA slot too.
  if (E.epc_page.a[encl.secs]! < 0 && encl.eid >= 0) {
    const va = m.va_pages[E.va_page.a[encl.secs]!];
    const off = E.desc.a[encl.secs]! & SGX_ENCL_PAGE_VA_OFFSET_MASK;
    if (!va?.slots[off >> 3])
      return v("one VA slot per evicted page", `${encl.name}: the evicted SECS has no VA slot`);
    slots.add(`${va.id}:${off}`);
  }
  let used = 0;
  for (const va of encl.va_pages) used += va.used;
  if (used !== slots.size)
    return v(
      "one VA slot per evicted page",
      `${encl.name}: ${used} VA slots used for ${slots.size} evicted pages`,
    );
  if (encl.va_pages.length * SGX_VA_SLOT_COUNT < encl.page_cnt)
    return v(
      "enough VA slots",
      `${encl.name}: ${encl.va_pages.length} VA pages for page_cnt ${encl.page_cnt}`,
    );
  return null;
}

/** An evicted page's contents page and non-zero PCMD entry must exist in its enclave's backing file. */
function backingProblem(encl: Machine["enclaves"][number], index: number): string | null {
  const f = encl.backing;
  if (!f) return "no backing file";
  if (!f.pages.has(index)) return "its contents page is gone from the backing file";
  const off = encl.size + 4096 + index * 128;
  const pcmd = f.pages.get(Math.floor(off / 4096));
  if (!pcmd) return "its PCMD page is gone from the backing file";
  const [tag, mac] = pcmdReadView(pcmd, (off % 4096) / 128);
  if (tag === 0 && mac === 0) return "its PCMD entry is all zero";
  return null;
}

/** A PCMD entry as a reader of the backing file sees it (a page dropped from memory is read from swap). */
function pcmdReadView(p: mem_page, slot: number): [number, number, number] {
  const words = shmem_view(p).words;
  if (!words) return [0, 0, 0];
  const o = slot * PCMD_WORDS;
  return [words[o]!, words[o + 1]!, words[o + 2]!];
}

/**
 * Properties a check scenario can ask for on top of the invariants (quiescent only).
 * resident_pcmd_zero: ELDU zeroes a loaded page's PCMD entry (since "Free backing memory after
 * faulting the enclave page"), so the backing file must never again show a non-zero entry for a
 * resident page; if it does, the zeroing was lost (the PCMD page was dropped while clean, B4) and
 * the PCMD page can never become empty and be freed.
 */
export function checkProperties(w: World, names: readonly string[]): Violation | null {
  for (const name of names) {
    if (name !== "resident_pcmd_zero") continue;
    const m = w.m;
    const E = m.encl_pages;
    for (const encl of m.enclaves) {
      if (encl.freed || !encl.backing) continue;
      for (const i of encl.page_array.indices(0, encl.size / 4096)) {
        const e = encl.page_array.get(i);
        if (E.epc_page.a[e]! < 0) continue;
        const off = encl.size + 4096 + i * 128;
        const pcmd = encl.backing.pages.get(Math.floor(off / 4096));
        if (!pcmd) continue;
        const [tag, mac] = pcmdReadView(pcmd, (off % 4096) / 128);
        if (tag !== 0 || mac !== 0)
          return v(
            name,
            `${encl.name} page ${i} is resident but the backing file shows its PCMD entry (tag ${tag}) again`,
          );
      }
    }
  }
  return null;
}

/** Once every process exited, every EPC page, VA page and backing page is back. */
function teardownProblem(w: World): string | null {
  const procs = [...w.procs.values(), ...w.children];
  if (!procs.every((p) => p.exited)) return null;
  const m = w.m;
  for (const e of m.enclaves)
    if (!e.freed) return `enclave ${e.name} was never released (refcount ${e.refcount.v})`;
  // sgx_nr_free_pages counts poisoned pages too: sgx_free_epc_page() increments it for them.
  const total = m.pages.nr_pages;
  if (m.sgx.sgx_nr_free_pages.v !== total)
    return `${total - m.sgx.sgx_nr_free_pages.v} EPC pages were not freed`;
  for (const f of m.shmem_files)
    if (f.pages.size) return `backing file ${f.id} still holds ${f.pages.size} pages`;
  return null;
}
