/**
 * The SGX hardware the driver depends on: the EPCM, per-enclave SECS state with ETRACK epochs,
 * Version Array contents, page data tokens, logical CPUs, and the ENCLS leaves with their return
 * codes. Leaves are plain functions: model code yields an `encls` op, then calls the leaf.
 *
 * Tracking (SDM EBLOCK/ETRACK/EWB): EBLOCK records the enclave's tracking sequence in the page's
 * EPCM entry. ETRACK advances the sequence and snapshots the CPUs executing in the enclave. A
 * blocked page may be written back once an ETRACK issued after its EBLOCK has completed, i.e. every
 * CPU of that snapshot has left the enclave at least once; otherwise EWB returns SGX_NOT_TRACKED.
 */
import { Chunked } from "../util/chunked.ts";
import {
  ENCLS_FAULT_FLAG,
  SGX_BLKSTATE,
  SGX_CHILD_PRESENT,
  SGX_ENCLAVE_ACT,
  SGX_MAC_COMPARE_FAIL,
  SGX_NOT_TRACKED,
  SGX_NOTBLOCKABLE,
  SGX_PAGE_ATTRIBUTES_MISMATCH,
  SGX_PAGE_NOT_BLOCKED,
  SGX_PAGE_NOT_MODIFIABLE,
  SGX_PAGE_TYPE_REG,
  SGX_PAGE_TYPE_SECS,
  SGX_PAGE_TYPE_TCS,
  SGX_PAGE_TYPE_TRIM,
  SGX_PAGE_TYPE_VA,
  SGX_PREV_TRK_INCMPL,
  SGX_SECINFO_MODIFIED,
  SGX_SECINFO_PENDING,
  SGX_SECINFO_PERMISSION_MASK,
  SGX_SECINFO_PR,
  SGX_SECINFO_R,
  SGX_SECINFO_W,
  SGX_SUCCESS,
  SGX_VA_SLOT_COUNT,
  SGX_VA_SLOT_OCCUPIED,
  X86_TRAP_GP,
  X86_TRAP_PF,
} from "./arch.ts";
import { Cpu } from "./cpu.ts";
import { type mem_page, pcmdRead, pcmdWrite, sgxMac } from "./memory.ts";

const GP = ENCLS_FAULT_FLAG | X86_TRAP_GP;
const PF = ENCLS_FAULT_FLAG | X86_TRAP_PF;

/*
 * EPCM attribute bits as EWB saves them in the PCMD's SECINFO next to the page type (word 3 of a
 * PCMD entry is type | attributes << 8) and ELDU restores them: an evicted page comes back PENDING,
 * MODIFIED or permission-restricted exactly as it left.
 */
const ATTR_PENDING = 1;
const ATTR_MODIFIED = 2;
const ATTR_PR = 4;
const ATTR_PERM_SHIFT = 3;

/** Hardware state of one enclave (what lives in its SECS). */
export class HwEnclave {
  /** EPC page holding the SECS, or -1 while the SECS is evicted. */
  secsPage = -1;
  initialized = false;
  /** Resident child pages (hardware's view; the driver mirrors it in secs_child_cnt). */
  childCount = 0;
  /** Tracking sequence: bumped by every ETRACK. */
  trackSeq = 0;
  /** Highest tracking sequence whose cycle is known complete. */
  completedSeq = 0;
  /** CPUs inside the enclave at the last ETRACK and their exit counts then. */
  snapCpus: number[] = [];
  snapExits: number[] = [];
  constructor(readonly eid: number) {}
}

/** Model-side hardware failure: a state the real hardware would make impossible. */
export class HwAssertion extends Error {}

/**
 * Who reports a leaf given memory the kernel already freed (KASAN's report), per hardware instance.
 * Kept outside the hardware's state, which the checker snapshots, hashes and renames.
 */
const useAfterFree = new WeakMap<SgxHw, (what: string) => void>();

