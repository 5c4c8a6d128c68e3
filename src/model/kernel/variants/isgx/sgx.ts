/**
 * The out-of-tree driver's structures and list macros (intel/linux-sgx-driver sgx.h, 2.x, commit
 * 02b28870): what "isgx" keeps that mainline does not. The model shares mainline's structures
 * where the two drivers agree (struct sgx_encl, sgx_encl_page, the EPC page table, VA pages) and
 * adds the isgx fields here:
 *   - one global free list under sgx_free_list_lock with a plain counter (sgx_nr_free_pages);
 *   - per-process contexts (struct sgx_tgid_ctx) on sgx_tgid_ctx_list under sgx_tgid_ctx_mutex,
 *     each with the list of its enclaves;
 *   - per enclave: the load list (its resident pages, its own LRU, under encl->lock), encl->mm,
 *     encl->tgid_ctx, encl->shadow_epoch and the isgx-only flags SECS_EVICTED and DEAD;
 *   - per enclave page: entry->flags (SGX_ENCL_PAGE_RESERVED).
 * All of it lives in Machine.variantState, so it is part of the machine's state.
 *
 * Model: see DEVIATIONS.md, section I.
 */
import type { ModelGen } from "../../../../rt/ops.ts";
import type { Machine } from "../../../machine.ts";
import { Growable } from "../../../util/chunked.ts";
import { kref } from "../../lib/atomic.ts";
import {
  list_add,
  list_add_tail,
  list_del,
  list_del_init,
  list_empty,
  list_first_entry,
} from "../../lib/list.ts";
import { mutex, spin_lock, spin_unlock, spinlock_t } from "../../lib/locks.ts";
import type { mm_struct } from "../../lib/mm.ts";
import { freeListEmpty } from "../../sgx/main.ts";
import { OWNER_NULL, type PageListHead, SGX_EPC_PAGE_IS_FREE, type sgx_encl } from "../../sgx/sgx.ts";

/** SGX_NR_LOW_EPC_PAGES_DEFAULT: ksgxswapd is woken below it; it reclaims up to twice as many. */
export const SGX_NR_LOW_EPC_PAGES_DEFAULT = 32;
/** SGX_NR_SWAP_CLUSTER_MAX: pages per sgx_swap_pages() cluster. */
export const SGX_NR_SWAP_CLUSTER_MAX = 16;

/* enum sgx_alloc_flags */
export const SGX_ALLOC_ATOMIC = 1 << 0;

/* enum sgx_fault_flags */
/** The caller (sgx_vma_access, a debugger's EDBGRD/EDBGWR) wants the page pinned against eviction. */
export const SGX_FAULT_RESERVE = 1 << 0;

/* enum sgx_encl_page_flags */
export const SGX_ENCL_PAGE_TCS = 1 << 0;
/** The page is isolated for eviction (or pinned by a debugger access). */
export const SGX_ENCL_PAGE_RESERVED = 1 << 1;

/*
 * enum sgx_encl_flags: the bits isgx has beyond mainline's. INITIALIZED and DEBUG stay in the shared
 * encl->flags (same meaning).
 */
export const SGX_ENCL_SECS_EVICTED = 1 << 2;
export const SGX_ENCL_DEAD = 1 << 4;

/** struct sgx_tgid_ctx: one per process (thread group) that created an enclave. */
export class sgx_tgid_ctx {
  readonly refcount: kref;
  /** The process's enclaves (list_head encl_list; index 0 is the head). Guarded by sgx_tgid_ctx_mutex. */
  readonly encl_list: sgx_encl[] = [];
  constructor(
    readonly id: number,
    /** ctx->tgid. Model: a process is identified by its mm (one mm per process). */
    readonly tgid: number,
  ) {
    this.refcount = new kref(id, "tgid_ctx->refcount");
  }
}

/** The fields struct sgx_encl has in isgx and not in mainline. */
export class isgx_encl {
  /** SGX_ENCL_SECS_EVICTED, SGX_ENCL_DEAD. Guarded by encl->lock. */
  flags = 0;
  /** encl->mm: the one address space isgx allows an enclave (set at ECREATE to current->mm). */
  mm: mm_struct | null = null;
  /** encl->tgid_ctx: holds a reference on the context. */
  tgid_ctx: sgx_tgid_ctx | null = null;
  /** encl->shadow_epoch: ETRACKs issued for this enclave. Guarded by encl->lock. */
  shadow_epoch = 0;
  constructor(
    /** encl->load_list: the enclave's resident pages, oldest first. Guarded by encl->lock. */
    readonly load_list: PageListHead,
  ) {}
}

