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
  SGX_PAGE_NOT_BLOCKED,
  SGX_PAGE_TYPE_REG,
  SGX_PAGE_TYPE_SECS,
  SGX_PAGE_TYPE_TCS,
  SGX_PAGE_TYPE_TRIM,
  SGX_PAGE_TYPE_VA,
  SGX_PREV_TRK_INCMPL,
  SGX_SUCCESS,
  SGX_VA_SLOT_COUNT,
  SGX_VA_SLOT_OCCUPIED,
  X86_TRAP_GP,
} from "./arch.ts";
import { Cpu } from "./cpu.ts";
import { type mem_page, pcmdRead, pcmdWrite, sgxMac } from "./memory.ts";

const GP = ENCLS_FAULT_FLAG | X86_TRAP_GP;

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

export class SgxHw {
  readonly nrPages: number;
  // EPCM, one entry per EPC page.
  readonly valid: Chunked;
  readonly type: Chunked;
  readonly blocked: Chunked;
  readonly pending: Chunked;
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

  constructor(nrPages: number, cpuNodes: number[]) {
    this.nrPages = nrPages;
    this.valid = new Chunked(nrPages);
    this.type = new Chunked(nrPages);
    this.blocked = new Chunked(nrPages);
    this.pending = new Chunked(nrPages);
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

  private makeValid(p: number, type: number, eid: number, linaddr: number): void {
    this.valid.set(p, 1);
    this.type.set(p, type);
    this.blocked.set(p, 0);
    this.pending.set(p, 0);
    this.eid.set(p, eid);
    this.linaddr.set(p, linaddr);
  }

  private invalidate(p: number): void {
    this.valid.set(p, 0);
    this.blocked.set(p, 0);
    this.pending.set(p, 0);
    this.eid.set(p, -1);
    this.linaddr.set(p, -1);
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

  /** EADD: copy a page into the EPC as a child (REG or TCS) of an uninitialized enclave. */
  EADD(p: number, secsPage: number, linaddr: number, type: number, token: number): number {
    const e = this.secsOk(secsPage);
    if (!e || e.initialized || this.valid.get(p)) return GP;
    this.makeValid(p, type, e.eid, linaddr);
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

  /** EAUG (SGX2): add a zeroed PENDING regular page to an initialized enclave. */
  EAUG(p: number, secsPage: number, linaddr: number, token: number): number {
    const e = this.secsOk(secsPage);
    if (!e?.initialized || this.valid.get(p)) return GP;
    this.makeValid(p, SGX_PAGE_TYPE_REG, e.eid, linaddr);
    this.pending.set(p, 1);
    this.data.set(p, token);
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
      const bs = this.blockSeq.get(p);
      if (e.trackSeq > bs) this.trackingComplete(e);
      if (e.completedSeq <= bs) return SGX_NOT_TRACKED;
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
    pcmdWrite(pcmd, pcmdSlot, e.eid + 1, sgxMac(token, version, e.eid, lin), t);
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
    if (this.valid.get(p)) return GP;
    const va = this.va.get(vaPage);
    if (!va || !this.valid.get(vaPage)) return GP;
    const [tag, mac, type] = pcmdRead(pcmd, pcmdSlot);
    if (tag === 0 && mac === 0 && type === 0) return GP;
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
      // MODEL: a CPU inside the enclave still caching a translation to the page keeps it busy.
      if (this.translationHolder(p) >= 0) return SGX_ENCLAVE_ACT;
      const e = this.enclaves[this.eid.get(p)]!;
      e.childCount--;
    }
    this.invalidate(p);
    this.data.set(p, 0);
    return SGX_SUCCESS;
  }

  /** EMODT (SGX2): change a page's type (to TRIM or TCS); the page becomes modified. */
  EMODT(p: number, type: number): number {
    if (!this.valid.get(p)) return GP;
    this.type.set(p, type);
    return SGX_SUCCESS;
  }

  /** EMODPR (SGX2): restrict permissions. */
  EMODPR(p: number): number {
    return this.valid.get(p) ? SGX_SUCCESS : GP;
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

  /** Is page `p` usable for a translation by an enclave thread of `eid` at `linaddr`? */
  accessible(p: number, eid: number, linaddr: number): boolean {
    return (
      this.valid.get(p) === 1 &&
      this.blocked.get(p) === 0 &&
      this.pending.get(p) === 0 &&
      this.eid.get(p) === eid &&
      this.linaddr.get(p) === linaddr
    );
  }
}