/** Set the machine's report for ENCLS leaves given freed memory. */
export function onUseAfterFree(hw: SgxHw, report: (what: string) => void): void {
  useAfterFree.set(hw, report);
}

/** Results of SgxHw.walk. */
export const WALK_OK = 0;
export const WALK_UNMAPPED = 1;
export const WALK_EPCM = 2;

export class SgxHw {
  readonly nrPages: number;
  // EPCM, one entry per EPC page.
  readonly valid: Chunked;
  readonly type: Chunked;
  readonly blocked: Chunked;
  readonly pending: Chunked;
  /** SGX2: EMODT changed the page's type; cleared by EACCEPT. The page is inaccessible meanwhile. */
  readonly modified: Chunked;
  /** SGX2: EMODPR restricted the permissions; cleared by EACCEPT. */
  readonly pr: Chunked;
  /** EPCM R/W/X permissions (SECINFO bits 0..2). */
  readonly perm: Chunked;
  /** SGX2: tracking sequence at the last EMODT/EMODPR: EACCEPT needs a completed ETRACK after it. */
  readonly modSeq: Chunked;
  /** Owning enclave id (EPCM.ENCLAVESECS) for child and SECS pages. */
  readonly eid: Chunked;
  /** Enclave page index (EPCM.ENCLAVEADDRESS) for child pages. */
  readonly linaddr: Chunked;
  /** Tracking sequence recorded by EBLOCK. */
  readonly blockSeq: Chunked;
  /** Data token of the page contents. */
  readonly data: Chunked;
  /** Version Array contents, per VA page. */
  readonly va = new Map<number, Float64Array>();
  readonly enclaves: HwEnclave[] = [];
  readonly cpus: Cpu[];
  /** Monotonic source of version nonces and data tokens. */
  private nonce = 0;

  /** The backing pages a leaf reads or writes must not be freed memory. */
  private checkMemory(contents: mem_page, pcmd: mem_page, leaf: string): void {
    if (!contents.freed && !pcmd.freed) return;
    const which = contents.freed ? "contents" : "PCMD";
    useAfterFree.get(this)?.(`the ${which} page given to ENCLS[${leaf}] (a freed shmem page)`);
  }

  constructor(nrPages: number, cpuNodes: number[]) {
    this.nrPages = nrPages;
    this.valid = new Chunked(nrPages);
    this.type = new Chunked(nrPages);
    this.blocked = new Chunked(nrPages);
    this.pending = new Chunked(nrPages);
    this.modified = new Chunked(nrPages);
    this.pr = new Chunked(nrPages);
    this.perm = new Chunked(nrPages);
    this.modSeq = new Chunked(nrPages, -1);
    this.eid = new Chunked(nrPages, -1);
    this.linaddr = new Chunked(nrPages, -1);
    this.blockSeq = new Chunked(nrPages);
    this.data = new Chunked(nrPages);
    this.cpus = cpuNodes.map((node, i) => new Cpu(i, node));
  }

  /** A fresh token for new page contents (EADD/EAUG content or an enclave write). */
  newToken(): number {
    return ++this.nonce;
  }

  private makeValid(p: number, type: number, eid: number, linaddr: number, perm = 0): void {
    this.valid.set(p, 1);
    this.type.set(p, type);
    this.blocked.set(p, 0);
    this.pending.set(p, 0);
    this.modified.set(p, 0);
    this.pr.set(p, 0);
    this.perm.set(p, perm);
    this.modSeq.set(p, -1);
    this.eid.set(p, eid);
    this.linaddr.set(p, linaddr);
  }

  private invalidate(p: number): void {
    this.valid.set(p, 0);
    this.blocked.set(p, 0);
    this.pending.set(p, 0);
    this.modified.set(p, 0);
    this.pr.set(p, 0);
    this.perm.set(p, 0);
    this.modSeq.set(p, -1);
    this.eid.set(p, -1);
    this.linaddr.set(p, -1);
  }