/** The isgx driver's globals (statics of sgx_page_cache.c) and its per-object extensions. */
export class IsgxGlobals {
  readonly sgx_free_list_lock: spinlock_t;
  /** sgx_tgid_ctx_list (index 0 is the head). Guarded by sgx_tgid_ctx_mutex. */
  readonly sgx_tgid_ctx_list: sgx_tgid_ctx[] = [];
  readonly sgx_tgid_ctx_mutex: mutex;
  /** The isgx fields of each struct sgx_encl, by enclave id. */
  readonly encls: (isgx_encl | null)[] = [];
  /** entry->flags of each struct sgx_encl_page, by id. Guarded by encl->lock. */
  readonly page_flags = new Growable(Uint8Array, 256);
  /** sgx_va_pages_cnt, read without a lock by sgx_alloc_page (a location for the checker). */
  readonly va_pages_cnt_loc: { id: number; cls: string };
  constructor(m: Machine) {
    this.sgx_free_list_lock = new spinlock_t(m.newId(), "sgx_free_list_lock");
    this.sgx_tgid_ctx_mutex = new mutex(m.newId(), "sgx_tgid_ctx_mutex");
    this.va_pages_cnt_loc = { id: m.newId(), cls: "sgx_va_pages_cnt" };
  }
}

/** The isgx globals of a machine (created on first use). */
export function isgx(m: Machine): IsgxGlobals {
  if (!m.variantState) m.variantState = new IsgxGlobals(m);
  return m.variantState as IsgxGlobals;
}

/** The isgx fields of `encl` (created on first use). */
export function isgx_encl_of(m: Machine, encl: sgx_encl): isgx_encl {
  const G = isgx(m);
  let x = G.encls[encl.id];
  if (!x) {
    x = new isgx_encl(m.pages.newHead(m.newId(), "load_list", encl.id));
    G.encls[encl.id] = x;
  }
  return x;
}

/** entry->flags of an enclave page. */
export function encl_page_flags(m: Machine, entry: number): number {
  const f = isgx(m).page_flags;
  return entry < f.a.length ? f.a[entry]! : 0;
}

export function set_encl_page_flags(m: Machine, entry: number, v: number): void {
  const f = isgx(m).page_flags;
  f.ensure(entry + 1);
  f.a[entry] = v;
}

/*
 * sgx_free_list. Model: one list for the whole EPC, as in isgx; it is represented by the free list
 * head of the first NUMA node plus every node's never-touched range (DEVIATIONS.md R2): a freed page
 * goes to the head (list_add) and is taken before any never-touched page, as in isgx, whose list is
 * LIFO. The checker's free-list invariants read the same structures as for mainline.
 */
function sgx_free_list(m: Machine): PageListHead {
  return m.sgx.sgx_numa_nodes[m.sgx.sgx_numa_mask[0]!]!.free_page_list;
}

/**
 * free_list_insert_epc_page - put a page at the head of sgx_free_list and count it.
 * Kernel: sgx.h macro (isgx). Context: takes sgx_free_list_lock.
 * Model: the page's owner and the IS_FREE flag are kept as for mainline (isgx has no flags field)
 * so the checker's invariants hold for both kernels.
 */
export function* free_list_insert_epc_page(m: Machine, page: number): ModelGen {
  const G = isgx(m);
  const P = m.pages;
  yield spin_lock(G.sgx_free_list_lock);
  P.owner.set(page, OWNER_NULL);
  list_add(P, page, sgx_free_list(m));
  P.flags.set(page, SGX_EPC_PAGE_IS_FREE);
  yield* nr_free_add(m, 1);
  // The time the list operation holds sgx_free_list_lock (priced as mainline's node->lock section).
  yield* m.work("freelist_op", 1);
  yield spin_unlock(G.sgx_free_list_lock);
}

/**
 * free_list_extract_first - take the first free page, or -1 if there is none.
 * Kernel: sgx.h macro (isgx). Context: takes sgx_free_list_lock.
 */
