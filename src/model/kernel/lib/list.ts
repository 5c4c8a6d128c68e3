/**
 * list_head operations over entries kept in arrays (struct sgx_epc_page.list: see ListLinks).
 * A link is a page id (>= 0), a list head (-(h + 2)), LINK_NONE or LIST_POISON.
 * The caller holds the lock that guards the list, as in the kernel.
 */
import type { Machine } from "../../machine.ts";

/** Link value of an entry that was never on a list. */
export const LINK_NONE = -1;
/** Link value after list_del() (LIST_POISON1/2): following it is a kernel crash. */
export const LIST_POISON = -0x7fffffff;

/** One link per entry: a typed or chunked array. */
interface Links {
  get(i: number): number;
  set(i: number, v: number): void;
}

/**
 * The list_heads of a family of entries kept in arrays (struct sgx_epc_page.list of every EPC page):
 * an entry is its index; head h is linked as -(h + 2). The lists know nothing else of their entries.
 */
export interface ListLinks {
  readonly next: Links;
  readonly prev: Links;
  readonly headNext: number[];
  readonly headPrev: number[];
  readonly heads: readonly unknown[];
}

/** A list head of a ListLinks family (its index there). */
export interface ListHead {
  readonly h: number;
}

function getNext(P: ListLinks, x: number): number {
  return x >= 0 ? P.next.get(x) : P.headNext[-x - 2]!;
}
function getPrev(P: ListLinks, x: number): number {
  return x >= 0 ? P.prev.get(x) : P.headPrev[-x - 2]!;
}
function setNext(P: ListLinks, x: number, v: number): void {
  if (x >= 0) P.next.set(x, v);
  else P.headNext[-x - 2] = v;
}
function setPrev(P: ListLinks, x: number, v: number): void {
  if (x >= 0) P.prev.set(x, v);
  else P.headPrev[-x - 2] = v;
}

/**
 * The checker's data-race detector for lists (check/lockset.ts) watches every write: the list
 * family, the head written and the operation. Null outside the checker (one test per write).
 */
export const listWatch: { fn: ((P: ListLinks, h: number, what: string) => void) | null } = { fn: null };

export function headLink(h: ListHead): number {
  return -(h.h + 2);
}

/** The head of the list entry `p` is on (walking its next links), or null if it is on none. */
export function list_head_of(P: ListLinks, p: number): ListHead | null {
  let x = P.next.get(p);
  for (let guard = 0; x >= 0; guard++) {
    if (x === p || guard > 1 << 26) return null;
    x = P.next.get(x);
  }
  return x === LINK_NONE || x === LIST_POISON ? null : ({ h: -x - 2 } as ListHead);
}

function insertBetween(P: ListLinks, p: number, prev: number, next: number): void {
  setPrev(P, next, p);
  P.next.set(p, next);
  P.prev.set(p, prev);
  setNext(P, prev, p);
}

/** list_add_tail(&page->list, head). */
export function list_add_tail(P: ListLinks, p: number, head: ListHead): void {
  if (listWatch.fn) listWatch.fn(P, head.h, "list_add_tail");
  const h = headLink(head);
  insertBetween(P, p, getPrev(P, h), h);
}

/** list_add(&page->list, head): insert right after the head. */
export function list_add(P: ListLinks, p: number, head: ListHead): void {
  if (listWatch.fn) listWatch.fn(P, head.h, "list_add");
  const h = headLink(head);
  insertBetween(P, p, h, getNext(P, h));
}

function unlink(m: Machine, P: ListLinks, p: number, how: string): void {
  if (listWatch.fn) {
    const head = list_head_of(P, p);
    if (head) listWatch.fn(P, head.h, how);
  }
  const n = P.next.get(p);
  const pr = P.prev.get(p);
  if (n === LIST_POISON || pr === LIST_POISON) m.bug(`${how} of EPC page ${p} that was already list_del()ed`);
  if (n < -1 - P.heads.length || pr < -1 - P.heads.length || n === -1 || pr === -1)
    m.bug(`${how} of EPC page ${p} that is on no list`);
  setPrev(P, n, pr);
  setNext(P, pr, n);
}

/** list_del(&page->list): unlink and poison the entry (a second list_del is a crash). */
export function list_del(m: Machine, P: ListLinks, p: number): void {
  unlink(m, P, p, "list_del");
  P.next.set(p, LIST_POISON);
  P.prev.set(p, LIST_POISON);
}

/** list_del_init(&page->list): unlink and make the entry an empty list (list_empty() is true). */
export function list_del_init(m: Machine, P: ListLinks, p: number): void {
  unlink(m, P, p, "list_del_init");
  P.next.set(p, p);
  P.prev.set(p, p);
}

/** list_empty(&page->list): true when the entry points to itself (after list_del_init). */
export function list_empty_entry(P: ListLinks, p: number): boolean {
  return P.next.get(p) === p;
}

/** list_empty(head). */
export function list_empty(P: ListLinks, head: ListHead): boolean {
  const h = headLink(head);
  return P.headNext[head.h] === h;
}

/** list_first_entry(head): the page after the head (caller checked the list is not empty). */
export function list_first_entry(P: ListLinks, head: ListHead): number {
  return P.headNext[head.h]!;
}

/** list_move(&page->list, head): delete from its list and add after `head`. */
export function list_move(m: Machine, P: ListLinks, p: number, head: ListHead): void {
  unlink(m, P, p, "list_move");
  list_add(P, p, head);
}

/** Walk a list from head to tail (for invariants and reports). */
export function listPages(P: ListLinks, head: ListHead, limit = Number.POSITIVE_INFINITY): number[] {
  const out: number[] = [];
  const h = headLink(head);
  for (let x = P.headNext[head.h]!; x !== h && out.length < limit; x = P.next.get(x)) {
    if (x < 0) break;
    out.push(x);
  }
  return out;
}