  /** The EPCM attributes EWB saves with the page type (see ATTR_*). */
  private attrs(p: number): number {
    return (
      (this.pending.get(p) ? ATTR_PENDING : 0) |
      (this.modified.get(p) ? ATTR_MODIFIED : 0) |
      (this.pr.get(p) ? ATTR_PR : 0) |
      (this.perm.get(p) << ATTR_PERM_SHIFT)
    );
  }

  private restoreAttrs(p: number, a: number): void {
    this.pending.set(p, a & ATTR_PENDING ? 1 : 0);
    this.modified.set(p, a & ATTR_MODIFIED ? 1 : 0);
    this.pr.set(p, a & ATTR_PR ? 1 : 0);
    this.perm.set(p, (a >> ATTR_PERM_SHIFT) & SGX_SECINFO_PERMISSION_MASK);
  }

  /** Has an ETRACK cycle started after tracking sequence `seq` completed? (EWB and EACCEPT ask.) */
  private trackedSince(e: HwEnclave, seq: number): boolean {
    if (e.trackSeq > seq) this.trackingComplete(e);
    return e.completedSeq > seq;
  }

  private secsOk(secsPage: number): HwEnclave | null {
    if (secsPage < 0 || !this.valid.get(secsPage) || this.type.get(secsPage) !== SGX_PAGE_TYPE_SECS)
      return null;
    return this.enclaves[this.eid.get(secsPage)] ?? null;
  }

  /** Is the latest ETRACK cycle of `e` complete (every snapshot CPU exited since)? */
  private trackingComplete(e: HwEnclave): boolean {
    if (e.completedSeq === e.trackSeq) return true;
    for (let i = 0; i < e.snapCpus.length; i++) {
      if (this.cpus[e.snapCpus[i]!]!.exits === e.snapExits[i]) return false;
    }
    e.completedSeq = e.trackSeq;
    return true;
  }

  /** ECREATE: turn a free EPC page into the SECS of a new enclave. Returns the enclave id via `out`. */
  ECREATE(p: number, out: { eid: number }): number {
    if (this.valid.get(p)) return GP;
    const e = new HwEnclave(this.enclaves.length);
    this.enclaves.push(e);
    e.secsPage = p;
    this.makeValid(p, SGX_PAGE_TYPE_SECS, e.eid, -1);
    this.data.set(p, this.newToken());
    out.eid = e.eid;
    return SGX_SUCCESS;
  }

  /**
   * EADD: copy a page into the EPC as a child (REG or TCS) of an uninitialized enclave, with the
   * SECINFO permissions `perm` (a TCS page has none).
   */
  EADD(
    p: number,
    secsPage: number,
    linaddr: number,
    type: number,
    token: number,
    perm = SGX_SECINFO_PERMISSION_MASK,
  ): number {
    const e = this.secsOk(secsPage);
    if (!e || e.initialized || this.valid.get(p)) return GP;
    this.makeValid(p, type, e.eid, linaddr, type === SGX_PAGE_TYPE_REG ? perm : 0);
    this.data.set(p, token);
    e.childCount++;
    return SGX_SUCCESS;
  }

  /** EEXTEND: measure 256 bytes of a page (no state the driver depends on). */
  EEXTEND(secsPage: number, p: number): number {
    return this.secsOk(secsPage) && this.valid.get(p) ? SGX_SUCCESS : GP;
  }

  /** EINIT: the enclave becomes initialized. */
  EINIT(secsPage: number): number {
    const e = this.secsOk(secsPage);
    if (!e) return GP;
    e.initialized = true;
    return SGX_SUCCESS;
  }

  /** EPA: turn a free EPC page into a Version Array page with all slots empty. */
  EPA(p: number): number {
    if (this.valid.get(p)) return GP;
    this.makeValid(p, SGX_PAGE_TYPE_VA, -1, -1);
    this.va.set(p, new Float64Array(SGX_VA_SLOT_COUNT));
    return SGX_SUCCESS;
  }