export function* free_list_extract_first(m: Machine): ModelGen<number> {
  const G = isgx(m);
  const P = m.pages;
  yield spin_lock(G.sgx_free_list_lock);
  let page = -1;
  const head = sgx_free_list(m);
  if (!list_empty(P, head)) {
    page = list_first_entry(P, head);
    // list_del in isgx; the model's pages in use are self-linked (mainline's list_del_init).
    list_del_init(m, P, page);
  } else {
    for (const nid of m.sgx.sgx_numa_mask) {
      const node = m.sgx.sgx_numa_nodes[nid]!;
      if (freeListEmpty(m, node)) continue;
      const r = node.fresh[0]!;
      page = r.next++;
      P.next.set(page, page);
      P.prev.set(page, page);
      break;
    }
  }
  if (page >= 0) {
    P.flags.set(page, 0);
    yield* nr_free_add(m, -1);
    yield* m.work("freelist_op", 1);
  }
  yield spin_unlock(G.sgx_free_list_lock);
  return page;
}

/**
 * sgx_nr_free_pages += d: a plain unsigned int in isgx, only written under sgx_free_list_lock.
 * Model: the counter is mainline's sgx_nr_free_pages object, updated without atomics.
 */
function* nr_free_add(m: Machine, d: number): ModelGen {
  const c = m.sgx.sgx_nr_free_pages;
  // RACE: readers (sgx_alloc_page's watermark test, ksgxswapd) do not take the lock; the write is
  // an op of its own so the checker orders them.
  if (m.interleaveAll) yield m.sharedWrite(c, "sgx_nr_free_pages (plain)");
  c.v += d;
}

/** sgx_nr_free_pages < watermark, read without sgx_free_list_lock (ksgxswapd, sgx_alloc_page). */
export function* nr_free_below(m: Machine, watermark: number): ModelGen<boolean> {
  const c = m.sgx.sgx_nr_free_pages;
  // RACE: a plain unlocked read; a stale value delays or adds one reclaim round.
  if (m.interleaveAll) yield m.sharedRead(c, -1, "sgx_nr_free_pages (plain)");
  return c.v < watermark;
}

/* Load-list accessors (sgx.h macros). Context: encl->lock held. */

/** load_list_insert_epc_page: a page became resident; it goes to the tail (youngest). */
export function load_list_insert_epc_page(m: Machine, page: number, encl: sgx_encl): void {
  list_add_tail(m.pages, page, isgx_encl_of(m, encl).load_list);
}

/** load_list_del_epc_page. */
export function load_list_del_epc_page(m: Machine, page: number): void {
  list_del(m, m.pages, page);
}

/** load_is_list_empty. */
export function load_is_list_empty(m: Machine, encl: sgx_encl): boolean {
  return list_empty(m.pages, isgx_encl_of(m, encl).load_list);
}

/** load_list_get_first_epc_page. */
export function load_list_get_first_epc_page(m: Machine, encl: sgx_encl): number {
  return list_first_entry(m.pages, isgx_encl_of(m, encl).load_list);
}

/**
 * load_list_extract_epc_page_to_list: move a page from the load list to the reclaimer's cluster.
 * Model: the cluster (a local list_head in sgx_swap_pages) is an array; the page is unlinked with
 * list_del_init, so it is on no list while it sits there.
 */
export function load_list_extract_epc_page_to_list(m: Machine, page: number, dst: number[]): void {
  list_del_init(m, m.pages, page);
  dst.push(page);
}

/** load_list_move_tail: a young (or reserved) page goes back to the tail. */
export function load_list_move_tail(m: Machine, page: number, encl: sgx_encl): void {
  list_del(m, m.pages, page);
  list_add_tail(m.pages, page, isgx_encl_of(m, encl).load_list);
}

/**
 * epc_page->encl_page: the enclave page an EPC page holds. Model: the model's use-after-free checks
 * (a freed EPC page has no owner, a freed enclave page or enclave is caught) turn a stale pointer
 * into a BUG instead of silently reading freed state.
 */
export function epc_encl_page(m: Machine, epc_page: number): number {
  const entry = m.pages.owner.get(epc_page);
  m.enclOf(entry);
  return entry;
}
