/**
 * Structures and constants of arch/x86/kernel/cpu/sgx/sgx.h and encl.h.
 *
 * struct sgx_epc_page and struct sgx_encl_page can number in the millions, so their fields live in
 * typed arrays (struct of arrays) indexed by page id; the kernel's pointers become ids:
 *   - an EPC page is its index in the EPC (0..nr_pages-1);
 *   - an enclave page (struct sgx_encl_page) is an id into EnclPages; -1 is NULL.
 * Lists of EPC pages (free, poison, active) link through per-page next/prev arrays like list_head.
 * Free pages never touched are a range at the head of their node's free list, not list nodes:
 * the kernel builds each free list in physical order and allocates from its head, so taking the
 * next untouched page first is exactly the kernel's allocation order (see DEVIATIONS.md).
 */
import type { Located } from "../../../rt/ops.ts";
import { Chunked, Growable } from "../../util/chunked.ts";
import { atomic_long_t, bitflags, kref } from "../lib/atomic.ts";
import { LINK_NONE, LIST_POISON } from "../lib/list.ts";
import { mutex, spinlock_t } from "../lib/locks.ts";
import type { mm_struct, mmu_notifier } from "../lib/mm.ts";
import type { shmem_file } from "../lib/shmem.ts";
import { srcu_struct } from "../lib/srcu.ts";
import { xarray } from "../lib/xarray.ts";

/** Tunables of sgx.h; a scenario may override them (knobs the seed asks about). */
export interface SgxConstants {
  /** Pages isolated per sgx_reclaim_pages() round (the batch the seed argues about). */
  SGX_NR_TO_SCAN: number;
  /** ksgxd is woken when fewer pages are free. */
  SGX_NR_LOW_PAGES: number;
  /** ksgxd reclaims until this many pages are free. */
  SGX_NR_HIGH_PAGES: number;
  SGX_MAX_EPC_SECTIONS: number;
  SGX_EEXTEND_BLOCK_SIZE: number;
  /** sgx_encl_release drops the xarray lock every XA_CHECK_SCHED entries. */
  XA_CHECK_SCHED: number;
  /** Model extension: number of ksgxd threads (mainline: 1). */
  nr_ksgxd: number;
  /** The CPU supports SGX2 (EAUG on fault for pages not in page_array). */
  sgx2: boolean;
}

export const DEFAULT_SGX_CONSTANTS: SgxConstants = {
  SGX_NR_TO_SCAN: 16,
  SGX_NR_LOW_PAGES: 32,
  SGX_NR_HIGH_PAGES: 64,
  SGX_MAX_EPC_SECTIONS: 8,
  SGX_EEXTEND_BLOCK_SIZE: 256,
  XA_CHECK_SCHED: 4096,
  nr_ksgxd: 1,
  sgx2: false,
};

/* struct sgx_epc_page flags */
/** Pages on the active list or isolated by the reclaimer. */
export const SGX_EPC_PAGE_RECLAIMER_TRACKED = 1 << 0;
/** Pages on a free list. */
export const SGX_EPC_PAGE_IS_FREE = 1 << 1;

/* struct sgx_encl_page desc bits (the low 12 bits; the address lives in EnclPages.index) */
export const SGX_ENCL_PAGE_BEING_RECLAIMED = 1 << 3;
export const SGX_ENCL_PAGE_VA_OFFSET_MASK = 0xff8; // GENMASK(11, 3)

/* struct sgx_encl flags (bit numbers) */
export const SGX_ENCL_IOCTL = 0;
export const SGX_ENCL_DEBUG = 1;
export const SGX_ENCL_CREATED = 2;
export const SGX_ENCL_INITIALIZED = 3;

/** Owner encoding of an EPC page: >= 0 an sgx_encl_page id; NULL; <= -2 a vEPC instance. */
export const OWNER_NULL = -1;

/** A list_head that is a list head (not embedded in a page). Head ids encode as -(h + 2) in links. */
export class PageListHead implements Located {
  constructor(
    readonly id: number,
    readonly cls: string,
    /** Index of this head in EpcPages.heads. */
    readonly h: number,
    /**
     * The enclave whose list this is (-1: a global list). Its release owns it: the last reference
     * is gone, nothing else reaches the list (the checker's lockset detector relies on it).
     */
    readonly owner = -1,
  ) {}
}