  /**
   * EAUG (SGX2): add a zeroed PENDING regular page (EPCM permissions RW) to an initialized
   * enclave; the enclave can use it only after EACCEPT.
   */
  EAUG(p: number, secsPage: number, linaddr: number): number {
    const e = this.secsOk(secsPage);
    if (!e?.initialized || this.valid.get(p)) return GP;
    this.makeValid(p, SGX_PAGE_TYPE_REG, e.eid, linaddr, SGX_SECINFO_R | SGX_SECINFO_W);
    this.pending.set(p, 1);
    // A zeroed page: data token 0, what an enclave expects of memory it never wrote.
    this.data.set(p, 0);
    e.childCount++;
    return SGX_SUCCESS;
  }

  /** EBLOCK: no new TLB translations to the page; records the current tracking sequence. */
  EBLOCK(p: number): number {
    if (!this.valid.get(p)) return GP;
    const t = this.type.get(p);
    if (t !== SGX_PAGE_TYPE_REG && t !== SGX_PAGE_TYPE_TCS && t !== SGX_PAGE_TYPE_TRIM)
      return SGX_NOTBLOCKABLE;
    if (this.blocked.get(p)) return SGX_BLKSTATE;
    const e = this.enclaves[this.eid.get(p)]!;
    this.blocked.set(p, 1);
    this.blockSeq.set(p, e.trackSeq);
    return SGX_SUCCESS;
  }

  /** ETRACK: start a tracking cycle over the CPUs currently executing in the enclave. */
  ETRACK(secsPage: number): number {
    const e = this.secsOk(secsPage);
    if (!e) return GP;
    if (!this.trackingComplete(e)) return SGX_PREV_TRK_INCMPL;
    e.trackSeq++;
    e.snapCpus = [];
    e.snapExits = [];
    for (const c of this.cpus) {
      if (c.inEnclave === e.eid) {
        e.snapCpus.push(c.id);
        e.snapExits.push(c.exits);
      }
    }
    return SGX_SUCCESS;
  }

  /**
   * EWB: write an EPC page back to normal memory: contents token to `contents`, a PCMD entry (tag,
   * MAC, type) to `pcmd` at `pcmdSlot`, a fresh version nonce into VA slot `slot` of VA page `vaPage`.
   * The EPC page becomes invalid (free as far as the hardware is concerned).
   */
  EWB(p: number, vaPage: number, slot: number, contents: mem_page, pcmd: mem_page, pcmdSlot: number): number {
    this.checkMemory(contents, pcmd, "EWB");
    if (!this.valid.get(p)) return GP;
    const va = this.va.get(vaPage);
    if (!va || !this.valid.get(vaPage)) return GP;
    const t = this.type.get(p);
    const e = this.enclaves[this.eid.get(p)];
    if (!e) return GP;
    if (t === SGX_PAGE_TYPE_SECS) {
      if (e.childCount > 0) return SGX_CHILD_PRESENT;
    } else if (t === SGX_PAGE_TYPE_VA) {
      return GP;
    } else {
      if (!this.blocked.get(p)) return SGX_PAGE_NOT_BLOCKED;
      // A completed tracking cycle that started after the EBLOCK is required.
      if (!this.trackedSince(e, this.blockSeq.get(p))) return SGX_NOT_TRACKED;
    }
    if (slot < 0 || slot >= SGX_VA_SLOT_COUNT) return GP;
    if (va[slot] !== 0) return SGX_VA_SLOT_OCCUPIED;
    const holder = this.translationHolder(p);
    if (holder >= 0)
      throw new HwAssertion(`EWB of EPC page ${p} would succeed while CPU ${holder} holds a translation`);
    const version = this.newToken();
    va[slot] = version;
    const token = this.data.get(p);
    const lin = this.linaddr.get(p);
    contents.data = token;
    pcmdWrite(pcmd, pcmdSlot, e.eid + 1, sgxMac(token, version, e.eid, lin), t | (this.attrs(p) << 8));
    if (t === SGX_PAGE_TYPE_SECS) e.secsPage = -1;
    else e.childCount--;
    this.invalidate(p);
    this.data.set(p, 0);
    return SGX_SUCCESS;
  }

  /**
   * ELDU: load a page written back by EWB into the free EPC page `p`. `secsPage` is the enclave's
   * resident SECS, or -1 when the page being loaded is the SECS itself (the PCMD names the enclave).
   * Faults (#GP) on an all-zero PCMD entry; fails with SGX_MAC_COMPARE_FAIL on stale or lost data.
   */
  ELDU(
    p: number,
    secsPage: number,
    linaddr: number,
    vaPage: number,
    slot: number,
    contents: mem_page,
    pcmd: mem_page,
    pcmdSlot: number,
  ): number {
    this.checkMemory(contents, pcmd, "ELDU");
    if (this.valid.get(p)) return GP;
    const va = this.va.get(vaPage);
    if (!va || !this.valid.get(vaPage)) return GP;
    const [tag, mac, secinfo] = pcmdRead(pcmd, pcmdSlot);
    if (tag === 0 && mac === 0 && secinfo === 0) return GP;
    const type = secinfo & 0xff;
    let e: HwEnclave | undefined;
    if (secsPage >= 0) {
      const s = this.secsOk(secsPage);
      if (!s) return GP;
      e = s;
    } else {
      e = this.enclaves[tag - 1];
      if (!e || e.secsPage >= 0) return GP;
    }
    if (tag !== e.eid + 1) return SGX_MAC_COMPARE_FAIL;
    const version = va[slot]!;
    const lin = secsPage >= 0 ? linaddr : -1;
    if (version === 0 || sgxMac(contents.data, version, e.eid, lin) !== mac) return SGX_MAC_COMPARE_FAIL;
    if ((type === SGX_PAGE_TYPE_SECS) !== secsPage < 0) return SGX_MAC_COMPARE_FAIL;
    va[slot] = 0;
    this.makeValid(p, type, e.eid, lin);
    this.restoreAttrs(p, secinfo >> 8);
    this.data.set(p, contents.data);
    if (type === SGX_PAGE_TYPE_SECS) e.secsPage = p;
    else e.childCount++;
    return SGX_SUCCESS;
  }

  /** EREMOVE: return an EPC page to the uninitialized state. */
  EREMOVE(p: number): number {
    if (!this.valid.get(p)) return SGX_SUCCESS;
    const t = this.type.get(p);
    if (t === SGX_PAGE_TYPE_SECS) {
      const e = this.enclaves[this.eid.get(p)]!;
      if (e.childCount > 0) return SGX_CHILD_PRESENT;
      e.secsPage = -1;
    } else if (t === SGX_PAGE_TYPE_VA) {
      this.va.delete(p);
    } else {
      // SDM: a REG, TCS or TRIM page cannot be removed while any logical processor executes
      // inside its enclave (whether or not it uses this page).
      const e = this.enclaves[this.eid.get(p)]!;
      if (this.cpus.some((c) => c.inEnclave === e.eid)) return SGX_ENCLAVE_ACT;
      e.childCount--;
    }
    this.invalidate(p);
    this.data.set(p, 0);
    return SGX_SUCCESS;
  }