/** struct sgx_epc_page, for all EPC pages, plus the links of the lists they sit on. */
export class EpcPages {
  readonly flags: Chunked;
  readonly poison: Chunked;
  readonly owner: Chunked;
  /** list_head links: a page id, a head (-(h+2)), or POISON after list_del. */
  readonly next: Chunked;
  readonly prev: Chunked;
  /** Model extension for the EPC cgroup: charged cgroup id, -1 when none. */
  readonly sgx_cg: Chunked;
  readonly headNext: number[] = [];
  readonly headPrev: number[] = [];
  readonly heads: PageListHead[] = [];

  constructor(readonly nr_pages: number) {
    // Untouched pages are free: IS_FREE, no owner.
    this.flags = new Chunked(nr_pages, SGX_EPC_PAGE_IS_FREE);
    this.poison = new Chunked(nr_pages);
    this.owner = new Chunked(nr_pages, OWNER_NULL);
    this.next = new Chunked(nr_pages, LINK_NONE);
    this.prev = new Chunked(nr_pages, LINK_NONE);
    this.sgx_cg = new Chunked(nr_pages, -1);
  }

  newHead(id: number, cls: string, owner = -1): PageListHead {
    const h = this.heads.length;
    const head = new PageListHead(id, cls, h, owner);
    this.heads.push(head);
    this.headNext.push(-(h + 2));
    this.headPrev.push(-(h + 2));
    return head;
  }
}

export { LINK_NONE, LIST_POISON };

/** A contiguous range of never-touched free pages at the head of a node's free list. */
export interface FreshRange {
  next: number;
  end: number;
}

/** struct sgx_epc_section. */
export class sgx_epc_section {
  constructor(
    /** First EPC page id of the section (stands for phys_addr). */
    readonly first: number,
    readonly nr_pages: number,
    readonly node: sgx_numa_node,
  ) {}
}

/** struct sgx_numa_node. */
export class sgx_numa_node {
  readonly lock: spinlock_t;
  /** free_page_list: the never-touched ranges come first, then `free_page_list` proper. */
  readonly fresh: FreshRange[] = [];
  size = 0;
  constructor(
    readonly nid: number,
    lockId: number,
    readonly free_page_list: PageListHead,
    readonly sgx_poison_page_list: PageListHead,
  ) {
    this.lock = new spinlock_t(lockId, "node->lock");
  }
}

/**
 * The checker's data-race detector (check/lockset.ts) watches writes of encl_page->desc (the
 * BEING_RECLAIMED and BUSY flags, the VA slot offset), which the kernel does under encl->lock.
 * Null outside the checker.
 */
export const descWatch: { fn: ((entry: number, write: boolean) => void) | null } = { fn: null };

/** struct sgx_encl_page for every enclave page of every enclave (struct of arrays, ids never reused). */
export class EnclPages {
  count = 0;
  readonly encl = new Growable(Int32Array, 256, -1);
  /** Page number inside the enclave (the address is encl.base + index * PAGE_SIZE). */
  readonly index = new Growable(Int32Array, 256, -1);
  /** desc bits 0..11: SGX_ENCL_PAGE_BEING_RECLAIMED and the VA slot offset. */
  readonly desc = new Growable(Uint16Array, 256);
  readonly epc_page = new Growable(Int32Array, 256, -1);
  readonly va_page = new Growable(Int32Array, 256, -1);
  readonly vm_max_prot_bits = new Growable(Uint8Array, 256);
  readonly type = new Growable(Uint8Array, 256);
  /** Model: 1 while allocated, 0 after kfree (use-after-free detection). */
  readonly alive = new Growable(Uint8Array, 256);

  /** encl_page->desc = v: every write of desc goes through here (the data-race detector sees it). */
  setDesc(entry: number, v: number): void {
    if (descWatch.fn) descWatch.fn(entry, true);
    this.desc.a[entry] = v;
  }

  /** encl_page->desc, as a kernel path reads it (the data-race detector sees the read). */
  getDesc(entry: number): number {
    if (descWatch.fn) descWatch.fn(entry, false);
    return this.desc.a[entry]!;
  }

  alloc(encl: number, index: number, prot: number): number {
    const id = this.count++;
    const n = id + 1;
    this.encl.ensure(n);
    this.index.ensure(n);
    this.desc.ensure(n);
    this.epc_page.ensure(n);
    this.va_page.ensure(n);
    this.vm_max_prot_bits.ensure(n);
    this.type.ensure(n);
    this.alive.ensure(n);
    this.encl.a[id] = encl;
    this.index.a[id] = index;
    this.desc.a[id] = 0;
    this.epc_page.a[id] = -1;
    this.va_page.a[id] = -1;
    this.vm_max_prot_bits.a[id] = prot;
    this.type.a[id] = 0;
    this.alive.a[id] = 1;
    return id;
  }
}

/** struct sgx_va_page. */
export class sgx_va_page {
  /** One bit per slot: set while an evicted page's version lives there. */
  readonly slots = new Uint8Array(512);
  used = 0;
  /** kfree()d (KASAN: see Machine.kasanUse). */
  freed = false;
  constructor(
    readonly id: number,
    public epc_page: number,
  ) {}
}

/** struct sgx_encl_mm. */
export class sgx_encl_mm {
  notifier: mmu_notifier | null = null;
  /** kfree()d by sgx_mmu_notifier_free (KASAN: see Machine.kasanUse). */
  freed = false;
  constructor(
    readonly encl: sgx_encl,
    readonly mm: mm_struct,
  ) {}
}

/** struct sgx_backing. */
export interface sgx_backing {
  contents: import("../../hw/memory.ts").mem_page;
  pcmd: import("../../hw/memory.ts").mem_page;
  /** Byte offset of the PCMD inside the PCMD page. */
  pcmd_offset: number;
}

/** struct sgx_encl. */
export class sgx_encl {
  base = 0;
  /** ELRANGE size in bytes (a power of two). */
  size = 0;
  readonly flags: bitflags;
  /** Enclave pages including the SECS that need VA slots; drives VA page growth. Guarded by lock. */
  page_cnt = 0;
  /** Child pages resident in EPC. Guarded by lock. */
  secs_child_cnt = 0;
  readonly lock: mutex;
  readonly page_array: xarray;
  /** The embedded struct sgx_encl_page of the SECS (an id into EnclPages). */
  secs = -1;
  attributes = 0;
  /** Temporary IPI target mask (sgx_encl_cpumask). */
  readonly cpumask: Uint8Array;
  backing: shmem_file | null = null;
  readonly refcount: kref;
  /** va_pages list: index 0 is the head (the page with free slots). Guarded by lock. */
  readonly va_pages: sgx_va_page[] = [];
  /** mm_list (RCU list; index 0 is the head, list_add_rcu adds at the head). */
  readonly mm_list: sgx_encl_mm[] = [];
  readonly mm_lock: spinlock_t;
  readonly srcu: srcu_struct;
  /** mm_list_version, read without a lock by sgx_zap_enclave_ptes. */
  mm_list_version = 0;
  readonly mm_list_version_loc: Located;
  /** Model: the hardware enclave id behind the SECS (what EPCM entries record). */
  eid = -1;
  /** Model: set by kfree(encl) in sgx_encl_release, to catch use after free. */
  freed = false;
  /** Model: name from the scenario, for reports. */
  name = "";

  constructor(
    readonly id: number,
    ids: () => number,
    nrCpus: number,
  ) {
    this.flags = new bitflags(ids(), "encl->flags");
    this.lock = new mutex(ids(), "encl->lock");
    this.page_array = new xarray(ids(), "encl->page_array", ids());
    this.cpumask = new Uint8Array(nrCpus);
    this.refcount = new kref(ids(), "encl->refcount");
    this.mm_lock = new spinlock_t(ids(), "encl->mm_lock");
    this.srcu = new srcu_struct(ids(), "encl->srcu");
    this.mm_list_version_loc = { id: ids(), cls: "encl->mm_list_version" };
  }
}

/** The kernel's global SGX state (statics of main.c). */
export class SgxGlobals {
  readonly sgx_epc_sections: sgx_epc_section[] = [];
  readonly sgx_numa_nodes: sgx_numa_node[] = [];
  /** sgx_numa_mask as a list of node ids with EPC, ascending. */
  readonly sgx_numa_mask: number[] = [];
  readonly sgx_nr_free_pages: atomic_long_t;
  readonly sgx_active_page_list: PageListHead;
  readonly sgx_reclaimer_lock: spinlock_t;
  /** ksgxd_tsk: the reclaim threads (mainline has one). */
  readonly ksgxd_tsk: number[] = [];
  constructor(
    ids: () => number,
    pages: EpcPages,
    readonly ksgxd_waitq: import("../lib/sched.ts").wait_queue_head_t,
  ) {
    this.sgx_nr_free_pages = new atomic_long_t(ids(), "sgx_nr_free_pages", 0);
    this.sgx_active_page_list = pages.newHead(ids(), "sgx_active_page_list");
    this.sgx_reclaimer_lock = new spinlock_t(ids(), "sgx_reclaimer_lock");
  }
}