  /**
   * EMODT (SGX2): change the type of a REG page to TCS or TRIM, or of a TCS page to TRIM. The page
   * becomes MODIFIED (inaccessible, permissions cleared) until the enclave EACCEPTs the change, which
   * needs an ETRACK cycle completed after this leaf. A PENDING or MODIFIED page is not modifiable.
   */
  EMODT(p: number, type: number): number {
    if (!this.valid.get(p)) return PF;
    const t = this.type.get(p);
    if (t !== SGX_PAGE_TYPE_REG && t !== SGX_PAGE_TYPE_TCS) return PF;
    if (this.pending.get(p) || this.modified.get(p)) return SGX_PAGE_NOT_MODIFIABLE;
    const ok = (t === SGX_PAGE_TYPE_REG && type === SGX_PAGE_TYPE_TCS) || type === SGX_PAGE_TYPE_TRIM;
    if (!ok) return GP;
    const e = this.enclaves[this.eid.get(p)]!;
    this.type.set(p, type);
    this.modified.set(p, 1);
    this.perm.set(p, 0);
    this.modSeq.set(p, e.trackSeq);
    return SGX_SUCCESS;
  }

  /**
   * EMODPR (SGX2): restrict the EPCM permissions of a REG page to `perm` (bits can only be removed);
   * the page is permission-restricted (PR) until the enclave EACCEPTs. A PENDING or MODIFIED page
   * returns SGX_PAGE_NOT_MODIFIABLE; any other type faults (#PF): the kernel's REMOVE_PAGES uses that
   * #PF on an EACCEPTed TRIM page as its "was EACCEPT done" probe.
   */
  EMODPR(p: number, perm: number): number {
    if (!this.valid.get(p)) return PF;
    if (this.pending.get(p) || this.modified.get(p)) return SGX_PAGE_NOT_MODIFIABLE;
    if (this.type.get(p) !== SGX_PAGE_TYPE_REG) return PF;
    const e = this.enclaves[this.eid.get(p)]!;
    this.perm.set(p, this.perm.get(p) & perm & SGX_SECINFO_PERMISSION_MASK);
    this.pr.set(p, 1);
    this.modSeq.set(p, e.trackSeq);
    return SGX_SUCCESS;
  }

  /**
   * ENCLU[EACCEPT] (SGX2, executed by an enclave thread on CPU `cpu` inside enclave `eid`): accept a
   * change the OS made to page `p` mapped at enclave page `linaddr`. `secinfo` names the expected
   * state: PENDING with type REG (an EAUGed page; it gets the SECINFO's permissions), MODIFIED with
   * the new type (EMODT to TCS or TRIM), or PR with the restricted permissions (EMODPR). A modified
   * or restricted page needs a completed ETRACK cycle after the change (else SGX_NOT_TRACKED).
   * A page that does not belong to the enclave at that address faults (#PF with the SGX bit).
   */
  EACCEPT(p: number, eid: number, linaddr: number, secinfo: number): number {
    if (
      p < 0 ||
      !this.valid.get(p) ||
      this.blocked.get(p) ||
      this.eid.get(p) !== eid ||
      this.linaddr.get(p) !== linaddr
    )
      return PF;
    const e = this.enclaves[eid]!;
    const type = (secinfo >> 8) & 0xff;
    const perm = secinfo & SGX_SECINFO_PERMISSION_MASK;
    if (secinfo & SGX_SECINFO_PENDING) {
      if (!this.pending.get(p) || this.type.get(p) !== SGX_PAGE_TYPE_REG || type !== SGX_PAGE_TYPE_REG)
        return SGX_PAGE_ATTRIBUTES_MISMATCH;
      this.pending.set(p, 0);
      this.perm.set(p, perm);
      return SGX_SUCCESS;
    }
    if (secinfo & SGX_SECINFO_MODIFIED) {
      if (!this.modified.get(p) || this.type.get(p) !== type) return SGX_PAGE_ATTRIBUTES_MISMATCH;
      if (!this.trackedSince(e, this.modSeq.get(p))) return SGX_NOT_TRACKED;
      this.modified.set(p, 0);
      return SGX_SUCCESS;
    }
    if (secinfo & SGX_SECINFO_PR) {
      if (!this.pr.get(p) || this.perm.get(p) !== perm) return SGX_PAGE_ATTRIBUTES_MISMATCH;
      if (!this.trackedSince(e, this.modSeq.get(p))) return SGX_NOT_TRACKED;
      this.pr.set(p, 0);
      return SGX_SUCCESS;
    }
    return SGX_PAGE_ATTRIBUTES_MISMATCH;
  }

  /** EENTER/ERESUME: the CPU enters enclave mode. */
  enter(cpu: Cpu, eid: number): void {
    cpu.inEnclave = eid;
  }

  /** AEX/EEXIT: the CPU leaves enclave mode; its enclave translations are flushed. */
  exit(cpu: Cpu): void {
    if (cpu.inEnclave < 0) return;
    cpu.inEnclave = -1;
    cpu.exits++;
    this.flushTlb(cpu);
  }

  private flushTlb(cpu: Cpu): void {
    cpu.tlbFlush();
  }

  /** A page walk by an enclave thread created a translation (only for an accessible page). */
  tlbFill(cpu: Cpu, index: number, p: number): void {
    cpu.tlbFill(index, p);
  }

  /** A CPU inside p's enclave that caches a translation to p, or -1. */
  translationHolder(p: number): number {
    const eid = this.eid.get(p);
    const lin = this.linaddr.get(p);
    if (eid < 0 || lin < 0) return -1;
    for (const c of this.cpus) if (c.inEnclave === eid && c.tlbLookup(lin) === p) return c.id;
    return -1;
  }

  /**
   * Interrupt every CPU in `cpus`: one in enclave mode takes an AEX (exit counted, translations
   * flushed) and its thread's ERESUME follows at once. Returns the CPUs that were inside.
   */
  interrupt(cpus: number[]): number[] {
    const out: number[] = [];
    for (const c of cpus) {
      const cpu = this.cpus[c]!;
      if (cpu.inEnclave < 0) continue;
      cpu.exits++;
      this.flushTlb(cpu);
      out.push(c);
    }
    return out;
  }

  /**
   * Does a PTE to page `p` give a page walk by an enclave thread of `eid` at `linaddr` a translation
   * (valid, not blocked, the enclave's page at that address)? EACCEPT needs only this.
   */
  mapped(p: number, eid: number, linaddr: number): boolean {
    return (
      this.valid.get(p) === 1 &&
      this.blocked.get(p) === 0 &&
      this.eid.get(p) === eid &&
      this.linaddr.get(p) === linaddr
    );
  }

  /**
   * The EPCM allows data access to a mapped page: a regular page, not PENDING (EAUGed, not yet
   * EACCEPTed) and not MODIFIED (EMODT not yet EACCEPTed). A TCS or TRIM page is never data.
   */
  epcmAllows(p: number, write: boolean): boolean {
    return (
      this.type.get(p) === SGX_PAGE_TYPE_REG &&
      this.pending.get(p) === 0 &&
      this.modified.get(p) === 0 &&
      (!write || (this.perm.get(p) & SGX_SECINFO_W) !== 0)
    );
  }

  /**
   * The page walk of an enclave thread's touch of `linaddr`, through a PTE to page `p`: WALK_OK when
   * the access may use the translation, WALK_UNMAPPED when there is none (mapped() fails: an
   * ordinary #PF the kernel handles), WALK_EPCM when the EPCM refuses the access (epcmAllows()
   * fails: a #PF with the SGX bit, the enclave's runtime's business).
   */
  walk(p: number, eid: number, linaddr: number, write: boolean): number {
    if (!this.mapped(p, eid, linaddr)) return WALK_UNMAPPED;
    return this.epcmAllows(p, write) ? WALK_OK : WALK_EPCM;
  }

  /** Is page `p` usable for a translation by an enclave thread of `eid` at `linaddr`? */
  accessible(p: number, eid: number, linaddr: number, write = false): boolean {
    return this.mapped(p, eid, linaddr) && this.epcmAllows(p, write);
  }
}
