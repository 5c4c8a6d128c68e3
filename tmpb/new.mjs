// src/model/util/chunked.ts
var Chunked = class {
  constructor(capacity, def = 0) {
    this.def = def;
    let shift = 4;
    while (shift < 16 && 1 << shift < capacity) shift++;
    this.shift = shift;
    this.mask = (1 << shift) - 1;
  }
  def;
  chunks = [];
  shift;
  mask;
  get(i) {
    const c = this.chunks[i >>> this.shift];
    return c === void 0 ? this.def : c[i & this.mask];
  }
  set(i, v3) {
    const k = i >>> this.shift;
    let c = this.chunks[k];
    if (c === void 0) {
      c = new Float64Array(1 << this.shift);
      if (this.def !== 0) c.fill(this.def);
      this.chunks[k] = c;
    }
    c[i & this.mask] = v3;
  }
  /** Bytes held by allocated chunks. */
  bytes() {
    let b = 0;
    for (const c of this.chunks) if (c) b += c.byteLength;
    return b;
  }
  /** Visit every index of allocated chunks whose value differs from the default. */
  forEachSet(fn2) {
    for (let k = 0; k < this.chunks.length; k++) {
      const c = this.chunks[k];
      if (!c) continue;
      const base = k << this.shift;
      for (let j = 0; j < c.length; j++) if (c[j] !== this.def) fn2(base + j, c[j]);
    }
  }
};
var Growable = class {
  constructor(ctor, initial = 64, def = 0) {
    this.ctor = ctor;
    this.def = def;
    this.a = new ctor(initial);
    if (def !== 0) this.a.fill(def);
  }
  ctor;
  def;
  a;
  ensure(n) {
    if (n <= this.a.length) return;
    let len = this.a.length;
    while (len < n) len *= 2;
    const b = new this.ctor(len);
    if (this.def !== 0) b.fill(this.def);
    b.set(this.a);
    this.a = b;
  }
};

// src/model/hw/arch.ts
var SGX_SUCCESS = 0;
var SGX_BLKSTATE = 3;
var SGX_NOTBLOCKABLE = 5;
var SGX_MAC_COMPARE_FAIL = 9;
var SGX_PAGE_NOT_BLOCKED = 10;
var SGX_NOT_TRACKED = 11;
var SGX_VA_SLOT_OCCUPIED = 12;
var SGX_CHILD_PRESENT = 13;
var SGX_ENCLAVE_ACT = 14;
var SGX_PREV_TRK_INCMPL = 17;
var SGX_PAGE_ATTRIBUTES_MISMATCH = 19;
var SGX_PAGE_NOT_MODIFIABLE = 20;
var ENCLS_FAULT_FLAG = 1073741824;
var X86_TRAP_GP = 13;
var X86_TRAP_PF = 14;
function encls_faulted(ret) {
  return (ret & ENCLS_FAULT_FLAG) !== 0;
}
function encls_failed(ret) {
  if (encls_faulted(ret)) return (ret & 255) !== X86_TRAP_PF;
  return ret !== 0;
}
var SGX_PAGE_TYPE_SECS = 0;
var SGX_PAGE_TYPE_TCS = 1;
var SGX_PAGE_TYPE_REG = 2;
var SGX_PAGE_TYPE_VA = 3;
var SGX_PAGE_TYPE_TRIM = 4;
var SGX_SECINFO_R = 1;
var SGX_SECINFO_W = 2;
var SGX_SECINFO_X = 4;
var SGX_SECINFO_PENDING = 8;
var SGX_SECINFO_MODIFIED = 16;
var SGX_SECINFO_PR = 32;
var SGX_SECINFO_PERMISSION_MASK = 7;
var PAGE_SIZE = 4096;
var SGX_VA_SLOT_COUNT = 512;
var PCMD_SIZE = 128;
var PCMDS_PER_PAGE = PAGE_SIZE / PCMD_SIZE;
function sgxRetName(ret) {
  if (encls_faulted(ret)) return `fault #${(ret & 255) === X86_TRAP_GP ? "GP" : ret & 255}`;
  const names = {
    0: "SGX_SUCCESS",
    3: "SGX_BLKSTATE",
    5: "SGX_NOTBLOCKABLE",
    6: "SGX_PG_INVLD",
    7: "SGX_EPC_PAGE_CONFLICT",
    9: "SGX_MAC_COMPARE_FAIL",
    10: "SGX_PAGE_NOT_BLOCKED",
    11: "SGX_NOT_TRACKED",
    12: "SGX_VA_SLOT_OCCUPIED",
    13: "SGX_CHILD_PRESENT",
    14: "SGX_ENCLAVE_ACT",
    17: "SGX_PREV_TRK_INCMPL",
    18: "SGX_PG_IS_SECS",
    19: "SGX_PAGE_ATTRIBUTES_MISMATCH",
    20: "SGX_PAGE_NOT_MODIFIABLE"
  };
  return names[ret] ?? `ret ${ret}`;
}

// src/model/hw/cpu.ts
var Cpu = class {
  constructor(id, node) {
    this.id = id;
    this.node = node;
  }
  id;
  node;
  /** Hardware enclave id the CPU executes in, or -1 when not in enclave mode. */
  inEnclave = -1;
  /** Enclave exits so far (AEX + EEXIT); an ETRACK cycle completes when each snapshot CPU's count grew. */
  exits = 0;
  /** TLB generation: entries stamped with another generation are invalid. */
  gen = 1;
  tlbGen = new Int32Array(64);
  tlbEpc = new Int32Array(64);
  /** Valid entries (for tests and reports). */
  entries = 0;
  /** The EPC page a cached translation of enclave page `index` points to, or -1. */
  tlbLookup(index) {
    return index < this.tlbGen.length && this.tlbGen[index] === this.gen ? this.tlbEpc[index] : -1;
  }
  tlbFill(index, epc) {
    if (index >= this.tlbGen.length) {
      let n = this.tlbGen.length;
      while (n <= index) n *= 2;
      const g2 = new Int32Array(n);
      g2.set(this.tlbGen);
      const e = new Int32Array(n);
      e.set(this.tlbEpc);
      this.tlbGen = g2;
      this.tlbEpc = e;
    }
    if (this.tlbGen[index] !== this.gen) this.entries++;
    this.tlbGen[index] = this.gen;
    this.tlbEpc[index] = epc;
  }
  /** Visit the valid translations (for the checker's canonical state hash). */
  tlbForEach(fn2) {
    for (let i = 0; i < this.tlbGen.length; i++) if (this.tlbGen[i] === this.gen) fn2(i, this.tlbEpc[i]);
  }
  /** Rename the EPC pages valid translations point to (the checker's symmetry self-test). */
  tlbRename(rename) {
    for (let i = 0; i < this.tlbGen.length; i++)
      if (this.tlbGen[i] === this.gen) this.tlbEpc[i] = rename(this.tlbEpc[i]);
  }
  tlbFlush() {
    this.gen++;
    this.entries = 0;
  }
};

// src/model/hw/memory.ts
var PCMD_WORDS = 3;
var mem_page = class {
  constructor(id) {
    this.id = id;
  }
  id;
  /** Token of the encrypted contents (contents pages). */
  data = 0;
  /** PCMD words, allocated on the first PCMD write (PCMD pages). */
  words = null;
  /** set_page_dirty() was called since the page was last written out (shmem may drop clean pages). */
  dirty = false;
  /** References held by kernel code (get_page/put_page): a referenced page is never reclaimed. */
  refs = 0;
  /** The copy in swap, once the page has been written out. */
  swapData = 0;
  swapWords = null;
  swapped = false;
  /** The contents are in memory (false: only the swap copy exists until the page is read again). */
  resident = true;
  /** Truncated from its file: freed once the last reference is put. */
  truncated = false;
  /** Freed (truncated and unreferenced): KASAN reports any later use. */
  freed = false;
  /** The memcg the page is charged to (null: the root). */
  memcg = null;
};
function pcmdRead(p, slot) {
  const w = p.words;
  if (!w) return [0, 0, 0];
  const o = slot * PCMD_WORDS;
  return [w[o], w[o + 1], w[o + 2]];
}
function pcmdWrite(p, slot, tag, mac, type) {
  if (!p.words) p.words = new Float64Array(32 * PCMD_WORDS);
  const o = slot * PCMD_WORDS;
  p.words[o] = tag;
  p.words[o + 1] = mac;
  p.words[o + 2] = type;
}
function pcmdZero(p, slot) {
  if (!p.words) return;
  p.words.fill(0, slot * PCMD_WORDS, slot * PCMD_WORDS + PCMD_WORDS);
}
function pcmdPageEmpty(p) {
  const w = p.words;
  if (!w) return true;
  for (let i = 0; i < w.length; i++) if (w[i] !== 0) return false;
  return true;
}
function sgxMac(token, version, eid, linaddr) {
  let h = 2166136261 ^ (token | 0) ^ Math.floor(token / 4294967296);
  h = Math.imul(h ^ (version | 0), 16777619) ^ Math.floor(version / 4294967296);
  h = Math.imul(h ^ eid, 16777619);
  h = Math.imul(h ^ (linaddr | 0), 16777619);
  h ^= h >>> 15;
  h = Math.imul(h, 739982445);
  h ^= h >>> 12;
  return (h >>> 0) + 1;
}

// src/model/hw/sgx_hw.ts
var GP = ENCLS_FAULT_FLAG | X86_TRAP_GP;
var PF = ENCLS_FAULT_FLAG | X86_TRAP_PF;
var ATTR_PENDING = 1;
var ATTR_MODIFIED = 2;
var ATTR_PR = 4;
var ATTR_PERM_SHIFT = 3;
var HwEnclave = class {
  constructor(eid) {
    this.eid = eid;
  }
  eid;
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
  snapCpus = [];
  snapExits = [];
};
var HwAssertion = class extends Error {
};
var useAfterFree = /* @__PURE__ */ new WeakMap();
function onUseAfterFree(hw, report) {
  useAfterFree.set(hw, report);
}
var SgxHw = class {
  nrPages;
  // EPCM, one entry per EPC page.
  valid;
  type;
  blocked;
  pending;
  /** SGX2: EMODT changed the page's type; cleared by EACCEPT. The page is inaccessible meanwhile. */
  modified;
  /** SGX2: EMODPR restricted the permissions; cleared by EACCEPT. */
  pr;
  /** EPCM R/W/X permissions (SECINFO bits 0..2). */
  perm;
  /** SGX2: tracking sequence at the last EMODT/EMODPR: EACCEPT needs a completed ETRACK after it. */
  modSeq;
  /** Owning enclave id (EPCM.ENCLAVESECS) for child and SECS pages. */
  eid;
  /** Enclave page index (EPCM.ENCLAVEADDRESS) for child pages. */
  linaddr;
  /** Tracking sequence recorded by EBLOCK. */
  blockSeq;
  /** Data token of the page contents. */
  data;
  /** Version Array contents, per VA page. */
  va = /* @__PURE__ */ new Map();
  enclaves = [];
  cpus;
  /** Monotonic source of version nonces and data tokens. */
  nonce = 0;
  /** The backing pages a leaf reads or writes must not be freed memory. */
  checkMemory(contents, pcmd, leaf) {
    if (!contents.freed && !pcmd.freed) return;
    const which = contents.freed ? "contents" : "PCMD";
    useAfterFree.get(this)?.(`the ${which} page given to ENCLS[${leaf}] (a freed shmem page)`);
  }
  constructor(nrPages, cpuNodes) {
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
  newToken() {
    return ++this.nonce;
  }
  makeValid(p, type, eid, linaddr, perm = 0) {
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
  invalidate(p) {
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
  attrs(p) {
    return (this.pending.get(p) ? ATTR_PENDING : 0) | (this.modified.get(p) ? ATTR_MODIFIED : 0) | (this.pr.get(p) ? ATTR_PR : 0) | this.perm.get(p) << ATTR_PERM_SHIFT;
  }
  restoreAttrs(p, a) {
    this.pending.set(p, a & ATTR_PENDING ? 1 : 0);
    this.modified.set(p, a & ATTR_MODIFIED ? 1 : 0);
    this.pr.set(p, a & ATTR_PR ? 1 : 0);
    this.perm.set(p, a >> ATTR_PERM_SHIFT & SGX_SECINFO_PERMISSION_MASK);
  }
  /** Has an ETRACK cycle started after tracking sequence `seq` completed? (EWB and EACCEPT ask.) */
  trackedSince(e, seq2) {
    if (e.trackSeq > seq2) this.trackingComplete(e);
    return e.completedSeq > seq2;
  }
  secsOk(secsPage) {
    if (secsPage < 0 || !this.valid.get(secsPage) || this.type.get(secsPage) !== SGX_PAGE_TYPE_SECS)
      return null;
    return this.enclaves[this.eid.get(secsPage)] ?? null;
  }
  /** Is the latest ETRACK cycle of `e` complete (every snapshot CPU exited since)? */
  trackingComplete(e) {
    if (e.completedSeq === e.trackSeq) return true;
    for (let i = 0; i < e.snapCpus.length; i++) {
      if (this.cpus[e.snapCpus[i]].exits === e.snapExits[i]) return false;
    }
    e.completedSeq = e.trackSeq;
    return true;
  }
  /** ECREATE: turn a free EPC page into the SECS of a new enclave. Returns the enclave id via `out`. */
  ECREATE(p, out2) {
    if (this.valid.get(p)) return GP;
    const e = new HwEnclave(this.enclaves.length);
    this.enclaves.push(e);
    e.secsPage = p;
    this.makeValid(p, SGX_PAGE_TYPE_SECS, e.eid, -1);
    this.data.set(p, this.newToken());
    out2.eid = e.eid;
    return SGX_SUCCESS;
  }
  /**
   * EADD: copy a page into the EPC as a child (REG or TCS) of an uninitialized enclave, with the
   * SECINFO permissions `perm` (a TCS page has none).
   */
  EADD(p, secsPage, linaddr, type, token, perm = SGX_SECINFO_PERMISSION_MASK) {
    const e = this.secsOk(secsPage);
    if (!e || e.initialized || this.valid.get(p)) return GP;
    this.makeValid(p, type, e.eid, linaddr, type === SGX_PAGE_TYPE_REG ? perm : 0);
    this.data.set(p, token);
    e.childCount++;
    return SGX_SUCCESS;
  }
  /** EEXTEND: measure 256 bytes of a page (no state the driver depends on). */
  EEXTEND(secsPage, p) {
    return this.secsOk(secsPage) && this.valid.get(p) ? SGX_SUCCESS : GP;
  }
  /** EINIT: the enclave becomes initialized. */
  EINIT(secsPage) {
    const e = this.secsOk(secsPage);
    if (!e) return GP;
    e.initialized = true;
    return SGX_SUCCESS;
  }
  /** EPA: turn a free EPC page into a Version Array page with all slots empty. */
  EPA(p) {
    if (this.valid.get(p)) return GP;
    this.makeValid(p, SGX_PAGE_TYPE_VA, -1, -1);
    this.va.set(p, new Float64Array(SGX_VA_SLOT_COUNT));
    return SGX_SUCCESS;
  }
  /**
   * EAUG (SGX2): add a zeroed PENDING regular page (EPCM permissions RW) to an initialized
   * enclave; the enclave can use it only after EACCEPT.
   */
  EAUG(p, secsPage, linaddr) {
    const e = this.secsOk(secsPage);
    if (!e?.initialized || this.valid.get(p)) return GP;
    this.makeValid(p, SGX_PAGE_TYPE_REG, e.eid, linaddr, SGX_SECINFO_R | SGX_SECINFO_W);
    this.pending.set(p, 1);
    this.data.set(p, 0);
    e.childCount++;
    return SGX_SUCCESS;
  }
  /** EBLOCK: no new TLB translations to the page; records the current tracking sequence. */
  EBLOCK(p) {
    if (!this.valid.get(p)) return GP;
    const t = this.type.get(p);
    if (t !== SGX_PAGE_TYPE_REG && t !== SGX_PAGE_TYPE_TCS && t !== SGX_PAGE_TYPE_TRIM)
      return SGX_NOTBLOCKABLE;
    if (this.blocked.get(p)) return SGX_BLKSTATE;
    const e = this.enclaves[this.eid.get(p)];
    this.blocked.set(p, 1);
    this.blockSeq.set(p, e.trackSeq);
    return SGX_SUCCESS;
  }
  /** ETRACK: start a tracking cycle over the CPUs currently executing in the enclave. */
  ETRACK(secsPage) {
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
  EWB(p, vaPage, slot, contents, pcmd, pcmdSlot) {
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
    pcmdWrite(pcmd, pcmdSlot, e.eid + 1, sgxMac(token, version, e.eid, lin), t | this.attrs(p) << 8);
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
  ELDU(p, secsPage, linaddr, vaPage, slot, contents, pcmd, pcmdSlot) {
    this.checkMemory(contents, pcmd, "ELDU");
    if (this.valid.get(p)) return GP;
    const va = this.va.get(vaPage);
    if (!va || !this.valid.get(vaPage)) return GP;
    const [tag, mac, secinfo] = pcmdRead(pcmd, pcmdSlot);
    if (tag === 0 && mac === 0 && secinfo === 0) return GP;
    const type = secinfo & 255;
    let e;
    if (secsPage >= 0) {
      const s = this.secsOk(secsPage);
      if (!s) return GP;
      e = s;
    } else {
      e = this.enclaves[tag - 1];
      if (!e || e.secsPage >= 0) return GP;
    }
    if (tag !== e.eid + 1) return SGX_MAC_COMPARE_FAIL;
    const version = va[slot];
    const lin = secsPage >= 0 ? linaddr : -1;
    if (version === 0 || sgxMac(contents.data, version, e.eid, lin) !== mac) return SGX_MAC_COMPARE_FAIL;
    if (type === SGX_PAGE_TYPE_SECS !== secsPage < 0) return SGX_MAC_COMPARE_FAIL;
    va[slot] = 0;
    this.makeValid(p, type, e.eid, lin);
    this.restoreAttrs(p, secinfo >> 8);
    this.data.set(p, contents.data);
    if (type === SGX_PAGE_TYPE_SECS) e.secsPage = p;
    else e.childCount++;
    return SGX_SUCCESS;
  }
  /** EREMOVE: return an EPC page to the uninitialized state. */
  EREMOVE(p) {
    if (!this.valid.get(p)) return SGX_SUCCESS;
    const t = this.type.get(p);
    if (t === SGX_PAGE_TYPE_SECS) {
      const e = this.enclaves[this.eid.get(p)];
      if (e.childCount > 0) return SGX_CHILD_PRESENT;
      e.secsPage = -1;
    } else if (t === SGX_PAGE_TYPE_VA) {
      this.va.delete(p);
    } else {
      const e = this.enclaves[this.eid.get(p)];
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
  EMODT(p, type) {
    if (!this.valid.get(p)) return PF;
    const t = this.type.get(p);
    if (t !== SGX_PAGE_TYPE_REG && t !== SGX_PAGE_TYPE_TCS) return PF;
    if (this.pending.get(p) || this.modified.get(p)) return SGX_PAGE_NOT_MODIFIABLE;
    const ok = t === SGX_PAGE_TYPE_REG && type === SGX_PAGE_TYPE_TCS || type === SGX_PAGE_TYPE_TRIM;
    if (!ok) return GP;
    const e = this.enclaves[this.eid.get(p)];
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
  EMODPR(p, perm) {
    if (!this.valid.get(p)) return PF;
    if (this.pending.get(p) || this.modified.get(p)) return SGX_PAGE_NOT_MODIFIABLE;
    if (this.type.get(p) !== SGX_PAGE_TYPE_REG) return PF;
    const e = this.enclaves[this.eid.get(p)];
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
  EACCEPT(p, eid, linaddr, secinfo) {
    if (p < 0 || !this.valid.get(p) || this.blocked.get(p) || this.eid.get(p) !== eid || this.linaddr.get(p) !== linaddr)
      return PF;
    const e = this.enclaves[eid];
    const type = secinfo >> 8 & 255;
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
  enter(cpu, eid) {
    cpu.inEnclave = eid;
  }
  /** AEX/EEXIT: the CPU leaves enclave mode; its enclave translations are flushed. */
  exit(cpu) {
    if (cpu.inEnclave < 0) return;
    cpu.inEnclave = -1;
    cpu.exits++;
    this.flushTlb(cpu);
  }
  flushTlb(cpu) {
    cpu.tlbFlush();
  }
  /** A page walk by an enclave thread created a translation (only for an accessible page). */
  tlbFill(cpu, index, p) {
    cpu.tlbFill(index, p);
  }
  /** A CPU inside p's enclave that caches a translation to p, or -1. */
  translationHolder(p) {
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
  interrupt(cpus) {
    const out2 = [];
    for (const c of cpus) {
      const cpu = this.cpus[c];
      if (cpu.inEnclave < 0) continue;
      cpu.exits++;
      this.flushTlb(cpu);
      out2.push(c);
    }
    return out2;
  }
  /**
   * Does a PTE to page `p` give a page walk by an enclave thread of `eid` at `linaddr` a translation
   * (valid, not blocked, the enclave's page at that address)? EACCEPT needs only this.
   */
  mapped(p, eid, linaddr) {
    return this.valid.get(p) === 1 && this.blocked.get(p) === 0 && this.eid.get(p) === eid && this.linaddr.get(p) === linaddr;
  }
  /**
   * The EPCM allows data access to a mapped page: a regular page, not PENDING (EAUGed, not yet
   * EACCEPTed) and not MODIFIED (EMODT not yet EACCEPTed). A TCS or TRIM page is never data.
   */
  epcmAllows(p, write) {
    return this.type.get(p) === SGX_PAGE_TYPE_REG && this.pending.get(p) === 0 && this.modified.get(p) === 0 && (!write || (this.perm.get(p) & SGX_SECINFO_W) !== 0);
  }
  /** Is page `p` usable for a translation by an enclave thread of `eid` at `linaddr`? */
  accessible(p, eid, linaddr, write = false) {
    return this.mapped(p, eid, linaddr) && this.epcmAllows(p, write);
  }
};

// src/model/kernel/lib/list.ts
var LINK_NONE = -1;
var LIST_POISON = -2147483647;
function getNext(P, x) {
  return x >= 0 ? P.next.get(x) : P.headNext[-x - 2];
}
function getPrev(P, x) {
  return x >= 0 ? P.prev.get(x) : P.headPrev[-x - 2];
}
function setNext(P, x, v3) {
  if (x >= 0) P.next.set(x, v3);
  else P.headNext[-x - 2] = v3;
}
function setPrev(P, x, v3) {
  if (x >= 0) P.prev.set(x, v3);
  else P.headPrev[-x - 2] = v3;
}
var listWatch = { fn: null };
function headLink(h) {
  return -(h.h + 2);
}
function list_head_of(P, p) {
  let x = P.next.get(p);
  for (let guard = 0; x >= 0; guard++) {
    if (x === p || guard > 1 << 26) return null;
    x = P.next.get(x);
  }
  return x === LINK_NONE || x === LIST_POISON ? null : { h: -x - 2 };
}
function insertBetween(P, p, prev, next) {
  setPrev(P, next, p);
  P.next.set(p, next);
  P.prev.set(p, prev);
  setNext(P, prev, p);
}
function list_add_tail(P, p, head) {
  if (listWatch.fn) listWatch.fn(P, head.h, "list_add_tail");
  const h = headLink(head);
  insertBetween(P, p, getPrev(P, h), h);
}
function list_add(P, p, head) {
  if (listWatch.fn) listWatch.fn(P, head.h, "list_add");
  const h = headLink(head);
  insertBetween(P, p, h, getNext(P, h));
}
function unlink(m, P, p, how) {
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
function list_del(m, P, p) {
  unlink(m, P, p, "list_del");
  P.next.set(p, LIST_POISON);
  P.prev.set(p, LIST_POISON);
}
function list_del_init(m, P, p) {
  unlink(m, P, p, "list_del_init");
  P.next.set(p, p);
  P.prev.set(p, p);
}
function list_empty_entry(P, p) {
  return P.next.get(p) === p;
}
function list_empty(P, head) {
  const h = headLink(head);
  return P.headNext[head.h] === h;
}
function list_first_entry(P, head) {
  return P.headNext[head.h];
}
function list_move(m, P, p, head) {
  unlink(m, P, p, "list_move");
  list_add(P, p, head);
}
function listPages(P, head, limit = Number.POSITIVE_INFINITY) {
  const out2 = [];
  const h = headLink(head);
  for (let x = P.headNext[head.h]; x !== h && out2.length < limit; x = P.next.get(x)) {
    if (x < 0) break;
    out2.push(x);
  }
  return out2;
}

// src/rt/ops.ts
var OP_KINDS = Object.freeze({
  spin_lock: true,
  spin_unlock: true,
  mutex_lock: true,
  mutex_unlock: true,
  down_read: true,
  up_read: true,
  down_write: true,
  up_write: true,
  atomic: true,
  read: true,
  write: true,
  encls: true,
  ipi: true,
  sleep: true,
  wake_up: true,
  srcu_sync: true,
  work: true,
  choose: true,
  cond_resched: true,
  spawn: true,
  enclave_run: true,
  eenter: true,
  eresume: true,
  eexit: true,
  aex: true,
  page_fault: true,
  sigbus: true,
  syscall: true,
  epcm_fault: true,
  sigsegv: true,
  preempt_point: true,
  msleep: true,
  spin_wait: true,
  mark: true
});
var TASK_RUNNING = 0;
var TASK_INTERRUPTIBLE = 1;

// src/rt/site.ts
import { fileURLToPath as fileURLToPath2 } from "node:url";

// src/paths.ts
import { basename, dirname, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
var here = dirname(fileURLToPath(import.meta.url));
var BUNDLED = basename(here) === "dist";
var PATCH_API_URL = BUNDLED ? pathToFileURL(resolve(here, "patch.js")) : pathToFileURL(resolve(here, "patch.ts"));
var SRC_DIR = `${BUNDLED ? resolve(here, "..", "src") : here}${sep}`;
function srcPath(...parts) {
  return resolve(SRC_DIR, ...parts);
}

// src/rt/site.ts
var SWITCH = /* @__PURE__ */ Symbol.for("epcsim.siteCapture");
var siteCapture = globalThis[SWITCH] ??= {
  on: false,
  depth: 3
};
function withSite(op) {
  if (!siteCapture.on) return op;
  return { ...op, site: captureSite() };
}
var HELPERS = /* @__PURE__ */ new Set(["withSite", "captureSite", "ev", "userEvent", "epcFlagsWriteOp"]);
var SKIP_IN_SRC = /^(?!model\/)|^model\/hw\/|^model\/(machine|snapshot)\.ts$/;
var SKIP_ANYWHERE = /^node:|<anonymous>|[\\/]node_modules[\\/]/;
function isSkipped(file2) {
  if (SKIP_ANYWHERE.test(file2)) return true;
  const path = file2.startsWith("file://") ? fileURLToPath2(file2) : file2;
  return path.startsWith(SRC_DIR) && SKIP_IN_SRC.test(path.slice(SRC_DIR.length));
}
function captureSite() {
  const frames = modelFrames(new Error().stack ?? "");
  const own = frames.filter((f) => !LIB.test(f.file));
  return (own.length ? own : frames).slice(0, siteCapture.depth).map((f) => `${f.fn} (${f.file.split("/").pop()}:${f.line})`).join(" < ");
}
function errorSite(e) {
  const stack = e instanceof Error ? e.stack ?? "" : "";
  return modelFrames(stack).slice(0, 3).map((f) => `${f.fn} (${f.file.split("/").pop()}:${f.line})`).join(" < ");
}
var VERSION_SUFFIX = /_(pre_)?v\d+(_\d+)*$/;
var LIB = /\/model\/kernel\/lib\//;
function modelFrames(stack) {
  const out2 = [];
  for (const line of stack.split("\n").slice(1)) {
    const m = /at (?:async )?(?:Generator\.next \()?([\w$.<>]+)[^(]*\((.*):(\d+):\d+\)/.exec(line.trim());
    if (!m) continue;
    const [, fn2, file2, ln] = m;
    if (isSkipped(file2) || fn2.endsWith(".next") || HELPERS.has(fn2)) continue;
    const name = fn2.replace(/^Object\./, "").replace(VERSION_SUFFIX, "");
    out2.push({ fn: name, file: file2, line: ln });
  }
  return out2;
}
function siteOf(op) {
  return op.site ?? "";
}

// src/model/kernel/lib/sched.ts
var PF_KTHREAD = 2097152;
var task_struct = class {
  constructor(pid, comm, flags, mm) {
    this.pid = pid;
    this.comm = comm;
    this.flags = flags;
    this.mm = mm;
  }
  pid;
  comm;
  flags;
  mm;
  state = TASK_RUNNING;
  /** The CPU this task last ran on (set by context_switch). */
  cpu = -1;
  /** A signal is pending (signal_pending()). */
  sigpending = false;
  /** kthread_should_stop(). */
  should_stop = false;
  /** Cgroup membership is attached by the cgroup model (misc controller); null = root. */
  misc_cg = null;
  /** set_active_memcg() in task context: the memcg this task's shmem allocations are charged to; null = its mm's. */
  active_memcg = null;
};
var RESCHED = { kind: "cond_resched" };
function* cond_resched(_m) {
  yield withSite(RESCHED);
}
function signal_pending(m) {
  return m.current.sigpending;
}
var wait_queue_head_t = class {
  constructor(id, cls) {
    this.id = id;
    this.cls = cls;
    this.op = { kind: "atomic", loc: this, what: `${cls} wq lock`, write: true };
  }
  id;
  cls;
  waiters = [];
  op;
};
function* wait_event(m, wq, cond) {
  const me = m.current;
  for (; ; ) {
    if (m.interleaveAll) yield withSite(wq.op);
    if (!wq.waiters.includes(me)) wq.waiters.push(me);
    me.state = TASK_INTERRUPTIBLE;
    if (yield* cond()) break;
    const sleep = { kind: "sleep", task: me, wq };
    yield withSite(sleep);
  }
  if (m.interleaveAll) yield withSite(wq.op);
  me.state = TASK_RUNNING;
  const i = wq.waiters.indexOf(me);
  if (i >= 0) wq.waiters.splice(i, 1);
}
function* wake_up(_m, wq) {
  const op = withSite({ kind: "wake_up", wq, woken: [] });
  yield op;
  let keep = 0;
  for (const t of wq.waiters) {
    if (t.state !== TASK_RUNNING) {
      t.state = TASK_RUNNING;
      op.woken.push(t.pid);
    } else {
      wq.waiters[keep++] = t;
    }
  }
  wq.waiters.length = keep;
}
function kthread_should_stop(m) {
  return m.current.should_stop;
}

// src/model/kernel/lib/memcg.ts
var mem_cgroup = class {
  constructor(id, name) {
    this.id = id;
    this.name = name;
  }
  id;
  name;
  /** Pages charged. */
  usage = 0;
  /** memory.max in pages (Infinity: no limit). */
  max = Number.POSITIVE_INFINITY;
  /** Swap available: a charge over the limit could push other pages out instead of failing. */
  swap = true;
  /** memory.events: charges refused at the limit. */
  oom = 0;
  /** memory.events oom_kill: processes the memcg OOM killer killed. */
  oom_kill = 0;
  /** Model: ids of the mms the OOM killer chose (a victim is not chosen twice). */
  oom_victims = [];
};
function mem_cgroup_charge(memcg) {
  if (!memcg) return true;
  if (memcg.usage + 1 > memcg.max && !memcg.swap) {
    memcg.oom++;
    return false;
  }
  memcg.usage++;
  return true;
}
function mem_cgroup_uncharge(memcg) {
  if (memcg) memcg.usage--;
}
function mem_cgroup_out_of_memory(m, memcg) {
  const live = (mm) => mm.mm_users.v > 0 && !mm.dead;
  for (const id of memcg.oom_victims) if (live(m.mms[id])) return false;
  const victim = m.mms.find((mm) => mm.memcg === memcg && live(mm) && !memcg.oom_victims.includes(mm.id));
  if (!victim) return false;
  memcg.oom_victims.push(victim.id);
  memcg.oom_kill++;
  for (const t of m.tasks) if (t.mm === victim) t.sigpending = true;
  return true;
}

// src/model/kernel/lib/shmem.ts
var shmem_file = class {
  constructor(id, name, size_pages) {
    this.id = id;
    this.name = name;
    this.size_pages = size_pages;
    this.loc = { id, cls: "shmem page cache" };
  }
  id;
  name;
  size_pages;
  pages = /* @__PURE__ */ new Map();
  /** Pages ever allocated in this file (for memcg charging and reports). */
  allocated = 0;
  /**
   * Pages truncated while someone held a reference (by page id): freed by their last put_page();
   * kmemleak reports one still referenced when no kernel path runs.
   */
  truncatedHeld = /* @__PURE__ */ new Map();
  /** Location of the file's page cache, for ops of page reclaim. */
  loc;
};
var LOOKUP = { kind: "work", what: "shmem_lookup", n: 1 };
var ALLOC = { kind: "work", what: "shmem_alloc", n: 1 };
function* shmem_read_mapping_page(m, f, index) {
  if (m.interleaveAll) yield m.sharedRead(f.loc, index, `shmem page ${index} (lookup)`);
  const p = f.pages.get(index);
  if (p) {
    yield withSite(LOOKUP);
    if (!p.resident) swapIn(p);
    p.refs++;
    return p;
  }
  yield withSite(ALLOC);
  const memcg = m.current.active_memcg ?? m.current.mm?.memcg ?? null;
  if (!m.memcgCharge(m, memcg)) {
    if (memcg) mem_cgroup_out_of_memory(m, memcg);
    return null;
  }
  yield* m.mark("shmem_charge", memcg ? 1 : 0);
  const np = new mem_page(m.newId());
  np.memcg = memcg;
  np.refs = 1;
  f.pages.set(index, np);
  f.allocated++;
  return np;
}
function put_page(p) {
  p.refs--;
  if (p.refs === 0 && p.truncated) p.freed = true;
}
function swapIn(p) {
  p.data = p.swapData;
  p.words = p.swapWords ? p.swapWords.slice() : null;
  p.resident = true;
  p.dirty = false;
}
function shmem_view(p) {
  return p.resident ? { data: p.data, words: p.words } : { data: p.swapData, words: p.swapWords };
}
function shmem_truncate_page(m, f, index) {
  const p = f.pages.get(index);
  if (!p) return;
  f.pages.delete(index);
  m.memcgUncharge(m, p.memcg);
  p.truncated = true;
  if (p.refs === 0) p.freed = true;
  else f.truncatedHeld.set(p.id, p);
}
function* shmem_reclaim_pass(m, f, what) {
  for (const index of [...f.pages.keys()].sort((a, b) => a - b)) {
    const p = f.pages.get(index);
    if (!p) continue;
    yield withSite({
      kind: "write",
      loc: f.loc,
      sub: index,
      what: `shmem page ${index} (${what})`
    });
    if (p.refs > 0 || !p.resident) continue;
    if (what === "writeback" && p.dirty) {
      p.swapData = p.data;
      p.swapWords = p.words ? p.words.slice() : null;
      p.swapped = true;
      p.dirty = false;
    } else if (what === "drop" && !p.dirty && p.swapped) {
      p.resident = false;
      p.data = 0;
      p.words = null;
    }
  }
}
function* shmem_reclaim(m, f, passes) {
  for (const what of passes) yield* shmem_reclaim_pass(m, f, what);
}

// src/model/kernel/lib/stack_array.ts
var STACK_OUT_OF_BOUNDS = "KASAN: stack-out-of-bounds";
var StackArray = class {
  constructor(m, fn2, decl, size) {
    this.m = m;
    this.fn = fn2;
    this.decl = decl;
    this.size = size;
  }
  m;
  fn;
  decl;
  size;
  items = [];
  /** `a[cnt++] = v`: a BUG when the array is full. */
  push(v3) {
    if (this.items.length >= this.size)
      this.m.bug(
        `${STACK_OUT_OF_BOUNDS} in ${this.fn}: write of element ${this.items.length} of ${this.decl}, an array of ${this.size}`
      );
    this.items.push(v3);
  }
  get length() {
    return this.items.length;
  }
  at(i) {
    if (i < 0 || i >= this.items.length)
      this.m.bug(
        `${STACK_OUT_OF_BOUNDS} in ${this.fn}: read of element ${i} of ${this.decl} (${this.items.length} filled)`
      );
    return this.items[i];
  }
  set(i, v3) {
    if (i < 0 || i >= this.items.length)
      this.m.bug(
        `${STACK_OUT_OF_BOUNDS} in ${this.fn}: write of element ${i} of ${this.decl} (${this.items.length} filled)`
      );
    this.items[i] = v3;
  }
};

// src/model/kernel/lib/atomic.ts
var atomic_long_t = class {
  constructor(id, cls, v3) {
    this.id = id;
    this.cls = cls;
    this.v = v3;
    this.rd = { kind: "atomic", loc: this, what: `${cls} read`, write: false };
    this.wr = { kind: "atomic", loc: this, what: `${cls} rmw`, write: true };
  }
  id;
  cls;
  v;
  rd;
  wr;
};
function* atomic_long_read(m, a) {
  if (m.interleaveAll) yield withSite(a.rd);
  return a.v;
}
function* atomic_long_inc(m, a) {
  if (m.interleaveAll) yield withSite(a.wr);
  a.v++;
}
function* atomic_long_dec(m, a) {
  if (m.interleaveAll) yield withSite(a.wr);
  a.v--;
}
var kref = class extends atomic_long_t {
  constructor(id, cls) {
    super(id, cls, 1);
  }
};
function* kref_get(m, k) {
  if (m.interleaveAll) yield withSite(k.wr);
  if (k.v <= 0) m.warn("kref_get", `kref_get on ${k.cls}#${k.id} with refcount ${k.v} (use after free)`);
  k.v++;
}
function* kref_get_unless_zero(m, k) {
  if (m.interleaveAll) yield withSite(k.wr);
  if (k.v === 0) return false;
  k.v++;
  return true;
}
function* kref_put(m, k, release) {
  if (m.interleaveAll) yield withSite(k.wr);
  if (k.v <= 0) m.warn("kref_put", `kref_put on ${k.cls}#${k.id} with refcount ${k.v} (underflow)`);
  k.v--;
  if (k.v !== 0) return false;
  yield* release();
  return true;
}
var bitflags = class {
  constructor(id, cls, v3 = 0) {
    this.id = id;
    this.cls = cls;
    this.v = v3;
    this.rd = { kind: "atomic", loc: this, what: `${cls} test_bit`, write: false };
    this.wr = { kind: "atomic", loc: this, what: `${cls} set/clear_bit`, write: true };
  }
  id;
  cls;
  v;
  rd;
  wr;
};
function* test_bit(m, bit, f) {
  if (m.interleaveAll) yield withSite(f.rd);
  return (f.v & 1 << bit) !== 0;
}
function* set_bit(m, bit, f) {
  if (m.interleaveAll) yield withSite(f.wr);
  f.v |= 1 << bit;
}
function* clear_bit(m, bit, f) {
  if (m.interleaveAll) yield withSite(f.wr);
  f.v &= ~(1 << bit);
}
function* test_and_set_bit(m, bit, f) {
  if (m.interleaveAll) yield withSite(f.wr);
  const old = (f.v & 1 << bit) !== 0;
  f.v |= 1 << bit;
  return old;
}

// src/model/kernel/lib/locks.ts
var LockBase = class {
  constructor(id, cls, acq, rel) {
    this.id = id;
    this.cls = cls;
    this.acq = { kind: acq, lock: this };
    this.rel = { kind: rel, lock: this };
  }
  id;
  cls;
  owner = -1;
  readers = 0;
  acq;
  rel;
};
var spinlock_t = class extends LockBase {
  constructor(id, cls) {
    super(id, cls, "spin_lock", "spin_unlock");
  }
};
var mutex = class extends LockBase {
  constructor(id, cls) {
    super(id, cls, "mutex_lock", "mutex_unlock");
  }
};
var rw_semaphore = class extends LockBase {
  wacq;
  wrel;
  constructor(id, cls) {
    super(id, cls, "down_read", "up_read");
    this.wacq = { kind: "down_write", lock: this };
    this.wrel = { kind: "up_write", lock: this };
  }
};
function spin_lock(l) {
  return withSite(l.acq);
}
function spin_unlock(l) {
  return withSite(l.rel);
}
function mutex_lock(l) {
  return withSite(l.acq);
}
function mutex_unlock(l) {
  return withSite(l.rel);
}
function down_read(l) {
  return withSite(l.acq);
}
function up_read(l) {
  return withSite(l.rel);
}
function down_write(l) {
  return withSite(l.wacq);
}
function up_write(l) {
  return withSite(l.wrel);
}

// src/model/kernel/lib/srcu.ts
var srcu_struct = class {
  constructor(id, cls) {
    this.id = id;
    this.cls = cls;
    this.op = { kind: "atomic", loc: this, what: `${cls} srcu_read_lock/unlock`, write: true };
  }
  id;
  cls;
  /** Current grace period; readers that lock now belong to it. */
  gp = 0;
  /** Active reader count per grace period. */
  readers = /* @__PURE__ */ new Map();
  op;
  oldestReader() {
    let min = Number.POSITIVE_INFINITY;
    for (const [g2, n] of this.readers) if (n > 0 && g2 < min) min = g2;
    return min;
  }
};
function* srcu_read_lock(_m, s) {
  yield withSite(s.op);
  const g2 = s.gp;
  s.readers.set(g2, (s.readers.get(g2) ?? 0) + 1);
  return g2;
}
function* srcu_read_unlock(m, s, idx) {
  yield withSite(s.op);
  const n = s.readers.get(idx) ?? 0;
  if (n <= 0) m.bug(`srcu_read_unlock without reader in gp ${idx}`);
  if (n === 1) s.readers.delete(idx);
  else s.readers.set(idx, n - 1);
}
function* synchronize_srcu(_m, s) {
  yield withSite(s.op);
  const gp = s.gp++;
  const op = { kind: "srcu_sync", srcu: s, gp };
  yield withSite(op);
}
function cleanup_srcu_struct(m, s) {
  const active = s.oldestReader();
  if (active !== Number.POSITIVE_INFINITY)
    m.warn(
      "cleanup_srcu_struct",
      `WARN_ON(srcu_readers_active(${s.cls}#${s.id})): a reader of gp ${active} is still inside`
    );
}

// src/model/kernel/lib/xarray.ts
var CHUNK = 1024;
var XA_EMPTY = -1;
var xarray = class {
  constructor(id, cls, lockId) {
    this.id = id;
    this.cls = cls;
    this.xa_lock = new spinlock_t(lockId, `${cls}.xa_lock`);
    this.rd = { kind: "read", loc: this, sub: -1, what: `${cls} xa_load (RCU)` };
  }
  id;
  cls;
  chunks = /* @__PURE__ */ new Map();
  count = 0;
  /** xa_lock: the xarray's internal spinlock (stores, erases, locked walks). */
  xa_lock;
  rd;
  /** Direct lookup for code that holds the lock that guards the array (or for invariant checks). */
  get(i) {
    const c = this.chunks.get(Math.floor(i / CHUNK));
    return c ? c[i % CHUNK] : XA_EMPTY;
  }
  put(i, v3) {
    const k = Math.floor(i / CHUNK);
    let c = this.chunks.get(k);
    if (!c) {
      c = new Int32Array(CHUNK).fill(XA_EMPTY);
      this.chunks.set(k, c);
    }
    const old = c[i % CHUNK];
    if (old === XA_EMPTY && v3 !== XA_EMPTY) this.count++;
    if (old !== XA_EMPTY && v3 === XA_EMPTY) this.count--;
    c[i % CHUNK] = v3;
  }
  /** Indices with entries in [start, end), ascending. */
  indices(start, end) {
    const out2 = [];
    const keys = [...this.chunks.keys()].sort((a, b) => a - b);
    for (const k of keys) {
      const c = this.chunks.get(k);
      for (let j = 0; j < CHUNK; j++) {
        const i = k * CHUNK + j;
        if (i >= start && i < end && c[j] !== XA_EMPTY) out2.push(i);
      }
    }
    return out2;
  }
};
function* xa_load_unlocked(m, xa, i) {
  if (m.interleaveAll) yield withSite(xa.rd);
  return xa.get(i);
}
function* xa_insert(m, xa, i, v3) {
  yield spin_lock(xa.xa_lock);
  const busy = xa.get(i) !== XA_EMPTY;
  if (!busy) xa.put(i, v3);
  yield spin_unlock(xa.xa_lock);
  return busy ? -16 : 0;
}
function* xa_store(_m, xa, i, v3) {
  yield spin_lock(xa.xa_lock);
  const old = xa.get(i);
  xa.put(i, v3);
  yield spin_unlock(xa.xa_lock);
  return old;
}
function* xa_erase(m, xa, i) {
  yield spin_lock(xa.xa_lock);
  const old = xa.get(i);
  xa.put(i, XA_EMPTY);
  yield spin_unlock(xa.xa_lock);
  return old;
}
function xa_destroy(xa) {
  for (const i of xa.indices(0, Number.MAX_SAFE_INTEGER)) xa.put(i, XA_EMPTY);
}

// src/model/kernel/sgx/sgx.ts
var DEFAULT_SGX_CONSTANTS = {
  SGX_NR_TO_SCAN: 16,
  SGX_NR_LOW_PAGES: 32,
  SGX_NR_HIGH_PAGES: 64,
  SGX_MAX_EPC_SECTIONS: 8,
  SGX_EEXTEND_BLOCK_SIZE: 256,
  XA_CHECK_SCHED: 4096,
  nr_ksgxd: 1,
  sgx2: false
};
var SGX_EPC_PAGE_RECLAIMER_TRACKED = 1 << 0;
var SGX_EPC_PAGE_IS_FREE = 1 << 1;
var SGX_ENCL_PAGE_BEING_RECLAIMED = 1 << 3;
var SGX_ENCL_PAGE_VA_OFFSET_MASK = 4088;
var SGX_ENCL_IOCTL = 0;
var SGX_ENCL_DEBUG = 1;
var SGX_ENCL_CREATED = 2;
var SGX_ENCL_INITIALIZED = 3;
var OWNER_NULL = -1;
var PageListHead = class {
  constructor(id, cls, h, owner = -1) {
    this.id = id;
    this.cls = cls;
    this.h = h;
    this.owner = owner;
  }
  id;
  cls;
  h;
  owner;
};
var EpcPages = class {
  constructor(nr_pages) {
    this.nr_pages = nr_pages;
    this.flags = new Chunked(nr_pages, SGX_EPC_PAGE_IS_FREE);
    this.poison = new Chunked(nr_pages);
    this.owner = new Chunked(nr_pages, OWNER_NULL);
    this.next = new Chunked(nr_pages, LINK_NONE);
    this.prev = new Chunked(nr_pages, LINK_NONE);
    this.sgx_cg = new Chunked(nr_pages, -1);
  }
  nr_pages;
  flags;
  poison;
  owner;
  /** list_head links: a page id, a head (-(h+2)), or POISON after list_del. */
  next;
  prev;
  /** Model extension for the EPC cgroup: charged cgroup id, -1 when none. */
  sgx_cg;
  headNext = [];
  headPrev = [];
  heads = [];
  newHead(id, cls, owner = -1) {
    const h = this.heads.length;
    const head = new PageListHead(id, cls, h, owner);
    this.heads.push(head);
    this.headNext.push(-(h + 2));
    this.headPrev.push(-(h + 2));
    return head;
  }
};
var sgx_epc_section = class {
  constructor(first, nr_pages, node) {
    this.first = first;
    this.nr_pages = nr_pages;
    this.node = node;
  }
  first;
  nr_pages;
  node;
};
var sgx_numa_node = class {
  constructor(nid, lockId, free_page_list, sgx_poison_page_list) {
    this.nid = nid;
    this.free_page_list = free_page_list;
    this.sgx_poison_page_list = sgx_poison_page_list;
    this.lock = new spinlock_t(lockId, "node->lock");
  }
  nid;
  free_page_list;
  sgx_poison_page_list;
  lock;
  /** free_page_list: the never-touched ranges come first, then `free_page_list` proper. */
  fresh = [];
  size = 0;
};
var descWatch = { fn: null };
var EnclPages = class {
  count = 0;
  encl = new Growable(Int32Array, 256, -1);
  /** Page number inside the enclave (the address is encl.base + index * PAGE_SIZE). */
  index = new Growable(Int32Array, 256, -1);
  /** desc bits 0..11: SGX_ENCL_PAGE_BEING_RECLAIMED and the VA slot offset. */
  desc = new Growable(Uint16Array, 256);
  epc_page = new Growable(Int32Array, 256, -1);
  va_page = new Growable(Int32Array, 256, -1);
  vm_max_prot_bits = new Growable(Uint8Array, 256);
  type = new Growable(Uint8Array, 256);
  /** Model: 1 while allocated, 0 after kfree (use-after-free detection). */
  alive = new Growable(Uint8Array, 256);
  /** encl_page->desc = v: every write of desc goes through here (the data-race detector sees it). */
  setDesc(entry, v3) {
    if (descWatch.fn) descWatch.fn(entry, true);
    this.desc.a[entry] = v3;
  }
  /** encl_page->desc, as a kernel path reads it (the data-race detector sees the read). */
  getDesc(entry) {
    if (descWatch.fn) descWatch.fn(entry, false);
    return this.desc.a[entry];
  }
  alloc(encl, index, prot) {
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
};
var sgx_va_page = class {
  constructor(id, epc_page) {
    this.id = id;
    this.epc_page = epc_page;
  }
  id;
  epc_page;
  /** One bit per slot: set while an evicted page's version lives there. */
  slots = new Uint8Array(512);
  used = 0;
  /** kfree()d (KASAN: see Machine.kasanUse). */
  freed = false;
};
var sgx_encl_mm = class {
  constructor(encl, mm) {
    this.encl = encl;
    this.mm = mm;
  }
  encl;
  mm;
  notifier = null;
  /** kfree()d by sgx_mmu_notifier_free (KASAN: see Machine.kasanUse). */
  freed = false;
};
var sgx_encl = class {
  constructor(id, ids, nrCpus) {
    this.id = id;
    this.flags = new bitflags(ids(), "encl->flags");
    this.lock = new mutex(ids(), "encl->lock");
    this.page_array = new xarray(ids(), "encl->page_array", ids());
    this.cpumask = new Uint8Array(nrCpus);
    this.refcount = new kref(ids(), "encl->refcount");
    this.mm_lock = new spinlock_t(ids(), "encl->mm_lock");
    this.srcu = new srcu_struct(ids(), "encl->srcu");
    this.mm_list_version_loc = { id: ids(), cls: "encl->mm_list_version" };
  }
  id;
  base = 0;
  /** ELRANGE size in bytes (a power of two). */
  size = 0;
  flags;
  /** Enclave pages including the SECS that need VA slots; drives VA page growth. Guarded by lock. */
  page_cnt = 0;
  /** Child pages resident in EPC. Guarded by lock. */
  secs_child_cnt = 0;
  lock;
  page_array;
  /** The embedded struct sgx_encl_page of the SECS (an id into EnclPages). */
  secs = -1;
  attributes = 0;
  /** Temporary IPI target mask (sgx_encl_cpumask). */
  cpumask;
  backing = null;
  refcount;
  /** va_pages list: index 0 is the head (the page with free slots). Guarded by lock. */
  va_pages = [];
  /** mm_list (RCU list; index 0 is the head, list_add_rcu adds at the head). */
  mm_list = [];
  mm_lock;
  srcu;
  /** mm_list_version, read without a lock by sgx_zap_enclave_ptes. */
  mm_list_version = 0;
  mm_list_version_loc;
  /** Model: the hardware enclave id behind the SECS (what EPCM entries record). */
  eid = -1;
  /** Model: set by kfree(encl) in sgx_encl_release, to catch use after free. */
  freed = false;
  /** Model: name from the scenario, for reports. */
  name = "";
};
var SgxGlobals = class {
  constructor(ids, pages, ksgxd_waitq) {
    this.ksgxd_waitq = ksgxd_waitq;
    this.sgx_nr_free_pages = new atomic_long_t(ids(), "sgx_nr_free_pages", 0);
    this.sgx_active_page_list = pages.newHead(ids(), "sgx_active_page_list");
    this.sgx_reclaimer_lock = new spinlock_t(ids(), "sgx_reclaimer_lock");
  }
  ksgxd_waitq;
  sgx_epc_sections = [];
  sgx_numa_nodes = [];
  /** sgx_numa_mask as a list of node ids with EPC, ascending. */
  sgx_numa_mask = [];
  sgx_nr_free_pages;
  sgx_active_page_list;
  sgx_reclaimer_lock;
  /** ksgxd_tsk: the reclaim threads (mainline has one). */
  ksgxd_tsk = [];
};

// src/model/kernel/lib/errno.ts
var EPERM = 1;
var EIO = 5;
var ENXIO = 6;
var EAGAIN = 11;
var ENOMEM = 12;
var EACCES = 13;
var EFAULT = 14;
var EBUSY = 16;
var ENODEV = 19;
var EINVAL = 22;
var ENOTTY = 25;
var ERESTARTSYS = 512;
function IS_ERR(v3) {
  return v3 < 0;
}
function errnoName(e) {
  const n = {
    1: "EPERM",
    4: "EINTR",
    5: "EIO",
    6: "ENXIO",
    11: "EAGAIN",
    12: "ENOMEM",
    13: "EACCES",
    14: "EFAULT",
    16: "EBUSY",
    19: "ENODEV",
    22: "EINVAL",
    25: "ENOTTY",
    512: "ERESTARTSYS"
  };
  return n[Math.abs(e)] ?? String(e);
}

// src/model/kernel/cgroup/misc.ts
var MISC_CG_RES_SGX_EPC = "sgx_epc";
var MISC_MAX = Number.POSITIVE_INFINITY;
var misc_res = class {
  /** misc.max in bytes (MISC_MAX: "max"). */
  max = MISC_MAX;
  /** misc.current in bytes. */
  usage;
  /** misc.peak (the watermark). */
  watermark = 0;
  /** misc.events "max": charges that failed at this cgroup or a descendant (hierarchical). */
  events = 0;
  /** misc.events.local "max": charges of this very cgroup that failed (at any level). */
  events_local = 0;
  /** The resource owner's per-cgroup data (struct sgx_cgroup for sgx_epc). */
  priv = null;
  /**
   * Model: misc.max was written below the usage or the peak at that moment. The controller does
   * not reclaim or refuse such a write, so usage (and the peak) may legitimately stay above max.
   */
  max_written_below_usage = false;
  constructor(id, cgName) {
    this.usage = new atomic_long_t(id, `misc_res(${cgName})->usage`, 0);
  }
};
var misc_cg = class {
  constructor(id, name, parent, resId, cssId) {
    this.id = id;
    this.name = name;
    this.parent = parent;
    this.res = new misc_res(resId, name || "/");
    this.css = {
      kind: "atomic",
      loc: { id: cssId, cls: `css(${name || "/"}).refcnt` },
      what: "css refcnt",
      write: true
    };
  }
  id;
  name;
  parent;
  children = [];
  /** css.refcnt: the base reference (dropped by rmdir) and every css_get(). */
  refcnt = 1;
  /** The css is online (not removed by rmdir yet). */
  online = true;
  /** css_free ran: the memory is gone (KASAN watches res.usage and the css). */
  freed = false;
  /** The css reference count as a location: its kill and puts are atomics other CPUs order against. */
  css;
  /** res[MISC_CG_RES_SGX_EPC]: the only resource modeled. */
  res;
};
var MiscCgroups = class {
  root;
  /** Every cgroup, by id (pre-order of creation: a parent always comes before its children). */
  all = [];
  /** misc_res_capacity[sgx_epc] in bytes; 0 means the resource is not registered (misc.capacity absent). */
  capacity = 0;
  ops = null;
  /** The EPC cgroup driver's statics (sgx_cg_root, sgx_cg_wq), set by sgx_cgroup_init. */
  epc = null;
  /** Model: the cgroup each process was placed in, by mm id (see task_misc_cg). */
  mm_cg = /* @__PURE__ */ new Map();
  constructor(ids) {
    this.root = new misc_cg(0, "", null, ids(), ids());
    this.all.push(this.root);
  }
  /** The cgroup at `path` ("" or "/" is the root). */
  lookup(path) {
    const p = path.replace(/^\/+|\/+$/g, "");
    return this.all.find((c) => c.name === p);
  }
};
function misc_cg_root(m) {
  return m.misc.root;
}
function css_next_descendant_pre(pos, root) {
  if (!pos) return root;
  if (pos.children.length) return pos.children[0];
  for (let p = pos; p !== root; p = p.parent) {
    const sib = p.parent.children;
    const i = sib.indexOf(p);
    if (i + 1 < sib.length) return sib[i + 1];
  }
  return null;
}
function descendants_pre(root) {
  const out2 = [];
  for (let p = css_next_descendant_pre(null, root); p; p = css_next_descendant_pre(p, root)) out2.push(p);
  return out2;
}
function misc_cg_create(m, parent, name) {
  const path = parent.name ? `${parent.name}/${name}` : name;
  const cg = new misc_cg(m.misc.all.length, path, parent, m.newId(), m.newId());
  m.misc.all.push(cg);
  parent.children.push(cg);
  m.misc.ops?.alloc?.(m, cg);
  return cg;
}
function misc_cg_set_capacity(m, capacity) {
  m.misc.capacity = capacity;
}
function misc_cg_set_ops(m, ops) {
  m.misc.ops = ops;
}
function* misc_cg_try_charge(m, cg, amount) {
  const capacity = m.misc.capacity;
  if (!capacity) return -EINVAL;
  if (!amount) return 0;
  let i = cg;
  for (; i; i = i.parent) {
    const res = i.res;
    if (m.interleaveAll) yield withSite(res.usage.wr);
    res.usage.v += amount;
    const new_usage = res.usage.v;
    if (new_usage > res.max || new_usage > capacity) break;
    if (new_usage > res.watermark) res.watermark = new_usage;
  }
  if (!i) return 0;
  for (let j = i; j; j = j.parent) j.res.events++;
  cg.res.events_local++;
  for (let j = cg; j !== i; j = j.parent) yield* misc_cg_cancel_charge(m, j, amount);
  yield* misc_cg_cancel_charge(m, i, amount);
  return -EBUSY;
}
function* misc_cg_cancel_charge(m, cg, amount) {
  if (m.interleaveAll) yield withSite(cg.res.usage.wr);
  cg.res.usage.v -= amount;
  if (cg.res.usage.v < 0)
    m.warn(
      "misc_uncharge_negative",
      `misc cgroup resource ${MISC_CG_RES_SGX_EPC} became less than 0 in ${cg.name || "/"}`
    );
}
function* misc_cg_uncharge(m, cg, amount) {
  for (let i = cg; i; i = i.parent) yield* misc_cg_cancel_charge(m, i, amount);
}
function css_get(m, cg) {
  if (cg.freed) m.bug(`KASAN: use-after-free of struct misc_cg ${cg.name || "/"} (css_get)`);
  if (cg.refcnt <= 0) m.warn("css_get", `css_get on ${cg.name || "/"} with refcnt ${cg.refcnt}`);
  cg.refcnt++;
}
function css_tryget(m, cg) {
  if (cg.freed) m.bug(`KASAN: use-after-free of struct misc_cg ${cg.name || "/"} (css_tryget)`);
  if (cg.refcnt <= 0) return false;
  cg.refcnt++;
  return true;
}
function* css_put(m, cg) {
  if (m.interleaveAll) yield withSite(cg.css);
  if (cg.refcnt <= 0) m.warn("css_put", `css_put on ${cg.name || "/"} with refcnt ${cg.refcnt} (underflow)`);
  if (--cg.refcnt !== 0) return;
  const task = m.newTask("kworker/css_free", PF_KTHREAD, null);
  yield withSite({
    kind: "spawn",
    thread: { task, body: () => misc_cg_free(m, cg), kind: "kthread", cpu: -1 }
  });
}
function* misc_cg_free(m, cg) {
  if (m.misc.ops?.free) yield* m.misc.ops.free(m, cg);
  const siblings = cg.parent?.children;
  if (siblings) siblings.splice(siblings.indexOf(cg), 1);
  m.kfree(cg.res, `struct misc_cg ${cg.name}`);
  m.kfree({ css: cg.css.loc }, `struct misc_cg ${cg.name}`);
  cg.freed = true;
}
function populated(m, cg) {
  return m.tasks.some((t) => t.mm !== null && !t.mm.dead && task_misc_cg(m, t) === cg);
}
function* cgroup_rmdir(m, cg) {
  if (!cg.parent || !cg.online) return -EINVAL;
  if (cg.children.length || populated(m, cg)) return -EBUSY;
  if (m.interleaveAll) yield withSite(cg.css);
  cg.online = false;
  yield* css_put(m, cg);
  return 0;
}
function get_current_misc_cg(m) {
  return task_misc_cg(m, m.current);
}
function task_misc_cg(m, task) {
  const own = task.misc_cg;
  if (own) return own;
  if (task.mm) {
    const id = m.misc.mm_cg.get(task.mm.id);
    if (id !== void 0) return m.misc.all[id];
  }
  return m.misc.root;
}

// src/model/kernel/lib/file.ts
var file = class {
  constructor(private_data, f_op_release) {
    this.private_data = private_data;
    this.f_op_release = f_op_release;
  }
  private_data;
  f_op_release;
  /** f_count: descriptors and mappings referring to the file. */
  f_count = 1;
};
function get_file(f) {
  f.f_count++;
  return f;
}
function* fput(m, f) {
  if (--f.f_count === 0) yield* m.fn[f.f_op_release](m, f.private_data);
}

// src/model/kernel/lib/mm.ts
var VM_READ = 1;
var VM_WRITE = 2;
var VM_EXEC = 4;
var VM_SHARED = 8;
var VM_PFNMAP = 1024;
var VM_IO = 16384;
var VM_DONTCOPY = 131072;
var VM_DONTDUMP = 67108864;
var VM_FAULT_NOPAGE = 256;
var VM_FAULT_SIGBUS = 2;
var VM_FAULT_RETRY = 1024;
var FAULT_FLAG_ALLOW_RETRY = 4;
var vm_area_struct = class {
  constructor(id, vm_mm, vm_start, vm_end, vm_flags, vm_private_data) {
    this.id = id;
    this.vm_mm = vm_mm;
    this.vm_start = vm_start;
    this.vm_end = vm_end;
    this.vm_flags = vm_flags;
    this.vm_private_data = vm_private_data;
    const n = Math.ceil((vm_end - vm_start) / PAGE_SIZE);
    this.pte = new Chunked(n, -1);
    this.young = new Chunked(n);
    this.ptl = { kind: "atomic", loc: { id, cls: "ptl" }, what: "page table lock", write: true };
  }
  id;
  vm_mm;
  vm_start;
  vm_end;
  vm_flags;
  vm_private_data;
  pte;
  young;
  /** Page table lock of this mapping's PTEs: zap, young-bit tests and PFN inserts serialize on it. */
  ptl;
  /** vm_file: the mapped file, with the reference the mapping holds (dropped when the VMA goes). */
  vm_file = null;
  pageOf(addr) {
    return Math.floor((addr - this.vm_start) / PAGE_SIZE);
  }
};
var mm_struct = class {
  constructor(id, name, nrCpus, mmapLockId, usersId) {
    this.id = id;
    this.name = name;
    this.mmap_lock = new rw_semaphore(mmapLockId, "mmap_lock");
    this.mm_users = new atomic_long_t(usersId, "mm_users", 1);
    this.cpumask = new Uint8Array(nrCpus);
  }
  id;
  name;
  mmap_lock;
  mm_users;
  /** mm_cpumask(): CPUs currently running a thread of this mm. */
  cpumask;
  vmas = [];
  notifiers = [];
  /** The memory cgroup of the mm's owner (get_mem_cgroup_from_mm); null = root. */
  memcg = null;
  /** The mm is being torn down (exit_mmap ran). */
  dead = false;
  /**
   * mm_count: references on the struct itself (mmgrab/mmdrop): one for all of mm_users together and
   * one per MMU notifier subscription. The last mmdrop frees the struct (KASAN then watches it).
   */
  mm_count = 1;
  /** kfree()d by the last mmdrop. */
  freed = false;
};
function mmap_read_lock(mm) {
  return down_read(mm.mmap_lock);
}
function mmap_read_unlock(mm) {
  return up_read(mm.mmap_lock);
}
function mmgrab(m, mm) {
  if (mm.freed) m.kasanUse(mm, `struct mm_struct ${mm.name}`);
  mm.mm_count++;
}
function mmdrop(m, mm) {
  if (mm.mm_count <= 0) m.warn("mmdrop", `mmdrop on ${mm.name} with mm_count ${mm.mm_count} (underflow)`);
  if (--mm.mm_count === 0) m.kfreeObj(mm, `struct mm_struct ${mm.name}`);
}
function mmu_notifier_register(m, n, mm) {
  mmgrab(m, mm);
  mm.notifiers.push(n);
}
function* mmu_notifier_put(m, mm, free_notifier) {
  yield* free_notifier();
  mmdrop(m, mm);
}
function* mmget_not_zero(m, mm) {
  if (mm.freed) m.kasanUse(mm, `struct mm_struct ${mm.name}`);
  if (m.interleaveAll) yield withSite(mm.mm_users.wr);
  if (mm.mm_users.v === 0) return false;
  mm.mm_users.v++;
  return true;
}
function* __mmput(m, mm) {
  const idx = yield* srcu_read_lock(m, m.mmu_notifier_srcu);
  for (const n of mm.notifiers.slice()) yield* m.fn.sgx_mmu_notifier_release(m, n.owner, mm);
  yield* srcu_read_unlock(m, m.mmu_notifier_srcu, idx);
  const vmas = mm.vmas.splice(0);
  for (const vma of vmas) if (vma.vm_file) yield* fput(m, vma.vm_file);
  mm.dead = true;
  mmdrop(m, mm);
}
function* mmu_notifier_unregister(m, n, mm) {
  if (mm.notifiers.includes(n)) {
    const idx = yield* srcu_read_lock(m, m.mmu_notifier_srcu);
    yield* m.fn.sgx_mmu_notifier_release(m, n.owner, mm);
    yield* srcu_read_unlock(m, m.mmu_notifier_srcu, idx);
    const k = mm.notifiers.indexOf(n);
    if (k >= 0) mm.notifiers.splice(k, 1);
  }
  yield* synchronize_srcu(m, m.mmu_notifier_srcu);
  mmdrop(m, mm);
}
function* mmput(m, mm) {
  yield withSite(mm.mm_users.wr);
  if (--mm.mm_users.v === 0) yield* __mmput(m, mm);
}
function* mmput_async(m, mm) {
  if (m.interleaveAll) yield withSite(mm.mm_users.wr);
  if (--mm.mm_users.v === 0) {
    const task = m.newTask("kworker/mmput", 2097152, null);
    yield withSite({
      kind: "spawn",
      thread: { task, body: () => __mmput(m, mm), kind: "kthread", cpu: -1 }
    });
  }
}
function find_vma(mm, addr) {
  for (const v3 of mm.vmas) if (addr >= v3.vm_start && addr < v3.vm_end) return v3;
  return null;
}
var ZAP_LOCAL = { kind: "work", what: "zap_pte", n: 1 };
function* zap_vma_ptes(m, vma, addr) {
  if (m.interleaveAll) yield withSite(vma.ptl);
  const i = vma.pageOf(addr);
  const had = vma.pte.get(i) >= 0;
  vma.pte.set(i, -1);
  vma.young.set(i, 0);
  if (had) yield* flush_tlb_mm(m, vma.vm_mm);
}
function* vm_munmap(m, mm, vm_file) {
  yield down_write(mm.mmap_lock);
  const gone = mm.vmas.filter((v3) => v3.vm_file === vm_file);
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
function* flush_tlb_mm(m, mm) {
  const self = m.current.cpu;
  const mask = mm.cpumask;
  const targets = [];
  for (let c = 0; c < mask.length; c++) if (mask[c] && c !== self) targets.push(c);
  if (targets.length === 0) {
    yield withSite(ZAP_LOCAL);
    return;
  }
  const op = withSite({ kind: "ipi", why: "tlb_shootdown", targets: targets.length, aex: [] });
  yield op;
  op.aex = m.hw.interrupt(targets);
}
function* ptep_test_and_clear_young(m, vma, addr) {
  if (m.interleaveAll) yield withSite(vma.ptl);
  const i = vma.pageOf(addr);
  if (vma.pte.get(i) < 0) return false;
  const y = vma.young.get(i) === 1;
  if (y) vma.young.set(i, 0);
  return y;
}
function* copy_page_range(m, dst, src) {
  if (m.interleaveAll) yield withSite(src.ptl);
  src.pte.forEachSet((i, pfn) => {
    if (pfn >= 0) dst.pte.set(i, pfn);
  });
}
function* vmf_insert_pfn(m, vma, addr, pfn) {
  if (m.interleaveAll) yield withSite(vma.ptl);
  const i = vma.pageOf(addr);
  if (vma.pte.get(i) < 0) {
    vma.pte.set(i, pfn);
    vma.young.set(i, 1);
  }
  return VM_FAULT_NOPAGE;
}

// src/model/kernel/lib/slab.ts
function isLocated(v3) {
  return typeof v3 === "object" && v3 !== null && typeof v3.id === "number" && typeof v3.cls === "string";
}
function embedded(obj) {
  return Object.values(obj).filter(isLocated);
}
function kasan_kfree(freed, obj, what) {
  const locs = embedded(obj);
  if (locs.some((l) => freed.has(l.id))) return false;
  for (const l of locs) freed.set(l.id, what);
  return true;
}

// src/model/kernel/sgx/driver.ts
function sgx_open(m, name) {
  const encl = m.newEncl(name);
  encl.secs = m.encl_pages.alloc(encl.id, -1, 0);
  return encl;
}
function* sgx_release(m, encl) {
  for (; ; ) {
    yield spin_lock(encl.mm_lock);
    const encl_mm = encl.mm_list.length ? encl.mm_list.shift() : null;
    yield spin_unlock(encl.mm_lock);
    if (!encl_mm) break;
    yield* synchronize_srcu(m, encl.srcu);
    yield* mmu_notifier_unregister(m, encl_mm.notifier, encl_mm.mm);
    m.kfreeObj(encl_mm, "struct sgx_encl_mm");
    yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
  }
  yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
}
function* sgx_encl_may_map(m, encl, start, end, vm_flags) {
  if ((yield* test_bit(m, SGX_ENCL_INITIALIZED, encl.flags)) && (start < encl.base || end > encl.base + encl.size))
    return -EACCES;
  const prot = vm_flags & 7;
  const E = m.encl_pages;
  let ret = 0;
  let count = 0;
  let walked = 0;
  yield mutex_lock(encl.lock);
  for (const i of encl.page_array.indices((start - encl.base) / PAGE_SIZE, (end - encl.base) / PAGE_SIZE)) {
    const e = encl.page_array.get(i);
    walked++;
    if (~E.vm_max_prot_bits.a[e] & prot) {
      ret = -EACCES;
      break;
    }
    if (!(++count % m.c.XA_CHECK_SCHED)) {
      yield* m.work("xa_walk", walked);
      walked = 0;
      yield mutex_unlock(encl.lock);
      yield* cond_resched(m);
      yield mutex_lock(encl.lock);
    }
  }
  if (walked) yield* m.work("xa_walk", walked);
  yield mutex_unlock(encl.lock);
  return ret;
}
function* sgx_mmap(m, encl, mm, start, end, vm_flags) {
  let ret = yield* m.fn.sgx_encl_may_map(m, encl, start, end, vm_flags);
  if (ret) return ret;
  ret = yield* m.fn.sgx_encl_mm_add(m, encl, mm);
  if (ret) return ret;
  const vma = new vm_area_struct(m.newId(), mm, start, end, vm_flags, encl);
  mm.vmas.push(vma);
  return vma;
}
var driver_c = {
  sgx_open,
  sgx_release,
  sgx_encl_may_map,
  sgx_mmap
};

// src/model/kernel/lib/kmemleak.ts
var ALLOCATOR = /^(freeListTakeFirst|__sgx_alloc_epc_page|__sgx_alloc_epc_page_from_node|kmemleak_alloc)$/;
function kmemleak_alloc(m, page) {
  if (!siteCapture.on) return;
  m.kmemleak_sites.set(page, callChain(ALLOCATOR));
}
function callChain(skip2) {
  return modelFrames(new Error().stack ?? "").filter((f) => !skip2.test(f.fn) && f.fn !== "callChain").slice(0, 3).map((f) => `${f.fn} (${f.file.split("/").pop()}:${f.line})`).join(" < ");
}
var objectSites = /* @__PURE__ */ new WeakMap();
function kmemleak_alloc_object(m, obj) {
  if (!siteCapture.on) return;
  let sites = objectSites.get(m);
  if (!sites) objectSites.set(m, sites = /* @__PURE__ */ new Map());
  sites.set(obj, callChain(OBJECT_HELPERS));
}
var OBJECT_HELPERS = /^(kmemleak_alloc_object|newVaPage)$/;
function allocatedAt(m, obj) {
  const site = objectSites.get(m)?.get(obj);
  return site ? `
  allocated: ${site}` : "";
}

// src/model/kernel/sgx/encl.ts
var PCMD_FIRST_MASK = 31;
var VM_ACCESS_FLAGS = VM_READ | VM_WRITE | VM_EXEC;
function reclaimer_writing_to_pcmd(m, encl, start) {
  const E = m.encl_pages;
  for (let i = 0; i < PCMDS_PER_PAGE; i++) {
    const index = start + i;
    if (index === encl.size / PAGE_SIZE) break;
    const entry = encl.page_array.get(index);
    if (entry === XA_EMPTY) continue;
    if (E.epc_page.a[entry] >= 0 && E.getDesc(entry) & SGX_ENCL_PAGE_BEING_RECLAIMED) return true;
  }
  return false;
}
function sgx_encl_get_backing_page_pcmd_offset(_m, encl, page_index) {
  const epc_end_off = encl.size + PAGE_SIZE;
  return epc_end_off + page_index * PCMD_SIZE;
}
function* sgx_encl_truncate_backing_page(m, encl, page_index) {
  yield* m.work("shmem_truncate", 1);
  shmem_truncate_page(m, encl.backing, page_index);
}
function* __sgx_encl_eldu(m, encl_page, epc_page, secs_page) {
  const E = m.encl_pages;
  const va_offset = E.getDesc(encl_page) & SGX_ENCL_PAGE_VA_OFFSET_MASK;
  const encl = m.enclOf(encl_page);
  const page_index = secs_page >= 0 ? E.index.a[encl_page] : encl.size / PAGE_SIZE;
  const pcmd_first_page = page_index & ~PCMD_FIRST_MASK;
  const page_pcmd_off = m.fn.sgx_encl_get_backing_page_pcmd_offset(m, encl, page_index);
  const b = yield* m.fn.sgx_encl_lookup_backing(m, encl, page_index);
  if (!b) return -EFAULT;
  const va_page = m.vaPageOf(encl_page);
  const lin = secs_page >= 0 ? E.index.a[encl_page] : -1;
  let ret = yield* m.encls(
    "ELDU",
    epc_page,
    () => m.hw.ELDU(
      epc_page,
      secs_page,
      lin,
      va_page.epc_page,
      va_offset >> 3,
      b.contents,
      b.pcmd,
      b.pcmd_offset / PCMD_SIZE
    )
  );
  if (ret) {
    if (encls_failed(ret)) m.ENCLS_WARN(ret, "ELDU");
    ret = -EFAULT;
  }
  pcmdZero(m.kasanUse(b.pcmd, "the PCMD page (a freed shmem page)"), b.pcmd_offset / PCMD_SIZE);
  b.pcmd.dirty = true;
  const pcmd_page_empty = pcmdPageEmpty(b.pcmd);
  const pcmd = b.pcmd;
  pcmd.refs++;
  m.fn.sgx_encl_put_backing(m, b);
  yield* m.fn.sgx_encl_truncate_backing_page(m, encl, page_index);
  if (pcmd_page_empty && !m.fn.reclaimer_writing_to_pcmd(m, encl, pcmd_first_page)) {
    yield* m.fn.sgx_encl_truncate_backing_page(m, encl, Math.floor(page_pcmd_off / PAGE_SIZE));
    if (!pcmdPageEmpty(pcmd)) m.warn("pcmd_not_empty", "PCMD page not empty after truncate.");
  }
  put_page(pcmd);
  return ret;
}
function* sgx_encl_eldu(m, encl_page, secs_page) {
  const E = m.encl_pages;
  const va_offset = E.getDesc(encl_page) & SGX_ENCL_PAGE_VA_OFFSET_MASK;
  const encl = m.enclOf(encl_page);
  const epc_page = yield* m.fn.sgx_alloc_epc_page(m, encl_page, false);
  if (IS_ERR(epc_page)) return epc_page;
  const ret = yield* m.fn.__sgx_encl_eldu(m, encl_page, epc_page, secs_page);
  if (ret) {
    yield* m.fn.sgx_encl_free_epc_page(m, epc_page);
    return ret;
  }
  const va_page = m.vaPageOf(encl_page);
  m.fn.sgx_free_va_slot(m, va_page, va_offset);
  const at2 = encl.va_pages.indexOf(va_page);
  if (at2 > 0) {
    encl.va_pages.splice(at2, 1);
    encl.va_pages.unshift(va_page);
  }
  E.setDesc(encl_page, E.desc.a[encl_page] & ~SGX_ENCL_PAGE_VA_OFFSET_MASK);
  E.epc_page.a[encl_page] = epc_page;
  return epc_page;
}
function* sgx_encl_load_secs(m, encl) {
  let epc_page = m.encl_pages.epc_page.a[encl.secs];
  if (epc_page < 0) epc_page = yield* m.fn.sgx_encl_eldu(m, encl.secs, -1);
  return epc_page;
}
function* __sgx_encl_load_page(m, encl, entry) {
  const E = m.encl_pages;
  if (E.epc_page.a[entry] >= 0) {
    if (E.getDesc(entry) & SGX_ENCL_PAGE_BEING_RECLAIMED) return -EBUSY;
    return entry;
  }
  let epc_page = yield* m.fn.sgx_encl_load_secs(m, encl);
  if (IS_ERR(epc_page)) return epc_page;
  epc_page = yield* m.fn.sgx_encl_eldu(m, entry, E.epc_page.a[encl.secs]);
  if (IS_ERR(epc_page)) return epc_page;
  encl.secs_child_cnt++;
  yield* m.fn.sgx_mark_page_reclaimable(m, E.epc_page.a[entry]);
  return entry;
}
function* sgx_encl_load_page_in_vma(m, encl, index, vm_flags) {
  const vm_prot_bits = vm_flags & VM_ACCESS_FLAGS;
  const entry = encl.page_array.get(index);
  if (entry === XA_EMPTY) return -EFAULT;
  if ((m.encl_pages.vm_max_prot_bits.a[entry] & vm_prot_bits) !== vm_prot_bits) return -EFAULT;
  return yield* m.fn.__sgx_encl_load_page(m, encl, entry);
}
function* sgx_encl_load_page(m, encl, index) {
  const entry = encl.page_array.get(index);
  if (entry === XA_EMPTY) return -EFAULT;
  return yield* m.fn.__sgx_encl_load_page(m, encl, entry);
}
function* sgx_vma_fault(m, vma, addr) {
  const encl = vma.vm_private_data;
  if (!encl) return VM_FAULT_SIGBUS;
  const index = (addr - encl.base) / PAGE_SIZE;
  if (m.c.sgx2) {
    const e = yield* m.xaLoadUnlocked(encl.page_array, index);
    if (e === XA_EMPTY) return yield* m.fn.sgx_encl_eaug_page(m, vma, encl, addr);
  }
  yield mutex_lock(encl.lock);
  const entry = yield* m.fn.sgx_encl_load_page_in_vma(m, encl, index, vma.vm_flags);
  if (IS_ERR(entry)) {
    yield mutex_unlock(encl.lock);
    if (entry === -EBUSY) return VM_FAULT_NOPAGE;
    return VM_FAULT_SIGBUS;
  }
  const ret = yield* vmf_insert_pfn(m, vma, addr, m.encl_pages.epc_page.a[entry]);
  if (ret !== VM_FAULT_NOPAGE) {
    yield mutex_unlock(encl.lock);
    return VM_FAULT_SIGBUS;
  }
  yield* m.fn.sgx_encl_test_and_clear_young(m, vma.vm_mm, entry);
  yield mutex_unlock(encl.lock);
  return VM_FAULT_NOPAGE;
}
function* sgx_encl_eaug_page(m, vma, encl, addr) {
  const E = m.encl_pages;
  let vmret = VM_FAULT_SIGBUS;
  if (!(yield* test_bit(m, SGX_ENCL_INITIALIZED, encl.flags))) return VM_FAULT_SIGBUS;
  const encl_page = m.fn.sgx_encl_page_alloc(m, encl, addr - encl.base, VM_READ | VM_WRITE | VM_EXEC);
  const index = E.index.a[encl_page];
  yield mutex_lock(encl.lock);
  let epc_page = yield* m.fn.sgx_encl_load_secs(m, encl);
  if (IS_ERR(epc_page)) {
    if (epc_page === -EBUSY) vmret = VM_FAULT_NOPAGE;
    yield mutex_unlock(encl.lock);
    E.alive.a[encl_page] = 0;
    return vmret;
  }
  epc_page = yield* m.fn.sgx_alloc_epc_page(m, encl_page, false);
  if (IS_ERR(epc_page)) {
    if (epc_page === -EBUSY) vmret = VM_FAULT_NOPAGE;
    yield mutex_unlock(encl.lock);
    E.alive.a[encl_page] = 0;
    return vmret;
  }
  const va_page = yield* m.fn.sgx_encl_grow(m, encl, false);
  if (typeof va_page === "number") {
    if (va_page === -EBUSY) vmret = VM_FAULT_NOPAGE;
    yield* m.fn.sgx_encl_free_epc_page(m, epc_page);
    yield mutex_unlock(encl.lock);
    E.alive.a[encl_page] = 0;
    return vmret;
  }
  if (va_page) encl.va_pages.unshift(va_page);
  let ret = yield* xa_insert(m, encl.page_array, index, encl_page);
  if (!ret) {
    const secs = E.epc_page.a[encl.secs];
    ret = yield* m.encls("EAUG", epc_page, () => m.hw.EAUG(epc_page, secs, index));
    if (!ret) {
      E.epc_page.a[encl_page] = epc_page;
      E.type.a[encl_page] = SGX_PAGE_TYPE_REG;
      encl.secs_child_cnt++;
      yield* m.fn.sgx_mark_page_reclaimable(m, epc_page);
      vmret = yield* vmf_insert_pfn(m, vma, addr, epc_page);
      yield mutex_unlock(encl.lock);
      return vmret !== VM_FAULT_NOPAGE ? VM_FAULT_SIGBUS : VM_FAULT_NOPAGE;
    }
    yield* xa_erase(m, encl.page_array, index);
  }
  yield* m.fn.sgx_encl_shrink(m, encl, va_page);
  yield* m.fn.sgx_encl_free_epc_page(m, epc_page);
  yield mutex_unlock(encl.lock);
  E.alive.a[encl_page] = 0;
  return vmret;
}
function* sgx_vma_open(m, vma) {
  const encl = vma.vm_private_data;
  if (!encl) return;
  if (yield* m.fn.sgx_encl_mm_add(m, encl, vma.vm_mm)) vma.vm_private_data = null;
}
function* sgx_encl_release(m, encl) {
  const E = m.encl_pages;
  const xa = encl.page_array;
  let count = 0;
  yield* m.mark("encl_release", encl.id);
  yield spin_lock(xa.xa_lock);
  for (const index of xa.indices(0, encl.size / PAGE_SIZE)) {
    const entry = xa.get(index);
    if (entry === XA_EMPTY) continue;
    const epc_page = E.epc_page.a[entry];
    if (epc_page >= 0) {
      if (yield* m.fn.sgx_unmark_page_reclaimable(m, epc_page)) continue;
      yield* m.fn.sgx_encl_free_epc_page(m, epc_page);
      encl.secs_child_cnt--;
      E.epc_page.a[entry] = -1;
    }
    E.alive.a[entry] = 0;
    if (!(++count % m.c.XA_CHECK_SCHED)) {
      yield spin_unlock(xa.xa_lock);
      yield* cond_resched(m);
      yield spin_lock(xa.xa_lock);
    }
  }
  yield spin_unlock(xa.xa_lock);
  xa_destroy(xa);
  const secs = E.epc_page.a[encl.secs];
  if (!encl.secs_child_cnt && secs >= 0) {
    yield* m.fn.sgx_encl_free_epc_page(m, secs);
    E.epc_page.a[encl.secs] = -1;
  }
  while (encl.va_pages.length > 0) {
    const va_page = encl.va_pages.shift();
    yield* m.fn.sgx_encl_free_epc_page(m, va_page.epc_page);
    va_page.epc_page = -1;
    m.kfreeObj(va_page, `struct sgx_va_page #${va_page.id}`);
  }
  if (encl.backing) m.fput(encl.backing);
  cleanup_srcu_struct(m, encl.srcu);
  if (encl.mm_list.length) m.warn("release_mm_list", "WARN_ON_ONCE(!list_empty(&encl->mm_list))");
  if (encl.secs_child_cnt)
    m.warn("release_leak", `WARN_ON_ONCE(encl->secs_child_cnt) = ${encl.secs_child_cnt}`);
  if (E.epc_page.a[encl.secs] >= 0) m.warn("release_leak", "WARN_ON_ONCE(encl->secs.epc_page)");
  E.alive.a[encl.secs] = 0;
  m.kfreeObj(encl, `struct sgx_encl ${encl.name || encl.id}`);
}
function* sgx_mmu_notifier_release(m, encl_mm, mm) {
  const encl = encl_mm.encl;
  let found = false;
  yield spin_lock(encl.mm_lock);
  const i = encl.mm_list.indexOf(encl_mm);
  if (i >= 0) {
    encl.mm_list.splice(i, 1);
    found = true;
  }
  yield spin_unlock(encl.mm_lock);
  if (found) {
    yield* synchronize_srcu(m, encl.srcu);
    yield* mmu_notifier_put(m, mm, () => m.fn.sgx_mmu_notifier_free(m, encl_mm));
  }
}
function* sgx_mmu_notifier_free(m, encl_mm) {
  const encl = encl_mm.encl;
  const mm = encl_mm.mm;
  const k = mm.notifiers.indexOf(encl_mm.notifier);
  if (k >= 0) mm.notifiers.splice(k, 1);
  yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
  m.kfreeObj(encl_mm, "struct sgx_encl_mm");
}
function* sgx_encl_find_mm(m, encl, mm) {
  const idx = yield* srcu_read_lock(m, encl.srcu);
  const found = encl.mm_list.find((e) => e.mm === mm) ?? null;
  yield* srcu_read_unlock(m, encl.srcu, idx);
  return found;
}
function* sgx_encl_mm_add(m, encl, mm) {
  if (m.debugLocks && mm.mmap_lock.owner !== m.current.pid)
    m.bug("sgx_encl_mm_add without mmap_lock held for write");
  if (yield* m.fn.sgx_encl_find_mm(m, encl, mm)) return 0;
  const encl_mm = new sgx_encl_mm(encl, mm);
  m.encl_mms.push(encl_mm);
  kmemleak_alloc_object(m, encl_mm);
  yield* kref_get(m, encl.refcount);
  encl_mm.notifier = { owner: encl_mm };
  mmu_notifier_register(m, encl_mm.notifier, mm);
  yield spin_lock(encl.mm_lock);
  encl.mm_list.unshift(encl_mm);
  if (m.interleaveAll) yield m.sharedWrite(encl.mm_list_version_loc, "mm_list_version++");
  encl.mm_list_version++;
  yield spin_unlock(encl.mm_lock);
  return 0;
}
function* sgx_encl_cpumask(m, encl) {
  const cpumask = encl.cpumask;
  cpumask.fill(0);
  const idx = yield* srcu_read_lock(m, encl.srcu);
  for (const encl_mm of encl.mm_list.slice()) {
    if (!(yield* mmget_not_zero(m, mmOf(m, encl_mm)))) continue;
    if (m.interleaveAll) yield m.sharedRead(m.locs.mm_cpumask, mmOf(m, encl_mm).id, "mm_cpumask");
    const mc = mmOf(m, encl_mm).cpumask;
    for (let c = 0; c < mc.length; c++) if (mc[c]) cpumask[c] = 1;
    yield* mmput_async(m, mmOf(m, encl_mm));
  }
  yield* srcu_read_unlock(m, encl.srcu, idx);
  return cpumask;
}
function mmOf(m, encl_mm) {
  return m.kasanUse(encl_mm, "struct sgx_encl_mm").mm;
}
function* __sgx_encl_get_backing(m, encl, page_index) {
  const page_pcmd_off = m.fn.sgx_encl_get_backing_page_pcmd_offset(m, encl, page_index);
  const contents = yield* shmem_read_mapping_page(m, encl.backing, page_index);
  if (!contents) return null;
  const pcmd = yield* shmem_read_mapping_page(m, encl.backing, Math.floor(page_pcmd_off / PAGE_SIZE));
  if (!pcmd) {
    put_page(contents);
    return null;
  }
  return { contents, pcmd, pcmd_offset: page_pcmd_off % PAGE_SIZE };
}
function* sgx_encl_get_mem_cgroup(m, encl) {
  if (!m.fn.current_is_ksgxd(m)) return m.current.mm?.memcg ?? null;
  let memcg = null;
  const idx = yield* srcu_read_lock(m, encl.srcu);
  for (const encl_mm of encl.mm_list.slice()) {
    if (!(yield* mmget_not_zero(m, mmOf(m, encl_mm)))) continue;
    memcg = mmOf(m, encl_mm).memcg;
    yield* mmput_async(m, mmOf(m, encl_mm));
    break;
  }
  yield* srcu_read_unlock(m, encl.srcu, idx);
  return memcg;
}
function* sgx_encl_alloc_backing(m, encl, page_index) {
  const encl_memcg = yield* m.fn.sgx_encl_get_mem_cgroup(m, encl);
  const memcg = m.current.active_memcg;
  m.current.active_memcg = encl_memcg;
  const b = yield* m.fn.__sgx_encl_get_backing(m, encl, page_index);
  m.current.active_memcg = memcg;
  return b;
}
function* sgx_encl_lookup_backing(m, encl, page_index) {
  return yield* m.fn.__sgx_encl_get_backing(m, encl, page_index);
}
function sgx_encl_put_backing(_m, backing) {
  put_page(backing.pcmd);
  put_page(backing.contents);
}
function* sgx_encl_test_and_clear_young(m, mm, page) {
  const addr = m.enclPageAddr(page);
  const encl = m.enclOf(page);
  yield* m.work("test_young", 1);
  const vma = find_vma(mm, addr);
  if (!vma) return false;
  if (encl !== vma.vm_private_data) return false;
  return yield* ptep_test_and_clear_young(m, vma, addr);
}
function sgx_encl_page_alloc(m, encl, offset, prot) {
  const entry = m.encl_pages.alloc(encl.id, offset / PAGE_SIZE, prot);
  kmemleak_alloc_object(m, entry);
  return entry;
}
function* sgx_zap_enclave_ptes(m, encl, addr) {
  let mm_list_version;
  do {
    if (m.interleaveAll) yield m.sharedRead(encl.mm_list_version_loc, -1, "mm_list_version");
    mm_list_version = encl.mm_list_version;
    const idx = yield* srcu_read_lock(m, encl.srcu);
    for (const encl_mm of encl.mm_list.slice()) {
      if (!(yield* mmget_not_zero(m, mmOf(m, encl_mm)))) continue;
      yield mmap_read_lock(mmOf(m, encl_mm));
      const vma = find_vma(mmOf(m, encl_mm), addr);
      if (vma && encl === vma.vm_private_data) yield* zap_vma_ptes(m, vma, addr);
      yield mmap_read_unlock(mmOf(m, encl_mm));
      yield* mmput_async(m, mmOf(m, encl_mm));
    }
    yield* srcu_read_unlock(m, encl.srcu, idx);
    if (m.interleaveAll) yield m.sharedRead(encl.mm_list_version_loc, -1, "mm_list_version");
  } while (encl.mm_list_version !== mm_list_version);
}
function* sgx_alloc_va_page(m, reclaim) {
  const epc_page = yield* m.fn.sgx_alloc_epc_page(m, OWNER_NULL, reclaim);
  if (IS_ERR(epc_page)) return epc_page;
  const ret = yield* m.encls("EPA", epc_page, () => m.hw.EPA(epc_page));
  if (ret) {
    m.warn("epa", `EPA returned ${ret} (0x${ret.toString(16)})`);
    yield* m.fn.sgx_encl_free_epc_page(m, epc_page);
    return -EFAULT;
  }
  return epc_page;
}
function sgx_alloc_va_slot(_m, va_page) {
  const slot = va_page.slots.indexOf(0);
  const s = slot < 0 ? SGX_VA_SLOT_COUNT : slot;
  if (s < SGX_VA_SLOT_COUNT) {
    va_page.slots[s] = 1;
    va_page.used++;
  }
  return s << 3;
}
function sgx_free_va_slot(_m, va_page, offset) {
  const s = offset >> 3;
  if (va_page.slots[s]) {
    va_page.slots[s] = 0;
    va_page.used--;
  }
}
function sgx_va_page_full(_m, va_page) {
  return va_page.used >= SGX_VA_SLOT_COUNT;
}
function* sgx_encl_free_epc_page(m, page) {
  if (m.pages.flags.get(page) & SGX_EPC_PAGE_RECLAIMER_TRACKED)
    m.warn("free_tracked", `WARN_ON_ONCE(page->flags & SGX_EPC_PAGE_RECLAIMER_TRACKED) page ${page}`);
  const ret = yield* m.encls("EREMOVE", page, () => m.hw.EREMOVE(page));
  if (ret) {
    m.warn("eremove", `EREMOVE returned ${ret} (0x${ret.toString(16)}) and an EPC page was leaked.`);
    return;
  }
  yield* m.fn.sgx_free_epc_page(m, page);
}
function newVaPage(m, epc_page) {
  const v3 = new sgx_va_page(m.va_pages.length, epc_page);
  m.va_pages.push(v3);
  kmemleak_alloc_object(m, v3);
  return v3;
}
var encl_c = {
  reclaimer_writing_to_pcmd,
  sgx_encl_get_backing_page_pcmd_offset,
  sgx_encl_truncate_backing_page,
  __sgx_encl_eldu,
  sgx_encl_eldu,
  sgx_encl_load_secs,
  __sgx_encl_load_page,
  sgx_encl_load_page_in_vma,
  sgx_encl_load_page,
  sgx_encl_eaug_page,
  sgx_vma_fault,
  sgx_vma_open,
  sgx_encl_release,
  sgx_mmu_notifier_release,
  sgx_mmu_notifier_free,
  sgx_encl_find_mm,
  sgx_encl_mm_add,
  sgx_encl_cpumask,
  __sgx_encl_get_backing,
  sgx_encl_get_mem_cgroup,
  sgx_encl_alloc_backing,
  sgx_encl_lookup_backing,
  sgx_encl_put_backing,
  sgx_encl_test_and_clear_young,
  sgx_encl_page_alloc,
  sgx_zap_enclave_ptes,
  sgx_alloc_va_page,
  sgx_alloc_va_slot,
  sgx_free_va_slot,
  sgx_va_page_full,
  sgx_encl_free_epc_page
};

// src/model/kernel/lib/workqueue.ts
var workqueue_struct = class {
  constructor(id, name) {
    this.id = id;
    this.name = name;
  }
  id;
  name;
};
var work_struct = class {
  constructor(id, cls, func, owner, doneId) {
    this.id = id;
    this.cls = cls;
    this.func = func;
    this.owner = owner;
    this.op = { kind: "atomic", loc: this, what: `${cls} PENDING`, write: true };
    this.done = new wait_queue_head_t(doneId, `${cls} flush`);
  }
  id;
  cls;
  func;
  owner;
  /** WORK_STRUCT_PENDING: queued and not yet started. */
  pending = false;
  /** A worker is executing the function now. */
  running = false;
  /** The atomic op on the item's data word (test_and_set of PENDING, the worker's updates). */
  op;
  /** Where cancel_work_sync() waits for a running instance (the kernel's flush barrier). */
  done;
};
function* cancel_work_sync(m, work) {
  if (m.interleaveAll) yield withSite(work.op);
  const was = work.pending;
  work.pending = false;
  yield* wait_event(m, work.done, function* () {
    return !work.running;
  });
  return was;
}
function* queue_work(m, wq, work) {
  if (m.interleaveAll) yield withSite(work.op);
  if (work.pending) return false;
  work.pending = true;
  if (work.running) return true;
  work.running = true;
  const task = m.newTask(`kworker/${wq.name}`, PF_KTHREAD, null);
  yield withSite({
    kind: "spawn",
    thread: { task, body: () => process_one_work(m, work), kind: "kthread", cpu: -1 }
  });
  return true;
}
function* process_one_work(m, work) {
  for (; ; ) {
    if (m.interleaveAll) yield withSite(work.op);
    work.pending = false;
    yield* work.func(m, work);
    if (m.interleaveAll) yield withSite(work.op);
    if (!work.pending) {
      work.running = false;
      if (work.done.waiters.length) yield* wake_up(m, work.done);
      return;
    }
  }
}

// src/model/kernel/sgx/epc_cgroup.ts
var sgx_cgroup = class {
  constructor(m, cg) {
    this.cg = cg;
    const label2 = cg.name || "/";
    this.lru = {
      lock: new spinlock_t(m.newId(), "sgx_cgroup->lru.lock"),
      reclaimable: m.pages.newHead(m.newId(), `sgx_cgroup(${label2})->lru.reclaimable`),
      cg: cg.id
    };
    this.reclaim_work = new work_struct(
      m.newId(),
      `sgx_cgroup(${label2})->reclaim_work`,
      reclaim_work_fn,
      this,
      m.newId()
    );
    this.next_cg = this;
    this.next_cg_lock = new spinlock_t(m.newId(), "sgx_cgroup->next_cg_lock");
  }
  cg;
  lru;
  reclaim_work;
  /**
   * The cgroup of the subtree to reclaim from next (round robin over a pre-order walk). Holds no
   * reference (in the kernel a dying cgroup is skipped by sgx_cgroup_next_skip()).
   */
  next_cg;
  next_cg_lock;
};
var SgxCgroupGlobals = class {
  /** sgx_cg_root: the root cgroup's sgx_cgroup. */
  sgx_cg_root = null;
  /** sgx_cg_wq: the unbound workqueue the per-cgroup reclaim work runs on. */
  sgx_cg_wq = null;
};
function sgxcg(m) {
  let g2 = m.misc.epc;
  if (!g2) {
    g2 = new SgxCgroupGlobals();
    m.misc.epc = g2;
  }
  return g2;
}
function SGX_CG_MIN_FREE_PAGE(m) {
  return m.c.SGX_NR_LOW_PAGES;
}
function SGX_CG_LOW_LIMIT(m) {
  return SGX_CG_MIN_FREE_PAGE(m) * 4;
}
function sgx_cgroup_from_misc_cg(cg) {
  return cg.res.priv;
}
function sgx_epc_page_cgroup(m, page) {
  const id = m.pages.sgx_cg.get(page);
  return id < 0 ? null : sgx_cgroup_from_misc_cg(m.misc.all[id]);
}
function sgx_global_lru(m) {
  return { lock: m.sgx.sgx_reclaimer_lock, reclaimable: m.sgx.sgx_active_page_list, cg: -1 };
}
var cgfn = (m) => m.fn;
function sgx_get_current_cg(m) {
  const cg = get_current_misc_cg(m);
  css_get(m, cg);
  return sgx_cgroup_from_misc_cg(cg);
}
function* sgx_put_cg(m, sgx_cg) {
  if (sgx_cg) yield* css_put(m, sgx_cg.cg);
}
function* sgx_cgroup_next_skip(m, sgx_cg) {
  for (let p = sgx_cg.cg.parent; p; p = p.parent) {
    const a = sgx_cgroup_from_misc_cg(p);
    yield spin_lock(a.next_cg_lock);
    if (a.next_cg === sgx_cg) a.next_cg = a;
    yield spin_unlock(a.next_cg_lock);
  }
}
function* sgx_cgroup_free(m, cg) {
  const sgx_cg = sgx_cgroup_from_misc_cg(cg);
  yield* cancel_work_sync(m, sgx_cg.reclaim_work);
  yield* m.fn.sgx_cgroup_next_skip(m, sgx_cg);
  m.kfree(sgx_cg, `struct sgx_cgroup ${cg.name || "/"}`);
  m.kfree(sgx_cg.lru, `struct sgx_cgroup ${cg.name || "/"} (lru)`);
}
function sgx_cgroup_next_descendant_pre(_m, root, cg) {
  const next = css_next_descendant_pre(cg.cg, root.cg);
  return next ? sgx_cgroup_from_misc_cg(next) : root;
}
function* sgx_cgroup_next_get(m, root) {
  yield spin_lock(root.next_cg_lock);
  let p = root.next_cg;
  while (p !== root && !css_tryget(m, p.cg)) p = m.fn.sgx_cgroup_next_descendant_pre(m, root, p);
  root.next_cg = m.fn.sgx_cgroup_next_descendant_pre(m, root, p);
  yield spin_unlock(root.next_cg_lock);
  return p;
}
function* sgx_cgroup_page_counter_read(m, sgx_cg) {
  const usage = sgx_cg.cg.res.usage;
  if (m.interleaveAll) yield withSite(usage.rd);
  return Math.floor(usage.v / PAGE_SIZE);
}
function* sgx_cgroup_max_pages_to_root(m, sgx_cg) {
  let max = Number.POSITIVE_INFINITY;
  for (let i = sgx_cg.cg; i; i = i.parent) {
    if (m.interleaveAll) yield m.sharedRead(i.res.usage, -1, "READ_ONCE(misc max)");
    max = Math.min(max, i.res.max);
  }
  return Math.floor(max / PAGE_SIZE);
}
function* sgx_cgroup_lru_empty(m, root) {
  let ret = true;
  for (let pos = css_next_descendant_pre(null, root); pos; ) {
    if (!css_tryget(m, pos)) {
      pos = css_next_descendant_pre(pos, root);
      continue;
    }
    const sgx_cg = sgx_cgroup_from_misc_cg(pos);
    yield spin_lock(sgx_cg.lru.lock);
    ret = list_empty(m.pages, sgx_cg.lru.reclaimable);
    yield spin_unlock(sgx_cg.lru.lock);
    const next = css_next_descendant_pre(pos, root);
    yield* css_put(m, pos);
    if (!ret) break;
    pos = next;
  }
  return ret;
}
function* sgx_cgroup_reclaim_pages(m, root, charge_mm, nr_to_scan) {
  let cnt = 0;
  while (!(yield* m.fn.sgx_cgroup_lru_empty(m, root.cg)) && cnt < nr_to_scan) {
    const next_cg = yield* m.fn.sgx_cgroup_next_get(m, root);
    cnt += yield* cgfn(m).sgx_reclaim_pages(m, next_cg.lru, charge_mm);
    if (next_cg !== root) yield* m.fn.sgx_put_cg(m, next_cg);
  }
}
function* sgx_cgroup_should_reclaim(m, sgx_cg) {
  if (yield* m.fn.sgx_cgroup_lru_empty(m, sgx_cg.cg)) return false;
  let max = yield* m.fn.sgx_cgroup_max_pages_to_root(m, sgx_cg);
  if (max > SGX_CG_LOW_LIMIT(m)) max -= SGX_CG_MIN_FREE_PAGE(m);
  const cur = yield* m.fn.sgx_cgroup_page_counter_read(m, sgx_cg);
  return cur >= max;
}
function* sgx_cgroup_reclaim_direct(m) {
  const sgx_cg = m.fn.sgx_get_current_cg(m);
  if (yield* m.fn.sgx_cgroup_should_reclaim(m, sgx_cg))
    yield* m.fn.sgx_cgroup_reclaim_pages(m, sgx_cg, m.current.mm, m.c.SGX_NR_TO_SCAN);
  yield* m.fn.sgx_put_cg(m, sgx_cg);
}
function* sgx_cgroup_reclaim_pages_global(m, charge_mm) {
  yield* m.fn.sgx_cgroup_reclaim_pages(m, sgxcg(m).sgx_cg_root, charge_mm, m.c.SGX_NR_TO_SCAN);
}
function* sgx_cgroup_reclaim_work_func(m, work) {
  const root = work.owner;
  while (yield* m.fn.sgx_cgroup_should_reclaim(m, root)) {
    yield* m.fn.sgx_cgroup_reclaim_pages(m, root, null, m.c.SGX_NR_TO_SCAN);
    yield* cond_resched(m);
  }
}
function* __sgx_cgroup_try_charge(m, epc_cg) {
  const r = yield* misc_cg_try_charge(m, epc_cg.cg, PAGE_SIZE);
  if (!r) return 0;
  yield* m.mark("misc_charge_failed", epc_cg.cg.id);
  if (yield* m.fn.sgx_cgroup_lru_empty(m, epc_cg.cg)) return -ENOMEM;
  if (signal_pending(m)) return -ERESTARTSYS;
  return -EBUSY;
}
function* sgx_cgroup_try_charge(m, sgx_cg, reclaim) {
  const cg = sgx_cg;
  for (; ; ) {
    const ret = yield* m.fn.__sgx_cgroup_try_charge(m, cg);
    if (ret !== -EBUSY) return ret;
    if (!reclaim) {
      yield* queue_work(m, sgxcg(m).sgx_cg_wq, cg.reclaim_work);
      return -EBUSY;
    }
    yield* m.fn.sgx_cgroup_reclaim_pages(m, cg, m.current.mm, 1);
    yield* cond_resched(m);
  }
}
function* sgx_cgroup_uncharge(m, sgx_cg) {
  yield* misc_cg_uncharge(m, sgx_cg.cg, PAGE_SIZE);
}
function sgx_cgroup_misc_init(m, cg) {
  const sgx_cg = new sgx_cgroup(m, cg);
  cg.res.priv = sgx_cg;
  return sgx_cg;
}
function sgx_cgroup_alloc(m, cg) {
  m.fn.sgx_cgroup_misc_init(m, cg);
  return 0;
}
var sgx_cgroup_ops_alloc = (m, cg) => m.fn.sgx_cgroup_alloc(m, cg);
var sgx_cgroup_ops_free = (m, cg) => m.fn.sgx_cgroup_free(m, cg);
var reclaim_work_fn = (m, w) => m.fn.sgx_cgroup_reclaim_work_func(m, w);
function sgx_cgroup_wq_init(m) {
  sgxcg(m).sgx_cg_wq = new workqueue_struct(m.newId(), "sgx_cg_wq");
  return 0;
}
function sgx_cgroup_init(m) {
  const root = misc_cg_root(m);
  sgxcg(m).sgx_cg_root = m.fn.sgx_cgroup_misc_init(m, root);
  misc_cg_set_ops(m, { alloc: sgx_cgroup_ops_alloc, free: sgx_cgroup_ops_free });
  let capacity = 0;
  for (const nid of m.sgx.sgx_numa_mask) capacity += m.sgx.sgx_numa_nodes[nid].size;
  misc_cg_set_capacity(m, capacity * PAGE_SIZE);
}
var epc_cgroup_api = {
  sgx_get_current_cg,
  sgx_put_cg,
  sgx_cgroup_try_charge,
  sgx_cgroup_uncharge,
  sgx_cgroup_lru_empty,
  sgx_cgroup_init,
  sgx_cgroup_wq_init,
  sgx_cgroup_reclaim_direct,
  sgx_cgroup_reclaim_pages_global
};
var epc_cgroup_h_stubs = {
  sgx_get_current_cg: (_m) => null,
  *sgx_put_cg(_m, _sgx_cg) {
  },
  *sgx_cgroup_try_charge(_m, _sgx_cg, _reclaim) {
    return 0;
  },
  *sgx_cgroup_uncharge(_m, _sgx_cg) {
  },
  *sgx_cgroup_lru_empty(_m, _root) {
    return true;
  },
  sgx_cgroup_init: (_m) => {
  },
  sgx_cgroup_wq_init: (_m) => 0,
  *sgx_cgroup_reclaim_direct(_m) {
  },
  *sgx_cgroup_reclaim_pages_global(_m, _charge_mm) {
  }
};
var epc_cgroup_c = {
  sgx_cgroup_next_descendant_pre,
  sgx_cgroup_next_get,
  sgx_cgroup_page_counter_read,
  sgx_cgroup_max_pages_to_root,
  sgx_cgroup_reclaim_pages,
  sgx_cgroup_should_reclaim,
  sgx_cgroup_reclaim_work_func,
  __sgx_cgroup_try_charge,
  sgx_cgroup_misc_init,
  sgx_cgroup_alloc,
  sgx_cgroup_free,
  sgx_cgroup_next_skip,
  ...epc_cgroup_h_stubs
};

// src/model/kernel/lib/ipi.ts
function* on_each_cpu_mask(m, mask, why) {
  const targets = [];
  for (let c = 0; c < mask.length; c++) if (mask[c]) targets.push(c);
  const op = withSite({ kind: "ipi", why, targets: targets.length, aex: [] });
  yield op;
  const self = m.current.cpu;
  op.aex = m.hw.interrupt(targets.filter((c) => c !== self));
  return op.aex;
}

// src/model/kernel/sgx/ioctl.ts
var SGX_SECINFO_TCS = 256;
var SGX_SECINFO_REG = 512;
var SGX_SECINFO_TRIM = 1024;
var SGX_SECINFO_PAGE_TYPE_MASK = 65280;
var SGX_PAGE_TYPE_MASK = 255;
var SGX_PAGE_MEASURE = 1;
var SGX_ATTR_DEBUG = 2;
function* sgx_encl_grow(m, encl, reclaim) {
  let va_page = null;
  if (!(encl.page_cnt % SGX_VA_SLOT_COUNT)) {
    const epc_page = yield* m.fn.sgx_alloc_va_page(m, reclaim);
    if (IS_ERR(epc_page)) return epc_page;
    va_page = newVaPage(m, epc_page);
    if (encl.page_cnt % SGX_VA_SLOT_COUNT) m.warn("grow", "WARN_ON_ONCE(encl->page_cnt % SGX_VA_SLOT_COUNT)");
  }
  encl.page_cnt++;
  return va_page;
}
function* sgx_encl_shrink(m, encl, va_page) {
  encl.page_cnt--;
  if (va_page) {
    yield* m.fn.sgx_encl_free_epc_page(m, va_page.epc_page);
    const i = encl.va_pages.indexOf(va_page);
    if (i >= 0) encl.va_pages.splice(i, 1);
    va_page.epc_page = -1;
    m.kfreeObj(va_page, `struct sgx_va_page #${va_page.id}`);
  }
}
function* sgx_encl_create(m, encl, secs) {
  if (secs.size <= 0 || (secs.size & secs.size - 1) !== 0) return -EINVAL;
  const va_page = yield* m.fn.sgx_encl_grow(m, encl, true);
  if (typeof va_page === "number") return va_page;
  if (va_page) encl.va_pages.unshift(va_page);
  const encl_size = secs.size + PAGE_SIZE;
  encl.backing = m.shmem_file_setup("SGX backing", (encl_size + (encl_size >> 5)) / PAGE_SIZE);
  const secs_epc = yield* m.fn.sgx_alloc_epc_page(m, encl.secs, true);
  if (IS_ERR(secs_epc)) {
    m.fput(encl.backing);
    encl.backing = null;
    yield* m.fn.sgx_encl_shrink(m, encl, va_page);
    return secs_epc;
  }
  m.encl_pages.epc_page.a[encl.secs] = secs_epc;
  const out2 = { eid: -1 };
  const ret = yield* m.encls("ECREATE", secs_epc, () => m.hw.ECREATE(secs_epc, out2));
  if (ret) {
    yield* m.fn.sgx_encl_free_epc_page(m, secs_epc);
    m.encl_pages.epc_page.a[encl.secs] = -1;
    m.fput(encl.backing);
    encl.backing = null;
    yield* m.fn.sgx_encl_shrink(m, encl, va_page);
    return -EIO;
  }
  encl.eid = out2.eid;
  if (secs.attributes & SGX_ATTR_DEBUG) yield* set_bit(m, SGX_ENCL_DEBUG, encl.flags);
  m.encl_pages.type.a[encl.secs] = SGX_PAGE_TYPE_SECS;
  encl.base = secs.base;
  encl.size = secs.size;
  encl.attributes = secs.attributes;
  yield* set_bit(m, SGX_ENCL_CREATED, encl.flags);
  return 0;
}
function* __sgx_encl_extend(m, encl, epc_page) {
  const secs = m.encl_pages.epc_page.a[encl.secs];
  for (let offset = 0; offset < PAGE_SIZE; offset += m.c.SGX_EEXTEND_BLOCK_SIZE) {
    const ret = yield* m.encls("EEXTEND", epc_page, () => m.hw.EEXTEND(secs, epc_page));
    if (ret) {
      if (encls_failed(ret)) m.ENCLS_WARN(ret, "EEXTEND");
      return -EIO;
    }
  }
  return 0;
}
function* sgx_encl_add_page(m, encl, srcToken, offset, secinfo, flags) {
  const E = m.encl_pages;
  let prot = 0;
  if (secinfo & SGX_SECINFO_R) prot |= VM_READ;
  if (secinfo & SGX_SECINFO_W) prot |= VM_WRITE;
  if (secinfo & SGX_SECINFO_X) prot |= VM_EXEC;
  if ((secinfo & SGX_SECINFO_PAGE_TYPE_MASK) === SGX_SECINFO_TCS) prot |= VM_READ | VM_WRITE;
  const encl_page = m.fn.sgx_encl_page_alloc(m, encl, offset, prot);
  const epc_page = yield* m.fn.sgx_alloc_epc_page(m, encl_page, true);
  if (IS_ERR(epc_page)) {
    E.alive.a[encl_page] = 0;
    return epc_page;
  }
  const va_page = yield* m.fn.sgx_encl_grow(m, encl, true);
  if (typeof va_page === "number") {
    yield* m.fn.sgx_encl_free_epc_page(m, epc_page);
    E.alive.a[encl_page] = 0;
    return va_page;
  }
  const mm = m.current.mm;
  yield mmap_read_lock(mm);
  yield mutex_lock(encl.lock);
  if (va_page) encl.va_pages.unshift(va_page);
  let ret = yield* xa_insert(m, encl.page_array, offset / PAGE_SIZE, encl_page);
  if (!ret) {
    const type = (secinfo & SGX_SECINFO_PAGE_TYPE_MASK) >> 8;
    const secs = E.epc_page.a[encl.secs];
    const r = yield* m.encls(
      "EADD",
      epc_page,
      () => m.hw.EADD(epc_page, secs, offset / PAGE_SIZE, type, srcToken, secinfo & SGX_SECINFO_PERMISSION_MASK)
    );
    ret = r ? -EIO : 0;
    if (!ret) {
      E.epc_page.a[encl_page] = epc_page;
      E.type.a[encl_page] = type;
      encl.secs_child_cnt++;
      if (flags & SGX_PAGE_MEASURE) ret = yield* m.fn.__sgx_encl_extend(m, encl, epc_page);
      if (!ret) {
        yield* m.fn.sgx_mark_page_reclaimable(m, epc_page);
        yield mutex_unlock(encl.lock);
        yield mmap_read_unlock(mm);
        return 0;
      }
    }
    yield* xa_erase(m, encl.page_array, offset / PAGE_SIZE);
  }
  yield* m.fn.sgx_encl_shrink(m, encl, va_page);
  yield mutex_unlock(encl.lock);
  yield mmap_read_unlock(mm);
  yield* m.fn.sgx_encl_free_epc_page(m, epc_page);
  E.alive.a[encl_page] = 0;
  return ret;
}
function* sgx_ioc_enclave_add_pages(m, encl, arg) {
  if (!(yield* test_bit(m, SGX_ENCL_CREATED, encl.flags)) || (yield* test_bit(m, SGX_ENCL_INITIALIZED, encl.flags)))
    return -EINVAL;
  if (arg.offset % PAGE_SIZE || !arg.length || arg.length % PAGE_SIZE) return -EINVAL;
  if (arg.offset + arg.length - PAGE_SIZE >= encl.size) return -EINVAL;
  let ret = 0;
  let c = 0;
  for (; c < arg.length; c += PAGE_SIZE) {
    if (signal_pending(m)) {
      if (!c) ret = -ERESTARTSYS;
      break;
    }
    yield* cond_resched(m);
    ret = yield* m.fn.sgx_encl_add_page(
      m,
      encl,
      arg.src(c / PAGE_SIZE),
      arg.offset + c,
      arg.secinfo,
      arg.flags
    );
    if (ret) break;
  }
  arg.count = c;
  return ret;
}
function* sgx_encl_init(m, encl) {
  yield mutex_lock(encl.lock);
  const secs = m.encl_pages.epc_page.a[encl.secs];
  let ret = yield* m.encls("EINIT", secs, () => m.hw.EINIT(secs));
  if (encls_faulted(ret)) {
    if (encls_failed(ret)) m.ENCLS_WARN(ret, "EINIT");
    ret = -EIO;
  } else if (ret) {
    ret = -EPERM;
  } else {
    yield* set_bit(m, SGX_ENCL_INITIALIZED, encl.flags);
  }
  yield mutex_unlock(encl.lock);
  return ret;
}
function sgx_validate_offset_length(_m, encl, offset, length) {
  if (offset % PAGE_SIZE || !length || length % PAGE_SIZE) return -EINVAL;
  if (offset + length < offset) return -EINVAL;
  if (offset + length - PAGE_SIZE >= encl.size) return -EINVAL;
  return 0;
}
function* sgx_ioc_sgx2_ready(m, encl) {
  if (!m.c.sgx2) return -ENODEV;
  if (!(yield* test_bit(m, SGX_ENCL_INITIALIZED, encl.flags))) return -EINVAL;
  return 0;
}
function* sgx_enclave_etrack(m, encl) {
  const secs = m.encl_pages.epc_page.a[encl.secs];
  let ret = yield* m.encls("ETRACK", secs, () => m.hw.ETRACK(secs));
  if (ret) {
    m.warn("etrack", `ETRACK returned ${ret} (0x${ret.toString(16)})`);
    yield* on_each_cpu_mask(m, yield* m.fn.sgx_encl_cpumask(m, encl), "sgx_etrack");
    ret = yield* m.encls("ETRACK", secs, () => m.hw.ETRACK(secs));
    if (ret) {
      m.warn("etrack", `ETRACK repeat returned ${ret} (0x${ret.toString(16)})`);
      return -EFAULT;
    }
  }
  yield* on_each_cpu_mask(m, yield* m.fn.sgx_encl_cpumask(m, encl), "sgx_etrack");
  return 0;
}
function* sgx_enclave_restrict_permissions(m, encl, modp) {
  const E = m.encl_pages;
  const perm = modp.permissions & SGX_SECINFO_PERMISSION_MASK;
  let c = 0;
  let ret = 0;
  for (; c < modp.length; c += PAGE_SIZE) {
    const index = (modp.offset + c) / PAGE_SIZE;
    yield* m.fn.sgx_reclaim_direct(m);
    yield mutex_lock(encl.lock);
    const entry = yield* m.fn.sgx_encl_load_page(m, encl, index);
    if (IS_ERR(entry)) {
      ret = entry === -EBUSY ? -EAGAIN : -EFAULT;
      break;
    }
    if (E.type.a[entry] !== SGX_PAGE_TYPE_REG) {
      ret = -EINVAL;
      break;
    }
    const epc_page = E.epc_page.a[entry];
    const r = yield* m.encls("EMODPR", epc_page, () => m.hw.EMODPR(epc_page, perm));
    if (encls_faulted(r)) {
      m.warn("emodpr", `EMODPR encountered exception ${r & 255}`);
      ret = -EFAULT;
      break;
    }
    if (encls_failed(r)) {
      modp.result = r;
      ret = -EFAULT;
      break;
    }
    if (yield* m.fn.sgx_enclave_etrack(m, encl)) {
      ret = -EFAULT;
      break;
    }
    yield mutex_unlock(encl.lock);
  }
  if (ret) yield mutex_unlock(encl.lock);
  modp.count = c;
  return ret;
}
function* sgx_ioc_enclave_restrict_permissions(m, encl, params) {
  const ret = yield* m.fn.sgx_ioc_sgx2_ready(m, encl);
  if (ret) return ret;
  if (m.fn.sgx_validate_offset_length(m, encl, params.offset, params.length)) return -EINVAL;
  if (params.permissions & ~SGX_SECINFO_PERMISSION_MASK) return -EINVAL;
  if (params.permissions & SGX_SECINFO_W && !(params.permissions & SGX_SECINFO_R)) return -EINVAL;
  if (params.result || params.count) return -EINVAL;
  return yield* m.fn.sgx_enclave_restrict_permissions(m, encl, params);
}
function* sgx_enclave_modify_types(m, encl, modt) {
  const E = m.encl_pages;
  const page_type = modt.page_type & SGX_PAGE_TYPE_MASK;
  if (page_type !== SGX_PAGE_TYPE_TCS && page_type !== SGX_PAGE_TYPE_TRIM) return -EINVAL;
  let c = 0;
  let ret = 0;
  let entry = -1;
  let max_prot_restore = 0;
  let entryChanged = false;
  for (; c < modt.length; c += PAGE_SIZE) {
    const index = (modt.offset + c) / PAGE_SIZE;
    yield* m.fn.sgx_reclaim_direct(m);
    yield mutex_lock(encl.lock);
    entry = yield* m.fn.sgx_encl_load_page(m, encl, index);
    if (IS_ERR(entry)) {
      ret = entry === -EBUSY ? -EAGAIN : -EFAULT;
      break;
    }
    const type = E.type.a[entry];
    if (!(type === SGX_PAGE_TYPE_REG || type === SGX_PAGE_TYPE_TCS && page_type === SGX_PAGE_TYPE_TRIM)) {
      ret = -EINVAL;
      break;
    }
    max_prot_restore = E.vm_max_prot_bits.a[entry];
    if (type === SGX_PAGE_TYPE_REG && page_type === SGX_PAGE_TYPE_TCS) {
      if (~E.vm_max_prot_bits.a[entry] & (VM_READ | VM_WRITE)) {
        ret = -EPERM;
        break;
      }
      E.vm_max_prot_bits.a[entry] = VM_READ | VM_WRITE;
      if (yield* m.fn.sgx_unmark_page_reclaimable(m, E.epc_page.a[entry])) {
        ret = -EAGAIN;
        entryChanged = true;
        break;
      }
      yield mutex_unlock(encl.lock);
      yield* m.fn.sgx_zap_enclave_ptes(m, encl, encl.base + index * PAGE_SIZE);
      yield mutex_lock(encl.lock);
      yield* m.fn.sgx_mark_page_reclaimable(m, E.epc_page.a[entry]);
    }
    const epc_page = E.epc_page.a[entry];
    const r = yield* m.encls("EMODT", epc_page, () => m.hw.EMODT(epc_page, page_type));
    if (encls_faulted(r)) {
      m.warn("emodt", `EMODT encountered exception ${r & 255}`);
      ret = -EFAULT;
      entryChanged = true;
      break;
    }
    if (encls_failed(r)) {
      modt.result = r;
      ret = -EFAULT;
      entryChanged = true;
      break;
    }
    if (yield* m.fn.sgx_enclave_etrack(m, encl)) {
      ret = -EFAULT;
      break;
    }
    E.type.a[entry] = page_type;
    yield mutex_unlock(encl.lock);
  }
  if (entryChanged) E.vm_max_prot_bits.a[entry] = max_prot_restore;
  if (ret) yield mutex_unlock(encl.lock);
  modt.count = c;
  return ret;
}
function* sgx_ioc_enclave_modify_types(m, encl, params) {
  const ret = yield* m.fn.sgx_ioc_sgx2_ready(m, encl);
  if (ret) return ret;
  if (m.fn.sgx_validate_offset_length(m, encl, params.offset, params.length)) return -EINVAL;
  if (params.page_type & ~SGX_PAGE_TYPE_MASK) return -EINVAL;
  if (params.result || params.count) return -EINVAL;
  return yield* m.fn.sgx_enclave_modify_types(m, encl, params);
}
function* sgx_encl_remove_pages(m, encl, params) {
  const E = m.encl_pages;
  const rwx = SGX_SECINFO_R | SGX_SECINFO_W | SGX_SECINFO_X;
  let c = 0;
  let ret = 0;
  for (; c < params.length; c += PAGE_SIZE) {
    const index = (params.offset + c) / PAGE_SIZE;
    yield* m.fn.sgx_reclaim_direct(m);
    yield mutex_lock(encl.lock);
    const entry = yield* m.fn.sgx_encl_load_page(m, encl, index);
    if (IS_ERR(entry)) {
      ret = entry === -EBUSY ? -EAGAIN : -EFAULT;
      break;
    }
    if (E.type.a[entry] !== SGX_PAGE_TYPE_TRIM) {
      ret = -EPERM;
      break;
    }
    const epc_page = E.epc_page.a[entry];
    const r = yield* m.encls("EMODPR", epc_page, () => m.hw.EMODPR(epc_page, rwx));
    if (!encls_faulted(r) || (r & 255) !== X86_TRAP_PF) {
      ret = -EPERM;
      break;
    }
    if (yield* m.fn.sgx_unmark_page_reclaimable(m, epc_page)) {
      ret = -EBUSY;
      break;
    }
    yield mutex_unlock(encl.lock);
    yield* m.fn.sgx_zap_enclave_ptes(m, encl, encl.base + index * PAGE_SIZE);
    yield mutex_lock(encl.lock);
    yield* m.fn.sgx_encl_free_epc_page(m, E.epc_page.a[entry]);
    encl.secs_child_cnt--;
    E.epc_page.a[entry] = -1;
    yield* xa_erase(m, encl.page_array, index);
    yield* m.fn.sgx_encl_shrink(m, encl, null);
    E.alive.a[entry] = 0;
    yield mutex_unlock(encl.lock);
  }
  if (ret) yield mutex_unlock(encl.lock);
  params.count = c;
  return ret;
}
function* sgx_ioc_enclave_remove_pages(m, encl, params) {
  const ret = yield* m.fn.sgx_ioc_sgx2_ready(m, encl);
  if (ret) return ret;
  if (m.fn.sgx_validate_offset_length(m, encl, params.offset, params.length)) return -EINVAL;
  if (params.count) return -EINVAL;
  return yield* m.fn.sgx_encl_remove_pages(m, encl, params);
}
function* sgx_ioctl(m, encl, cmd) {
  if (yield* test_and_set_bit(m, SGX_ENCL_IOCTL, encl.flags)) return -EBUSY;
  let ret;
  switch (cmd.cmd) {
    case "SGX_IOC_ENCLAVE_CREATE":
      ret = (yield* test_bit(m, SGX_ENCL_CREATED, encl.flags)) ? -EINVAL : yield* m.fn.sgx_encl_create(m, encl, cmd.secs);
      break;
    case "SGX_IOC_ENCLAVE_ADD_PAGES":
      ret = yield* m.fn.sgx_ioc_enclave_add_pages(m, encl, cmd.arg);
      break;
    case "SGX_IOC_ENCLAVE_INIT":
      ret = !(yield* test_bit(m, SGX_ENCL_CREATED, encl.flags)) || (yield* test_bit(m, SGX_ENCL_INITIALIZED, encl.flags)) ? -EINVAL : yield* m.fn.sgx_encl_init(m, encl);
      break;
    case "SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS":
      ret = yield* m.fn.sgx_ioc_enclave_restrict_permissions(m, encl, cmd.arg);
      break;
    case "SGX_IOC_ENCLAVE_MODIFY_TYPES":
      ret = yield* m.fn.sgx_ioc_enclave_modify_types(m, encl, cmd.arg);
      break;
    case "SGX_IOC_ENCLAVE_REMOVE_PAGES":
      ret = yield* m.fn.sgx_ioc_enclave_remove_pages(m, encl, cmd.arg);
      break;
    default:
      ret = -ENOTTY;
      break;
  }
  yield* clear_bit(m, SGX_ENCL_IOCTL, encl.flags);
  return ret;
}
var ioctl_c = {
  sgx_encl_grow,
  sgx_encl_shrink,
  sgx_encl_create,
  __sgx_encl_extend,
  sgx_encl_add_page,
  sgx_ioc_enclave_add_pages,
  sgx_encl_init,
  sgx_validate_offset_length,
  sgx_ioc_sgx2_ready,
  sgx_enclave_etrack,
  sgx_enclave_restrict_permissions,
  sgx_ioc_enclave_restrict_permissions,
  sgx_enclave_modify_types,
  sgx_ioc_enclave_modify_types,
  sgx_encl_remove_pages,
  sgx_ioc_enclave_remove_pages,
  sgx_ioctl
};

// src/model/kernel/sgx/main.ts
function secsIndex(encl) {
  return encl.size / 4096;
}
function* sgx_reclaimer_age(m, epc_page) {
  const page = m.pages.owner.get(epc_page);
  const encl = m.enclOf(page);
  let ret = true;
  const idx = yield* srcu_read_lock(m, encl.srcu);
  for (const encl_mm of encl.mm_list.slice()) {
    if (!(yield* mmget_not_zero(m, mmOf(m, encl_mm)))) continue;
    yield mmap_read_lock(mmOf(m, encl_mm));
    ret = !(yield* m.fn.sgx_encl_test_and_clear_young(m, mmOf(m, encl_mm), page));
    yield mmap_read_unlock(mmOf(m, encl_mm));
    yield* mmput_async(m, mmOf(m, encl_mm));
    if (!ret) break;
  }
  yield* srcu_read_unlock(m, encl.srcu, idx);
  return ret;
}
function* sgx_reclaimer_block(m, epc_page) {
  const page = m.pages.owner.get(epc_page);
  const encl = m.enclOf(page);
  const addr = m.enclPageAddr(page);
  yield* m.fn.sgx_zap_enclave_ptes(m, encl, addr);
  yield mutex_lock(encl.lock);
  const ret = yield* m.encls("EBLOCK", epc_page, () => m.hw.EBLOCK(epc_page));
  if (encls_failed(ret)) m.ENCLS_WARN(ret, "EBLOCK");
  yield mutex_unlock(encl.lock);
}
function* __sgx_encl_ewb(m, epc_page, va_epc, va_offset, backing) {
  const ret = yield* m.encls(
    "EWB",
    epc_page,
    () => m.hw.EWB(epc_page, va_epc, va_offset >> 3, backing.contents, backing.pcmd, backing.pcmd_offset / 128)
  );
  backing.pcmd.dirty = true;
  backing.contents.dirty = true;
  return ret;
}
function* sgx_encl_ewb(m, epc_page, backing) {
  const encl_page = m.pages.owner.get(epc_page);
  const encl = m.enclOf(encl_page);
  const E = m.encl_pages;
  E.setDesc(encl_page, E.desc.a[encl_page] & ~SGX_ENCL_PAGE_BEING_RECLAIMED);
  const va_page = encl.va_pages[0];
  const va_offset = m.fn.sgx_alloc_va_slot(m, va_page);
  if (m.fn.sgx_va_page_full(m, va_page)) {
    encl.va_pages.push(encl.va_pages.shift());
  }
  let ret = yield* m.fn.__sgx_encl_ewb(m, epc_page, va_page.epc_page, va_offset, backing);
  if (ret === SGX_NOT_TRACKED) {
    const secs = E.epc_page.a[encl.secs];
    ret = yield* m.encls("ETRACK", secs, () => m.hw.ETRACK(secs));
    if (ret && encls_failed(ret)) m.ENCLS_WARN(ret, "ETRACK");
    ret = yield* m.fn.__sgx_encl_ewb(m, epc_page, va_page.epc_page, va_offset, backing);
    if (ret === SGX_NOT_TRACKED) {
      const mask = yield* m.fn.sgx_encl_cpumask(m, encl);
      yield* on_each_cpu_mask(m, mask, "sgx_ewb");
      ret = yield* m.fn.__sgx_encl_ewb(m, epc_page, va_page.epc_page, va_offset, backing);
    }
  }
  if (ret) {
    if (encls_failed(ret)) m.ENCLS_WARN(ret, "EWB");
    m.fn.sgx_free_va_slot(m, va_page, va_offset);
  } else {
    E.setDesc(encl_page, E.desc.a[encl_page] | va_offset);
    E.va_page.a[encl_page] = va_page.id;
  }
}
function* sgx_reclaimer_write(m, epc_page, backing) {
  const encl_page = m.pages.owner.get(epc_page);
  const encl = m.enclOf(encl_page);
  const E = m.encl_pages;
  yield mutex_lock(encl.lock);
  yield* m.fn.sgx_encl_ewb(m, epc_page, backing);
  E.epc_page.a[encl_page] = -1;
  encl.secs_child_cnt--;
  m.fn.sgx_encl_put_backing(m, backing);
  if (!encl.secs_child_cnt && (yield* test_bit(m, SGX_ENCL_INITIALIZED, encl.flags))) {
    const secs_backing = yield* m.fn.sgx_encl_alloc_backing(m, encl, secsIndex(encl));
    if (secs_backing) {
      const secs_epc = E.epc_page.a[encl.secs];
      yield* m.fn.sgx_encl_ewb(m, secs_epc, secs_backing);
      yield* m.fn.sgx_encl_free_epc_page(m, secs_epc);
      E.epc_page.a[encl.secs] = -1;
      m.fn.sgx_encl_put_backing(m, secs_backing);
    }
  }
  yield mutex_unlock(encl.lock);
}
function* sgx_reclaim_pages(m) {
  const nr = m.c.SGX_NR_TO_SCAN;
  const chunk = new StackArray(m, "sgx_reclaim_pages", "chunk[SGX_NR_TO_SCAN]", nr);
  const backing = new StackArray(m, "sgx_reclaim_pages", "backing[SGX_NR_TO_SCAN]", nr);
  const P = m.pages;
  const G = m.sgx;
  yield spin_lock(G.sgx_reclaimer_lock);
  for (let i = 0; i < nr; i++) {
    if (list_empty(P, G.sgx_active_page_list)) break;
    const epc_page = list_first_entry(P, G.sgx_active_page_list);
    list_del_init(m, P, epc_page);
    yield* m.work("lru_op", 1);
    const encl_page = P.owner.get(epc_page);
    if (yield* kref_get_unless_zero(m, m.enclOf(encl_page).refcount)) {
      chunk.push(epc_page);
      backing.push(null);
    } else {
      P.flags.set(epc_page, P.flags.get(epc_page) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED);
    }
  }
  yield spin_unlock(G.sgx_reclaimer_lock);
  const cnt = chunk.length;
  yield* m.mark("reclaim_isolated", cnt);
  for (let i = 0; i < cnt; i++) {
    const epc_page = chunk.at(i);
    const encl_page = P.owner.get(epc_page);
    const encl = m.enclOf(encl_page);
    let skip2 = !(yield* m.fn.sgx_reclaimer_age(m, epc_page));
    if (!skip2) {
      const page_index = m.encl_pages.index.a[encl_page];
      yield mutex_lock(encl.lock);
      const b = yield* m.fn.sgx_encl_alloc_backing(m, encl, page_index);
      if (!b) {
        yield mutex_unlock(encl.lock);
        skip2 = true;
      } else {
        backing.set(i, b);
        m.encl_pages.setDesc(encl_page, m.encl_pages.desc.a[encl_page] | SGX_ENCL_PAGE_BEING_RECLAIMED);
        yield mutex_unlock(encl.lock);
        continue;
      }
    }
    yield spin_lock(G.sgx_reclaimer_lock);
    list_add_tail(P, epc_page, G.sgx_active_page_list);
    yield* m.work("lru_op", 1);
    yield spin_unlock(G.sgx_reclaimer_lock);
    yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
    chunk.set(i, -1);
  }
  for (let i = 0; i < cnt; i++) {
    const epc_page = chunk.at(i);
    if (epc_page >= 0) yield* m.fn.sgx_reclaimer_block(m, epc_page);
  }
  for (let i = 0; i < cnt; i++) {
    const epc_page = chunk.at(i);
    if (epc_page < 0) continue;
    const encl = m.enclOf(P.owner.get(epc_page));
    yield* m.fn.sgx_reclaimer_write(m, epc_page, backing.at(i));
    yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
    if (m.interleaveAll) yield m.epcFlagsWrite(epc_page);
    P.flags.set(epc_page, P.flags.get(epc_page) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED);
    yield* m.fn.sgx_free_epc_page(m, epc_page);
  }
}
function* sgx_should_reclaim(m, watermark) {
  const free = yield* atomic_long_read(m, m.sgx.sgx_nr_free_pages);
  if (!(free < watermark)) return false;
  if (m.interleaveAll) yield withSite(m.activeListRead);
  return !list_empty(m.pages, m.sgx.sgx_active_page_list);
}
function* sgx_reclaim_direct(m) {
  if (yield* m.fn.sgx_should_reclaim(m, m.c.SGX_NR_LOW_PAGES)) yield* m.fn.sgx_reclaim_pages(m);
}
function* ksgxd(m) {
  while (!kthread_should_stop(m)) {
    yield* wait_event(m, m.ksgxd_waitq, function* () {
      if (kthread_should_stop(m)) return true;
      return yield* m.fn.sgx_should_reclaim(m, m.c.SGX_NR_HIGH_PAGES);
    });
    if (yield* m.fn.sgx_should_reclaim(m, m.c.SGX_NR_HIGH_PAGES)) yield* m.fn.sgx_reclaim_pages(m);
    yield* cond_resched(m);
  }
}
function current_is_ksgxd(m) {
  return m.sgx.ksgxd_tsk.includes(m.current.pid);
}
function* __sgx_alloc_epc_page_from_node(m, nid) {
  const node = m.sgx.sgx_numa_nodes[nid];
  const P = m.pages;
  yield spin_lock(node.lock);
  if (freeListEmpty(m, node)) {
    yield spin_unlock(node.lock);
    return -1;
  }
  const page = freeListTakeFirst(m, node);
  P.flags.set(page, 0);
  yield* m.work("freelist_op", 1);
  yield spin_unlock(node.lock);
  yield* atomic_long_dec(m, m.sgx.sgx_nr_free_pages);
  return page;
}
function freeListEmpty(m, node) {
  while (node.fresh.length > 0 && node.fresh[0].next >= node.fresh[0].end) node.fresh.shift();
  return node.fresh.length === 0 && list_empty(m.pages, node.free_page_list);
}
function freeListTakeFirst(m, node) {
  const P = m.pages;
  const r = node.fresh[0];
  if (r !== void 0 && r.next < r.end) {
    const page2 = r.next++;
    P.next.set(page2, page2);
    P.prev.set(page2, page2);
    kmemleak_alloc(m, page2);
    return page2;
  }
  const page = list_first_entry(P, node.free_page_list);
  list_del_init(m, P, page);
  kmemleak_alloc(m, page);
  return page;
}
function isFresh(m, page) {
  const node = m.nodeOf(page);
  for (const r of node.fresh) if (page >= r.next && page < r.end) return true;
  return false;
}
function freshTake(m, node, page) {
  for (let i = 0; i < node.fresh.length; i++) {
    const r = node.fresh[i];
    if (page < r.next || page >= r.end) continue;
    const tail = { next: page + 1, end: r.end };
    r.end = page;
    node.fresh.splice(i + 1, 0, tail);
    m.pages.next.set(page, page);
    m.pages.prev.set(page, page);
    return;
  }
}
function* __sgx_alloc_epc_page(m) {
  const mask = m.sgx.sgx_numa_mask;
  const nid_of_current = m.hw.cpus[m.current.cpu]?.node ?? 0;
  let start = mask.indexOf(nid_of_current);
  if (start < 0) {
    start = mask.findIndex((n) => n > nid_of_current);
    if (start < 0) start = 0;
  }
  let i = start;
  do {
    const page = yield* m.fn.__sgx_alloc_epc_page_from_node(m, mask[i]);
    if (page >= 0) return page;
    i = (i + 1) % mask.length;
  } while (i !== start);
  return -ENOMEM;
}
function* sgx_mark_page_reclaimable(m, page) {
  const G = m.sgx;
  yield spin_lock(G.sgx_reclaimer_lock);
  m.pages.flags.set(page, m.pages.flags.get(page) | SGX_EPC_PAGE_RECLAIMER_TRACKED);
  list_add_tail(m.pages, page, G.sgx_active_page_list);
  yield* m.work("lru_op", 1);
  yield spin_unlock(G.sgx_reclaimer_lock);
}
function* sgx_unmark_page_reclaimable(m, page) {
  const G = m.sgx;
  const P = m.pages;
  yield spin_lock(G.sgx_reclaimer_lock);
  if (P.flags.get(page) & SGX_EPC_PAGE_RECLAIMER_TRACKED) {
    if (list_empty_entry(P, page)) {
      yield spin_unlock(G.sgx_reclaimer_lock);
      return -EBUSY;
    }
    list_del(m, P, page);
    P.flags.set(page, P.flags.get(page) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED);
    yield* m.work("lru_op", 1);
  }
  yield spin_unlock(G.sgx_reclaimer_lock);
  return 0;
}
function* sgx_alloc_epc_page(m, owner, reclaim) {
  let page;
  for (; ; ) {
    page = yield* m.fn.__sgx_alloc_epc_page(m);
    if (!IS_ERR(page)) {
      m.pages.owner.set(page, owner);
      break;
    }
    if (m.interleaveAll) yield withSite(m.activeListRead);
    if (list_empty(m.pages, m.sgx.sgx_active_page_list)) {
      yield* m.mark("alloc_enomem", owner);
      return -ENOMEM;
    }
    if (!reclaim) {
      yield* m.mark("alloc_ebusy", owner);
      page = -EBUSY;
      break;
    }
    if (signal_pending(m)) {
      page = -ERESTARTSYS;
      break;
    }
    yield* m.fn.sgx_reclaim_pages(m);
    yield* cond_resched(m);
  }
  if (yield* m.fn.sgx_should_reclaim(m, m.c.SGX_NR_LOW_PAGES)) yield* wake_up(m, m.ksgxd_waitq);
  return page;
}
function* sgx_free_epc_page(m, page) {
  const node = m.nodeOf(page);
  const P = m.pages;
  yield spin_lock(node.lock);
  P.owner.set(page, OWNER_NULL);
  if (P.poison.get(page)) list_add(P, page, node.sgx_poison_page_list);
  else list_add_tail(P, page, node.free_page_list);
  P.flags.set(page, SGX_EPC_PAGE_IS_FREE);
  P.sgx_cg.set(page, -1);
  yield* m.work("freelist_op", 1);
  yield spin_unlock(node.lock);
  yield* atomic_long_inc(m, m.sgx.sgx_nr_free_pages);
}
function* arch_memory_failure(m, pfn, _flags) {
  if (pfn < 0 || pfn >= m.pages.nr_pages) return -ENXIO;
  const page = pfn;
  const node = m.nodeOf(page);
  const P = m.pages;
  yield spin_lock(node.lock);
  if (!P.poison.get(page)) {
    P.poison.set(page, 1);
    if (P.flags.get(page) & SGX_EPC_PAGE_IS_FREE) {
      if (isFresh(m, page)) freshTake(m, node, page);
      if (P.next.get(page) === LINK_NONE) m.bug(`free EPC page ${page} has no list links`);
      list_move(m, P, page, node.sgx_poison_page_list);
    } else {
      yield* m.fn.sgx_unmark_page_reclaimable(m, page);
    }
  }
  yield spin_unlock(node.lock);
  return 0;
}
function* sgx_page_reclaimer_init(m) {
  for (let i = 0; i < Math.max(1, m.c.nr_ksgxd); i++) {
    const name = i === 0 ? "ksgxd" : `ksgxd/${i}`;
    const pid = yield* m.kthread_run(name, () => m.fn.ksgxd(m));
    m.sgx.ksgxd_tsk.push(pid);
  }
  return true;
}
function epcFlagsWriteOp(m, page) {
  return { kind: "write", loc: m.locs.epc_flags, sub: page, what: "epc_page->flags" };
}
var main_c = {
  sgx_reclaimer_age,
  sgx_reclaimer_block,
  __sgx_encl_ewb,
  sgx_encl_ewb,
  sgx_reclaimer_write,
  sgx_reclaim_pages,
  sgx_should_reclaim,
  sgx_reclaim_direct,
  ksgxd,
  current_is_ksgxd,
  __sgx_alloc_epc_page_from_node,
  __sgx_alloc_epc_page,
  sgx_mark_page_reclaimable,
  sgx_unmark_page_reclaimable,
  sgx_alloc_epc_page,
  sgx_free_epc_page,
  arch_memory_failure,
  sgx_page_reclaimer_init
};

// src/model/kernel/sgx/virt.ts
var sgx_vepc = class {
  constructor(id, ids) {
    this.id = id;
    this.page_array = new xarray(ids(), "vepc->page_array", ids());
    this.lock = new mutex(ids(), "vepc->lock");
  }
  id;
  /** Guest EPC page index -> host EPC page. */
  page_array;
  lock;
  /** Model: set by kfree(vepc) in sgx_vepc_release. */
  freed = false;
};
var VepcGlobals = class {
  /** Model: every vEPC instance by id (an EPC page's owner field refers to one). */
  instances = [];
  /** zombie_secs_pages: SECS pages that could not be EREMOVEd yet (children in another instance). */
  zombie_secs_pages = [];
  zombie_secs_pages_lock;
  constructor(ids) {
    this.zombie_secs_pages_lock = new mutex(ids(), "zombie_secs_pages_lock");
  }
};
function vepcOwner(vepc) {
  return -(vepc.id + 2);
}
function sgx_vepc_open(m) {
  const vepc = new sgx_vepc(m.vepc.instances.length, () => m.newId());
  m.vepc.instances.push(vepc);
  return vepc;
}
function sgx_vepc_mmap(m, vepc, mm, start, end, vm_flags) {
  if (!(vm_flags & VM_SHARED)) return -EINVAL;
  const flags = vm_flags | VM_PFNMAP | VM_IO | VM_DONTDUMP | VM_DONTCOPY;
  const vma = new vm_area_struct(m.newId(), mm, start, end, flags, vepc);
  mm.vmas.push(vma);
  return vma;
}
function* __sgx_vepc_fault(m, vepc, vma, addr) {
  if (m.debugLocks && vepc.lock.owner !== m.current.pid) m.bug("__sgx_vepc_fault without vepc->lock");
  const index = vma.pageOf(addr);
  if (vepc.page_array.get(index) !== XA_EMPTY) return 0;
  const epc_page = yield* m.fn.sgx_alloc_epc_page(m, vepcOwner(vepc), false);
  if (IS_ERR(epc_page)) return epc_page;
  yield* xa_store(m, vepc.page_array, index, epc_page);
  const ret = yield* vmf_insert_pfn(m, vma, addr, epc_page);
  if (ret !== VM_FAULT_NOPAGE) {
    yield* xa_erase(m, vepc.page_array, index);
    yield* m.fn.sgx_free_epc_page(m, epc_page);
    return -EFAULT;
  }
  return 0;
}
function* sgx_vepc_fault(m, vma, addr, flags) {
  const vepc = vma.vm_private_data;
  yield mutex_lock(vepc.lock);
  const ret = yield* m.fn.__sgx_vepc_fault(m, vepc, vma, addr);
  yield mutex_unlock(vepc.lock);
  if (!ret) return VM_FAULT_NOPAGE;
  if (ret === -EBUSY && flags & FAULT_FLAG_ALLOW_RETRY) {
    yield mmap_read_unlock(vma.vm_mm);
    return VM_FAULT_RETRY;
  }
  return VM_FAULT_SIGBUS;
}
function* sgx_vepc_remove_page(m, epc_page) {
  return yield* m.encls("EREMOVE", epc_page, () => m.hw.EREMOVE(epc_page));
}
function* sgx_vepc_free_page(m, epc_page) {
  const ret = yield* m.fn.sgx_vepc_remove_page(m, epc_page);
  if (ret) {
    if (ret !== SGX_CHILD_PRESENT)
      m.warn("eremove", `EREMOVE returned ${ret} (0x${ret.toString(16)}) and an EPC page was leaked.`);
    return ret;
  }
  yield* m.fn.sgx_free_epc_page(m, epc_page);
  return 0;
}
function* sgx_vepc_remove_all(m, vepc) {
  let failures = 0;
  for (const index of vepc.page_array.indices(0, Number.MAX_SAFE_INTEGER)) {
    const entry = vepc.page_array.get(index);
    const ret = yield* m.fn.sgx_vepc_remove_page(m, entry);
    if (ret) {
      if (ret === SGX_CHILD_PRESENT) {
        failures++;
      } else {
        if (encls_faulted(ret) && (ret & 255) !== X86_TRAP_GP)
          m.warn("vepc_remove_all", `EREMOVE faulted (${ret & 255})`);
        return -EBUSY;
      }
    }
    yield* cond_resched(m);
  }
  return failures;
}
function* sgx_vepc_release(m, vepc) {
  const xa = vepc.page_array;
  const secs_pages = [];
  for (const index of xa.indices(0, Number.MAX_SAFE_INTEGER)) {
    if (yield* m.fn.sgx_vepc_free_page(m, xa.get(index))) continue;
    yield* xa_erase(m, xa, index);
    yield* cond_resched(m);
  }
  for (const index of xa.indices(0, Number.MAX_SAFE_INTEGER)) {
    const epc_page = xa.get(index);
    if (yield* m.fn.sgx_vepc_free_page(m, epc_page)) secs_pages.push(epc_page);
    yield* xa_erase(m, xa, index);
    yield* cond_resched(m);
  }
  const G = m.vepc;
  yield mutex_lock(G.zombie_secs_pages_lock);
  for (const epc_page of G.zombie_secs_pages.splice(0)) {
    if (yield* m.fn.sgx_vepc_free_page(m, epc_page)) secs_pages.push(epc_page);
    yield* cond_resched(m);
  }
  G.zombie_secs_pages.push(...secs_pages);
  yield mutex_unlock(G.zombie_secs_pages_lock);
  xa_destroy(xa);
  m.kfreeObj(vepc, "struct sgx_vepc");
}
var virt_c = {
  sgx_vepc_open,
  sgx_vepc_mmap,
  __sgx_vepc_fault,
  sgx_vepc_fault,
  sgx_vepc_remove_page,
  sgx_vepc_free_page,
  sgx_vepc_remove_all,
  sgx_vepc_release
};

// src/model/kernel/sgx/index.ts
var mainline = { ...main_c, ...encl_c, ...ioctl_c, ...driver_c, ...virt_c, ...epc_cgroup_c };

// src/model/machine.ts
var KernelBug = class extends Error {
  constructor(message, pid) {
    super(message);
    this.pid = pid;
  }
  pid;
};
var MachineCheck = class extends KernelBug {
};
var CONTENT_LEAVES = /* @__PURE__ */ new Set([
  "ECREATE",
  "EADD",
  "EEXTEND",
  "EINIT",
  "EPA",
  "EWB",
  "ELDU",
  "EAUG"
]);
var Machine = class {
  nextId = 1;
  c;
  fn;
  hw;
  pages;
  encl_pages = new EnclPages();
  va_pages = [];
  /** Every struct sgx_encl_mm allocated (kmemleak scans them: src/check/kmemleak.ts). */
  encl_mms = [];
  sgx;
  ksgxd_waitq;
  enclaves = [];
  /** virt.c: the KVM virtual EPC instances and the zombie SECS list. */
  vepc;
  mms = [];
  tasks = [];
  shmem_files = [];
  dmesg = [];
  nrCpus;
  debugLocks;
  /**
   * Yield every shared access (atomics, unlocked reads and writes, page-table locks) as its own
   * op. The checker needs each as a scheduling point; the timed simulator does not (it runs such
   * zero-cost, never-blocking ops inline anyway) and turns this off for speed. Lock, ENCLS, IPI,
   * wait and wake ops are always yielded.
   */
  interleaveAll = true;
  /** The task running the model code right now (set by context_switch). */
  current;
  /** mm/mmu_notifier.c's static `srcu`: release callbacks run inside it; unregister waits for them. */
  mmu_notifier_srcu;
  /** KASAN: locations embedded in freed objects (lib/slab.ts); the checker reports any access to them. */
  kasan_freed = /* @__PURE__ */ new Map();
  /** kmemleak: where each EPC page was allocated (recorded only while sites are captured). */
  kmemleak_sites = /* @__PURE__ */ new Map();
  /** Memory cgroups by name (a process's mm points to one; null means the root). */
  memcgs = /* @__PURE__ */ new Map();
  /** The misc cgroup controller (kernel/cgroup/misc.c): the cgroup tree and sgx_epc's capacity. */
  misc;
  /**
   * Globals of a kernel variant whose design has state mainline lacks (isgx: its free-list lock,
   * process contexts, per-enclave load lists); null for mainline. Part of the machine, so snapshots,
   * restores and state hashes cover it.
   */
  variantState = null;
  /** Charge a shmem page to a memcg (null: root). */
  memcgCharge(_m, memcg) {
    return mem_cgroup_charge(memcg);
  }
  memcgUncharge(_m, memcg) {
    mem_cgroup_uncharge(memcg);
  }
  /** The memcg called `name`, created on first use (scenarios name them per process). */
  memcg(name) {
    let cg = this.memcgs.get(name);
    if (!cg) {
      cg = new mem_cgroup(this.memcgs.size + 1, name);
      this.memcgs.set(name, cg);
    }
    return cg;
  }
  /** Shared locations that are not objects of their own (for ops on fields). */
  locs;
  activeListRead;
  /** Task id of the boot CPU's idle/init context (model code run outside any thread). */
  init_task;
  constructor(cfg) {
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
      xa_rcu: { id: ids(), cls: "xa_load" }
    };
    this.activeListRead = {
      kind: "read",
      loc: this.sgx.sgx_active_page_list,
      sub: -1,
      what: "list_empty(&sgx_active_page_list)"
    };
    this.init_task = new task_struct(0, "swapper", PF_KTHREAD, null);
    this.current = this.init_task;
    this.setupEpc(cfg.sections);
    this.misc = new MiscCgroups(ids);
    this.fn.sgx_cgroup_wq_init(this);
    this.fn.sgx_cgroup_init(this);
    this.vepc = new VepcGlobals(ids);
  }
  /** sgx_page_cache_init + sanitization: sections, nodes, all pages free in physical order. */
  setupEpc(sections2) {
    let first = 0;
    for (const s of sections2) {
      let node = this.sgx.sgx_numa_nodes[s.node];
      if (!node) {
        node = new sgx_numa_node(
          s.node,
          this.newId(),
          this.pages.newHead(this.newId(), "free_page_list"),
          this.pages.newHead(this.newId(), "sgx_poison_page_list")
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
  newId() {
    return this.nextId++;
  }
  // ---- diagnostics ----------------------------------------------------------------------------
  /** BUG(): record and abort the execution. */
  bug(msg) {
    this.dmesg.push({ level: "bug", tag: "bug", msg, pid: this.current.pid, comm: this.current.comm });
    throw new KernelBug(msg, this.current.pid);
  }
  /** WARN()/pr_warn(): record and continue. */
  warn(tag, msg) {
    this.dmesg.push({ level: "warn", tag, msg, pid: this.current.pid, comm: this.current.comm });
  }
  /** ENCLS_WARN(ret, name). */
  ENCLS_WARN(ret, name) {
    this.warn(`encls:${name}`, `${name} returned ${ret} (0x${ret.toString(16)}) ${sgxRetName(ret)}`);
  }
  // ---- ops helpers ----------------------------------------------------------------------------
  /** Yield an ENCLS op, run the leaf, record its return code in the op. */
  *encls(leaf, page, run) {
    const op = withSite({ kind: "encls", leaf, page, ret: 0 });
    yield op;
    if (page >= 0 && CONTENT_LEAVES.has(leaf) && this.pages.poison.get(page))
      throw new MachineCheck(
        `${leaf} consumed poison in EPC page ${page} (memory failure reported earlier)`,
        this.current.pid
      );
    const ret = run();
    op.ret = ret;
    if (encls_faulted(ret)) op.ret = ret;
    return ret;
  }
  *work(what, n) {
    const op = withSite({ kind: "work", what, n });
    yield op;
  }
  *mark(what, detail) {
    const op = withSite({ kind: "mark", what, detail });
    yield op;
  }
  sharedRead(loc, sub, what) {
    return withSite({ kind: "read", loc, sub, what });
  }
  sharedWrite(loc, what) {
    return withSite({ kind: "write", loc, sub: -1, what });
  }
  epcFlagsWrite(page) {
    return withSite(epcFlagsWriteOp(this, page));
  }
  /** xa_load() outside the lock that guards the array (an RCU read). */
  *xaLoadUnlocked(xa, index) {
    if (this.interleaveAll) yield withSite(xa.rd);
    return xa.get(index);
  }
  /** kthread_run: create a kernel thread; it becomes runnable right away. Returns its pid. */
  *kthread_run(comm, body) {
    const task = this.newTask(comm, PF_KTHREAD, null);
    const op = { kind: "spawn", thread: { task, body, kind: "kthread", cpu: -1 } };
    yield op;
    return task.pid;
  }
  // ---- object lookup --------------------------------------------------------------------------
  /** kfree(obj) with KASAN: a second kfree of the same object is a double-free (a BUG). */
  kfree(obj, what) {
    if (!kasan_kfree(this.kasan_freed, obj, what)) this.bug(`KASAN: double-free of ${what}`);
  }
  /**
   * kfree() of an object that holds no lock or other location of its own (struct sgx_encl_mm,
   * struct sgx_va_page): KASAN sees its later use through kasanUse().
   */
  kfreeObj(obj, what) {
    if (obj.freed) this.bug(`KASAN: double-free of ${what}`);
    obj.freed = true;
    this.kfree(obj, what);
  }
  /** A read of `obj` that KASAN checks: an object kfreeObj() freed is a use-after-free. */
  kasanUse(obj, what) {
    if (obj.freed) this.bug(`KASAN: use-after-free of ${what}`);
    return obj;
  }
  /** encl_page's VA page (the slot its evicted version lives in), checked by KASAN. */
  vaPageOf(encl_page) {
    const v3 = this.va_pages[this.encl_pages.va_page.a[encl_page]];
    if (v3.freed) this.kasanUse(v3, `struct sgx_va_page #${v3.id}`);
    return v3;
  }
  /** encl_page->encl, catching use of a freed enclave or enclave page. */
  enclOf(encl_page) {
    const E = this.encl_pages;
    if (encl_page < 0 || encl_page >= E.count) this.bug(`bad sgx_encl_page id ${encl_page}`);
    if (!E.alive.a[encl_page]) this.bug(`use after free of sgx_encl_page ${encl_page}`);
    const encl = this.enclaves[E.encl.a[encl_page]];
    if (encl.freed) this.bug(`use after free of enclave ${encl.name || encl.id}`);
    return encl;
  }
  /** encl_page->desc & PAGE_MASK. */
  enclPageAddr(encl_page) {
    const encl = this.enclaves[this.encl_pages.encl.a[encl_page]];
    return encl.base + this.encl_pages.index.a[encl_page] * 4096;
  }
  /** section->node of an EPC page. */
  nodeOf(page) {
    for (const s of this.sgx.sgx_epc_sections)
      if (page >= s.first && page < s.first + s.nr_pages) return s.node;
    return this.bug(`EPC page ${page} is in no section`);
  }
  cpu() {
    return this.hw.cpus[this.current.cpu];
  }
  // ---- objects --------------------------------------------------------------------------------
  newTask(comm, flags, mm) {
    const t = new task_struct(this.tasks.length + 1, comm, flags, mm);
    this.tasks.push(t);
    return t;
  }
  newMm(name) {
    const mm = new mm_struct(this.mms.length, name, this.nrCpus, this.newId(), this.newId());
    this.mms.push(mm);
    return mm;
  }
  newEncl(name) {
    const e = new sgx_encl(this.enclaves.length, () => this.newId(), this.nrCpus);
    e.name = name;
    this.enclaves.push(e);
    return e;
  }
  shmem_file_setup(name, size_pages) {
    const f = new shmem_file(this.newId(), name, size_pages);
    this.shmem_files.push(f);
    return f;
  }
  /** fput() of a backing file: its pages are freed, each uncharged from the memcg it was charged to. */
  fput(f) {
    for (const p of f.pages.values()) this.memcgUncharge(this, p.memcg);
    f.pages.clear();
  }
  /**
   * context_switch: `task` now runs on `cpu` (the scheduler's part of the kernel). A driver calls it
   * whenever it puts a thread on a CPU; it updates current, task->cpu and mm_cpumask.
   */
  context_switch(cpu, task, prevOnCpu) {
    if (prevOnCpu && prevOnCpu !== task && prevOnCpu.mm && prevOnCpu.mm !== task.mm) {
      prevOnCpu.mm.cpumask[cpu] = 0;
    }
    task.cpu = cpu;
    if (task.mm) task.mm.cpumask[cpu] = 1;
    this.current = task;
  }
  /** A CPU went idle after running `prev`: its mm no longer runs there. */
  cpu_idle(cpu, prev) {
    if (prev.mm) prev.mm.cpumask[cpu] = 0;
  }
};

// src/model/user/prng.ts
var WorkloadRng = class {
  a;
  b;
  c;
  d;
  constructor(seed, stream) {
    let s = (seed ^ Math.imul(stream + 1, 2654435769)) >>> 0;
    const next = () => {
      s = s + 2654435769 >>> 0;
      let z3 = s;
      z3 = Math.imul(z3 ^ z3 >>> 16, 2246822507);
      z3 = Math.imul(z3 ^ z3 >>> 13, 3266489909);
      return (z3 ^ z3 >>> 16) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next() | 1;
  }
  /** Next 32-bit unsigned value. */
  u32() {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }
  /** Uniform in [0, 1). */
  float() {
    return this.u32() / 4294967296;
  }
  /** Uniform integer in [0, n). */
  below(n) {
    return Math.floor(this.float() * n);
  }
};
function rotl(x, k) {
  return (x << k | x >>> 32 - k) >>> 0;
}

// src/model/user/access.ts
function makePattern(spec, lo, n, writeRatio, total, seed, stream) {
  const rng = new WorkloadRng(seed, stream);
  switch (spec.kind) {
    case "sequential":
      return new Sequential(
        lo,
        n,
        spec.passes ?? ["mixed"],
        writeRatio,
        spec.passes ? Math.min(total, n * spec.passes.length) : total,
        rng
      );
    case "pointer_chase":
      return new PointerChase(lo, n, writeRatio, total, rng);
    default:
      return new RandomPattern(sampler(spec, n, rng), lo, writeRatio, total, rng);
  }
}
var Base = class {
  constructor(total, writeRatio, rng) {
    this.total = total;
    this.writeRatio = writeRatio;
    this.rng = rng;
  }
  total;
  writeRatio;
  rng;
  count = 0;
  page = 0;
  write = false;
  peek() {
    return this.page;
  }
  peekWrite() {
    return this.write;
  }
  done() {
    return this.count >= this.total;
  }
  advance() {
    this.count++;
    this.next();
  }
};
var Sequential = class extends Base {
  constructor(lo, n, passes, writeRatio, total, rng) {
    super(total, writeRatio, rng);
    this.lo = lo;
    this.n = n;
    this.passes = passes;
    this.page = lo;
    this.write = this.decide();
  }
  lo;
  n;
  passes;
  i = 0;
  pass = 0;
  decide() {
    const p = this.passes[this.pass % this.passes.length];
    return p === "write" ? true : p === "read" ? false : this.rng.float() < this.writeRatio;
  }
  next() {
    this.i++;
    if (this.i >= this.n) {
      this.i = 0;
      this.pass++;
    }
    this.page = this.lo + this.i;
    this.write = this.decide();
  }
};
var RandomPattern = class extends Base {
  constructor(draw, lo, writeRatio, total, rng) {
    super(total, writeRatio, rng);
    this.draw = draw;
    this.lo = lo;
    this.next();
  }
  draw;
  lo;
  next() {
    this.page = this.lo + this.draw();
    this.write = this.rng.float() < this.writeRatio;
  }
};
var PointerChase = class extends Base {
  constructor(lo, n, writeRatio, total, rng) {
    super(total, writeRatio, rng);
    this.lo = lo;
    this.perm = new Int32Array(n);
    for (let i = 0; i < n; i++) this.perm[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = rng.below(i);
      const t = this.perm[i];
      this.perm[i] = this.perm[j];
      this.perm[j] = t;
    }
    this.page = lo;
    this.write = rng.float() < writeRatio;
  }
  lo;
  perm;
  cur = 0;
  next() {
    this.cur = this.perm[this.cur];
    this.page = this.lo + this.cur;
    this.write = this.rng.float() < this.writeRatio;
  }
};
function sampler(spec, n, rng) {
  switch (spec.kind) {
    case "uniform":
      return () => rng.below(n);
    case "hotcold": {
      const hot = Math.max(1, Math.round(n * spec.hot_fraction));
      const hotFirst = spec.hot_at === "end" ? n - hot : 0;
      const coldFirst = spec.hot_at === "end" ? 0 : hot;
      return () => rng.float() < spec.hot_probability || hot >= n ? hotFirst + rng.below(hot) : coldFirst + rng.below(n - hot);
    }
    case "zipf": {
      const cdf = new Float64Array(n);
      let sum = 0;
      for (let r = 0; r < n; r++) {
        sum += 1 / (r + 1) ** spec.s;
        cdf[r] = sum;
      }
      return () => {
        const u = rng.float() * sum;
        let a = 0;
        let b = n - 1;
        while (a < b) {
          const mid = a + b >>> 1;
          if (cdf[mid] < u) a = mid + 1;
          else b = mid;
        }
        return a;
      };
    }
    default:
      return () => 0;
  }
}
function listPattern(pages, write) {
  let i = 0;
  return {
    peek: () => pages[i],
    peekWrite: () => write,
    advance: () => {
      i++;
    },
    done: () => i >= pages.length
  };
}

// src/model/user/vm.ts
var VEPC_BASE = 136339441844224;
var VmGuest = class {
  constructor(vepc, pages) {
    this.vepc = vepc;
    this.pages = pages;
  }
  vepc;
  pages;
  vma = null;
  released = false;
};
function ev(kind, page, why) {
  return withSite({ kind, page, why });
}
function* vepc_create(m, proc, pages) {
  yield ev("syscall", -1, "open(/dev/sgx_vepc)");
  const vepc = m.fn.sgx_vepc_open(m);
  const g2 = new VmGuest(vepc, pages);
  proc.vms.push(g2);
  const start = VEPC_BASE + vepc.id * 2 ** 38;
  yield ev("syscall", -1, "mmap");
  yield down_write(proc.mm.mmap_lock);
  const vma = m.fn.sgx_vepc_mmap(
    m,
    vepc,
    proc.mm,
    start,
    start + pages * PAGE_SIZE,
    VM_READ | VM_WRITE | VM_SHARED
  );
  yield up_write(proc.mm.mmap_lock);
  if (typeof vma === "number") return vma;
  g2.vma = vma;
  return g2;
}
function* vepc_touch(m, proc, g2, index) {
  const mm = proc.mm;
  const addr = g2.vma.vm_start + index * PAGE_SIZE;
  for (; ; ) {
    yield ev("page_fault", index, "EPT violation (guest EPC)");
    yield* m.work("fault_entry", 1);
    yield mmap_read_lock(mm);
    const vma = find_vma(mm, addr);
    const r = vma ? yield* m.fn.sgx_vepc_fault(m, vma, addr, FAULT_FLAG_ALLOW_RETRY) : VM_FAULT_SIGBUS;
    if (!(r & VM_FAULT_RETRY)) {
      yield mmap_read_unlock(mm);
      return r;
    }
    yield* m.mark("vepc_fault_retry", index);
    yield withSite({ kind: "spin_wait", why: `retry the guest EPC fault of page ${index}` });
  }
}
function* vepc_populate(m, proc, g2) {
  for (let i = 0; i < g2.pages; i++) {
    if ((yield* vepc_touch(m, proc, g2, i)) & VM_FAULT_SIGBUS) {
      yield ev("sigbus", i, "SIGBUS (guest EPC)");
      return false;
    }
  }
  return true;
}
function* vepc_close(m, proc, g2) {
  if (g2.released) return;
  g2.released = true;
  yield ev("syscall", -1, "close(/dev/sgx_vepc)");
  if (g2.vma) {
    yield down_write(proc.mm.mmap_lock);
    const i = proc.mm.vmas.indexOf(g2.vma);
    if (i >= 0) proc.mm.vmas.splice(i, 1);
    yield up_write(proc.mm.mmap_lock);
  }
  yield* m.fn.sgx_vepc_release(m, g2.vepc);
}

// src/model/user/process.ts
var UserEnclave = class {
  constructor(encl, spec, nrPages) {
    this.encl = encl;
    this.spec = spec;
    this.truth = new Float64Array(nrPages);
  }
  encl;
  spec;
  /** Data token the enclave last wrote to each page (what a read must see). */
  truth;
  vma = null;
};
var SgxFile = class extends file {
  constructor(encl) {
    super(encl, "sgx_release");
    this.encl = encl;
  }
  encl;
};
var Process = class {
  constructor(name, mm, joinId) {
    this.name = name;
    this.mm = mm;
    this.join = new wait_queue_head_t(joinId, "process join");
  }
  name;
  mm;
  enclaves = [];
  /** Open /dev/sgx_enclave files. */
  files = [];
  /** Live threads besides the main one, and where the main thread waits for them. */
  live = 0;
  join;
  exited = false;
  /** Build failed with this errno (0 = no failure). */
  buildError = 0;
  /** The program did not run to the end correctly: a thread got SIGBUS or read stale data, or a signal killed it. */
  failed = false;
  /** Open /dev/sgx_vepc files (a VMM process's guests). */
  vms = [];
  /** Steps of the process's script whose expectation failed (what the selftest would report). */
  scriptFailures = [];
};
function userEvent(kind, page, why) {
  return withSite({ kind, page, why });
}
var ENCL_BASE = 139637976727552;
function newProcess(m, name) {
  const mm = m.newMm(name);
  return new Process(name, mm, m.newId());
}
function elrangeSize(spec) {
  if (spec.size) return spec.size;
  let s = PAGE_SIZE;
  while (s < (spec.pages + spec.tcs) * PAGE_SIZE) s *= 2;
  return s;
}
function* build_enclave(m, proc, spec, base, init = true) {
  const encl = m.fn.sgx_open(m, spec.name);
  const file2 = new SgxFile(encl);
  proc.files.push(file2);
  const size = elrangeSize(spec);
  const ue = new UserEnclave(encl, spec, size / PAGE_SIZE);
  yield userEvent("syscall", -1, "ioctl(SGX_IOC_ENCLAVE_CREATE)");
  let ret = yield* m.fn.sgx_ioctl(m, encl, {
    cmd: "SGX_IOC_ENCLAVE_CREATE",
    secs: { base, size, attributes: SGX_ATTR_DEBUG }
  });
  if (ret) return ret;
  const segments = [
    { first: 0, n: spec.pages, secinfo: SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W | SGX_SECINFO_X },
    { first: spec.pages, n: spec.tcs, secinfo: SGX_SECINFO_TCS }
  ];
  for (const seg of segments) {
    for (let off = 0; off < seg.n; off += spec.add_chunk) {
      const n = Math.min(spec.add_chunk, seg.n - off);
      const first = seg.first + off;
      yield userEvent("syscall", -1, "ioctl(SGX_IOC_ENCLAVE_ADD_PAGES)");
      const arg = {
        offset: first * PAGE_SIZE,
        length: n * PAGE_SIZE,
        secinfo: seg.secinfo,
        flags: spec.measure ? SGX_PAGE_MEASURE : 0,
        count: 0,
        // The source page's contents: the enclave expects to read exactly this back.
        src: (i) => {
          const t = m.hw.newToken();
          ue.truth[first + i] = t;
          return t;
        }
      };
      ret = yield* m.fn.sgx_ioctl(m, encl, { cmd: "SGX_IOC_ENCLAVE_ADD_PAGES", arg });
      if (ret) return ret;
    }
  }
  if (init) {
    yield userEvent("syscall", -1, "ioctl(SGX_IOC_ENCLAVE_INIT)");
    ret = yield* m.fn.sgx_ioctl(m, encl, { cmd: "SGX_IOC_ENCLAVE_INIT" });
    if (ret) return ret;
  }
  const vma = yield* mmap(m, proc.mm, file2, base, base + size, VM_READ | VM_WRITE);
  if (typeof vma === "number") return vma;
  ue.vma = vma;
  proc.enclaves.push(ue);
  return ue;
}
function enclaveBase(ordinal) {
  return ENCL_BASE + ordinal * 2 ** 38;
}
function* mmap(m, mm, f, start, end, flags) {
  yield userEvent("syscall", -1, "mmap");
  yield down_write(mm.mmap_lock);
  const vma = yield* m.fn.sgx_mmap(m, f.encl, mm, start, end, flags);
  if (typeof vma !== "number") vma.vm_file = get_file(f);
  yield up_write(mm.mmap_lock);
  return vma;
}
function* fork(m, parent, childName) {
  const child = newProcess(m, childName);
  yield userEvent("syscall", -1, "fork");
  yield down_write(parent.mm.mmap_lock);
  yield down_write(child.mm.mmap_lock);
  for (const vma of parent.mm.vmas) {
    if (vma.vm_flags & VM_DONTCOPY) continue;
    const nv = new vm_area_struct(
      m.newId(),
      child.mm,
      vma.vm_start,
      vma.vm_end,
      vma.vm_flags,
      vma.vm_private_data
    );
    nv.vm_file = vma.vm_file && get_file(vma.vm_file);
    child.mm.vmas.push(nv);
    yield* m.fn.sgx_vma_open(m, nv);
    yield* copy_page_range(m, nv, vma);
  }
  yield up_write(child.mm.mmap_lock);
  yield up_write(parent.mm.mmap_lock);
  for (const f of parent.files) child.files.push(get_file(f));
  return child;
}
function* exit_process(m, proc) {
  yield userEvent("syscall", -1, "exit");
  yield* mmput(m, proc.mm);
  for (const f of proc.files) yield* fput(m, f);
  proc.files.length = 0;
  for (const g2 of proc.vms) yield* vepc_close(m, proc, g2);
  proc.exited = true;
}
function* join_threads(m, proc) {
  yield* wait_event(m, proc.join, function* () {
    return proc.live === 0;
  });
}
function* thread_exit(m, proc) {
  proc.live--;
  yield* wake_up(m, proc.join);
}

// src/model/user/enclave_thread.ts
var EnclaveThread = class {
  constructor(proc, ue, pattern, budget, ocallEvery) {
    this.proc = proc;
    this.ue = ue;
    this.pattern = pattern;
    this.budget = budget;
    this.ocallEvery = ocallEvery;
    const v3 = proc.mm.vmas.find((x) => x.vm_private_data === ue.encl) ?? ue.vma;
    if (!v3) throw new Error(`${proc.name} does not map enclave ${ue.encl.name}`);
    this.vma = v3;
  }
  proc;
  ue;
  pattern;
  budget;
  ocallEvery;
  /** Enclave page index of the touch that faulted last (for reports). */
  faultPage = -1;
  sigbus = false;
  /** The last slice ended with an EPCM fault (a #PF with the SGX bit) rather than a missing PTE. */
  epcmFault = false;
  /** Page whose EPCM fault the runtime's EACCEPT could not fix once already (a second one is fatal). */
  epcmRetry = -1;
  sigsegv = false;
  /** A fatal signal (SIGKILL, the memcg OOM killer) ended the thread. */
  killed = false;
  /** The thread's process's mapping of the enclave (a forked child has its own). */
  vma;
};
function ev2(kind, page, why) {
  return withSite({ kind, page, why });
}
var ACCEPT_PENDING = SGX_SECINFO_R | SGX_SECINFO_W | SGX_PAGE_TYPE_REG << 8 | SGX_SECINFO_PENDING;
var EACCEPT_KILLED = -1;
var WALK_FAULT = -2;
function enclave_run_effect(m, th, op) {
  const cpu = m.cpu();
  const hw = m.hw;
  const ue = th.ue;
  const vma = th.vma;
  const eid = ue.encl.eid;
  const pat = th.pattern;
  const truth = ue.truth;
  let touches = 0;
  let errors = 0;
  th.epcmFault = false;
  for (let k = 0; k < op.budget; k++) {
    if (pat.done()) break;
    const idx = pat.peek();
    let p = cpu.tlbLookup(idx);
    if (p < 0) {
      const pte = vma.pte.get(idx);
      if (pte < 0 || !hw.mapped(pte, eid, idx)) {
        op.faulted = true;
        th.faultPage = idx;
        break;
      }
      if (!hw.epcmAllows(pte, pat.peekWrite())) {
        op.faulted = true;
        th.epcmFault = true;
        th.faultPage = idx;
        break;
      }
      p = pte;
      hw.tlbFill(cpu, idx, p);
      vma.young.set(idx, 1);
    }
    if (th.epcmRetry === idx) th.epcmRetry = -1;
    if (pat.peekWrite()) {
      const t = hw.newToken();
      hw.data.set(p, t);
      truth[idx] = t;
    } else if (hw.data.get(p) !== truth[idx]) {
      errors++;
    }
    pat.advance();
    touches++;
  }
  op.touches = touches;
  op.dataErrors = errors;
}
function* enclave_page_fault(m, th, index) {
  yield ev2("page_fault", index, "#PF in enclave");
  yield* m.work("fault_entry", 1);
  const mm = th.proc.mm;
  const addr = th.ue.encl.base + index * PAGE_SIZE;
  yield mmap_read_lock(mm);
  const vma = find_vma(mm, addr);
  const ret = vma ? yield* m.fn.sgx_vma_fault(m, vma, addr) : VM_FAULT_SIGBUS;
  yield mmap_read_unlock(mm);
  return ret;
}
function* enclave_eaccept(m, th, index, secinfo) {
  const eid = th.ue.encl.eid;
  for (; ; ) {
    const ret = yield* m.encls("EACCEPT", th.vma.pte.get(index), () => {
      let p = m.cpu().tlbLookup(index);
      if (p < 0) {
        p = th.vma.pte.get(index);
        if (p < 0 || !m.hw.mapped(p, eid, index)) return WALK_FAULT;
      }
      return m.hw.EACCEPT(p, eid, index, secinfo);
    });
    if (ret !== WALK_FAULT) return ret;
    yield ev2("aex", index, "fault");
    m.hw.exit(m.cpu());
    const r = yield* enclave_page_fault(m, th, index);
    if (r & VM_FAULT_SIGBUS) {
      th.sigbus = true;
      yield ev2("sigbus", index, "SIGBUS");
      return EACCEPT_KILLED;
    }
    const pte = th.vma.pte.get(index);
    if (pte < 0 || !m.hw.mapped(pte, eid, index))
      yield withSite({ kind: "spin_wait", why: `retry EACCEPT of page ${index}` });
    if (signal_pending(m)) return EACCEPT_KILLED;
    yield ev2("eresume", index, "ERESUME");
    m.hw.enter(m.cpu(), eid);
  }
}
function* enclave_epcm_fault(m, th, index, patient = false) {
  const eid = th.ue.encl.eid;
  yield ev2("aex", index, "epcm fault");
  m.hw.exit(m.cpu());
  yield ev2("epcm_fault", index, "#PF with the SGX bit");
  if (th.epcmRetry !== index) {
    yield ev2("eenter", -1, "EENTER (handler TCS)");
    m.hw.enter(m.cpu(), eid);
    const r = yield* enclave_eaccept(m, th, index, ACCEPT_PENDING);
    if (r === EACCEPT_KILLED) return false;
    yield ev2("eexit", -1, "EEXIT (handler TCS)");
    m.hw.exit(m.cpu());
    if (r === SGX_SUCCESS || r === SGX_PAGE_ATTRIBUTES_MISMATCH) {
      if (r !== SGX_SUCCESS && patient)
        yield withSite({
          kind: "spin_wait",
          why: `page ${index} is in transition (EACCEPT mismatch)`
        });
      else if (r !== SGX_SUCCESS) th.epcmRetry = index;
      yield ev2("eresume", index, "ERESUME");
      m.hw.enter(m.cpu(), eid);
      return true;
    }
  }
  th.sigsegv = true;
  yield ev2("sigsegv", index, "SIGSEGV");
  return false;
}

// src/model/user/sgx2.ts
function ev3(kind, page, why) {
  return withSite({ kind, page, why });
}
function acceptSecinfo(kind, perms2 = 0) {
  switch (kind) {
    case "pending":
      return ACCEPT_PENDING;
    case "trim":
      return SGX_SECINFO_TRIM | SGX_SECINFO_MODIFIED;
    case "tcs":
      return SGX_SECINFO_TCS | SGX_SECINFO_MODIFIED;
    case "pr":
      return SGX_SECINFO_REG | SGX_SECINFO_PR | perms2;
  }
}
function* eaccept_call(m, proc, ue, index, secinfo) {
  const th = new EnclaveThread(proc, ue, listPattern([], false), 1, 0);
  const eid = ue.encl.eid;
  yield ev3("eenter", -1, "EENTER");
  m.hw.enter(m.cpu(), eid);
  const ret = yield* enclave_eaccept(m, th, index, secinfo);
  if (ret === EACCEPT_KILLED) return ret;
  yield ev3("eexit", -1, "EEXIT");
  m.hw.exit(m.cpu());
  return ret;
}
function* sgx2_ioctl(m, ue, which, first, n, param, retry = true) {
  let offset = first * PAGE_SIZE;
  let length = n * PAGE_SIZE;
  let total = 0;
  for (; ; ) {
    yield ev3("syscall", -1, `ioctl(SGX_IOC_ENCLAVE_${which.toUpperCase()})`);
    let ret;
    let count;
    if (which === "remove_pages") {
      const arg = { offset, length, count: 0 };
      ret = yield* m.fn.sgx_ioctl(m, ue.encl, { cmd: "SGX_IOC_ENCLAVE_REMOVE_PAGES", arg });
      count = arg.count;
      for (let i = 0; i < count / PAGE_SIZE; i++) ue.truth[offset / PAGE_SIZE + i] = 0;
    } else if (which === "modify_types") {
      const arg = { offset, length, page_type: param, result: 0, count: 0 };
      ret = yield* m.fn.sgx_ioctl(m, ue.encl, { cmd: "SGX_IOC_ENCLAVE_MODIFY_TYPES", arg });
      count = arg.count;
    } else {
      const arg = { offset, length, permissions: param, result: 0, count: 0 };
      ret = yield* m.fn.sgx_ioctl(m, ue.encl, { cmd: "SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS", arg });
      count = arg.count;
    }
    total += count;
    offset += count;
    length -= count;
    if (!retry || length <= 0 || ret !== -EAGAIN && ret !== -EBUSY) return { ret, count: total };
    yield* m.mark(ret === -EAGAIN ? "ioctl_eagain" : "ioctl_ebusy", offset / PAGE_SIZE);
    yield withSite({ kind: "spin_wait", why: `retry the ioctl at page ${offset / PAGE_SIZE}` });
  }
}
var PAGE_TYPES = {
  trim: SGX_PAGE_TYPE_TRIM,
  tcs: SGX_PAGE_TYPE_TCS
};

// src/model/user/actors.ts
function ev4(kind, page, why) {
  return withSite({ kind, page, why });
}
function* access_actor(m, proc, ue, pages, write) {
  const th = new EnclaveThread(proc, ue, listPattern(pages, write), 1, 0);
  const eid = ue.encl.eid;
  if (signal_pending(m)) return;
  yield ev4("eenter", -1, "EENTER");
  m.hw.enter(m.cpu(), eid);
  while (!th.pattern.done()) {
    if (signal_pending(m)) {
      yield ev4("aex", -1, "signal");
      m.hw.exit(m.cpu());
      return;
    }
    const op = withSite({
      kind: "enclave_run",
      budget: 1,
      touches: 0,
      faulted: false,
      dataErrors: 0
    });
    yield op;
    enclave_run_effect(m, th, op);
    if (op.dataErrors) m.warn("data_error", `enclave read stale data from page ${th.pattern.peek()}`);
    if (!op.faulted) continue;
    if (th.epcmFault) {
      if (yield* enclave_epcm_fault(m, th, th.faultPage, true)) continue;
      if (th.sigsegv) m.warn("sigsegv", `SIGSEGV (EPCM fault) on enclave page ${th.faultPage}`);
      else m.warn("sigbus", `SIGBUS on enclave page ${th.faultPage}`);
      return;
    }
    yield ev4("aex", th.faultPage, "fault");
    m.hw.exit(m.cpu());
    const ret = yield* enclave_page_fault(m, th, th.faultPage);
    if (ret & VM_FAULT_SIGBUS) {
      yield ev4("sigbus", th.faultPage, "SIGBUS");
      if (!signal_pending(m)) m.warn("sigbus", `SIGBUS on enclave page ${th.faultPage}`);
      return;
    }
    const pte = th.vma.pte.get(th.faultPage);
    if (pte < 0 || !m.hw.mapped(pte, eid, th.faultPage))
      yield withSite({ kind: "spin_wait", why: `retry the access to page ${th.faultPage}` });
    yield ev4("eresume", th.faultPage, "ERESUME");
    m.hw.enter(m.cpu(), eid);
  }
  yield ev4("eexit", -1, "EEXIT");
  m.hw.exit(m.cpu());
}
function* reclaim_actor(m, rounds) {
  const perCgroup = (m.misc.epc?.sgx_cg_root ?? null) !== null;
  for (let i = 0; i < rounds; i++)
    if (perCgroup) yield* m.fn.sgx_cgroup_reclaim_pages_global(m, null);
    else yield* m.fn.sgx_reclaim_pages(m);
}
function* add_pages_actor(m, ue, first, n) {
  const arg = {
    offset: first * PAGE_SIZE,
    length: n * PAGE_SIZE,
    secinfo: SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W,
    flags: 0,
    count: 0,
    src: (i) => {
      const t = m.hw.newToken();
      ue.truth[first + i] = t;
      return t;
    }
  };
  const ret = yield* m.fn.sgx_ioctl(m, ue.encl, { cmd: "SGX_IOC_ENCLAVE_ADD_PAGES", arg });
  if (ret < 0)
    m.warn("ioctl_failed", `ADD_PAGES returned -${errnoName(ret)} after ${arg.count / PAGE_SIZE} pages`);
}
function* exit_actor(m, proc) {
  for (const t of m.tasks) if (t.mm === proc.mm && t !== m.current) t.sigpending = true;
  yield* join_threads(m, proc);
  yield* exit_process(m, proc);
}
function* close_actor(m, proc, ue, munmap, exit) {
  const k = proc.files.findIndex((f2) => f2.encl === ue.encl);
  const f = proc.files[k];
  if (f) {
    if (munmap) {
      yield ev4("syscall", -1, "munmap");
      yield* vm_munmap(m, proc.mm, f);
      if (ue.vma?.vm_mm === proc.mm) ue.vma = null;
    }
    yield ev4("syscall", -1, "close");
    proc.files.splice(k, 1);
    yield* fput(m, f);
  }
  if (exit) yield* exit_actor(m, proc);
}
function* rmdir_actor(m, cg) {
  for (; ; ) {
    yield ev4("syscall", -1, `rmdir(${cg.name})`);
    const r = yield* cgroup_rmdir(m, cg);
    if (r !== -EBUSY) {
      if (r) m.warn("rmdir", `rmdir ${cg.name} returned -${errnoName(r)}`);
      return;
    }
    yield withSite({ kind: "spin_wait", why: `rmdir ${cg.name}: cgroup busy` });
  }
}
function* fork_exit_actor(m, proc) {
  const child = yield* fork(m, proc, `${proc.name}-child`);
  yield* exit_process(m, child);
}
function* poison_actor(m, ue, index) {
  const entry = ue.encl.page_array.get(index);
  const epc = entry >= 0 ? m.encl_pages.epc_page.a[entry] : -1;
  if (epc >= 0) yield* m.fn.arch_memory_failure(m, epc, 0);
}
function* eaccept_actor(m, proc, ue, pages, accept, write) {
  for (const page of pages) {
    if (signal_pending(m)) return;
    const r = yield* eaccept_call(m, proc, ue, page, acceptSecinfo(accept));
    if (r === EACCEPT_KILLED) {
      if (!signal_pending(m)) m.warn("sigbus", `SIGBUS on enclave page ${page} (EACCEPT)`);
      return;
    }
    if (r !== SGX_SUCCESS && !(accept === "pending" && r === SGX_PAGE_ATTRIBUTES_MISMATCH)) {
      m.warn("eaccept", `EACCEPT of enclave page ${page} returned ${sgxRetName(r)}`);
      return;
    }
    if (write) {
      yield* access_actor(m, proc, ue, [page], true);
      yield* access_actor(m, proc, ue, [page], false);
    }
  }
}
function* sgx2_ioctl_actor(m, ue, which, range, param) {
  const r = yield* sgx2_ioctl(m, ue, which, range[0], range[1] - range[0], param);
  if (r.ret && !signal_pending(m))
    m.warn("ioctl_failed", `${which} returned -${errnoName(r.ret)} after ${r.count / PAGE_SIZE} pages`);
}
function* vepc_actor(m, proc, pages) {
  const g2 = yield* vepc_create(m, proc, pages);
  if (typeof g2 === "number") {
    m.warn("vepc", `vEPC mmap failed: -${errnoName(g2)}`);
    return;
  }
  if (!(yield* vepc_populate(m, proc, g2))) m.warn("sigbus", "SIGBUS on a guest EPC page");
  yield* vepc_close(m, proc, g2);
}

// src/rt/effects.ts
var LockViolation = class extends Error {
};
function violation(what, l, pid) {
  throw new LockViolation(
    `${what} on ${l.cls}#${l.id} by task ${pid} (owner ${l.owner}, readers ${l.readers})`
  );
}
function applyEffect(op, pid) {
  switch (op.kind) {
    case "spin_lock":
    case "mutex_lock":
      if (op.lock.owner !== -1) violation(`${op.kind} granted while held`, op.lock, pid);
      op.lock.owner = pid;
      return;
    case "down_write": {
      const l = op.lock;
      if (l.owner !== -1 || l.readers !== 0) violation("down_write granted while held", l, pid);
      l.owner = pid;
      return;
    }
    case "spin_unlock":
    case "mutex_unlock":
    case "up_write":
      if (op.lock.owner !== pid)
        violation(`${op.kind} by a task that does not hold it`, op.lock, pid);
      op.lock.owner = -1;
      return;
    case "down_read": {
      const l = op.lock;
      if (l.owner !== -1) violation("down_read granted while write-held", l, pid);
      l.readers++;
      return;
    }
    case "up_read": {
      const l = op.lock;
      if (l.readers <= 0) violation("up_read without readers", l, pid);
      l.readers--;
      return;
    }
    default:
      return;
  }
}

// src/errors.ts
var UsageError = class extends Error {
};

// src/rt/loop_guard.ts
var GUARD = /* @__PURE__ */ Symbol.for("epcsim.loopGuard");
var TICK = /* @__PURE__ */ Symbol.for("epcsim.loopTick");
var g = globalThis;
var loopGuard = g[GUARD] ??= { count: 0, limit: 2e7 };
var LoopWithoutYield = class extends Error {
  name = "LoopWithoutYield";
};
g[TICK] ??= () => {
  if (++loopGuard.count > loopGuard.limit) {
    loopGuard.count = 0;
    throw new LoopWithoutYield(
      `a loop ran ${loopGuard.limit.toLocaleString("en-US")} iterations without reaching a scheduling point`
    );
  }
};

// src/rt/watchdog.ts
import { getEnvironmentData, isMainThread, setEnvironmentData, threadId, Worker } from "node:worker_threads";
var KEY = "epcsim.watchdog";
var SLOTS = 256;
var WORDS = 1 + SLOTS * 3;
var DEADLINES = Math.ceil(WORDS * 4 / 8) * 8;
var BYTES = DEADLINES + SLOTS * 8;
var heartbeat = new Int32Array(3);
var deadline = new Float64Array(1);
var shared = null;
function claim(sab, slot) {
  shared = sab;
  heartbeat = new Int32Array(sab, (1 + slot * 3) * 4, 3);
  heartbeat[2] = threadId;
  deadline = new Float64Array(sab, DEADLINES + slot * 8, 1);
}
if (!isMainThread) {
  const sab = getEnvironmentData(KEY);
  if (sab) {
    const slot = Atomics.add(new Int32Array(sab, 0, 1), 0, 1) + 1;
    if (slot < SLOTS) claim(sab, slot);
  }
}

// src/rt/thread.ts
var Thread = class {
  constructor(id, spec) {
    this.id = id;
    this.spec = spec;
    this.gen = spec.body();
  }
  id;
  spec;
  gen;
  /** The pending op; null before the first step. */
  op = null;
  started = false;
  done = false;
  /** An exception thrown by model code (a KernelBug or an internal error). */
  error = null;
  get task() {
    return this.spec.task;
  }
  get name() {
    return this.spec.task.comm;
  }
};
function isEnabled(op) {
  switch (op.kind) {
    case "spin_lock":
    case "mutex_lock":
    case "down_read":
      return op.lock.owner === -1;
    case "down_write":
      return op.lock.owner === -1 && op.lock.readers === 0;
    case "sleep":
      return op.task.state === TASK_RUNNING;
    case "srcu_sync":
      return op.srcu.oldestReader() > op.gp;
    default:
      return true;
  }
}
function stepThread(t, value) {
  loopGuard.count = 0;
  heartbeat[0]++;
  heartbeat[1] = 1;
  try {
    if (t.op !== null) applyEffect(t.op, t.spec.task.pid);
    const r = t.gen.next(value);
    t.started = true;
    if (r.done) {
      t.done = true;
      t.op = null;
    } else {
      if (OP_KINDS[r.value?.kind] !== true) malformedOp(t, r.value);
      t.op = r.value;
    }
  } catch (e) {
    t.started = true;
    t.done = true;
    t.op = null;
    t.error = e;
  }
  heartbeat[1] = 0;
}
var MalformedOp = class extends UsageError {
};
function malformedOp(t, v3) {
  throw new MalformedOp(
    `thread ${t.spec.task.comm} yielded ${JSON.stringify(v3)?.slice(0, 80)}, which is not an op (a patch must yield the ops the model's helpers return: spin_lock(...), m.work(...), ...)`
  );
}
function describeOp(op) {
  switch (op.kind) {
    case "spin_lock":
    case "spin_unlock":
    case "mutex_lock":
    case "mutex_unlock":
    case "down_read":
    case "up_read":
    case "down_write":
    case "up_write":
      return `${op.kind}(${op.lock.cls}#${op.lock.id})`;
    case "atomic":
      return `atomic ${op.what}#${op.loc.id}`;
    case "read":
    case "write":
      return `${op.kind} ${op.what}${op.sub >= 0 ? `[${op.sub}]` : ""}`;
    case "encls":
      return `ENCLS[${op.leaf}](epc ${op.page})`;
    case "ipi":
      return `IPI ${op.why} to ${op.targets} CPUs`;
    case "sleep":
      return `schedule() on ${op.wq.cls}`;
    case "wake_up":
      return `wake_up(${op.wq.cls})`;
    case "srcu_sync":
      return `synchronize_srcu(${op.srcu.cls})`;
    case "work":
      return `work ${op.what} x${op.n}`;
    case "choose":
      return `choose(${op.n}) ${op.why}`;
    case "cond_resched":
      return "cond_resched()";
    case "spawn":
      return `spawn ${op.thread.task.comm}`;
    case "enclave_run":
      return `enclave_run(${op.budget})`;
    case "preempt_point":
      return "preempt_point";
    case "mark":
      return `mark ${op.what} ${op.detail}`;
    default:
      return `${op.kind}${"page" in op && op.page >= 0 ? ` page ${op.page}` : ""} ${"why" in op ? op.why : ""}`;
  }
}

// src/check/cgroup_invariants.ts
var v = (name, detail) => ({ name, detail });
function cgroupLrus(m) {
  const out2 = [];
  for (const cg of m.misc.all) {
    const sgx_cg = sgx_cgroup_from_misc_cg(cg);
    if (sgx_cg) out2.push(sgx_cg.lru.reclaimable);
  }
  return out2;
}
function isLru(cls) {
  return cls === "sgx_active_page_list" || cls?.endsWith("->lru.reclaimable") === true;
}
function label(cg) {
  return cg.name || "/";
}
function cgroupProblem(w, quiescent, where) {
  if (!quiescent) return null;
  const m = w.m;
  const P = m.pages;
  const all = m.misc.all;
  for (const [page, cls] of where) {
    if (!isLru(cls)) continue;
    const id = P.sgx_cg.get(page);
    const want = id < 0 ? "sgx_active_page_list" : sgx_cgroup_from_misc_cg(all[id])?.lru.reclaimable.cls;
    if (cls !== want)
      return v(
        "one LRU per page, its cgroup's",
        `EPC page ${page} is charged to ${id < 0 ? "no cgroup" : label(all[id])} but sits on ${cls}`
      );
  }
  const pages = new Array(all.length).fill(0);
  for (let p = 0; p < P.nr_pages; p++) {
    const id = P.sgx_cg.get(p);
    if (id < 0) continue;
    if (P.flags.get(p) & SGX_EPC_PAGE_IS_FREE)
      return v(
        "charged pages equal misc.current",
        `EPC page ${p} is free but still charged to ${label(all[id])}`
      );
    for (let c = all[id]; c; c = c.parent) pages[c.id]++;
  }
  const procs = [...w.procs.values(), ...w.children];
  const leafFirst = [...all].reverse();
  if (procs.length && procs.every((p) => p.exited)) {
    for (const cg of leafFirst)
      if (cg.res.usage.v !== 0)
        return v(
          "nothing charged after every process exited",
          `misc.current of ${label(cg)} is ${cg.res.usage.v} bytes (${cg.res.usage.v / 4096} pages) after every process exited`
        );
  }
  for (const cg of leafFirst) {
    if (cg.res.usage.v !== pages[cg.id] * 4096)
      return v(
        "charged pages equal misc.current",
        `misc.current of ${label(cg)} is ${cg.res.usage.v / 4096} pages but ${pages[cg.id]} EPC pages are charged to it and its descendants`
      );
  }
  for (const cg of all) {
    const r = cg.res;
    const high = Math.max(r.usage.v, r.watermark);
    if (high > r.max && !r.max_written_below_usage) {
      const below = descendants_pre(cg).filter((d) => d !== cg && d.res.watermark > 0);
      return v(
        "usage within every ancestor's max",
        `misc.current of ${label(cg)} reached ${high / 4096} pages, above its misc.max of ${r.max / 4096} pages${below.length ? ` (charged through ${below.map(label).join(", ")})` : ""}`
      );
    }
  }
  return null;
}

// src/check/kmemleak.ts
var KMEMLEAK = "kmemleak: unreferenced object";
function referenced(w) {
  const m = w.m;
  const E = m.encl_pages;
  const out2 = /* @__PURE__ */ new Set();
  const add = (p) => {
    if (p >= 0) out2.add(p);
  };
  for (const encl of m.enclaves) {
    if (encl.freed) continue;
    for (const i of encl.page_array.indices(0, encl.size / 4096)) {
      const e = encl.page_array.get(i);
      if (E.alive.a[e]) add(E.epc_page.a[e]);
    }
    if (encl.secs >= 0) add(E.epc_page.a[encl.secs]);
    for (const va of encl.va_pages) add(va.epc_page);
  }
  for (const vepc of m.vepc.instances) {
    if (vepc.freed) continue;
    const xa = vepc.page_array;
    for (const i of xa.indices(0, Number.MAX_SAFE_INTEGER)) add(xa.get(i));
  }
  return out2;
}
function heapLeakProblem(w) {
  const m = w.m;
  const listed = /* @__PURE__ */ new Set();
  for (const encl of m.enclaves) if (!encl.freed) for (const va of encl.va_pages) listed.add(va);
  for (const va of m.va_pages)
    if (!va.freed && !listed.has(va))
      return `unreferenced struct sgx_va_page #${va.id} (EPC page ${va.epc_page}): on no live enclave's va_pages list, never kfree()d${allocatedAt(m, va)}`;
  for (const e of m.encl_mms)
    if (!e.freed && (e.encl.freed || !e.encl.mm_list.includes(e)))
      return `unreferenced struct sgx_encl_mm of ${e.encl.name || e.encl.id} (mm ${e.mm.name}): on no mm_list, never kfree()d${allocatedAt(m, e)}`;
  return internalLeakProblem(w);
}
function internalLeakProblem(w) {
  const m = w.m;
  const E = m.encl_pages;
  for (const encl of m.enclaves) {
    const name = encl.name || String(encl.id);
    if (encl.freed && encl.page_array.count > 0)
      return `unreferenced xa_node of the page_array of freed enclave ${name} (${encl.page_array.count} entries): xa_destroy() never ran`;
    if (encl.backing)
      for (const [index, p] of encl.backing.pages) {
        if (p.refs > 0)
          return `backing page ${index} of enclave ${name} still has ${p.refs} reference(s) with no kernel path running: a get_page() without its put_page()`;
        if (p.refs < 0)
          return `backing page ${index} of enclave ${name}: page refcount underflow (${p.refs}): put_page() without a reference`;
      }
  }
  for (const f of m.shmem_files)
    for (const p of f.truncatedHeld.values())
      if (p.refs > 0)
        return `a page of backing file ${f.id} (${f.name}) truncated from its file with ${p.refs} reference(s) still held and no kernel path running: a get_page() without its put_page(), the page is never freed`;
  for (const vepc of m.vepc.instances)
    if (vepc.freed && vepc.page_array.count > 0)
      return `unreferenced xa_node of the page_array of a freed vEPC (${vepc.page_array.count} entries): xa_destroy() never ran`;
  const removed = m.misc.all.filter((cg) => !cg.online && !cg.freed);
  if (removed.length) {
    const charged = /* @__PURE__ */ new Map();
    for (let p = 0; p < m.pages.nr_pages; p++) {
      const id = m.pages.sgx_cg.get(p);
      if (id >= 0) charged.set(id, (charged.get(id) ?? 0) + 1);
    }
    for (const cg of removed)
      if (cg.refcnt > (charged.get(cg.id) ?? 0))
        return `removed cgroup ${cg.name} still has ${cg.refcnt} css reference(s) but ${charged.get(cg.id) ?? 0} charged page(s): a css_get() without its css_put(), the cgroup is never freed`;
  }
  const alive = /* @__PURE__ */ new Map();
  for (let e = 0; e < E.count; e++) {
    if (!E.alive.a[e]) continue;
    const encl = m.enclaves[E.encl.a[e]];
    if (!encl || encl.freed) return encl_page_leak(m, e);
    alive.set(E.encl.a[e], (alive.get(E.encl.a[e]) ?? 0) + 1);
  }
  for (const [idx, n] of alive) {
    const encl = m.enclaves[idx];
    if (n <= encl.page_array.count + (encl.secs >= 0 && E.alive.a[encl.secs] ? 1 : 0)) continue;
    const inArray = new Set(encl.page_array.indices(0, encl.size / 4096).map((i) => encl.page_array.get(i)));
    for (let e = 0; e < E.count; e++)
      if (E.alive.a[e] && E.encl.a[e] === idx && e !== encl.secs && !inArray.has(e))
        return encl_page_leak(m, e);
  }
  return null;
}
function kmemleakProblem(w, onList) {
  const m = w.m;
  const P = m.pages;
  const refs = referenced(w);
  for (let p = 0; p < P.nr_pages; p++) {
    if (P.next.get(p) === LINK_NONE || onList.has(p) || refs.has(p)) continue;
    const tracked = (P.flags.get(p) & SGX_EPC_PAGE_RECLAIMER_TRACKED) !== 0;
    const site = m.kmemleak_sites.get(p) ?? "before the execution (in the scenario's set-up)";
    return `unreferenced EPC page ${p} (owner ${P.owner.get(p)}${tracked ? ", RECLAIMER_TRACKED" : ""}): on no list, held by no live enclave, VA page or vEPC
  allocated: ${site}`;
  }
  return null;
}
function encl_page_leak(m, e) {
  const E = m.encl_pages;
  const encl = m.enclaves[E.encl.a[e]];
  return `unreferenced struct sgx_encl_page ${e} (enclave ${encl ? encl.name || encl.id : "?"}, index ${E.index.a[e]}): in no live enclave's page_array, never kfree()d${allocatedAt(m, e)}`;
}

// src/check/invariants.ts
var v2 = (name, detail) => ({ name, detail });
function walk(m, head, limit) {
  const P = m.pages;
  const h = headLink(head);
  const out2 = [];
  let prev = h;
  for (let x = P.headNext[head.h]; x !== h; x = P.next.get(x)) {
    if (x < 0) return v2("list links", `${head.cls}: link to another list head (${x}) inside the list`);
    const p = P.prev.get(x);
    if (p !== prev) return v2("list links", `${head.cls}: page ${x}'s prev is ${p}, expected ${prev}`);
    out2.push(x);
    if (out2.length > limit) return v2("list links", `${head.cls}: cycle`);
    prev = x;
  }
  return out2;
}
function checkInvariants(w, quiescent) {
  const m = w.m;
  const P = m.pages;
  const N2 = P.nr_pages;
  const where = /* @__PURE__ */ new Map();
  const lists = [m.sgx.sgx_active_page_list, ...cgroupLrus(m)];
  for (const node of m.sgx.sgx_numa_nodes)
    if (node) lists.push(node.free_page_list, node.sgx_poison_page_list);
  let freeCount = 0;
  for (const head of lists) {
    const pages = walk(m, head, N2);
    if (!Array.isArray(pages)) return pages;
    for (const p of pages) {
      const other = where.get(p);
      if (other) return v2("one list per page", `EPC page ${p} is on ${other} and on ${head.cls}`);
      where.set(p, head.cls);
    }
    if (!isLru(head.cls)) freeCount += pages.length;
  }
  for (const node of m.sgx.sgx_numa_nodes) {
    if (!node) continue;
    for (const r of node.fresh) freeCount += Math.max(0, r.end - r.next);
  }
  for (let p = 0; p < N2; p++) {
    if (P.next.get(p) === LINK_NONE) continue;
    const f = P.flags.get(p);
    const on = where.get(p);
    if (f & SGX_EPC_PAGE_RECLAIMER_TRACKED) {
      const isolated = P.next.get(p) === p;
      if (!isLru(on) && !isolated)
        return v2(
          "tracked means listed or isolated",
          `EPC page ${p} is RECLAIMER_TRACKED but ${on ? `on ${on}` : "off every list and not isolated"}`
        );
    } else if (isLru(on)) {
      return v2(
        "tracked means listed or isolated",
        `EPC page ${p} is on the active list without RECLAIMER_TRACKED`
      );
    }
    if (P.poison.get(p) && (on === "free_page_list" || isLru(on)))
      return v2("poisoned pages are quarantined", `EPC page ${p} is poisoned but on ${on}`);
    if (f & SGX_EPC_PAGE_IS_FREE && on !== "free_page_list" && on !== "sgx_poison_page_list")
      return v2(
        "free pages are on a free list",
        `EPC page ${p} has IS_FREE but is ${on ? `on ${on}` : "on no list"}`
      );
    if (!(f & SGX_EPC_PAGE_IS_FREE) && (on === "free_page_list" || on === "sgx_poison_page_list"))
      return v2("free pages are on a free list", `EPC page ${p} is on ${on} without IS_FREE`);
  }
  if (quiescent && m.sgx.sgx_nr_free_pages.v !== freeCount)
    return v2(
      "nr_free matches the free lists",
      `sgx_nr_free_pages = ${m.sgx.sgx_nr_free_pages.v} but the free and poison lists hold ${freeCount} pages`
    );
  const E = m.encl_pages;
  for (const mm of m.mms) {
    for (const vma of mm.vmas) {
      const encl = vma.vm_private_data;
      if (!encl) continue;
      let bad = null;
      vma.pte.forEachSet((i, pfn) => {
        if (bad) return;
        const e = encl.page_array.get(i);
        const cur = e >= 0 && E.alive.a[e] ? E.epc_page.a[e] : -1;
        if (cur !== pfn)
          bad = v2(
            "no stale PTE",
            `${mm.name}: PTE of ${encl.name} page ${i} points to EPC page ${pfn}, but the page is ${cur < 0 ? "not resident" : `in ${cur}`}`
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
    if (t) return v2("teardown returns everything", t);
  }
  return cgroupProblem(w, quiescent, where);
}
function enclaveProblem(m, encl) {
  if (encl.freed || encl.secs < 0) return null;
  const E = m.encl_pages;
  const P = m.pages;
  let resident = 0;
  const slots = /* @__PURE__ */ new Set();
  for (const i of encl.page_array.indices(0, encl.size / 4096)) {
    const e = encl.page_array.get(i);
    if (!E.alive.a[e]) return v2("no use after free", `page_array of ${encl.name} holds freed entry ${e}`);
    const epc = E.epc_page.a[e];
    if (epc >= 0) {
      resident++;
      if (P.owner.get(epc) !== e)
        return v2("owner", `${encl.name} page ${i}: EPC page ${epc} is owned by ${P.owner.get(epc)}`);
      if (!m.hw.valid.get(epc))
        return v2(
          "resident pages are valid",
          `${encl.name} page ${i}: EPC page ${epc} is not valid in the EPCM`
        );
      continue;
    }
    const va = m.va_pages[E.va_page.a[e]];
    const off = E.desc.a[e] & SGX_ENCL_PAGE_VA_OFFSET_MASK;
    if (!va || va.epc_page < 0)
      return v2("one VA slot per evicted page", `${encl.name} page ${i} is evicted without a VA page`);
    if (!va.slots[off >> 3])
      return v2("one VA slot per evicted page", `${encl.name} page ${i}: its VA slot ${off >> 3} is free`);
    const key = `${va.id}:${off}`;
    if (slots.has(key))
      return v2("one VA slot per evicted page", `${encl.name}: two pages share VA slot ${key}`);
    slots.add(key);
    const bad = backingProblem(encl, i);
    if (bad) return v2("evicted data is in the backing store", `${encl.name} page ${i}: ${bad}`);
  }
  if (resident !== encl.secs_child_cnt)
    return v2(
      "secs_child_cnt counts resident children",
      `${encl.name}: secs_child_cnt = ${encl.secs_child_cnt}, resident children = ${resident}`
    );
  if (encl.secs_child_cnt > 0 && E.epc_page.a[encl.secs] < 0)
    return v2(
      "SECS resident while it has children",
      `${encl.name}: ${encl.secs_child_cnt} children resident, SECS evicted`
    );
  if (E.epc_page.a[encl.secs] < 0 && encl.eid >= 0) {
    const va = m.va_pages[E.va_page.a[encl.secs]];
    const off = E.desc.a[encl.secs] & SGX_ENCL_PAGE_VA_OFFSET_MASK;
    if (!va?.slots[off >> 3])
      return v2("one VA slot per evicted page", `${encl.name}: the evicted SECS has no VA slot`);
    slots.add(`${va.id}:${off}`);
  }
  let used = 0;
  for (const va of encl.va_pages) used += va.used;
  if (used !== slots.size)
    return v2(
      "one VA slot per evicted page",
      `${encl.name}: ${used} VA slots used for ${slots.size} evicted pages`
    );
  if (encl.va_pages.length * SGX_VA_SLOT_COUNT < encl.page_cnt)
    return v2(
      "enough VA slots",
      `${encl.name}: ${encl.va_pages.length} VA pages for page_cnt ${encl.page_cnt}`
    );
  return null;
}
function backingProblem(encl, index) {
  const f = encl.backing;
  if (!f) return "no backing file";
  if (!f.pages.has(index)) return "its contents page is gone from the backing file";
  const off = encl.size + 4096 + index * 128;
  const pcmd = f.pages.get(Math.floor(off / 4096));
  if (!pcmd) return "its PCMD page is gone from the backing file";
  const [tag, mac] = pcmdReadView(pcmd, off % 4096 / 128);
  if (tag === 0 && mac === 0) return "its PCMD entry is all zero";
  return null;
}
function pcmdReadView(p, slot) {
  const words = shmem_view(p).words;
  if (!words) return [0, 0, 0];
  const o = slot * PCMD_WORDS;
  return [words[o], words[o + 1], words[o + 2]];
}
function checkProperties(w, names) {
  for (const name of names) {
    if (name !== "resident_pcmd_zero") continue;
    const m = w.m;
    const E = m.encl_pages;
    for (const encl of m.enclaves) {
      if (encl.freed || !encl.backing) continue;
      for (const i of encl.page_array.indices(0, encl.size / 4096)) {
        const e = encl.page_array.get(i);
        if (E.epc_page.a[e] < 0) continue;
        const off = encl.size + 4096 + i * 128;
        const pcmd = encl.backing.pages.get(Math.floor(off / 4096));
        if (!pcmd) continue;
        const [tag, mac] = pcmdReadView(pcmd, off % 4096 / 128);
        if (tag !== 0 || mac !== 0)
          return v2(
            name,
            `${encl.name} page ${i} is resident but the backing file shows its PCMD entry (tag ${tag}) again`
          );
      }
    }
  }
  return null;
}
function teardownProblem(w) {
  const procs = [...w.procs.values(), ...w.children];
  if (!procs.every((p) => p.exited)) return null;
  const m = w.m;
  for (const e of m.enclaves)
    if (!e.freed) return `enclave ${e.name} was never released (refcount ${e.refcount.v})`;
  const total = m.pages.nr_pages;
  if (m.sgx.sgx_nr_free_pages.v !== total)
    return `${total - m.sgx.sgx_nr_free_pages.v} EPC pages were not freed`;
  for (const f of m.shmem_files)
    if (f.pages.size) return `backing file ${f.id} still holds ${f.pages.size} pages`;
  return null;
}

// src/check/kasan.ts
var USE_AFTER_FREE = "KASAN: use-after-free";
function locationOf(op) {
  switch (op.kind) {
    case "spin_lock":
    case "spin_unlock":
    case "mutex_lock":
    case "mutex_unlock":
    case "down_read":
    case "up_read":
    case "down_write":
    case "up_write":
      return op.lock;
    case "atomic":
    case "read":
    case "write":
      return op.loc;
    case "sleep":
    case "wake_up":
      return op.wq;
    case "srcu_sync":
      return op.srcu;
    default:
      return null;
  }
}
function kasanCheck(freed, op) {
  if (freed.size === 0) return null;
  const l = locationOf(op);
  if (!l) return null;
  const what = freed.get(l.id);
  return what === void 0 ? null : `${op.kind} on ${l.cls}#${l.id} inside ${what}, which was freed`;
}

// src/check/lockdep.ts
var CIRCULAR = "lockdep: possible circular locking dependency";
var SLEEP_IN_ATOMIC = "sleeping function called from invalid context";
var ACQUIRE = /* @__PURE__ */ new Set(["spin_lock", "mutex_lock", "down_read", "down_write"]);
var RELEASE = /* @__PURE__ */ new Set(["spin_unlock", "mutex_unlock", "up_read", "up_write"]);
var MIGHT_SLEEP = /* @__PURE__ */ new Set([
  "mutex_lock",
  "down_read",
  "down_write",
  "sleep",
  "msleep",
  "srcu_sync",
  "cond_resched"
]);
var at = (site) => site ? `, at: ${site}` : "";
var Lockdep = class {
  held = [];
  edges = /* @__PURE__ */ new Map();
  /** Edges this execution took (not the seeded ones), in the order first taken. */
  own = [];
  /** `seed`: dependencies earlier executions took (a replayed cross-execution report). */
  constructor(seed = []) {
    for (const e of seed) this.addEdge(e.from, e.to, e);
  }
  /** The dependencies this execution took. */
  edgeList() {
    return this.own;
  }
  addEdge(from, to, e) {
    const out2 = this.edges.get(from) ?? /* @__PURE__ */ new Map();
    this.edges.set(from, out2);
    if (out2.has(to)) return false;
    out2.set(to, e);
    return true;
  }
  /** Check `op`, which thread `tid` (named `name`) is about to execute; a report, or null. */
  before(tid, name, op) {
    const held = this.held[tid] ??= [];
    const site = siteOf(op);
    if (MIGHT_SLEEP.has(op.kind)) {
      const spin = held.find((h) => h.spin);
      if (spin)
        return {
          property: SLEEP_IN_ATOMIC,
          detail: `${name} does ${describe(op)}${at(site)} while holding spinlock ${spin.cls}#${spin.id}${at(spin.site)}`
        };
    }
    if (!ACQUIRE.has(op.kind)) return null;
    const lock = op.lock;
    for (const h of held) {
      if (h.cls === lock.cls) continue;
      const back = this.path(lock.cls, h.cls);
      if (back) {
        const chain = back.map(
          ([from, to, e]) => `  -> (${to}) taken by ${e.thread}${at(e.toSite)} while holding (${from})${at(e.fromSite)}`
        ).join("\n");
        return {
          property: CIRCULAR,
          detail: `${name} is trying to acquire (${lock.cls})${at(site)} while holding (${h.cls})${at(h.site)}, but (${h.cls}) already depends on (${lock.cls}):
${chain}`
        };
      }
    }
    for (const h of held) {
      if (h.cls === lock.cls) continue;
      const e = { thread: name, fromSite: h.site, toSite: site };
      if (this.addEdge(h.cls, lock.cls, e)) this.own.push({ from: h.cls, to: lock.cls, ...e });
    }
    return null;
  }
  /** After the op ran: keep the held-lock stack (in acquisition order, like held_locks). */
  after(tid, op) {
    const held = this.held[tid] ??= [];
    if (ACQUIRE.has(op.kind)) {
      const lock = op.lock;
      held.push({ cls: lock.cls, id: lock.id, spin: op.kind === "spin_lock", site: siteOf(op) });
    } else if (RELEASE.has(op.kind)) {
      const id = op.lock.id;
      const i = held.findLastIndex((h) => h.id === id);
      if (i >= 0) held.splice(i, 1);
    }
  }
  /** The dependency path from class `from` to class `to`, as edges, or null. */
  path(from, to) {
    return graphPath(this.edges, from, to);
  }
};
function graphPath(edges, from, to) {
  const seen = /* @__PURE__ */ new Set([from]);
  const queue = [[from, []]];
  while (queue.length) {
    const [c, p] = queue.shift();
    for (const [next, e] of edges.get(c) ?? []) {
      const q = [...p, [c, next, e]];
      if (next === to) return q;
      if (!seen.has(next)) {
        seen.add(next);
        queue.push([next, q]);
      }
    }
  }
  return null;
}
function describe(op) {
  if (ACQUIRE.has(op.kind)) return `${op.kind}(${op.lock.cls})`;
  return op.kind;
}

// src/check/lockset.ts
var DATA_RACE = "data race: written under no common lock";
var EXCLUSIVE = 0;
var SHARED = 1;
var SHARED_MODIFIED = 2;
var Lockset = class {
  constructor(names) {
    this.names = names;
  }
  names;
  locations = /* @__PURE__ */ new Map();
  /**
   * The last reference to the object that owns location `h` is gone and thread `tid` releases it:
   * the location is private to that thread from now on (no other thread can reach it).
   */
  claim(h, tid) {
    this.locations.set(h, {
      mode: EXCLUSIVE,
      owner: tid,
      locks: /* @__PURE__ */ new Set(),
      lastTid: tid,
      lastHeld: [],
      lastOp: "release"
    });
  }
  /** Thread `tid`, holding `held`, does `op` on location `h`: a report of the race, or null. */
  access(h, tid, held, op, write) {
    const s = this.locations.get(h);
    if (!s) {
      this.locations.set(h, {
        mode: EXCLUSIVE,
        owner: tid,
        locks: /* @__PURE__ */ new Set(),
        lastTid: tid,
        lastHeld: [...held],
        lastOp: op
      });
      return null;
    }
    let report = null;
    if (s.mode !== EXCLUSIVE || s.owner !== tid) {
      if (s.mode === EXCLUSIVE) s.locks = new Set(held);
      else for (const id of s.locks) if (!held.has(id)) s.locks.delete(id);
      s.mode = write || s.mode === SHARED_MODIFIED ? SHARED_MODIFIED : SHARED;
      if (s.mode === SHARED_MODIFIED && s.locks.size === 0 && s.lastTid !== tid) {
        const n = this.names;
        const set = (ids) => `{${[...ids].map((id) => n.lock(id)).join(", ") || "no lock"}}`;
        report = `${n.thread(tid)} does ${n.access(h, op)} holding ${set(held)}; ${n.thread(s.lastTid)} did ${n.access(h, s.lastOp)} holding ${set(s.lastHeld)}: no lock in common`;
      }
    }
    s.lastTid = tid;
    s.lastHeld = [...held];
    s.lastOp = op;
    return report;
  }
};

// src/check/execution.ts
function invisible(op) {
  switch (op.kind) {
    case "mark":
    case "work":
    case "preempt_point":
    case "msleep":
    case "cond_resched":
    case "spawn":
      return true;
    default:
      return false;
  }
}
function publishes(op) {
  switch (op.kind) {
    case "spin_unlock":
    case "mutex_unlock":
    case "up_read":
    case "up_write":
    case "wake_up":
    case "write":
    case "encls":
    case "ipi":
      return true;
    case "atomic":
      return op.write;
    default:
      return false;
  }
}
var NO_LOCKS = /* @__PURE__ */ new Set();
var Execution = class {
  constructor(world, chk, disabled = /* @__PURE__ */ new Set(), custom, lockdepSeed = []) {
    this.chk = chk;
    this.disabled = disabled;
    this.lockdep = new Lockdep(lockdepSeed);
    this.w = world;
    this.m = world.m;
    if (custom) {
      custom.forEach((a, i) => {
        const task = this.m.newTask(a.name, PF_KTHREAD, null);
        this.spawn(
          { task, body: () => a.body(this.w), kind: "kthread", cpu: i },
          { name: a.name, daemon: a.daemon ?? false, spec: null }
        );
        if (disabled.has(i)) this.threads[i].done = true;
      });
      return;
    }
    const exiting = new Set(
      chk.actors.flatMap(
        (a, i) => (a.kind === "exit" || a.kind === "close" && a.exit && a.child === void 0) && !disabled.has(i) ? [a.enclave] : []
      )
    );
    chk.actors.forEach((a, i) => {
      this.addActor(a, i, exiting);
    });
  }
  chk;
  disabled;
  w;
  m;
  threads = [];
  actors = [];
  trace = [];
  /** Per thread: its steps in the trace, and the answers its choose ops got (for state hashes,
   * which would otherwise filter the whole trace for every thread at every step). */
  stepsOf = [];
  choicesOf = [];
  /** Locks each thread holds (for reports and dependence). */
  held = [];
  /** Lock order and sleeping-in-atomic checks (lockdep.ts). */
  lockdep;
  /** Steps other threads took since each thread's last fault began (its last AEX). */
  othersMoved = [];
  /** The thread's last fault ended busy and it has not completed an access since. */
  retrying = [];
  failure = null;
  /** The last step: its thread and op (null when the step started the thread). */
  lastStep = null;
  dmesgSeen = 0;
  /** Data races on the kernel's lists and enclave page descriptors (lockset.ts). */
  lockset = new Lockset({
    ...this.raceNames(),
    access: (h, op) => `${op}(${this.m.pages.heads[h]?.cls ?? `list#${h}`})`
  });
  descLockset = new Lockset({
    ...this.raceNames(),
    access: (e, op) => {
      const E = this.m.encl_pages;
      const encl = this.m.enclaves[E.encl.a[e]];
      return `a ${op} of encl_page->desc of ${encl?.name || "enclave"} page ${E.index.a[e]}`;
    }
  });
  /** The thread whose step is running, and the names of the locks seen (for reports). */
  stepping = -1;
  lockNames = /* @__PURE__ */ new Map();
  onListWrite = (P, h, what) => {
    if (P !== this.m.pages || this.failure) return;
    const tid = this.stepping;
    const bad = this.lockset.access(h, tid, this.held[tid] ?? NO_LOCKS, what, true);
    if (bad) this.fail(DATA_RACE, bad, tid);
  };
  onDescAccess = (entry, write) => {
    if (this.failure) return;
    const tid = this.stepping;
    const bad = this.descLockset.access(
      entry,
      tid,
      this.held[tid] ?? NO_LOCKS,
      write ? "write" : "read",
      write
    );
    if (bad) this.fail(DATA_RACE, bad, tid);
  };
  addActor(a, i, exiting) {
    const m = this.m;
    const w = this.w;
    const name = a.name ?? `${a.kind}${i}`;
    const proc = "enclave" in a ? w.procs.get(a.enclave) : void 0;
    const ue = "enclave" in a ? w.encls.get(a.enclave) : void 0;
    if ("enclave" in a && (!proc || !ue)) throw new Error(`actor ${name}: no enclave ${a.enclave}`);
    const childOr = (child) => {
      const p = child === void 0 ? proc : w.children[child];
      if (!p) throw new Error(`actor ${name}: no child ${child} was forked in setup`);
      return p;
    };
    let body;
    let mm = proc?.mm ?? null;
    let daemon = false;
    switch (a.kind) {
      case "reclaim":
        body = () => reclaim_actor(m, a.rounds);
        mm = null;
        break;
      case "ksgxd":
        body = () => m.fn.ksgxd(m);
        mm = null;
        daemon = true;
        break;
      case "reclaim_direct":
        body = () => m.fn.sgx_reclaim_direct(m);
        mm = null;
        break;
      case "access": {
        const runIn = childOr(a.child);
        mm = runIn.mm;
        body = () => access_actor(m, runIn, ue, a.pages, a.write);
        break;
      }
      case "add_pages": {
        const first = ue.encl.page_array.count;
        body = () => add_pages_actor(m, ue, first, a.pages);
        break;
      }
      case "exit":
        body = () => exit_actor(m, proc);
        break;
      case "fork_exit":
        body = () => fork_exit_actor(m, proc);
        break;
      case "rmdir": {
        const cg = m.misc.all.find((c) => c.name === a.cgroup);
        if (!cg) throw new Error(`actor ${name}: no cgroup ${a.cgroup}`);
        mm = null;
        body = () => rmdir_actor(m, cg);
        break;
      }
      case "close": {
        const runIn = childOr(a.child);
        mm = runIn.mm;
        body = () => close_actor(m, runIn, ue, a.munmap, a.exit);
        break;
      }
      case "poison":
        body = () => poison_actor(m, ue, a.page);
        mm = null;
        break;
      case "shmem_reclaim":
        body = () => shmem_reclaim(m, ue.encl.backing, a.passes);
        mm = null;
        break;
      case "eaccept":
        body = () => eaccept_actor(m, proc, ue, a.pages, a.accept, a.write);
        break;
      case "modify_types":
        body = () => sgx2_ioctl_actor(m, ue, "modify_types", a.pages, PAGE_TYPES[a.type]);
        break;
      case "remove_pages":
        body = () => sgx2_ioctl_actor(m, ue, "remove_pages", a.pages, 0);
        break;
      case "restrict_permissions":
        body = () => sgx2_ioctl_actor(m, ue, "restrict_permissions", a.pages, a.perms);
        break;
      case "vepc": {
        const vmm = newProcess(m, name);
        mm = vmm.mm;
        body = () => vepc_actor(m, vmm, a.pages);
        break;
      }
    }
    if (proc && mm === proc.mm && a.kind !== "exit" && !(a.kind === "close" && a.exit) && a.kind !== "vepc" && "enclave" in a && exiting.has(a.enclave)) {
      proc.live++;
      const inner = body;
      body = function* () {
        yield* inner();
        yield* thread_exit(m, proc);
      };
    }
    const task = m.newTask(name, mm ? 0 : PF_KTHREAD, mm);
    if (a.kind === "reclaim" || a.kind === "ksgxd") m.sgx.ksgxd_tsk.push(task.pid);
    const cpu = a.cpu ?? i;
    if (cpu >= m.nrCpus) throw new Error(`actor ${name}: no CPU ${cpu}`);
    if (this.threads.some((t) => t.spec.cpu === cpu))
      throw new Error(`actor ${name}: CPU ${cpu} already runs another actor`);
    this.spawn({ task, body, kind: mm ? "user" : "kthread", cpu }, { name, daemon, spec: a });
    if (this.disabled.has(i)) this.threads[i].done = true;
  }
  spawn(spec, info) {
    const t = new Thread(this.threads.length, spec);
    this.threads.push(t);
    this.actors.push(info);
    this.held.push(/* @__PURE__ */ new Set());
    this.othersMoved.push(0);
    this.retrying.push(false);
  }
  /** The lock-class dependencies this execution took (for the run's LockGraph). */
  lockEdges() {
    return this.lockdep.edgeList();
  }
  /** Threads whose pending op can execute now, ascending. */
  enabled() {
    const out2 = [];
    for (const t of this.threads) if (!t.done && this.canRun(t)) out2.push(t.id);
    return out2;
  }
  canRun(t) {
    if (!t.started) return true;
    const op = t.op;
    if (op.kind === "spin_wait") return this.othersMoved[t.id] > 0;
    return isEnabled(op);
  }
  /** Threads spinning on a retry. */
  spinning() {
    return this.threads.filter((t) => !t.done && t.op?.kind === "spin_wait").map((t) => t.id);
  }
  /** Every non-daemon thread finished. */
  finished() {
    for (let i = 0; i < this.threads.length; i++)
      if (!this.threads[i].done && !this.actors[i].daemon) return false;
    return true;
  }
  /** The pending op of a thread (null before it started). */
  pending(tid) {
    return this.threads[tid].op;
  }
  /** Run thread `tid` one visible step. Starting a thread (up to its first op) is a step of its own. */
  step(tid, value = 0) {
    const t = this.threads[tid];
    if (!t.started) {
      this.lastStep = { tid, op: null };
      this.run(t, 0);
      this.skipInvisible(t);
      return;
    }
    const op = t.op;
    this.lastStep = { tid, op };
    this.trace.push({ tid, op, value });
    this.stepsOf[tid] = (this.stepsOf[tid] ?? 0) + 1;
    if (op.kind === "choose") (this.choicesOf[tid] ??= []).push(value);
    const uaf = kasanCheck(this.m.kasan_freed, op);
    if (uaf) this.fail(USE_AFTER_FREE, `${this.actors[tid].name}: ${uaf}`, tid);
    const bad = this.lockdep.before(tid, this.actors[tid].name, op);
    if (bad) this.fail(bad.property, bad.detail, tid);
    this.trackLocks(tid, op);
    this.lockdep.after(tid, op);
    if (publishes(op) && !this.retrying[tid]) {
      for (let i = 0; i < this.othersMoved.length; i++) if (i !== tid) this.othersMoved[i]++;
    }
    if (op.kind === "aex" || op.kind === "spin_wait") this.othersMoved[tid] = 0;
    this.run(t, value);
    if (op.kind === "enclave_run" && op.touches > 0) this.retrying[tid] = false;
    this.skipInvisible(t);
    if (t.op?.kind === "spin_wait") this.retrying[tid] = true;
  }
  run(t, value) {
    const m = this.m;
    const task = t.spec.task;
    m.context_switch(t.spec.cpu, task, null);
    this.stepping = t.id;
    listWatch.fn = this.onListWrite;
    descWatch.fn = this.onDescAccess;
    stepThread(t, value);
    listWatch.fn = null;
    descWatch.fn = null;
    if (t.error) this.onError(t);
    else if (t.done && task.mm) m.cpu_idle(t.spec.cpu, task);
    this.checkDmesg(t.id);
  }
  skipInvisible(t) {
    while (!t.done && !this.failure && t.op && invisible(t.op)) {
      const op = t.op;
      const last = this.trace.at(-1);
      if (siteCapture.on && last && last.tid === t.id) (last.extra ??= []).push(op);
      const bad = this.lockdep.before(t.id, this.actors[t.id].name, op);
      if (bad) this.fail(bad.property, bad.detail, t.id);
      if (op.kind === "mark" && op.what === "encl_release") this.claimEnclave(op.detail, t.id);
      if (op.kind === "spawn")
        this.spawn(op.thread, { name: op.thread.task.comm, daemon: false, spec: null, parent: t.id });
      this.run(t, 0);
    }
  }
  /** How race reports name threads and locks. */
  raceNames() {
    return {
      thread: (t) => this.actors[t].name,
      lock: (id) => this.lockNames.get(id) ?? `lock#${id}`
    };
  }
  /** An enclave's release owns its lists and page descriptors. */
  claimEnclave(encl, tid) {
    const heads = this.m.pages.heads;
    for (let h = 0; h < heads.length; h++) if (heads[h].owner === encl) this.lockset.claim(h, tid);
    const E = this.m.encl_pages;
    for (let e = 0; e < E.count; e++) if (E.encl.a[e] === encl) this.descLockset.claim(e, tid);
  }
  trackLocks(tid, op) {
    const h = this.held[tid];
    switch (op.kind) {
      case "spin_lock":
      case "mutex_lock":
      case "down_read":
      case "down_write":
        h.add(op.lock.id);
        this.lockNames.set(op.lock.id, `${op.lock.cls}#${op.lock.id}`);
        break;
      case "spin_unlock":
      case "mutex_unlock":
      case "up_read":
      case "up_write":
        h.delete(op.lock.id);
        break;
      default:
        break;
    }
  }
  onError(t) {
    const e = t.error;
    if (e instanceof MalformedOp) throw e;
    if (e instanceof MachineCheck) {
      this.fail("machine check", e.message, t.id);
      return;
    }
    if (e instanceof KernelBug && e.message.startsWith("KASAN: use-after-free")) {
      this.fail(USE_AFTER_FREE, e.message, t.id);
      return;
    }
    if (e instanceof KernelBug && e.message.startsWith(STACK_OUT_OF_BOUNDS)) {
      this.fail(STACK_OUT_OF_BOUNDS, e.message, t.id);
      return;
    }
    if (e instanceof KernelBug || e instanceof LockViolation) {
      this.fail("BUG", e.message, t.id);
      return;
    }
    if (e instanceof HwAssertion) {
      this.fail("hardware assertion", e.message, t.id);
      return;
    }
    if (e instanceof Error && e.name === "LoopWithoutYield") {
      const where = errorSite(e);
      this.fail("soft lockup", `${e.message}${where ? `: ${where}` : ""}`, t.id);
      return;
    }
    if (e instanceof Error) {
      const where = errorSite(e);
      this.fail("exception", `${e.name}: ${e.message}${where ? ` at ${where}` : ""}`, t.id);
      return;
    }
    throw e;
  }
  checkDmesg(tid) {
    const d = this.m.dmesg;
    if (this.failure || d.length === this.dmesgSeen) return;
    const from = this.dmesgSeen;
    this.dmesgSeen = d.length;
    for (let i = from; i < d.length; i++) {
      const e = d[i];
      if (e.level === "warn" && this.chk.tolerate.includes(e.tag)) continue;
      this.fail(`${e.level === "bug" ? "BUG" : "WARN"} ${e.tag}`, e.msg, tid);
      return;
    }
  }
  fail(property, detail, tid, wait) {
    if (!this.failure)
      this.failure = wait === void 0 ? { property, detail, tid } : { property, detail, tid, wait };
  }
  /** Whole-state invariants; `quiescent` when no thread is inside a path (the end of an execution). */
  checkState(quiescent) {
    if (this.failure) return;
    const v3 = checkInvariants(this.w, quiescent) ?? (quiescent ? checkProperties(this.w, this.chk.properties) : null);
    if (v3) this.fail(v3.property ?? `invariant: ${v3.name}`, v3.detail, -1);
  }
  describeBlocked() {
    return this.threads.filter((t) => !t.done && t.op).map((t) => `${this.actors[t.id].name} waits in ${t.op.kind}`).join("; ");
  }
};

// src/check/watchdog.ts
var SOFT_LOCKUP = "soft lockup";
var HUNG_TASK = "hung task";
function watchdogFailure(ex, enabled) {
  const window = Math.max(1, Math.min(2e3, Math.floor(ex.trace.length / 4)));
  const tail = ex.trace.slice(-window);
  const ran = /* @__PURE__ */ new Map();
  for (const s of tail) ran.set(s.tid, (ran.get(s.tid) ?? 0) + 1);
  const live = ex.threads.filter((t) => !t.done);
  const starved = live.filter((t) => enabled.includes(t.id) && !ran.has(t.id)).map((t) => ex.actors[t.id].name);
  const starvedNote = starved.length ? `; runnable but not scheduled in that window: ${starved.join(", ")}` : "";
  const looper = [...ran].filter(([t]) => !ex.threads[t].done).sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
  if (looper) {
    const [tid, n] = looper;
    const sites = /* @__PURE__ */ new Map();
    for (const s of tail) {
      if (s.tid !== tid) continue;
      const where = siteOf(s.op).split(" < ")[0] || s.op.kind;
      sites.set(where, (sites.get(where) ?? 0) + 1);
    }
    const top = [...sites].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 3).map(([w, k]) => `${w} (${k}x)`).join(", ");
    const name = ex.actors[tid].name;
    return {
      property: SOFT_LOCKUP,
      detail: `CPU#${ex.threads[tid].spec.cpu} stuck: ${name} ran ${n} of the last ${window} steps without finishing, looping through ${top}${starvedNote}`,
      tid
    };
  }
  const blocked = live.map((t) => `${ex.actors[t.id].name} in ${t.op?.kind ?? "?"}`).join(", ");
  return {
    property: HUNG_TASK,
    detail: `no thread finished in the last ${window} steps; blocked: ${blocked || "none"}${starvedNote}`,
    tid: live[0]?.id ?? -1
  };
}

// src/model/kernel/variants/isgx/fns.ts
function fn(m) {
  return m.fn;
}
function runsIsgx(m) {
  return "sgx_swap_pages" in m.fn;
}

// src/model/kernel/variants/isgx/sgx.ts
var SGX_NR_LOW_EPC_PAGES_DEFAULT = 32;
var SGX_NR_SWAP_CLUSTER_MAX = 16;
var SGX_ALLOC_ATOMIC = 1 << 0;
var SGX_FAULT_RESERVE = 1 << 0;
var SGX_ENCL_PAGE_TCS = 1 << 0;
var SGX_ENCL_PAGE_RESERVED = 1 << 1;
var SGX_ENCL_SECS_EVICTED = 1 << 2;
var SGX_ENCL_DEAD = 1 << 4;
var sgx_tgid_ctx = class {
  constructor(id, tgid) {
    this.id = id;
    this.tgid = tgid;
    this.refcount = new kref(id, "tgid_ctx->refcount");
  }
  id;
  tgid;
  refcount;
  /** The process's enclaves (list_head encl_list; index 0 is the head). Guarded by sgx_tgid_ctx_mutex. */
  encl_list = [];
};
var isgx_encl = class {
  constructor(load_list) {
    this.load_list = load_list;
  }
  load_list;
  /** SGX_ENCL_SECS_EVICTED, SGX_ENCL_DEAD. Guarded by encl->lock. */
  flags = 0;
  /** encl->mm: the one address space isgx allows an enclave (set at ECREATE to current->mm). */
  mm = null;
  /** encl->tgid_ctx: holds a reference on the context. */
  tgid_ctx = null;
  /** encl->shadow_epoch: ETRACKs issued for this enclave. Guarded by encl->lock. */
  shadow_epoch = 0;
};
var IsgxGlobals = class {
  sgx_free_list_lock;
  /** sgx_tgid_ctx_list (index 0 is the head). Guarded by sgx_tgid_ctx_mutex. */
  sgx_tgid_ctx_list = [];
  sgx_tgid_ctx_mutex;
  /** The isgx fields of each struct sgx_encl, by enclave id. */
  encls = [];
  /** entry->flags of each struct sgx_encl_page, by id. Guarded by encl->lock. */
  page_flags = new Growable(Uint8Array, 256);
  /** sgx_va_pages_cnt, read without a lock by sgx_alloc_page (a location for the checker). */
  va_pages_cnt_loc;
  constructor(m) {
    this.sgx_free_list_lock = new spinlock_t(m.newId(), "sgx_free_list_lock");
    this.sgx_tgid_ctx_mutex = new mutex(m.newId(), "sgx_tgid_ctx_mutex");
    this.va_pages_cnt_loc = { id: m.newId(), cls: "sgx_va_pages_cnt" };
  }
};
function isgx(m) {
  if (!m.variantState) m.variantState = new IsgxGlobals(m);
  return m.variantState;
}
function isgx_encl_of(m, encl) {
  const G = isgx(m);
  let x = G.encls[encl.id];
  if (!x) {
    x = new isgx_encl(m.pages.newHead(m.newId(), "load_list", encl.id));
    G.encls[encl.id] = x;
  }
  return x;
}
function encl_page_flags(m, entry) {
  const f = isgx(m).page_flags;
  return entry < f.a.length ? f.a[entry] : 0;
}
function set_encl_page_flags(m, entry, v3) {
  const f = isgx(m).page_flags;
  f.ensure(entry + 1);
  f.a[entry] = v3;
}
function sgx_free_list(m) {
  return m.sgx.sgx_numa_nodes[m.sgx.sgx_numa_mask[0]].free_page_list;
}
function* free_list_insert_epc_page(m, page) {
  const G = isgx(m);
  const P = m.pages;
  yield spin_lock(G.sgx_free_list_lock);
  P.owner.set(page, OWNER_NULL);
  list_add(P, page, sgx_free_list(m));
  P.flags.set(page, SGX_EPC_PAGE_IS_FREE);
  yield* nr_free_add(m, 1);
  yield* m.work("freelist_op", 1);
  yield spin_unlock(G.sgx_free_list_lock);
}
function* free_list_extract_first(m) {
  const G = isgx(m);
  const P = m.pages;
  yield spin_lock(G.sgx_free_list_lock);
  let page = -1;
  const head = sgx_free_list(m);
  if (!list_empty(P, head)) {
    page = list_first_entry(P, head);
    list_del_init(m, P, page);
  } else {
    for (const nid of m.sgx.sgx_numa_mask) {
      const node = m.sgx.sgx_numa_nodes[nid];
      if (freeListEmpty(m, node)) continue;
      const r = node.fresh[0];
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
function* nr_free_add(m, d) {
  const c = m.sgx.sgx_nr_free_pages;
  if (m.interleaveAll) yield m.sharedWrite(c, "sgx_nr_free_pages (plain)");
  c.v += d;
}
function* nr_free_below(m, watermark) {
  const c = m.sgx.sgx_nr_free_pages;
  if (m.interleaveAll) yield m.sharedRead(c, -1, "sgx_nr_free_pages (plain)");
  return c.v < watermark;
}
function load_list_insert_epc_page(m, page, encl) {
  list_add_tail(m.pages, page, isgx_encl_of(m, encl).load_list);
}
function load_list_del_epc_page(m, page) {
  list_del(m, m.pages, page);
}
function load_is_list_empty(m, encl) {
  return list_empty(m.pages, isgx_encl_of(m, encl).load_list);
}
function load_list_get_first_epc_page(m, encl) {
  return list_first_entry(m.pages, isgx_encl_of(m, encl).load_list);
}
function load_list_extract_epc_page_to_list(m, page, dst) {
  list_del_init(m, m.pages, page);
  dst.push(page);
}
function load_list_move_tail(m, page, encl) {
  list_del(m, m.pages, page);
  list_add_tail(m.pages, page, isgx_encl_of(m, encl).load_list);
}
function epc_encl_page(m, epc_page) {
  const entry = m.pages.owner.get(epc_page);
  m.enclOf(entry);
  return entry;
}

// src/model/kernel/variants/isgx/sgx_encl.ts
function* sgx_add_to_tgid_ctx(m, encl) {
  const G = isgx(m);
  const x = isgx_encl_of(m, encl);
  const tgid = m.current.mm?.id ?? -1;
  yield mutex_lock(G.sgx_tgid_ctx_mutex);
  const found = G.sgx_tgid_ctx_list.find((c) => c.tgid === tgid);
  if (found) {
    if (yield* kref_get_unless_zero(m, found.refcount)) {
      x.tgid_ctx = found;
      yield mutex_unlock(G.sgx_tgid_ctx_mutex);
      return 0;
    }
    G.sgx_tgid_ctx_list.splice(G.sgx_tgid_ctx_list.indexOf(found), 1);
  }
  const ctx = new sgx_tgid_ctx(m.newId(), tgid);
  G.sgx_tgid_ctx_list.unshift(ctx);
  x.tgid_ctx = ctx;
  yield mutex_unlock(G.sgx_tgid_ctx_mutex);
  return 0;
}
function* sgx_tgid_ctx_release(m, ctx) {
  const G = isgx(m);
  yield mutex_lock(G.sgx_tgid_ctx_mutex);
  const i = G.sgx_tgid_ctx_list.indexOf(ctx);
  if (i >= 0) G.sgx_tgid_ctx_list.splice(i, 1);
  yield mutex_unlock(G.sgx_tgid_ctx_mutex);
}
function* sgx_encl_release2(m, encl) {
  const G = isgx(m);
  const x = isgx_encl_of(m, encl);
  const E = m.encl_pages;
  yield* m.mark("encl_release", encl.id);
  yield mutex_lock(G.sgx_tgid_ctx_mutex);
  const ctx = x.tgid_ctx;
  if (ctx) {
    const i = ctx.encl_list.indexOf(encl);
    if (i >= 0) ctx.encl_list.splice(i, 1);
  }
  yield mutex_unlock(G.sgx_tgid_ctx_mutex);
  for (const index of encl.page_array.indices(0, encl.size / PAGE_SIZE)) {
    const entry = encl.page_array.get(index);
    if (entry === XA_EMPTY) continue;
    const epc = E.epc_page.a[entry];
    if (epc >= 0) {
      load_list_del_epc_page(m, epc);
      yield* m.work("lru_op", 1);
      yield* fn(m).sgx_free_page(m, epc);
      E.epc_page.a[entry] = -1;
    }
    E.alive.a[entry] = 0;
  }
  xa_destroy(encl.page_array);
  while (encl.va_pages.length > 0) {
    const va_page = encl.va_pages.shift();
    if (va_page.epc_page >= 0) yield* fn(m).sgx_free_page(m, va_page.epc_page);
    va_page.epc_page = -1;
    m.kfreeObj(va_page, `struct sgx_va_page #${va_page.id}`);
  }
  const secs = E.epc_page.a[encl.secs];
  if (secs >= 0) {
    yield* fn(m).sgx_free_page(m, secs);
    E.epc_page.a[encl.secs] = -1;
  }
  if (ctx) yield* kref_put(m, ctx.refcount, () => fn(m).sgx_tgid_ctx_release(m, ctx));
  if (x.mm) mmdrop(m, x.mm);
  if (encl.backing) m.fput(encl.backing);
  E.alive.a[encl.secs] = 0;
  m.kfreeObj(encl, `struct sgx_encl ${encl.name || encl.id}`);
}
function* sgx_mmu_notifier_release2(m, encl_mm, mm) {
  const encl = encl_mm.encl;
  yield mutex_lock(encl.lock);
  isgx_encl_of(m, encl).flags |= SGX_ENCL_DEAD;
  yield mutex_unlock(encl.lock);
  yield* mainline.sgx_mmu_notifier_release(m, encl_mm, mm);
}
var sgx_encl_c = {
  sgx_add_to_tgid_ctx,
  sgx_tgid_ctx_release,
  sgx_encl_release: sgx_encl_release2,
  sgx_mmu_notifier_release: sgx_mmu_notifier_release2
};

// src/model/kernel/variants/isgx/sgx_page_cache.ts
function* sgx_test_and_clear_young(m, encl_page, encl) {
  const mm = isgx_encl_of(m, encl).mm;
  yield* m.work("test_young", 1);
  if (!mm) return false;
  const addr = m.enclPageAddr(encl_page);
  const vma = find_vma(mm, addr);
  if (!vma) return false;
  if (encl !== vma.vm_private_data) return false;
  return yield* ptep_test_and_clear_young(m, vma, addr);
}
function* sgx_isolate_tgid_ctx(m, nr_to_scan) {
  const G = isgx(m);
  const list = G.sgx_tgid_ctx_list;
  let ctx = null;
  yield mutex_lock(G.sgx_tgid_ctx_mutex);
  if (list.length === 0) {
    yield mutex_unlock(G.sgx_tgid_ctx_mutex);
    return null;
  }
  for (let i = 0; i < nr_to_scan; i++) {
    ctx = list.shift();
    list.push(ctx);
    yield* m.work("lru_op", 1);
    if (ctx.encl_list.length > 0 && (yield* kref_get_unless_zero(m, ctx.refcount))) break;
    ctx = null;
  }
  yield mutex_unlock(G.sgx_tgid_ctx_mutex);
  return ctx;
}
function* sgx_isolate_encl(m, ctx, nr_to_scan) {
  const G = isgx(m);
  const list = ctx.encl_list;
  let encl = null;
  yield mutex_lock(G.sgx_tgid_ctx_mutex);
  if (list.length === 0) {
    yield mutex_unlock(G.sgx_tgid_ctx_mutex);
    return null;
  }
  for (let i = 0; i < nr_to_scan; i++) {
    encl = list.shift();
    list.push(encl);
    yield* m.work("lru_op", 1);
    if (m.interleaveAll) yield m.sharedRead(isgx_encl_of(m, encl).load_list, -1, "load_is_list_empty");
    if (!load_is_list_empty(m, encl) && (yield* kref_get_unless_zero(m, encl.refcount))) break;
    encl = null;
  }
  yield mutex_unlock(G.sgx_tgid_ctx_mutex);
  return encl;
}
function* sgx_isolate_pages(m, encl, dst, nr_to_scan) {
  const x = isgx_encl_of(m, encl);
  yield mutex_lock(encl.lock);
  if (!(x.flags & SGX_ENCL_DEAD)) {
    for (let i = 0; i < nr_to_scan; i++) {
      if (load_is_list_empty(m, encl)) break;
      const entry = load_list_get_first_epc_page(m, encl);
      const encl_page = epc_encl_page(m, entry);
      if (!(yield* fn(m).sgx_test_and_clear_young(m, encl_page, encl)) && !(encl_page_flags(m, encl_page) & SGX_ENCL_PAGE_RESERVED)) {
        set_encl_page_flags(m, encl_page, encl_page_flags(m, encl_page) | SGX_ENCL_PAGE_RESERVED);
        load_list_extract_epc_page_to_list(m, entry, dst);
      } else {
        load_list_move_tail(m, entry, encl);
      }
      yield* m.work("lru_op", 1);
    }
  }
  yield mutex_unlock(encl.lock);
}
function* __sgx_ewb(m, encl, entry, va_epc, va_offset) {
  const E = m.encl_pages;
  const page_index = entry === encl.secs ? secsIndex(encl) : E.index.a[entry];
  const backing = yield* m.fn.__sgx_encl_get_backing(m, encl, page_index);
  if (!backing) {
    m.warn("isgx_backing", "pinning the backing page for EWB failed with -12");
    return -ENOMEM;
  }
  const epc = E.epc_page.a[entry];
  const ret = yield* m.encls(
    "EWB",
    epc,
    () => m.hw.EWB(epc, va_epc, va_offset >> 3, backing.contents, backing.pcmd, backing.pcmd_offset / PCMD_SIZE)
  );
  backing.pcmd.dirty = true;
  backing.contents.dirty = true;
  m.fn.sgx_encl_put_backing(m, backing);
  return ret;
}
function* sgx_ewb(m, encl, entry) {
  const E = m.encl_pages;
  const va_page = encl.va_pages[0];
  const va_offset = m.fn.sgx_alloc_va_slot(m, va_page);
  if (m.fn.sgx_va_page_full(m, va_page)) encl.va_pages.push(encl.va_pages.shift());
  let ret = yield* fn(m).__sgx_ewb(m, encl, entry, va_page.epc_page, va_offset);
  if (ret === SGX_NOT_TRACKED) {
    yield* fn(m).sgx_flush_cpus(m, encl);
    ret = yield* fn(m).__sgx_ewb(m, encl, entry, va_page.epc_page, va_offset);
  }
  if (ret && ret !== SGX_VA_SLOT_OCCUPIED) {
    m.fn.sgx_free_va_slot(m, va_page, va_offset);
    yield* fn(m).sgx_invalidate(m, encl, true);
    if (ret > 0) m.warn("encls:EWB", `EWB returned ${ret}, enclave killed`);
    return false;
  }
  E.setDesc(entry, E.desc.a[entry] & ~SGX_ENCL_PAGE_VA_OFFSET_MASK | va_offset);
  E.va_page.a[entry] = va_page.id;
  return true;
}
function* sgx_evict_page(m, entry, encl) {
  const E = m.encl_pages;
  const evicted = yield* fn(m).sgx_ewb(m, encl, entry);
  yield* fn(m).sgx_free_page(m, E.epc_page.a[entry]);
  E.epc_page.a[entry] = -1;
  set_encl_page_flags(m, entry, encl_page_flags(m, entry) & ~SGX_ENCL_PAGE_RESERVED);
  return evicted ? 1 : 0;
}
function* sgx_write_pages(m, encl, src) {
  const x = isgx_encl_of(m, encl);
  const va = 0;
  let nva = 0;
  if (src.length === 0) return;
  yield mutex_lock(encl.lock);
  for (const entry of src) {
    nva++;
    const addr = m.enclPageAddr(epc_encl_page(m, entry));
    const vma = x.mm ? find_vma(x.mm, addr) : null;
    if (vma && encl === vma.vm_private_data) yield* zap_vma_ptes(m, vma, addr);
    yield* fn(m).sgx_eblock(m, encl, entry);
  }
  if (nva) yield* fn(m).sgx_etrack(m, encl, x.shadow_epoch);
  while (src.length > 0) {
    const entry = src.shift();
    if (yield* fn(m).sgx_evict_page(m, epc_encl_page(m, entry), encl)) encl.secs_child_cnt--;
  }
  if (!encl.secs_child_cnt && encl.flags.v & 1 << SGX_ENCL_INITIALIZED && !va) {
    yield* fn(m).sgx_evict_page(m, encl.secs, encl);
    x.flags |= SGX_ENCL_SECS_EVICTED;
  }
  yield mutex_unlock(encl.lock);
}
function* sgx_swap_pages(m, nr_to_scan) {
  const ctx = yield* fn(m).sgx_isolate_tgid_ctx(m, nr_to_scan);
  if (!ctx) {
    yield* m.mark("reclaim_isolated", 0);
    return;
  }
  const encl = yield* fn(m).sgx_isolate_encl(m, ctx, nr_to_scan);
  if (encl) {
    const cluster = [];
    const mm = isgx_encl_of(m, encl).mm;
    yield down_read(mm.mmap_lock);
    yield* fn(m).sgx_isolate_pages(m, encl, cluster, nr_to_scan);
    yield* m.mark("reclaim_isolated", cluster.length);
    yield* fn(m).sgx_write_pages(m, encl, cluster);
    yield up_read(mm.mmap_lock);
    yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
  } else {
    yield* m.mark("reclaim_isolated", 0);
  }
  yield* kref_put(m, ctx.refcount, () => fn(m).sgx_tgid_ctx_release(m, ctx));
}
function* ksgxswapd(m) {
  while (!kthread_should_stop(m)) {
    yield* wait_event(m, m.ksgxd_waitq, function* () {
      if (kthread_should_stop(m)) return true;
      return yield* nr_free_below(m, m.c.SGX_NR_HIGH_PAGES);
    });
    if (yield* nr_free_below(m, m.c.SGX_NR_HIGH_PAGES)) yield* fn(m).sgx_swap_pages(m, m.c.SGX_NR_TO_SCAN);
  }
}
function* sgx_page_cache_init(m) {
  isgx(m);
  for (let i = 0; i < Math.max(1, m.c.nr_ksgxd); i++) {
    const pid = yield* m.kthread_run(i === 0 ? "ksgxswapd" : `ksgxswapd/${i}`, () => m.fn.ksgxd(m));
    m.sgx.ksgxd_tsk.push(pid);
  }
  return true;
}
function* read_sgx_va_pages_cnt(m) {
  if (m.interleaveAll) yield m.sharedRead(isgx(m).va_pages_cnt_loc, -1, "atomic_read(&sgx_va_pages_cnt)");
  let n = 0;
  for (const v3 of m.va_pages) if (v3.epc_page >= 0) n++;
  return n;
}
function* sgx_alloc_page(m, flags) {
  let entry;
  for (; ; ) {
    entry = yield* free_list_extract_first(m);
    if (entry >= 0) break;
    if ((yield* read_sgx_va_pages_cnt(m)) > m.pages.nr_pages - 2) {
      yield* m.mark("alloc_enomem", -1);
      return -ENOMEM;
    }
    if (flags & SGX_ALLOC_ATOMIC) {
      yield* m.mark("alloc_ebusy", -1);
      entry = -EBUSY;
      break;
    }
    if (signal_pending(m)) {
      entry = -ERESTARTSYS;
      break;
    }
    yield* fn(m).sgx_swap_pages(m, m.c.SGX_NR_TO_SCAN);
    yield* cond_resched(m);
  }
  if (yield* nr_free_below(m, m.c.SGX_NR_LOW_PAGES)) yield* wake_up(m, m.ksgxd_waitq);
  return entry;
}
function* sgx_free_page(m, page) {
  const ret = yield* m.encls("EREMOVE", page, () => m.hw.EREMOVE(page));
  if (ret) m.warn("eremove", `intel_sgx: EREMOVE returned ${ret}`);
  yield* free_list_insert_epc_page(m, page);
}
var sgx_page_cache_c = {
  sgx_test_and_clear_young,
  sgx_isolate_tgid_ctx,
  sgx_isolate_encl,
  sgx_isolate_pages,
  __sgx_ewb,
  sgx_ewb,
  sgx_evict_page,
  sgx_write_pages,
  sgx_swap_pages,
  ksgxswapd,
  sgx_page_cache_init,
  sgx_alloc_page,
  sgx_free_page
};

// src/model/kernel/variants/isgx/sgx_util.ts
function* sgx_zap_tcs_ptes(m, encl, vma) {
  const E = m.encl_pages;
  for (const epc of listPages(m.pages, isgx_encl_of(m, encl).load_list)) {
    const entry = m.pages.owner.get(epc);
    const addr = m.enclPageAddr(entry);
    if (E.type.a[entry] === SGX_PAGE_TYPE_TCS && addr >= vma.vm_start && addr < vma.vm_end)
      yield* zap_vma_ptes(m, vma, addr);
  }
}
function* sgx_invalidate(m, encl, flush_cpus) {
  const x = isgx_encl_of(m, encl);
  for (let addr = encl.base; x.mm && addr < encl.base + encl.size; ) {
    const vma = find_vma(x.mm, addr);
    if (!vma || encl !== vma.vm_private_data) break;
    yield* fn(m).sgx_zap_tcs_ptes(m, encl, vma);
    addr = vma.vm_end;
  }
  x.flags |= SGX_ENCL_DEAD;
  if (flush_cpus) yield* fn(m).sgx_flush_cpus(m, encl);
}
function* sgx_flush_cpus(m, encl) {
  const mm = isgx_encl_of(m, encl).mm;
  const mask = new Uint8Array(m.nrCpus);
  if (mm) {
    if (m.interleaveAll) yield m.sharedRead(m.locs.mm_cpumask, mm.id, "mm_cpumask");
    mask.set(mm.cpumask);
  }
  yield* on_each_cpu_mask(m, mask, "sgx_ewb");
}
function* sgx_eldu(m, encl, epage, epc_page, is_secs) {
  const E = m.encl_pages;
  const page_index = is_secs ? secsIndex(encl) : E.index.a[epage];
  const backing = yield* m.fn.sgx_encl_lookup_backing(m, encl, page_index);
  if (!backing) {
    m.warn("isgx_backing", "Pinning backing page failed ret=-12");
    return -ENOMEM;
  }
  const va_page = m.vaPageOf(epage);
  const va_offset = E.getDesc(epage) & SGX_ENCL_PAGE_VA_OFFSET_MASK;
  const secs_page = is_secs ? -1 : E.epc_page.a[encl.secs];
  const linaddr = is_secs ? -1 : E.index.a[epage];
  let ret = yield* m.encls(
    "ELDU",
    epc_page,
    () => m.hw.ELDU(
      epc_page,
      secs_page,
      linaddr,
      va_page.epc_page,
      va_offset >> 3,
      backing.contents,
      backing.pcmd,
      backing.pcmd_offset / PCMD_SIZE
    )
  );
  if (ret) {
    m.warn("encls:ELDU", `ELDU returned ${ret}`);
    ret = -EFAULT;
  }
  m.fn.sgx_encl_put_backing(m, backing);
  if (!ret) {
    m.fn.sgx_free_va_slot(m, va_page, va_offset);
    const at2 = encl.va_pages.indexOf(va_page);
    if (at2 > 0) {
      encl.va_pages.splice(at2, 1);
      encl.va_pages.unshift(va_page);
    }
    E.setDesc(epage, E.desc.a[epage] & ~SGX_ENCL_PAGE_VA_OFFSET_MASK);
  }
  return ret;
}
function* sgx_do_fault(m, vma, addr, flags) {
  const encl = vma.vm_private_data;
  const E = m.encl_pages;
  let epc_page = -1;
  let secs_epc_page = -1;
  const reserve = (flags & SGX_FAULT_RESERVE) !== 0;
  let rc = 0;
  if (!encl) return -EFAULT;
  const x = isgx_encl_of(m, encl);
  let entry = XA_EMPTY;
  function* out2() {
    yield mutex_unlock(encl.lock);
    if (epc_page >= 0) yield* fn(m).sgx_free_page(m, epc_page);
    if (secs_epc_page >= 0) yield* fn(m).sgx_free_page(m, secs_epc_page);
    return rc ? rc : entry;
  }
  yield mutex_lock(encl.lock);
  entry = encl.page_array.get((addr - encl.base) / PAGE_SIZE);
  if (entry === XA_EMPTY) {
    rc = -EFAULT;
    return yield* out2();
  }
  if (x.flags & SGX_ENCL_DEAD) {
    rc = -EFAULT;
    return yield* out2();
  }
  if (!(encl.flags.v & 1 << SGX_ENCL_INITIALIZED)) {
    rc = -EFAULT;
    return yield* out2();
  }
  if (reserve && encl_page_flags(m, entry) & SGX_ENCL_PAGE_RESERVED) {
    rc = -EBUSY;
    return yield* out2();
  }
  if (E.epc_page.a[entry] >= 0) {
    if (reserve) set_encl_page_flags(m, entry, encl_page_flags(m, entry) | SGX_ENCL_PAGE_RESERVED);
    return yield* out2();
  }
  epc_page = yield* fn(m).sgx_alloc_page(m, SGX_ALLOC_ATOMIC);
  if (IS_ERR(epc_page)) {
    rc = epc_page;
    epc_page = -1;
    return yield* out2();
  }
  if (x.flags & SGX_ENCL_SECS_EVICTED) {
    secs_epc_page = yield* fn(m).sgx_alloc_page(m, SGX_ALLOC_ATOMIC);
    if (IS_ERR(secs_epc_page)) {
      rc = secs_epc_page;
      secs_epc_page = -1;
      return yield* out2();
    }
    rc = yield* fn(m).sgx_eldu(m, encl, encl.secs, secs_epc_page, true);
    if (rc) return yield* out2();
    m.pages.owner.set(secs_epc_page, encl.secs);
    E.epc_page.a[encl.secs] = secs_epc_page;
    x.flags &= ~SGX_ENCL_SECS_EVICTED;
    secs_epc_page = -1;
  }
  rc = yield* fn(m).sgx_eldu(m, encl, entry, epc_page, false);
  if (rc) return yield* out2();
  encl.secs_child_cnt++;
  m.pages.owner.set(epc_page, entry);
  E.epc_page.a[entry] = epc_page;
  if (reserve) set_encl_page_flags(m, entry, encl_page_flags(m, entry) | SGX_ENCL_PAGE_RESERVED);
  epc_page = -1;
  load_list_insert_epc_page(m, E.epc_page.a[entry], encl);
  yield* m.work("lru_op", 1);
  rc = yield* vmf_insert_pfn(m, vma, encl.base + E.index.a[entry] * PAGE_SIZE, E.epc_page.a[entry]);
  if (rc !== VM_FAULT_NOPAGE) {
    m.warn("isgx_insert_pfn", `vm_insert_pfn returned ${rc}`);
    yield* fn(m).sgx_invalidate(m, encl, true);
    return yield* out2();
  }
  rc = 0;
  yield* fn(m).sgx_test_and_clear_young(m, entry, encl);
  return yield* out2();
}
function* sgx_fault_page(m, vma, addr, flags) {
  let entry;
  do {
    entry = yield* fn(m).sgx_do_fault(m, vma, addr, flags);
    if (!(flags & SGX_FAULT_RESERVE)) break;
  } while (entry === -EBUSY);
  return entry;
}
function* sgx_eblock(m, encl, epc_page) {
  const ret = yield* m.encls("EBLOCK", epc_page, () => m.hw.EBLOCK(epc_page));
  if (ret) {
    m.warn("encls:EBLOCK", `EBLOCK returned ${ret}`);
    yield* fn(m).sgx_invalidate(m, encl, true);
  }
}
function* sgx_etrack(m, encl, epoch) {
  const x = isgx_encl_of(m, encl);
  if (epoch < x.shadow_epoch) return;
  const secs = m.encl_pages.epc_page.a[encl.secs];
  const ret = yield* m.encls("ETRACK", secs, () => m.hw.ETRACK(secs));
  x.shadow_epoch++;
  if (ret === SGX_PREV_TRK_INCMPL) {
    yield* on_each_cpu_mask(m, new Uint8Array(m.nrCpus).fill(1), "sgx_ewb");
    const again = yield* m.encls("ETRACK", secs, () => m.hw.ETRACK(secs));
    if (again) m.bug(`BUG_ON(__etrack(epc)): ETRACK returned ${again} after the IPI round`);
  } else if (ret) {
    m.warn("encls:ETRACK", `ETRACK returned ${ret}`);
    yield* fn(m).sgx_invalidate(m, encl, true);
  }
}
var sgx_util_c = {
  sgx_zap_tcs_ptes,
  sgx_invalidate,
  sgx_flush_cpus,
  sgx_eldu,
  sgx_do_fault,
  sgx_fault_page,
  sgx_eblock,
  sgx_etrack
};

// src/model/kernel/variants/isgx/sgx_vma.ts
function* sgx_vma_fault2(m, vma, addr) {
  const entry = yield* fn(m).sgx_fault_page(m, vma, addr, 0);
  if (!IS_ERR(entry) || entry === -EBUSY) return VM_FAULT_NOPAGE;
  return VM_FAULT_SIGBUS;
}
var sgx_vma_c = { sgx_vma_fault: sgx_vma_fault2 };

// src/model/kernel/variants/registry.ts
var registry = /* @__PURE__ */ new Map();
function registerVariant(v3) {
  registry.set(v3.name, v3);
}
function variantNames() {
  return [...registry.keys()];
}
function getVariant(name) {
  return registry.get(name);
}
function variantFns(v3) {
  return { ...mainline, ...v3.overrides };
}

// src/model/kernel/variants/isgx.ts
var isgx_fns = { ...sgx_page_cache_c, ...sgx_util_c, ...sgx_vma_c, ...sgx_encl_c };
function* sgx_alloc_epc_page2(m, owner, reclaim) {
  const page = yield* fn(m).sgx_alloc_page(m, reclaim ? 0 : SGX_ALLOC_ATOMIC);
  if (!IS_ERR(page)) m.pages.owner.set(page, owner);
  return page;
}
function* sgx_free_epc_page2(m, page) {
  yield* free_list_insert_epc_page(m, page);
}
function* sgx_encl_free_epc_page2(m, page) {
  yield* fn(m).sgx_free_page(m, page);
}
function* sgx_mark_page_reclaimable2(m, page) {
  load_list_insert_epc_page(m, page, m.enclOf(m.pages.owner.get(page)));
  yield* m.work("lru_op", 1);
}
function* sgx_reclaim_pages2(m) {
  yield* fn(m).sgx_swap_pages(m, m.c.SGX_NR_TO_SCAN);
}
function* arch_memory_failure2(_m, _pfn, _flags) {
  return -ENXIO;
}
function* sgx_encl_create2(m, encl, secs) {
  const ret = yield* mainline.sgx_encl_create(m, encl, secs);
  if (ret) return ret;
  const x = isgx_encl_of(m, encl);
  x.mm = m.current.mm;
  if (x.mm) mmgrab(m, x.mm);
  yield* fn(m).sgx_add_to_tgid_ctx(m, encl);
  const G = isgx(m);
  yield mutex_lock(G.sgx_tgid_ctx_mutex);
  x.tgid_ctx.encl_list.push(encl);
  yield mutex_unlock(G.sgx_tgid_ctx_mutex);
  return 0;
}
function* sgx_mmap2(m, encl, mm, start, end, vm_flags) {
  const vma = yield* mainline.sgx_mmap(m, encl, mm, start, end, vm_flags);
  if (typeof vma === "number") return vma;
  vma.vm_flags |= VM_PFNMAP | VM_IO | VM_DONTCOPY | VM_DONTDUMP;
  const E = m.encl_pages;
  yield mutex_lock(encl.lock);
  for (const index of encl.page_array.indices(
    (start - encl.base) / PAGE_SIZE,
    (end - encl.base) / PAGE_SIZE
  )) {
    const epc = E.epc_page.a[encl.page_array.get(index)];
    if (epc < 0) continue;
    const addr = encl.base + index * PAGE_SIZE;
    yield* vmf_insert_pfn(m, vma, addr, epc);
    yield* ptep_test_and_clear_young(m, vma, addr);
  }
  yield mutex_unlock(encl.lock);
  return vma;
}
var replaced = {
  sgx_page_reclaimer_init: sgx_page_cache_c.sgx_page_cache_init,
  ksgxd: sgx_page_cache_c.ksgxswapd,
  sgx_reclaim_pages: sgx_reclaim_pages2,
  sgx_alloc_epc_page: sgx_alloc_epc_page2,
  sgx_free_epc_page: sgx_free_epc_page2,
  sgx_encl_free_epc_page: sgx_encl_free_epc_page2,
  sgx_mark_page_reclaimable: sgx_mark_page_reclaimable2,
  arch_memory_failure: arch_memory_failure2,
  sgx_encl_create: sgx_encl_create2,
  sgx_mmap: sgx_mmap2,
  sgx_vma_fault: sgx_vma_c.sgx_vma_fault,
  sgx_encl_release: sgx_encl_c.sgx_encl_release,
  sgx_mmu_notifier_release: sgx_encl_c.sgx_mmu_notifier_release
};
var ISGX_CONSTANTS = {
  SGX_NR_TO_SCAN: SGX_NR_SWAP_CLUSTER_MAX,
  SGX_NR_LOW_PAGES: SGX_NR_LOW_EPC_PAGES_DEFAULT,
  SGX_NR_HIGH_PAGES: 2 * SGX_NR_LOW_EPC_PAGES_DEFAULT,
  // Release walks every page with no reschedule point.
  XA_CHECK_SCHED: Number.POSITIVE_INFINITY
};
function isgxOverrides(extra = {}) {
  return { ...replaced, ...isgx_fns, ...extra };
}
registerVariant({
  name: "isgx",
  sgx2: false,
  description: "the out-of-tree driver (isgx 2.x): per-enclave LRUs, process/enclave round robin, one ETRACK and one encl->lock hold per 16-page cluster",
  overrides: isgxOverrides(),
  constants: ISGX_CONSTANTS
});
function isgxSetupEvict(m, encl, pages) {
  if (!runsIsgx(m)) return null;
  return function* () {
    const mm = isgx_encl_of(m, encl).mm;
    const cluster = [];
    yield down_read(mm.mmap_lock);
    yield mutex_lock(encl.lock);
    for (const p of pages) {
      const entry = m.pages.owner.get(p);
      set_encl_page_flags(m, entry, encl_page_flags(m, entry) | SGX_ENCL_PAGE_RESERVED);
      load_list_extract_epc_page_to_list(m, p, cluster);
    }
    yield mutex_unlock(encl.lock);
    yield* fn(m).sgx_write_pages(m, encl, cluster);
    yield up_read(mm.mmap_lock);
  };
}
function* sgx_isolate_pages_unlocked(m, encl, dst, nr_to_scan) {
  const x = isgx_encl_of(m, encl);
  if (x.flags & SGX_ENCL_DEAD) return;
  for (let i = 0; i < nr_to_scan; i++) {
    if (load_is_list_empty(m, encl)) break;
    const entry = load_list_get_first_epc_page(m, encl);
    const encl_page = epc_encl_page(m, entry);
    if (!(yield* fn(m).sgx_test_and_clear_young(m, encl_page, encl)) && !(encl_page_flags(m, encl_page) & SGX_ENCL_PAGE_RESERVED)) {
      set_encl_page_flags(m, encl_page, encl_page_flags(m, encl_page) | SGX_ENCL_PAGE_RESERVED);
      load_list_extract_epc_page_to_list(m, entry, dst);
    } else {
      load_list_move_tail(m, entry, encl);
    }
    yield* m.work("lru_op", 1);
  }
}
function* sgx_do_fault_remapping(m, vma, addr, flags) {
  const entry = yield* isgx_fns.sgx_do_fault(m, vma, addr, flags);
  if (IS_ERR(entry)) return entry;
  const encl = vma.vm_private_data;
  yield mutex_lock(encl.lock);
  const epc = m.encl_pages.epc_page.a[entry];
  if (epc >= 0) yield* vmf_insert_pfn(m, vma, addr, epc);
  yield mutex_unlock(encl.lock);
  return entry;
}
function* sgx_write_pages_split(m, encl, src) {
  const x = isgx_encl_of(m, encl);
  let nva = 0;
  if (src.length === 0) return;
  yield mutex_lock(encl.lock);
  for (const entry of src) {
    nva++;
    const addr = m.enclPageAddr(epc_encl_page(m, entry));
    const vma = x.mm ? find_vma(x.mm, addr) : null;
    if (vma && encl === vma.vm_private_data) yield* zap_vma_ptes(m, vma, addr);
    yield* fn(m).sgx_eblock(m, encl, entry);
  }
  yield mutex_unlock(encl.lock);
  yield mutex_lock(encl.lock);
  if (nva) yield* fn(m).sgx_etrack(m, encl, x.shadow_epoch);
  while (src.length > 0) {
    const entry = src.shift();
    if (yield* fn(m).sgx_evict_page(m, epc_encl_page(m, entry), encl)) encl.secs_child_cnt--;
  }
  if (!encl.secs_child_cnt && encl.flags.v & 1 << SGX_ENCL_INITIALIZED) {
    yield* fn(m).sgx_evict_page(m, encl.secs, encl);
    x.flags |= SGX_ENCL_SECS_EVICTED;
  }
  yield mutex_unlock(encl.lock);
}
function* sgx_isolate_encl_noref(m, ctx, nr_to_scan) {
  const G = isgx(m);
  const list = ctx.encl_list;
  let encl = null;
  yield mutex_lock(G.sgx_tgid_ctx_mutex);
  for (let i = 0; i < nr_to_scan && list.length > 0; i++) {
    encl = list.shift();
    list.push(encl);
    yield* m.work("lru_op", 1);
    if (m.interleaveAll) yield m.sharedRead(isgx_encl_of(m, encl).load_list, -1, "load_is_list_empty");
    if (!load_is_list_empty(m, encl)) break;
    encl = null;
  }
  yield mutex_unlock(G.sgx_tgid_ctx_mutex);
  return encl;
}
function* sgx_swap_pages_noref(m, nr_to_scan) {
  const ctx = yield* fn(m).sgx_isolate_tgid_ctx(m, nr_to_scan);
  if (!ctx) return;
  const encl = yield* fn(m).sgx_isolate_encl(m, ctx, nr_to_scan);
  if (encl) {
    const cluster = [];
    const mm = isgx_encl_of(m, encl).mm;
    yield down_read(mm.mmap_lock);
    yield* fn(m).sgx_isolate_pages(m, encl, cluster, nr_to_scan);
    yield* m.mark("reclaim_isolated", cluster.length);
    yield* fn(m).sgx_write_pages(m, encl, cluster);
    yield up_read(mm.mmap_lock);
  }
  yield* kref_put(m, ctx.refcount, () => fn(m).sgx_tgid_ctx_release(m, ctx));
}
var ISGX_MUTANTS = [
  {
    name: "isgx-isolate-unlocked",
    description: "isgx without encl->lock in sgx_isolate_pages (two reclaimers can isolate the same page)",
    overrides: {
      sgx_isolate_pages: function* sgx_isolate_pages2(m, encl, dst, nr) {
        yield* sgx_isolate_pages_unlocked(m, encl, dst, nr);
      }
    }
  },
  {
    name: "isgx-no-encl-ref",
    description: "isgx whose reclaimer takes no enclave reference for the cluster it writes back",
    overrides: {
      sgx_isolate_encl: function* sgx_isolate_encl2(m, ctx, nr) {
        return yield* sgx_isolate_encl_noref(m, ctx, nr);
      },
      sgx_swap_pages: function* sgx_swap_pages2(m, nr) {
        yield* sgx_swap_pages_noref(m, nr);
      }
    }
  },
  {
    name: "isgx-fault-maps-resident",
    description: "isgx whose fault path maps a resident page without testing SGX_ENCL_PAGE_RESERVED (safe alone: the cluster's lock hold covers it)",
    overrides: {
      sgx_do_fault: function* sgx_do_fault2(m, vma, addr, flags) {
        return yield* sgx_do_fault_remapping(m, vma, addr, flags);
      }
    }
  },
  {
    name: "isgx-split-cluster-lock",
    description: "isgx whose sgx_write_pages drops encl->lock between the EBLOCKs and ETRACK (safe alone: faults never map a resident page)",
    overrides: {
      sgx_write_pages: function* sgx_write_pages2(m, encl, src) {
        yield* sgx_write_pages_split(m, encl, src);
      }
    }
  },
  {
    name: "isgx-remap-and-split-lock",
    description: "isgx with both of the above: a fault maps a page blocked for eviction (found by check-fault-vs-reclaim)",
    overrides: {
      sgx_do_fault: function* sgx_do_fault3(m, vma, addr, flags) {
        return yield* sgx_do_fault_remapping(m, vma, addr, flags);
      },
      sgx_write_pages: function* sgx_write_pages3(m, encl, src) {
        yield* sgx_write_pages_split(m, encl, src);
      }
    }
  }
];
for (const mu of ISGX_MUTANTS) {
  registerVariant({
    name: `mutant/${mu.name}`,
    description: mu.description,
    overrides: isgxOverrides(mu.overrides),
    constants: ISGX_CONSTANTS,
    mutant: true,
    sgx2: false
  });
}

// src/model/snapshot.ts
var TYPED = 0;
var ARRAY = 1;
var MAP = 2;
var SET = 3;
var OBJECT = 4;
var Snapshot = class {
  objs = [];
  kinds = [];
  keys = [];
  data = [];
  constructor(root) {
    const seen = /* @__PURE__ */ new Set();
    const visit = (v3) => {
      if (v3 === null || typeof v3 !== "object" || seen.has(v3)) return;
      seen.add(v3);
      if (ArrayBuffer.isView(v3)) {
        this.add(v3, TYPED, null, v3.slice());
        return;
      }
      if (Array.isArray(v3)) {
        this.add(v3, ARRAY, null, v3.slice());
        for (const x of v3) visit(x);
        return;
      }
      if (v3 instanceof Map) {
        const entries = [...v3.entries()];
        this.add(v3, MAP, null, entries);
        for (const [k, x] of entries) {
          visit(k);
          visit(x);
        }
        return;
      }
      if (v3 instanceof Set) {
        const vals = [...v3];
        this.add(v3, SET, null, vals);
        for (const x of vals) visit(x);
        return;
      }
      const o = v3;
      const ks = Object.keys(o);
      this.add(
        v3,
        OBJECT,
        ks,
        ks.map((k) => o[k])
      );
      for (const k of ks) visit(o[k]);
    };
    visit(root);
  }
  add(o, kind, keys, data) {
    this.objs.push(o);
    this.kinds.push(kind);
    this.keys.push(keys);
    this.data.push(data);
  }
  /** Put every remembered object back into its remembered state. */
  restore() {
    const n = this.objs.length;
    for (let i = 0; i < n; i++) {
      const o = this.objs[i];
      switch (this.kinds[i]) {
        case TYPED:
          o.set(this.data[i]);
          break;
        case ARRAY: {
          const a = o;
          const d = this.data[i];
          a.length = d.length;
          for (let j = 0; j < d.length; j++) a[j] = d[j];
          break;
        }
        case MAP: {
          const m = o;
          m.clear();
          for (const [k, v3] of this.data[i]) m.set(k, v3);
          break;
        }
        case SET: {
          const st = o;
          st.clear();
          for (const v3 of this.data[i]) st.add(v3);
          break;
        }
        default: {
          const rec = o;
          const ks = this.keys[i];
          const d = this.data[i];
          for (let j = 0; j < ks.length; j++) rec[ks[j]] = d[j];
        }
      }
    }
  }
};
var scratch = new Float64Array(1);
var scratchBits = new Uint32Array(scratch.buffer);
var STRINGS = /* @__PURE__ */ new Map();
function stringLanes(s) {
  let lanes = STRINGS.get(s);
  if (lanes === void 0) {
    let a = 2538058380;
    let b = 2246822507;
    for (let i = 0; i < s.length; i++) {
      a = Math.imul(a ^ s.charCodeAt(i), 16777619);
      b = Math.imul(b ^ s.charCodeAt(i), 1540483477) ^ a >>> 11;
    }
    lanes = [a ^ s.length, b];
    if (STRINGS.size > 1e5) STRINGS.clear();
    STRINGS.set(s, lanes);
  }
  return lanes;
}
var Hasher = class {
  a = 2166136261;
  b = 16777619;
  num(x) {
    let lo;
    let hi;
    if (Number.isInteger(x) && Math.abs(x) < 2 ** 31) {
      lo = x | 0;
      hi = 1540483477;
    } else {
      scratch[0] = x;
      lo = scratchBits[0];
      hi = scratchBits[1];
    }
    this.a = Math.imul(this.a ^ lo, 16777619) ^ hi >>> 7;
    this.b = Math.imul(this.b ^ hi, 1540483477) ^ lo >>> 13;
  }
  /** Strings (mostly property names, hashed once per object) go in as one cached pair of lanes. */
  str(s) {
    const lanes = stringLanes(s);
    this.lanes(lanes[0], lanes[1]);
  }
  /** A string's lanes (stringLanes), as `str` mixes them in. */
  lanes(la, lb) {
    this.a = Math.imul(this.a ^ la, 16777619) ^ lb >>> 7;
    this.b = Math.imul(this.b ^ lb, 1540483477) ^ la >>> 13;
  }
  value() {
    return (this.a >>> 0) * 2 ** 21 + (this.b >>> 0 & 2097151);
  }
};
var NotCanonical = class extends Error {
};
var PLAIN = /* @__PURE__ */ new Set([Object, Array, Map, Set, void 0]);
var keyTables = /* @__PURE__ */ new WeakMap();
function keyTable(skip2) {
  let t = keyTables.get(skip2);
  if (!t) keyTables.set(skip2, t = /* @__PURE__ */ new Map());
  return t;
}
var PLAIN_CLASS = 0;
var NOT_VETTED = 1;
var classTables = /* @__PURE__ */ new WeakMap();
function classTable(opt) {
  const owner = opt.hooks ?? opt.vetted;
  let t = classTables.get(owner);
  if (!t || t.vetted !== opt.vetted) classTables.set(owner, t = { vetted: opt.vetted, plans: /* @__PURE__ */ new Map() });
  return t.plans;
}
var NO_SKIP = /* @__PURE__ */ new Set();
function hashDeep(root, skipOrOptions = /* @__PURE__ */ new Set()) {
  const opt = skipOrOptions instanceof Set ? { skip: skipOrOptions } : skipOrOptions;
  const skip2 = opt.skip ?? NO_SKIP;
  const keys = keyTable(skip2);
  const hooks = opt.hooks;
  const vetted = opt.vetted;
  const classes = hooks || vetted ? classTable(opt) : null;
  const h = new Hasher();
  const ids = /* @__PURE__ */ new Map();
  const visit = (v3) => {
    switch (typeof v3) {
      case "number":
        h.num(1);
        h.num(v3);
        return;
      case "string":
        h.num(2);
        h.str(v3);
        return;
      case "boolean":
        h.num(v3 ? 3 : 4);
        return;
      case "undefined":
        h.num(5);
        return;
      case "function":
        return;
      default:
        break;
    }
    if (v3 === null) {
      h.num(6);
      return;
    }
    const o = v3;
    const id = ids.get(o);
    if (id !== void 0) {
      h.num(7);
      h.num(id);
      return;
    }
    ids.set(o, ids.size);
    if (ArrayBuffer.isView(o)) {
      const a = o;
      h.num(8);
      h.num(a.length);
      const fill = a.length ? a[a.length - 1] : 0;
      h.num(fill);
      for (let i = 0; i < a.length - 1; i++) {
        const x = a[i];
        if (x !== fill) {
          h.num(i);
          h.num(x);
        }
      }
      h.num(-1);
      return;
    }
    if (Array.isArray(o)) {
      h.num(9);
      h.num(o.length);
      for (const x of o) visit(x);
      return;
    }
    if (o instanceof Map) {
      h.num(10);
      const keys2 = [...o.keys()].sort(cmpKeys);
      h.num(keys2.length);
      for (const k of keys2) {
        visit(k);
        visit(o.get(k));
      }
      return;
    }
    if (o instanceof Set) {
      h.num(11);
      const keys2 = [...o].sort(cmpKeys);
      for (const k of keys2) visit(k);
      return;
    }
    if (classes) {
      const ctor = o.constructor;
      let plan = classes.get(ctor);
      if (plan === void 0) {
        const hook = hooks?.get(ctor);
        plan = hook ? hook : vetted && !PLAIN.has(ctor) && !vetted.has(ctor) ? NOT_VETTED : PLAIN_CLASS;
        classes.set(ctor, plan);
      }
      if (typeof plan === "function") {
        h.num(13);
        plan(o, h, visit);
        return;
      }
      if (plan === NOT_VETTED)
        throw new NotCanonical(`${ctor?.name ?? "an object"} is not vetted`);
    }
    h.num(12);
    const rec = o;
    for (const k of Object.keys(rec)) {
      let lanes = keys.get(k);
      if (lanes === void 0) keys.set(k, lanes = skip2.has(k) ? null : stringLanes(k));
      if (lanes === null) continue;
      h.lanes(lanes[0], lanes[1]);
      visit(rec[k]);
    }
  };
  visit(root);
  return h.value();
}
function cmpKeys(a, b) {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

// src/rt/sequential.ts
var SequentialBlocked = class extends Error {
};
function runSequential(m, task, body, opt = {}) {
  let result;
  const t = new Thread(0, {
    task,
    body: function* () {
      result = yield* body();
    },
    kind: "kthread",
    cpu: opt.cpu ?? 0
  });
  const max = opt.maxSteps ?? 5e7;
  for (let steps = 0; !t.done; steps++) {
    if (steps > max) throw new SequentialBlocked(`${task.comm}: more than ${max} steps`);
    m.context_switch(opt.cpu ?? 0, task, null);
    const op = t.op;
    let value = 0;
    if (op) {
      if (!isEnabled(op))
        throw new SequentialBlocked(`${task.comm} blocks on ${describeOp(op)} with no other thread to run`);
      if (op.kind === "choose") value = opt.choose ? opt.choose(op.n, op.why) : 0;
      if (op.kind === "spawn") {
        if (!opt.onSpawn)
          throw new SequentialBlocked(`${task.comm} spawned ${op.thread.task.comm} in a sequential run`);
        opt.onSpawn(op.thread);
      }
    }
    stepThread(t, value);
  }
  if (t.error) throw t.error;
  return result;
}

// src/model/kernel/variants/backing_history.ts
function put_backing_do_write(m, b, do_write) {
  if (do_write) b.pcmd.dirty = b.contents.dirty = true;
  m.fn.sgx_encl_put_backing(m, b);
}
function* sgx_reclaimer_write_pre_v5_19(m, epc_page, backing) {
  const encl_page = m.pages.owner.get(epc_page);
  const encl = m.enclOf(encl_page);
  const E = m.encl_pages;
  yield mutex_lock(encl.lock);
  yield* m.fn.sgx_encl_ewb(m, epc_page, backing);
  E.epc_page.a[encl_page] = -1;
  encl.secs_child_cnt--;
  if (!encl.secs_child_cnt && (yield* test_bit(m, SGX_ENCL_INITIALIZED, encl.flags))) {
    const secs_backing = yield* m.fn.sgx_encl_alloc_backing(m, encl, secsIndex(encl));
    if (secs_backing) {
      const secs_epc = E.epc_page.a[encl.secs];
      yield* m.fn.sgx_encl_ewb(m, secs_epc, secs_backing);
      yield* m.fn.sgx_encl_free_epc_page(m, secs_epc);
      E.epc_page.a[encl.secs] = -1;
      put_backing_do_write(m, secs_backing, true);
    }
  }
  yield mutex_unlock(encl.lock);
}
function* __sgx_encl_ewb_pre_v5_19(m, epc_page, va_epc, va_offset, backing) {
  return yield* m.encls(
    "EWB",
    epc_page,
    () => m.hw.EWB(epc_page, va_epc, va_offset >> 3, backing.contents, backing.pcmd, backing.pcmd_offset / 128)
  );
}

// src/model/kernel/variants/mm_list_refs.ts
function* sgx_release_v38(m, encl) {
  for (; ; ) {
    yield spin_lock(encl.mm_lock);
    const encl_mm = encl.mm_list.length ? encl.mm_list.shift() : null;
    yield spin_unlock(encl.mm_lock);
    if (!encl_mm) break;
    yield* synchronize_srcu(m, encl.srcu);
    yield* mmu_notifier_unregister(m, encl_mm.notifier, encl_mm.mm);
    m.kfreeObj(encl_mm, "struct sgx_encl_mm");
  }
  yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
}
function* sgx_encl_mm_add_v38(m, encl, mm) {
  if (yield* m.fn.sgx_encl_find_mm(m, encl, mm)) return 0;
  const encl_mm = new sgx_encl_mm(encl, mm);
  m.encl_mms.push(encl_mm);
  kmemleak_alloc_object(m, encl_mm);
  encl_mm.notifier = { owner: encl_mm };
  mmu_notifier_register(m, encl_mm.notifier, mm);
  yield spin_lock(encl.mm_lock);
  encl.mm_list.unshift(encl_mm);
  if (m.interleaveAll) yield m.sharedWrite(encl.mm_list_version_loc, "mm_list_version++");
  encl.mm_list_version++;
  yield spin_unlock(encl.mm_lock);
  return 0;
}
function* sgx_mmu_notifier_free_v38(m, encl_mm) {
  const mm = encl_mm.mm;
  const k = mm.notifiers.indexOf(encl_mm.notifier);
  if (k >= 0) mm.notifiers.splice(k, 1);
  m.kfreeObj(encl_mm, "struct sgx_encl_mm");
}

// src/model/kernel/variants/mutants.ts
function* load_page_ignoring_reclaim(m, encl, entry) {
  const E = m.encl_pages;
  if (E.epc_page.a[entry] >= 0) return entry;
  let epc_page = yield* m.fn.sgx_encl_load_secs(m, encl);
  if (IS_ERR(epc_page)) return epc_page;
  epc_page = yield* m.fn.sgx_encl_eldu(m, entry, E.epc_page.a[encl.secs]);
  if (IS_ERR(epc_page)) return epc_page;
  encl.secs_child_cnt++;
  yield* m.fn.sgx_mark_page_reclaimable(m, E.epc_page.a[entry]);
  return entry;
}
function* sgx_reclaim_pages3(m, f) {
  const chunk = new StackArray(m, "sgx_reclaim_pages", "chunk[SGX_NR_TO_SCAN]", m.c.SGX_NR_TO_SCAN);
  const backing = new StackArray(
    m,
    "sgx_reclaim_pages",
    "backing[SGX_NR_TO_SCAN]",
    m.c.SGX_NR_TO_SCAN
  );
  const P = m.pages;
  const G = m.sgx;
  yield spin_lock(G.sgx_reclaimer_lock);
  for (let i = 0; i < m.c.SGX_NR_TO_SCAN; i++) {
    if (list_empty(P, G.sgx_active_page_list)) break;
    const epc_page = list_first_entry(P, G.sgx_active_page_list);
    if (f.poisonOnIsolate) list_del(m, P, epc_page);
    else list_del_init(m, P, epc_page);
    yield* m.work("lru_op", 1);
    const encl_page = P.owner.get(epc_page);
    if (f.noRef || (yield* kref_get_unless_zero(m, m.enclOf(encl_page).refcount))) {
      chunk.push(epc_page);
      backing.push(null);
    } else {
      P.flags.set(epc_page, P.flags.get(epc_page) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED);
    }
  }
  yield spin_unlock(G.sgx_reclaimer_lock);
  const cnt = chunk.length;
  yield* m.mark("reclaim_isolated", cnt);
  for (let i = 0; i < cnt; i++) {
    const epc_page = chunk.at(i);
    const encl_page = P.owner.get(epc_page);
    const encl = m.enclOf(encl_page);
    let skip2 = !(yield* m.fn.sgx_reclaimer_age(m, epc_page));
    if (!skip2) {
      const page_index = m.encl_pages.index.a[encl_page];
      let b = null;
      if (f.backingOutsideLock) b = yield* m.fn.sgx_encl_alloc_backing(m, encl, page_index);
      yield mutex_lock(encl.lock);
      if (!f.backingOutsideLock) b = yield* m.fn.sgx_encl_alloc_backing(m, encl, page_index);
      if (!b) {
        yield mutex_unlock(encl.lock);
        skip2 = true;
      } else {
        backing.set(i, b);
        m.encl_pages.setDesc(encl_page, m.encl_pages.desc.a[encl_page] | SGX_ENCL_PAGE_BEING_RECLAIMED);
        yield mutex_unlock(encl.lock);
        continue;
      }
    }
    yield spin_lock(G.sgx_reclaimer_lock);
    list_add_tail(P, epc_page, G.sgx_active_page_list);
    yield* m.work("lru_op", 1);
    yield spin_unlock(G.sgx_reclaimer_lock);
    if (!f.noRef) yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
    chunk.set(i, -1);
  }
  for (let i = 0; i < cnt; i++) if (chunk.at(i) >= 0) yield* m.fn.sgx_reclaimer_block(m, chunk.at(i));
  for (let i = 0; i < cnt; i++) {
    const epc_page = chunk.at(i);
    if (epc_page < 0) continue;
    const encl = m.enclOf(P.owner.get(epc_page));
    yield* m.fn.sgx_reclaimer_write(m, epc_page, backing.at(i));
    if (f.putAfterWrite) {
      const b = backing.at(i);
      if (f.putAfterWrite.dirty) b.pcmd.dirty = b.contents.dirty = true;
      m.fn.sgx_encl_put_backing(m, b);
    }
    if (!f.noRef) yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
    if (m.interleaveAll) yield m.epcFlagsWrite(epc_page);
    P.flags.set(epc_page, P.flags.get(epc_page) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED);
    yield* m.fn.sgx_free_epc_page(m, epc_page);
  }
}
var flawedReclaim = sgx_reclaim_pages3;
function* ewb_mask_before_etrack(m, epc_page, backing) {
  const encl_page = m.pages.owner.get(epc_page);
  const encl = m.enclOf(encl_page);
  const E = m.encl_pages;
  E.setDesc(encl_page, E.desc.a[encl_page] & ~SGX_ENCL_PAGE_BEING_RECLAIMED);
  const va_page = encl.va_pages[0];
  const va_offset = m.fn.sgx_alloc_va_slot(m, va_page);
  if (m.fn.sgx_va_page_full(m, va_page)) encl.va_pages.push(encl.va_pages.shift());
  let ret = yield* m.fn.__sgx_encl_ewb(m, epc_page, va_page.epc_page, va_offset, backing);
  if (ret === SGX_NOT_TRACKED) {
    const mask = Uint8Array.from(yield* m.fn.sgx_encl_cpumask(m, encl));
    const secs = E.epc_page.a[encl.secs];
    ret = yield* m.encls("ETRACK", secs, () => m.hw.ETRACK(secs));
    if (ret && encls_failed(ret)) m.ENCLS_WARN(ret, "ETRACK");
    ret = yield* m.fn.__sgx_encl_ewb(m, epc_page, va_page.epc_page, va_offset, backing);
    if (ret === SGX_NOT_TRACKED) {
      yield* on_each_cpu_mask(m, mask, "sgx_ewb");
      ret = yield* m.fn.__sgx_encl_ewb(m, epc_page, va_page.epc_page, va_offset, backing);
    }
  }
  if (ret) {
    if (encls_failed(ret)) m.ENCLS_WARN(ret, "EWB");
    m.fn.sgx_free_va_slot(m, va_page, va_offset);
  } else {
    E.setDesc(encl_page, E.desc.a[encl_page] | va_offset);
    E.va_page.a[encl_page] = va_page.id;
  }
}
function pcmd_never_busy(_m, _encl, _start) {
  return false;
}
function* block_zap_under_encl_lock(m, epc_page) {
  const page = m.pages.owner.get(epc_page);
  const encl = m.enclOf(page);
  const addr = m.enclPageAddr(page);
  yield mutex_lock(encl.lock);
  yield* m.fn.sgx_zap_enclave_ptes(m, encl, addr);
  const ret = yield* m.encls("EBLOCK", epc_page, () => m.hw.EBLOCK(epc_page));
  if (encls_failed(ret)) m.ENCLS_WARN(ret, "EBLOCK");
  yield mutex_unlock(encl.lock);
}
function* mark_reclaimable_resched_in_lock(m, page) {
  const G = m.sgx;
  yield spin_lock(G.sgx_reclaimer_lock);
  m.pages.flags.set(page, m.pages.flags.get(page) | SGX_EPC_PAGE_RECLAIMER_TRACKED);
  list_add_tail(m.pages, page, G.sgx_active_page_list);
  yield { kind: "cond_resched" };
  yield spin_unlock(G.sgx_reclaimer_lock);
}
function* free_ignoring_poison(m, page) {
  const node = m.nodeOf(page);
  const P = m.pages;
  yield spin_lock(node.lock);
  P.owner.set(page, OWNER_NULL);
  list_add_tail(P, page, node.free_page_list);
  P.flags.set(page, SGX_EPC_PAGE_IS_FREE);
  P.sgx_cg.set(page, -1);
  yield* m.work("freelist_op", 1);
  yield spin_unlock(node.lock);
  yield* atomic_long_inc(m, m.sgx.sgx_nr_free_pages);
}
function* reclaim_spinning_on_empty(m) {
  const G = m.sgx;
  for (; ; ) {
    yield spin_lock(G.sgx_reclaimer_lock);
    const empty = list_empty(m.pages, G.sgx_active_page_list);
    yield spin_unlock(G.sgx_reclaimer_lock);
    if (!empty) break;
  }
  yield* mainline.sgx_reclaim_pages(m);
}
function* mm_add_without_kref(m, encl, mm) {
  if (yield* m.fn.sgx_encl_find_mm(m, encl, mm)) return 0;
  const encl_mm = new sgx_encl_mm(encl, mm);
  encl_mm.notifier = { owner: encl_mm };
  mmu_notifier_register(m, encl_mm.notifier, mm);
  yield spin_lock(encl.mm_lock);
  encl.mm_list.unshift(encl_mm);
  encl.mm_list_version++;
  yield spin_unlock(encl.mm_lock);
  return 0;
}
function* release_forgetting_va_pages(m, encl) {
  encl.va_pages.length = 0;
  yield* mainline.sgx_encl_release(m, encl);
}
var MUTANTS = [
  {
    name: "no-being-reclaimed-check",
    guard: "the BEING_RECLAIMED test in __sgx_encl_load_page (a fault maps a page being reclaimed)",
    overrides: { __sgx_encl_load_page: load_page_ignoring_reclaim }
  },
  {
    name: "isolate-list-del",
    guard: "list_del_init (not list_del) when the reclaimer isolates a page",
    overrides: { sgx_reclaim_pages: (m) => flawedReclaim(m, { poisonOnIsolate: true }) }
  },
  {
    name: "backing-without-encl-lock",
    guard: "encl->lock held while the reclaimer pins the backing pages",
    overrides: { sgx_reclaim_pages: (m) => flawedReclaim(m, { backingOutsideLock: true }) }
  },
  {
    name: "cpumask-before-etrack",
    guard: "building the IPI cpumask after ETRACK in sgx_encl_ewb",
    overrides: { sgx_encl_ewb: ewb_mask_before_etrack }
  },
  {
    name: "no-pcmd-busy-check",
    guard: "reclaimer_writing_to_pcmd before truncating an empty PCMD page",
    overrides: { reclaimer_writing_to_pcmd: pcmd_never_busy }
  },
  {
    name: "no-kref-per-page",
    guard: "the enclave reference the reclaimer holds for every isolated page",
    overrides: { sgx_reclaim_pages: (m) => flawedReclaim(m, { noRef: true }) }
  },
  {
    name: "block-lock-order",
    guard: "the order of encl->lock after the PTE zap in sgx_reclaimer_block (mmap_lock under encl->lock)",
    overrides: { sgx_reclaimer_block: block_zap_under_encl_lock }
  },
  {
    name: "resched-under-reclaimer-lock",
    guard: "no scheduling point under sgx_reclaimer_lock in sgx_mark_page_reclaimable",
    overrides: { sgx_mark_page_reclaimable: mark_reclaimable_resched_in_lock }
  },
  {
    name: "free-ignores-poison",
    guard: "the poison test in sgx_free_epc_page (a poisoned page back on the free list)",
    overrides: { sgx_free_epc_page: free_ignoring_poison }
  },
  {
    name: "mm-add-without-kref",
    guard: "the enclave reference taken by sgx_encl_mm_add for its sgx_encl_mm",
    overrides: { sgx_encl_mm_add: mm_add_without_kref }
  },
  {
    name: "release-leaks-va-pages",
    guard: "the freeing of the VA pages in sgx_encl_release",
    overrides: { sgx_encl_release: release_forgetting_va_pages }
  },
  {
    name: "reclaim-spins-on-empty-list",
    guard: "the early return of sgx_reclaim_pages when the active list is empty",
    overrides: { sgx_reclaim_pages: reclaim_spinning_on_empty }
  }
];
for (const mu of MUTANTS) {
  registerVariant({
    name: `mutant/${mu.name}`,
    description: `mainline without ${mu.guard}`,
    overrides: mu.overrides,
    mutant: true
  });
}

// src/model/kernel/variants/release_history.ts
function encl_release_history(reschedEveryPage) {
  return function* sgx_encl_release3(m, encl) {
    const E = m.encl_pages;
    const xa = encl.page_array;
    yield* m.mark("encl_release", encl.id);
    for (const index of xa.indices(0, encl.size / PAGE_SIZE)) {
      const entry = xa.get(index);
      if (entry === XA_EMPTY) continue;
      const epc_page = E.epc_page.a[entry];
      if (epc_page >= 0) {
        if (yield* m.fn.sgx_unmark_page_reclaimable(m, epc_page)) continue;
        yield* m.fn.sgx_encl_free_epc_page(m, epc_page);
        encl.secs_child_cnt--;
        E.epc_page.a[entry] = -1;
      }
      E.alive.a[entry] = 0;
      if (reschedEveryPage) yield* cond_resched(m);
    }
    xa_destroy(xa);
    const secs = E.epc_page.a[encl.secs];
    if (!encl.secs_child_cnt && secs >= 0) {
      yield* m.fn.sgx_encl_free_epc_page(m, secs);
      E.epc_page.a[encl.secs] = -1;
    }
    while (encl.va_pages.length > 0) {
      const va_page = encl.va_pages.shift();
      yield* m.fn.sgx_encl_free_epc_page(m, va_page.epc_page);
      va_page.epc_page = -1;
      m.kfreeObj(va_page, `struct sgx_va_page #${va_page.id}`);
    }
    if (encl.backing) m.fput(encl.backing);
    cleanup_srcu_struct(m, encl.srcu);
    if (encl.mm_list.length) m.warn("release_mm_list", "WARN_ON_ONCE(!list_empty(&encl->mm_list))");
    if (encl.secs_child_cnt)
      m.warn("release_leak", `WARN_ON_ONCE(encl->secs_child_cnt) = ${encl.secs_child_cnt}`);
    if (E.epc_page.a[encl.secs] >= 0) m.warn("release_leak", "WARN_ON_ONCE(encl->secs.epc_page)");
    E.alive.a[encl.secs] = 0;
    m.kfreeObj(encl, `struct sgx_encl ${encl.name || encl.id}`);
  };
}

// src/model/kernel/variants/sgx2_history.ts
function eaug_page(fixes) {
  return function* sgx_encl_eaug_page2(m, vma, encl, addr) {
    const E = m.encl_pages;
    let vmret = VM_FAULT_SIGBUS;
    if (!(yield* test_bit(m, SGX_ENCL_INITIALIZED, encl.flags))) return VM_FAULT_SIGBUS;
    const encl_page = m.fn.sgx_encl_page_alloc(m, encl, addr - encl.base, VM_READ | VM_WRITE | VM_EXEC);
    const index = E.index.a[encl_page];
    const unlockAndFree = function* () {
      yield mutex_unlock(encl.lock);
      E.alive.a[encl_page] = 0;
      return vmret;
    };
    yield mutex_lock(encl.lock);
    if (fixes.lockedRecheck && (yield* xa_load_unlocked(m, encl.page_array, index)) >= 0) {
      vmret = VM_FAULT_NOPAGE;
      return yield* unlockAndFree();
    }
    if (fixes.loadSecs) {
      const secs = yield* m.fn.sgx_encl_load_secs(m, encl);
      if (IS_ERR(secs)) {
        if (secs === -EBUSY) vmret = VM_FAULT_NOPAGE;
        return yield* unlockAndFree();
      }
    }
    const epc_page = yield* m.fn.sgx_alloc_epc_page(m, encl_page, false);
    if (IS_ERR(epc_page)) {
      if (epc_page === -EBUSY) vmret = VM_FAULT_NOPAGE;
      return yield* unlockAndFree();
    }
    const va_page = yield* m.fn.sgx_encl_grow(m, encl, false);
    if (typeof va_page === "number") {
      if (fixes.vaBusyNopage && va_page === -EBUSY) vmret = VM_FAULT_NOPAGE;
      yield* m.fn.sgx_encl_free_epc_page(m, epc_page);
      return yield* unlockAndFree();
    }
    if (va_page) encl.va_pages.unshift(va_page);
    let ret = yield* xa_insert(m, encl.page_array, index, encl_page);
    if (!ret) {
      const secs = E.epc_page.a[encl.secs];
      if (secs < 0) m.bug("BUG: kernel NULL pointer dereference in sgx_encl_eaug_page (SECS evicted)");
      ret = yield* m.encls("EAUG", epc_page, () => m.hw.EAUG(epc_page, secs, index));
      if (!ret) {
        E.epc_page.a[encl_page] = epc_page;
        E.type.a[encl_page] = SGX_PAGE_TYPE_REG;
        encl.secs_child_cnt++;
        yield* m.fn.sgx_mark_page_reclaimable(m, epc_page);
        vmret = yield* vmf_insert_pfn(m, vma, addr, epc_page);
        yield mutex_unlock(encl.lock);
        return vmret !== VM_FAULT_NOPAGE ? VM_FAULT_SIGBUS : VM_FAULT_NOPAGE;
      }
      yield* xa_erase(m, encl.page_array, index);
    }
    yield* m.fn.sgx_encl_shrink(m, encl, va_page);
    yield* m.fn.sgx_encl_free_epc_page(m, epc_page);
    return yield* unlockAndFree();
  };
}
function* no_reclaim_direct(_m) {
}
var SGX_ENCL_PAGE_BUSY = 1 << 2;
var SGX_ENCL_PAGE_PCMD_BUSY = SGX_ENCL_PAGE_BEING_RECLAIMED;
function* __sgx_encl_load_page_b11(m, encl, entry) {
  const E = m.encl_pages;
  if (E.epc_page.a[entry] >= 0) {
    if (E.getDesc(entry) & (SGX_ENCL_PAGE_BUSY | SGX_ENCL_PAGE_PCMD_BUSY)) return -EBUSY;
    return entry;
  }
  let epc_page = yield* m.fn.sgx_encl_load_secs(m, encl);
  if (IS_ERR(epc_page)) return epc_page;
  epc_page = yield* m.fn.sgx_encl_eldu(m, entry, E.epc_page.a[encl.secs]);
  if (IS_ERR(epc_page)) return epc_page;
  encl.secs_child_cnt++;
  yield* m.fn.sgx_mark_page_reclaimable(m, E.epc_page.a[entry]);
  return entry;
}
function* sgx_encl_remove_pages_b11(m, encl, params) {
  const E = m.encl_pages;
  const rwx = SGX_SECINFO_R | SGX_SECINFO_W | SGX_SECINFO_X;
  let c = 0;
  let ret = 0;
  for (; c < params.length; c += PAGE_SIZE) {
    const index = (params.offset + c) / PAGE_SIZE;
    yield* m.fn.sgx_reclaim_direct(m);
    yield mutex_lock(encl.lock);
    const entry = yield* m.fn.sgx_encl_load_page(m, encl, index);
    if (IS_ERR(entry)) {
      ret = entry === -EBUSY ? -EAGAIN : -EFAULT;
      break;
    }
    if (E.type.a[entry] !== SGX_PAGE_TYPE_TRIM) {
      ret = -EPERM;
      break;
    }
    const epc_page = E.epc_page.a[entry];
    const r = yield* m.encls("EMODPR", epc_page, () => m.hw.EMODPR(epc_page, rwx));
    if (!encls_faulted(r) || (r & 255) !== X86_TRAP_PF) {
      ret = -EPERM;
      break;
    }
    if (yield* m.fn.sgx_unmark_page_reclaimable(m, epc_page)) {
      ret = -EBUSY;
      break;
    }
    E.setDesc(entry, E.desc.a[entry] | SGX_ENCL_PAGE_BUSY);
    yield mutex_unlock(encl.lock);
    yield* m.fn.sgx_zap_enclave_ptes(m, encl, encl.base + index * PAGE_SIZE);
    yield mutex_lock(encl.lock);
    yield* m.fn.sgx_encl_free_epc_page(m, E.epc_page.a[entry]);
    encl.secs_child_cnt--;
    E.epc_page.a[entry] = -1;
    yield* xa_erase(m, encl.page_array, index);
    yield* m.fn.sgx_encl_shrink(m, encl, null);
    E.alive.a[entry] = 0;
    yield mutex_unlock(encl.lock);
  }
  if (ret) yield mutex_unlock(encl.lock);
  params.count = c;
  return ret;
}
function* sgx_enclave_modify_types_b11(m, encl, modt) {
  const E = m.encl_pages;
  const page_type = modt.page_type & SGX_PAGE_TYPE_MASK;
  if (page_type !== SGX_PAGE_TYPE_TCS && page_type !== SGX_PAGE_TYPE_TRIM) return -EINVAL;
  let c = 0;
  let ret = 0;
  let entry = -1;
  let max_prot_restore = 0;
  let entryChanged = false;
  for (; c < modt.length; c += PAGE_SIZE) {
    const index = (modt.offset + c) / PAGE_SIZE;
    yield* m.fn.sgx_reclaim_direct(m);
    yield mutex_lock(encl.lock);
    entry = yield* m.fn.sgx_encl_load_page(m, encl, index);
    if (IS_ERR(entry)) {
      ret = entry === -EBUSY ? -EAGAIN : -EFAULT;
      break;
    }
    const type = E.type.a[entry];
    if (!(type === SGX_PAGE_TYPE_REG || type === SGX_PAGE_TYPE_TCS && page_type === SGX_PAGE_TYPE_TRIM)) {
      ret = -EINVAL;
      break;
    }
    max_prot_restore = E.vm_max_prot_bits.a[entry];
    if (type === SGX_PAGE_TYPE_REG && page_type === SGX_PAGE_TYPE_TCS) {
      if (~E.vm_max_prot_bits.a[entry] & (VM_READ | VM_WRITE)) {
        ret = -EPERM;
        break;
      }
      E.vm_max_prot_bits.a[entry] = VM_READ | VM_WRITE;
      if (yield* m.fn.sgx_unmark_page_reclaimable(m, E.epc_page.a[entry])) {
        ret = -EAGAIN;
        entryChanged = true;
        break;
      }
      E.setDesc(entry, E.desc.a[entry] | SGX_ENCL_PAGE_BUSY);
      yield mutex_unlock(encl.lock);
      yield* m.fn.sgx_zap_enclave_ptes(m, encl, encl.base + index * PAGE_SIZE);
      yield mutex_lock(encl.lock);
      E.setDesc(entry, E.desc.a[entry] & ~SGX_ENCL_PAGE_BUSY);
      yield* m.fn.sgx_mark_page_reclaimable(m, E.epc_page.a[entry]);
    }
    const epc_page = E.epc_page.a[entry];
    const r = yield* m.encls("EMODT", epc_page, () => m.hw.EMODT(epc_page, page_type));
    if (encls_faulted(r)) {
      m.warn("emodt", `EMODT encountered exception ${r & 255}`);
      ret = -EFAULT;
      entryChanged = true;
      break;
    }
    if (encls_failed(r)) {
      modt.result = r;
      ret = -EFAULT;
      entryChanged = true;
      break;
    }
    if (yield* m.fn.sgx_enclave_etrack(m, encl)) {
      ret = -EFAULT;
      break;
    }
    E.type.a[entry] = page_type;
    yield mutex_unlock(encl.lock);
  }
  if (entryChanged) E.vm_max_prot_bits.a[entry] = max_prot_restore;
  if (ret) yield mutex_unlock(encl.lock);
  modt.count = c;
  return ret;
}

// src/model/kernel/variants/history.ts
function eldu_history(fixes) {
  return function* __sgx_encl_eldu2(m, encl_page, epc_page, secs_page) {
    const E = m.encl_pages;
    const va_offset = E.getDesc(encl_page) & SGX_ENCL_PAGE_VA_OFFSET_MASK;
    const encl = m.enclOf(encl_page);
    const page_index = secs_page >= 0 ? E.index.a[encl_page] : encl.size / PAGE_SIZE;
    const page_pcmd_off = m.fn.sgx_encl_get_backing_page_pcmd_offset(m, encl, page_index);
    const b = yield* m.fn.sgx_encl_lookup_backing(m, encl, page_index);
    if (!b) return -EFAULT;
    const va_page = m.vaPageOf(encl_page);
    const lin = secs_page >= 0 ? E.index.a[encl_page] : -1;
    let ret = yield* m.encls(
      "ELDU",
      epc_page,
      () => m.hw.ELDU(
        epc_page,
        secs_page,
        lin,
        va_page.epc_page,
        va_offset >> 3,
        b.contents,
        b.pcmd,
        b.pcmd_offset / PCMD_SIZE
      )
    );
    if (ret) {
      if (encls_failed(ret)) m.ENCLS_WARN(ret, "ELDU");
      ret = -EFAULT;
    }
    if (!fixes.freeBacking) {
      m.fn.sgx_encl_put_backing(m, b);
      return ret;
    }
    pcmdZero(b.pcmd, b.pcmd_offset / PCMD_SIZE);
    if (fixes.dirty) b.pcmd.dirty = true;
    const pcmd_page_empty = pcmdPageEmpty(b.pcmd);
    m.fn.sgx_encl_put_backing(m, b);
    yield* m.fn.sgx_encl_truncate_backing_page(m, encl, page_index);
    const first_sibling = page_index & ~(PCMDS_PER_PAGE - 1);
    if (pcmd_page_empty && !(fixes.reclaimerCheck && m.fn.reclaimer_writing_to_pcmd(m, encl, first_sibling)))
      yield* m.fn.sgx_encl_truncate_backing_page(m, encl, Math.floor(page_pcmd_off / PAGE_SIZE));
    return ret;
  };
}
function* sgx_encl_get_mem_cgroup_v5_17(m, _encl) {
  return m.current.mm?.memcg ?? null;
}
function* __sgx_alloc_epc_page_from_node_v5_13(m, nid) {
  const node = m.sgx.sgx_numa_nodes[nid];
  yield spin_lock(node.lock);
  if (freeListEmpty(m, node)) {
    yield spin_unlock(node.lock);
    return -1;
  }
  const page = freeListTakeFirst(m, node);
  m.pages.flags.set(page, 0);
  yield* m.work("freelist_op", 1);
  yield* plainAdd(m, -1);
  yield spin_unlock(node.lock);
  return page;
}
function* sgx_free_epc_page_v5_13(m, page) {
  const node = m.nodeOf(page);
  const P = m.pages;
  yield spin_lock(node.lock);
  P.owner.set(page, OWNER_NULL);
  list_add_tail(P, page, node.free_page_list);
  P.flags.set(page, SGX_EPC_PAGE_IS_FREE);
  yield* m.work("freelist_op", 1);
  yield* plainAdd(m, 1);
  yield spin_unlock(node.lock);
}
function* plainAdd(m, d) {
  const c = m.sgx.sgx_nr_free_pages;
  if (m.interleaveAll) yield m.sharedRead(c, -1, "sgx_nr_free_pages (plain load)");
  const v3 = c.v;
  if (m.interleaveAll) yield m.sharedWrite(c, "sgx_nr_free_pages (plain store)");
  c.v = v3 + d;
}
function* __sgx_alloc_epc_page_v5_11(m) {
  for (const nid of m.sgx.sgx_numa_mask) {
    const page = yield* m.fn.__sgx_alloc_epc_page_from_node(m, nid);
    if (page >= 0) return page;
  }
  return -12;
}
function* sgx_vma_fault_pre_v6_0(m, vma, addr) {
  const encl = vma.vm_private_data;
  if (!encl) return VM_FAULT_SIGBUS;
  yield mutex_lock(encl.lock);
  const entry = yield* m.fn.sgx_encl_load_page_in_vma(m, encl, (addr - encl.base) / PAGE_SIZE, vma.vm_flags);
  if (IS_ERR(entry)) {
    yield mutex_unlock(encl.lock);
    return entry === -EBUSY ? VM_FAULT_NOPAGE : VM_FAULT_SIGBUS;
  }
  const ret = yield* vmf_insert_pfn(m, vma, addr, m.encl_pages.epc_page.a[entry]);
  if (ret !== VM_FAULT_NOPAGE) {
    yield mutex_unlock(encl.lock);
    return VM_FAULT_SIGBUS;
  }
  yield* m.fn.sgx_encl_test_and_clear_young(m, vma.vm_mm, entry);
  yield mutex_unlock(encl.lock);
  return VM_FAULT_NOPAGE;
}
function* arch_memory_failure_pre_v5_17(_m, _pfn, _flags) {
  return -ENXIO;
}
function* sgx_page_reclaimer_init_v38(m) {
  for (let i = 0; i < Math.max(1, m.c.nr_ksgxd); i++) {
    const pid = yield* m.kthread_run(i === 0 ? "ksgxswapd" : `ksgxswapd/${i}`, () => m.fn.ksgxd(m));
    m.sgx.ksgxd_tsk.push(pid);
  }
  return true;
}
function registerHistory(mainline2) {
  const pre_v5_19_reclaim = {
    sgx_reclaim_pages: (m) => flawedReclaim(m, { backingOutsideLock: true, putAfterWrite: { dirty: true } }),
    sgx_reclaimer_write: sgx_reclaimer_write_pre_v5_19,
    __sgx_encl_ewb: __sgx_encl_ewb_pre_v5_19
  };
  const v5_11 = {
    ...pre_v5_19_reclaim,
    sgx_encl_release: encl_release_history(false),
    __sgx_encl_eldu: eldu_history({ freeBacking: false, dirty: false, reclaimerCheck: false }),
    sgx_encl_get_mem_cgroup: sgx_encl_get_mem_cgroup_v5_17,
    __sgx_alloc_epc_page: __sgx_alloc_epc_page_v5_11,
    sgx_vma_fault: sgx_vma_fault_pre_v6_0,
    arch_memory_failure: arch_memory_failure_pre_v5_17
  };
  const v38 = {
    ...v5_11,
    sgx_page_reclaimer_init: sgx_page_reclaimer_init_v38,
    sgx_release: sgx_release_v38,
    sgx_encl_mm_add: sgx_encl_mm_add_v38,
    sgx_mmu_notifier_free: sgx_mmu_notifier_free_v38
  };
  registerVariant({
    name: "v38",
    sgx2: false,
    description: "the v38 patch reviewed in the seed (Sep 2020): ksgxswapd, backing pinned before encl->lock, no NUMA, no enclave reference per mm_list entry (B0)",
    overrides: v38
  });
  registerVariant({
    name: "v38-per-page",
    sgx2: false,
    description: "v38 with the change proposed in the review: reclaim one page per round (SGX_NR_TO_SCAN = 1)",
    overrides: v38,
    constants: { SGX_NR_TO_SCAN: 1 }
  });
  registerVariant({
    name: "v5.11",
    sgx2: false,
    description: "the merged reclaimer (1728ab54): ksgxd, per-section free lists, release without cond_resched",
    overrides: v5_11
  });
  registerVariant({
    name: "v5.15",
    sgx2: false,
    description: "NUMA allocation with the plain sgx_nr_free_pages updated under node locks (B1), release without cond_resched (B2)",
    overrides: {
      ...v5_11,
      __sgx_alloc_epc_page: mainline2.__sgx_alloc_epc_page,
      __sgx_alloc_epc_page_from_node: __sgx_alloc_epc_page_from_node_v5_13,
      sgx_free_epc_page: sgx_free_epc_page_v5_13
    }
  });
  const releaseEveryPage = { sgx_encl_release: encl_release_history(true) };
  const v5_17 = {
    ...pre_v5_19_reclaim,
    ...releaseEveryPage,
    __sgx_encl_eldu: eldu_history({ freeBacking: true, dirty: false, reclaimerCheck: false }),
    sgx_encl_get_mem_cgroup: sgx_encl_get_mem_cgroup_v5_17,
    sgx_vma_fault: sgx_vma_fault_pre_v6_0
  };
  registerVariant({
    name: "v5.17",
    sgx2: false,
    description: 'after "Free backing memory after faulting the enclave page", before the PCMD fixes (B4, B5, B6; B8)',
    overrides: v5_17
  });
  const v5_19 = { ...releaseEveryPage, sgx_vma_fault: sgx_vma_fault_pre_v6_0 };
  registerVariant({
    name: "v5.19",
    sgx2: false,
    description: "after the 2022 PCMD fixes and the memcg fix, before SGX2",
    overrides: v5_19
  });
  registerVariant({
    name: "v5.19-B4",
    sgx2: false,
    description: 'v5.19 without "Mark PCMD page as dirty when modifying contents" (B4)',
    overrides: {
      ...v5_19,
      __sgx_encl_eldu: eldu_history({ freeBacking: true, dirty: false, reclaimerCheck: true })
    }
  });
  registerVariant({
    name: "v5.19-B5",
    sgx2: false,
    description: 'v5.19 without "Obtain backing storage page with enclave mutex held" (B5)',
    // Both halves of the fix reverted (get under encl->lock, put in sgx_reclaimer_write); pages
    // are dirtied by __sgx_encl_ewb since v5.19, so the late put does not dirty them.
    overrides: {
      ...v5_19,
      sgx_reclaim_pages: (m) => flawedReclaim(m, { backingOutsideLock: true, putAfterWrite: { dirty: false } }),
      sgx_reclaimer_write: sgx_reclaimer_write_pre_v5_19
    }
  });
  registerVariant({
    name: "v5.19-B6",
    sgx2: false,
    description: 'v5.19 without "Fix race between reclaimer and page fault handler" (B6)',
    overrides: {
      ...v5_19,
      __sgx_encl_eldu: eldu_history({ freeBacking: true, dirty: true, reclaimerCheck: false })
    }
  });
  registerVariant({
    name: "v6.0-rc1",
    description: "SGX2 merged (EAUG, page-modification ioctls, direct reclaim); EAUG without SECS reload (B10) and SIGBUS on a busy VA page (B9)",
    overrides: {
      ...releaseEveryPage,
      sgx_encl_eaug_page: eaug_page({ loadSecs: false, vaBusyNopage: false, lockedRecheck: false })
    }
  });
  const v6_0 = {
    ...releaseEveryPage,
    sgx_encl_eaug_page: eaug_page({ loadSecs: false, vaBusyNopage: true, lockedRecheck: false })
  };
  registerVariant({
    name: "v6.0",
    description: "SGX2 as released: EAUG returns NOPAGE when no VA page is free (B9 fixed); no SECS reload before EAUG (B10)",
    overrides: v6_0
  });
  registerVariant({
    name: "v6.0-B12",
    description: 'v6.0 without "Free up EPC pages directly to support large page ranges" (B12)',
    overrides: { ...v6_0, sgx_reclaim_direct: no_reclaim_direct }
  });
  registerVariant({
    name: "v6.1",
    description: "the last release whose enclave release reschedules after every page; still no SECS reload before EAUG (B10)",
    overrides: v6_0
  });
  registerVariant({
    name: "v6.6",
    description: "SECS reload before EAUG (B10 fixed); the reclaimer as in mainline",
    overrides: {}
  });
  registerVariant({
    name: "kuvaiskii-v6",
    description: 'mainline with "Fix two data races in EAUG/EREMOVE flows" v6 (2024, not merged): B11a, B11b, B11c fixed',
    overrides: {
      sgx_encl_eaug_page: eaug_page({ loadSecs: true, vaBusyNopage: true, lockedRecheck: true }),
      __sgx_encl_load_page: __sgx_encl_load_page_b11,
      sgx_encl_remove_pages: sgx_encl_remove_pages_b11,
      sgx_enclave_modify_types: sgx_enclave_modify_types_b11
    }
  });
}

// src/model/kernel/variants/cgroup.ts
var v16 = (m) => m.fn;
function sgx_epc_page_lru(m, epc_page) {
  const cg = sgx_epc_page_cgroup(m, epc_page);
  if (!cg)
    return m.bug(
      `kernel NULL pointer dereference in sgx_epc_page_lru(): EPC page ${epc_page} has no sgx_cg (uncharged by sgx_free_epc_page, not yet free)`
    );
  return cg.lru;
}
function* sgx_can_reclaim_global(m) {
  return !(yield* m.fn.sgx_cgroup_lru_empty(m, misc_cg_root(m)));
}
function* sgx_reclaim_pages4(m, lru = sgx_global_lru(m), charge_mm = null) {
  const nr = m.c.SGX_NR_TO_SCAN;
  const chunk = new StackArray(m, "sgx_reclaim_pages", "chunk[SGX_NR_TO_SCAN]", nr);
  const backing = new StackArray(m, "sgx_reclaim_pages", "backing[SGX_NR_TO_SCAN]", nr);
  const P = m.pages;
  yield spin_lock(lru.lock);
  for (let i = 0; i < nr; i++) {
    if (list_empty(P, lru.reclaimable)) break;
    const epc_page = list_first_entry(P, lru.reclaimable);
    list_del_init(m, P, epc_page);
    yield* m.work("lru_op", 1);
    const encl_page = P.owner.get(epc_page);
    if (yield* kref_get_unless_zero(m, m.enclOf(encl_page).refcount)) {
      chunk.push(epc_page);
      backing.push(null);
    } else {
      P.flags.set(epc_page, P.flags.get(epc_page) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED);
    }
  }
  yield spin_unlock(lru.lock);
  const cnt = chunk.length;
  yield* m.mark("lru_reclaim", lru.cg);
  yield* m.mark("reclaim_isolated", cnt);
  for (let i = 0; i < cnt; i++) {
    const epc_page = chunk.at(i);
    const encl_page = P.owner.get(epc_page);
    const encl = m.enclOf(encl_page);
    let skip2 = !(yield* m.fn.sgx_reclaimer_age(m, epc_page));
    if (!skip2) {
      const page_index = m.encl_pages.index.a[encl_page];
      yield mutex_lock(encl.lock);
      const b = yield* v16(m).sgx_encl_alloc_backing(m, encl, page_index, charge_mm);
      if (!b) {
        yield mutex_unlock(encl.lock);
        skip2 = true;
      } else {
        backing.set(i, b);
        m.encl_pages.setDesc(encl_page, m.encl_pages.desc.a[encl_page] | SGX_ENCL_PAGE_BEING_RECLAIMED);
        yield mutex_unlock(encl.lock);
        continue;
      }
    }
    yield spin_lock(lru.lock);
    list_add_tail(P, epc_page, lru.reclaimable);
    yield* m.work("lru_op", 1);
    yield spin_unlock(lru.lock);
    yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
    chunk.set(i, -1);
  }
  for (let i = 0; i < cnt; i++) {
    const epc_page = chunk.at(i);
    if (epc_page >= 0) yield* m.fn.sgx_reclaimer_block(m, epc_page);
  }
  for (let i = 0; i < cnt; i++) {
    const epc_page = chunk.at(i);
    if (epc_page < 0) continue;
    const encl = m.enclOf(P.owner.get(epc_page));
    yield* v16(m).sgx_reclaimer_write(m, epc_page, backing.at(i), charge_mm);
    yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
    if (m.interleaveAll) yield m.epcFlagsWrite(epc_page);
    P.flags.set(epc_page, P.flags.get(epc_page) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED);
    yield* m.fn.sgx_free_epc_page(m, epc_page);
  }
  return cnt;
}
function* sgx_reclaimer_write2(m, epc_page, backing, charge_mm = null) {
  const encl_page = m.pages.owner.get(epc_page);
  const encl = m.enclOf(encl_page);
  const E = m.encl_pages;
  yield mutex_lock(encl.lock);
  yield* m.fn.sgx_encl_ewb(m, epc_page, backing);
  E.epc_page.a[encl_page] = -1;
  encl.secs_child_cnt--;
  m.fn.sgx_encl_put_backing(m, backing);
  if (!encl.secs_child_cnt && (yield* test_bit(m, SGX_ENCL_INITIALIZED, encl.flags))) {
    const secs_backing = yield* v16(m).sgx_encl_alloc_backing(m, encl, secsIndex(encl), charge_mm);
    if (secs_backing) {
      const secs_epc = E.epc_page.a[encl.secs];
      yield* m.fn.sgx_encl_ewb(m, secs_epc, secs_backing);
      yield* m.fn.sgx_encl_free_epc_page(m, secs_epc);
      E.epc_page.a[encl.secs] = -1;
      m.fn.sgx_encl_put_backing(m, secs_backing);
    }
  }
  yield mutex_unlock(encl.lock);
}
function* sgx_should_reclaim_global(m, watermark) {
  const free = yield* atomic_long_read(m, m.sgx.sgx_nr_free_pages);
  return free < watermark && (yield* sgx_can_reclaim_global(m));
}
function* sgx_reclaim_pages_global(m, charge_mm) {
  yield* m.fn.sgx_cgroup_reclaim_pages_global(m, charge_mm);
}
function* sgx_reclaim_direct2(m) {
  yield* m.fn.sgx_cgroup_reclaim_direct(m);
  if (yield* m.fn.sgx_should_reclaim(m, m.c.SGX_NR_LOW_PAGES))
    yield* sgx_reclaim_pages_global(m, m.current.mm);
}
function* ksgxd2(m) {
  while (!kthread_should_stop(m)) {
    yield* wait_event(m, m.ksgxd_waitq, function* () {
      if (kthread_should_stop(m)) return true;
      return yield* m.fn.sgx_should_reclaim(m, m.c.SGX_NR_HIGH_PAGES);
    });
    if (yield* m.fn.sgx_should_reclaim(m, m.c.SGX_NR_HIGH_PAGES)) yield* sgx_reclaim_pages_global(m, null);
    yield* cond_resched(m);
  }
}
function* sgx_mark_page_reclaimable3(m, page) {
  const lru = sgx_epc_page_lru(m, page);
  yield spin_lock(lru.lock);
  m.pages.flags.set(page, m.pages.flags.get(page) | SGX_EPC_PAGE_RECLAIMER_TRACKED);
  list_add_tail(m.pages, page, lru.reclaimable);
  yield* m.work("lru_op", 1);
  yield spin_unlock(lru.lock);
}
function* sgx_unmark_page_reclaimable2(m, page) {
  const P = m.pages;
  const lru = sgx_epc_page_lru(m, page);
  yield spin_lock(lru.lock);
  if (P.flags.get(page) & SGX_EPC_PAGE_RECLAIMER_TRACKED) {
    if (list_empty_entry(P, page)) {
      yield spin_unlock(lru.lock);
      return -EBUSY;
    }
    list_del(m, P, page);
    P.flags.set(page, P.flags.get(page) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED);
    yield* m.work("lru_op", 1);
  }
  yield spin_unlock(lru.lock);
  return 0;
}
function* sgx_alloc_epc_page3(m, owner, reclaim) {
  const sgx_cg = m.fn.sgx_get_current_cg(m);
  const ret = yield* m.fn.sgx_cgroup_try_charge(m, sgx_cg, reclaim);
  if (ret) {
    yield* m.fn.sgx_put_cg(m, sgx_cg);
    yield* allocMark(m, ret, owner);
    return ret;
  }
  let page;
  for (; ; ) {
    page = yield* m.fn.__sgx_alloc_epc_page(m);
    if (!IS_ERR(page)) {
      m.pages.owner.set(page, owner);
      break;
    }
    if (!(yield* sgx_can_reclaim_global(m))) {
      page = -ENOMEM;
      break;
    }
    if (!reclaim) {
      page = -EBUSY;
      break;
    }
    if (signal_pending(m)) {
      page = -ERESTARTSYS;
      break;
    }
    yield* sgx_reclaim_pages_global(m, m.current.mm);
    yield* cond_resched(m);
  }
  if (!IS_ERR(page)) {
    m.pages.sgx_cg.set(page, sgx_cg.cg.id);
  } else {
    yield* m.fn.sgx_cgroup_uncharge(m, sgx_cg);
    yield* m.fn.sgx_put_cg(m, sgx_cg);
    yield* allocMark(m, page, owner);
  }
  if (yield* m.fn.sgx_should_reclaim(m, m.c.SGX_NR_LOW_PAGES)) yield* wake_up(m, m.ksgxd_waitq);
  return page;
}
function* allocMark(m, err, owner) {
  if (err === -EBUSY) yield* m.mark("alloc_ebusy", owner);
  else if (err === -ENOMEM) yield* m.mark("alloc_enomem", owner);
}
function* sgx_free_epc_page3(m, page) {
  const P = m.pages;
  const sgx_cg = sgx_epc_page_cgroup(m, page);
  if (sgx_cg) {
    yield* m.fn.sgx_cgroup_uncharge(m, sgx_cg);
    yield* m.fn.sgx_put_cg(m, sgx_cg);
    P.sgx_cg.set(page, -1);
  }
  const node = m.nodeOf(page);
  yield spin_lock(node.lock);
  P.owner.set(page, OWNER_NULL);
  if (P.poison.get(page)) list_add(P, page, node.sgx_poison_page_list);
  else list_add_tail(P, page, node.free_page_list);
  P.flags.set(page, SGX_EPC_PAGE_IS_FREE);
  yield* m.work("freelist_op", 1);
  yield spin_unlock(node.lock);
  yield* atomic_long_inc(m, m.sgx.sgx_nr_free_pages);
}
function* sgx_encl_get_mem_cgroup2(m, encl, charge_mm = null) {
  if (charge_mm) return charge_mm.memcg;
  let memcg = null;
  const idx = yield* srcu_read_lock(m, encl.srcu);
  for (const encl_mm of encl.mm_list.slice()) {
    if (!(yield* mmget_not_zero(m, encl_mm.mm))) continue;
    memcg = encl_mm.mm.memcg;
    yield* mmput_async(m, encl_mm.mm);
    break;
  }
  yield* srcu_read_unlock(m, encl.srcu, idx);
  return memcg;
}
function* sgx_encl_alloc_backing2(m, encl, page_index, charge_mm = null) {
  const encl_memcg = yield* v16(m).sgx_encl_get_mem_cgroup(m, encl, charge_mm);
  const memcg = m.current.active_memcg;
  m.current.active_memcg = encl_memcg;
  const b = yield* m.fn.__sgx_encl_get_backing(m, encl, page_index);
  m.current.active_memcg = memcg;
  return b;
}
var cgroupV16 = {
  ...epc_cgroup_api,
  sgx_reclaim_pages: sgx_reclaim_pages4,
  sgx_reclaimer_write: sgx_reclaimer_write2,
  // The series renames sgx_should_reclaim to sgx_should_reclaim_global (same arguments).
  sgx_should_reclaim: sgx_should_reclaim_global,
  sgx_reclaim_direct: sgx_reclaim_direct2,
  ksgxd: ksgxd2,
  sgx_mark_page_reclaimable: sgx_mark_page_reclaimable3,
  sgx_unmark_page_reclaimable: sgx_unmark_page_reclaimable2,
  sgx_alloc_epc_page: sgx_alloc_epc_page3,
  sgx_free_epc_page: sgx_free_epc_page3,
  sgx_encl_get_mem_cgroup: sgx_encl_get_mem_cgroup2,
  sgx_encl_alloc_backing: sgx_encl_alloc_backing2
};
registerVariant({
  name: "cgroup-v16",
  description: "mainline with the EPC cgroup series v16 (unmerged): misc controller sgx_epc, per-cgroup LRUs, asynchronous per-cgroup reclaim, round-robin global reclaim",
  overrides: cgroupV16
});

// src/model/kernel/variants/cgroup_v15.ts
function* sgx_cgroup_reclaim_pages2(m, root, charge_mm, nr_to_scan) {
  let cnt = 0;
  for (const pos of descendants_pre(root.cg)) {
    cnt += yield* cgfn(m).sgx_reclaim_pages(m, sgx_cgroup_from_misc_cg(pos).lru, charge_mm);
    if (cnt >= nr_to_scan) break;
  }
}
registerVariant({
  name: "cgroup-v15",
  description: "the EPC cgroup series before v16's round-robin cursor: reclaim always starts at the subtree's root (B13: a busy parent starves its children's reclaim)",
  overrides: { ...cgroupV16, sgx_cgroup_reclaim_pages: sgx_cgroup_reclaim_pages2 }
});

// src/model/kernel/variants/cgroup_mutants.ts
function* alloc_leaks_charge(m, owner, reclaim) {
  const sgx_cg = m.fn.sgx_get_current_cg(m);
  const ret = yield* m.fn.sgx_cgroup_try_charge(m, sgx_cg, reclaim);
  if (ret) {
    yield* m.fn.sgx_put_cg(m, sgx_cg);
    yield* allocMark(m, ret, owner);
    return ret;
  }
  let page;
  for (; ; ) {
    page = yield* m.fn.__sgx_alloc_epc_page(m);
    if (!IS_ERR(page)) {
      m.pages.owner.set(page, owner);
      break;
    }
    if (!(yield* sgx_can_reclaim_global(m))) {
      page = -ENOMEM;
      break;
    }
    if (!reclaim) {
      page = -EBUSY;
      break;
    }
    if (signal_pending(m)) {
      page = -ERESTARTSYS;
      break;
    }
    yield* sgx_reclaim_pages_global(m, m.current.mm);
    yield* cond_resched(m);
  }
  if (!IS_ERR(page)) m.pages.sgx_cg.set(page, sgx_cg.cg.id);
  else yield* allocMark(m, page, owner);
  if (yield* m.fn.sgx_should_reclaim(m, m.c.SGX_NR_LOW_PAGES)) yield* wake_up(m, m.ksgxd_waitq);
  return page;
}
function* charge_own_level_only(m, cg, amount) {
  for (let i = cg; i; i = i.parent) {
    if (m.interleaveAll) yield withSite(i.res.usage.wr);
    i.res.usage.v += amount;
    const new_usage = i.res.usage.v;
    if (i === cg && (new_usage > i.res.max || new_usage > m.misc.capacity)) {
      i.res.events++;
      cg.res.events_local++;
      for (let j = cg; j; j = j.parent) {
        j.res.usage.v -= amount;
        if (j === i) break;
      }
      return -EBUSY;
    }
    if (new_usage > i.res.watermark) i.res.watermark = new_usage;
  }
  return 0;
}
function* try_charge_ignores_ancestors(m, epc_cg) {
  if (!(yield* charge_own_level_only(m, epc_cg.cg, PAGE_SIZE))) return 0;
  if (yield* m.fn.sgx_cgroup_lru_empty(m, epc_cg.cg)) return -ENOMEM;
  if (signal_pending(m)) return -ERESTARTSYS;
  return -EBUSY;
}
function* reclaim_skip_to_global(m, lru = sgx_global_lru(m), charge_mm = null) {
  const chunk = new StackArray(m, "sgx_reclaim_pages", "chunk[SGX_NR_TO_SCAN]", m.c.SGX_NR_TO_SCAN);
  const backing = new StackArray(
    m,
    "sgx_reclaim_pages",
    "backing[SGX_NR_TO_SCAN]",
    m.c.SGX_NR_TO_SCAN
  );
  const P = m.pages;
  yield spin_lock(lru.lock);
  for (let i = 0; i < m.c.SGX_NR_TO_SCAN; i++) {
    if (list_empty(P, lru.reclaimable)) break;
    const epc_page = list_first_entry(P, lru.reclaimable);
    list_del_init(m, P, epc_page);
    yield* m.work("lru_op", 1);
    if (yield* kref_get_unless_zero(m, m.enclOf(P.owner.get(epc_page)).refcount)) {
      chunk.push(epc_page);
      backing.push(null);
    } else P.flags.set(epc_page, P.flags.get(epc_page) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED);
  }
  yield spin_unlock(lru.lock);
  const cnt = chunk.length;
  yield* m.mark("lru_reclaim", lru.cg);
  yield* m.mark("reclaim_isolated", cnt);
  for (let i = 0; i < cnt; i++) {
    const epc_page = chunk.at(i);
    const encl_page = P.owner.get(epc_page);
    const encl = m.enclOf(encl_page);
    let skip2 = !(yield* m.fn.sgx_reclaimer_age(m, epc_page));
    if (!skip2) {
      yield mutex_lock(encl.lock);
      const b = yield* v16(m).sgx_encl_alloc_backing(m, encl, m.encl_pages.index.a[encl_page], charge_mm);
      if (!b) {
        yield mutex_unlock(encl.lock);
        skip2 = true;
      } else {
        backing.set(i, b);
        m.encl_pages.setDesc(encl_page, m.encl_pages.desc.a[encl_page] | SGX_ENCL_PAGE_BEING_RECLAIMED);
        yield mutex_unlock(encl.lock);
        continue;
      }
    }
    yield spin_lock(m.sgx.sgx_reclaimer_lock);
    list_add_tail(P, epc_page, m.sgx.sgx_active_page_list);
    yield* m.work("lru_op", 1);
    yield spin_unlock(m.sgx.sgx_reclaimer_lock);
    yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
    chunk.set(i, -1);
  }
  for (let i = 0; i < cnt; i++) if (chunk.at(i) >= 0) yield* m.fn.sgx_reclaimer_block(m, chunk.at(i));
  for (let i = 0; i < cnt; i++) {
    const epc_page = chunk.at(i);
    if (epc_page < 0) continue;
    const encl = m.enclOf(P.owner.get(epc_page));
    yield* v16(m).sgx_reclaimer_write(m, epc_page, backing.at(i), charge_mm);
    yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
    if (m.interleaveAll) yield m.epcFlagsWrite(epc_page);
    P.flags.set(epc_page, P.flags.get(epc_page) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED);
    yield* m.fn.sgx_free_epc_page(m, epc_page);
  }
  return cnt;
}
function* free_skips_va_uncharge(m, page) {
  const P = m.pages;
  const sgx_cg = sgx_epc_page_cgroup(m, page);
  if (sgx_cg) {
    if (P.owner.get(page) !== OWNER_NULL) yield* misc_cg_uncharge(m, sgx_cg.cg, PAGE_SIZE);
    P.sgx_cg.set(page, -1);
  }
  const node = m.nodeOf(page);
  yield spin_lock(node.lock);
  P.owner.set(page, OWNER_NULL);
  if (P.poison.get(page)) list_add(P, page, node.sgx_poison_page_list);
  else list_add_tail(P, page, node.free_page_list);
  P.flags.set(page, SGX_EPC_PAGE_IS_FREE);
  yield* m.work("freelist_op", 1);
  yield spin_unlock(node.lock);
  if (m.interleaveAll) yield withSite(m.sgx.sgx_nr_free_pages.wr);
  m.sgx.sgx_nr_free_pages.v++;
}
var CGROUP_MUTANTS = [
  {
    name: "cgroup-alloc-leaks-charge",
    guard: "the uncharge when the physical allocation fails after a successful charge",
    overrides: { sgx_alloc_epc_page: alloc_leaks_charge }
  },
  {
    name: "cgroup-charge-ignores-ancestors",
    guard: "the ancestors' misc.max in the hierarchical charge",
    overrides: { __sgx_cgroup_try_charge: try_charge_ignores_ancestors }
  },
  {
    name: "cgroup-reclaim-skip-to-global",
    guard: "putting a skipped (young) page back on the LRU it came from",
    overrides: { sgx_reclaim_pages: reclaim_skip_to_global }
  },
  {
    name: "cgroup-free-skips-va-uncharge",
    guard: "the uncharge of pages without an owner (VA pages) in sgx_free_epc_page",
    overrides: { sgx_free_epc_page: free_skips_va_uncharge }
  }
];
for (const mu of CGROUP_MUTANTS) {
  registerVariant({
    name: `mutant/${mu.name}`,
    description: `cgroup-v16 without ${mu.guard}`,
    overrides: { ...cgroupV16, ...mu.overrides },
    mutant: true
  });
}

// src/model/kernel/variants/cgroup_oom.ts
var SGX_ENCL_NO_MEMORY = 4;
var SGX_EPC_PAGE_UNRECLAIMABLE = 1 << 4;
var SGX_EPC_RECLAIM_MIN_PAGES = 16;
var SGX_NR_TO_SCAN_MAX = 32;
var SGX_EPC_RECLAIM_IGNORE_AGE_THRESHOLD = 5;
var SGX_EPC_RECLAIM_OOM_THRESHOLD = 5;
var sgx_epc_cgroup = class extends sgx_cgroup {
  unreclaimable;
  constructor(m, cg) {
    super(m, cg);
    this.unreclaimable = m.pages.newHead(m.newId(), `sgx_epc_cgroup(${cg.name || "/"})->lru.unreclaimable`);
  }
};
var epcCg = (cg) => sgx_cgroup_from_misc_cg(cg);
function sgx_epc_page_encl(m, page) {
  const owner = m.pages.owner.get(page);
  if (owner >= 0) return m.enclaves[m.encl_pages.encl.a[owner]] ?? null;
  if (owner === OWNER_NULL) {
    for (const e of m.enclaves) if (e.va_pages.some((v3) => v3.epc_page === page)) return e;
  }
  return null;
}
function* sgx_epc_cgroup_lru_empty(m, root) {
  let ret = true;
  for (const pos of descendants_pre(root)) {
    const lru = epcCg(pos).lru;
    yield spin_lock(lru.lock);
    ret = list_empty(m.pages, lru.reclaimable);
    yield spin_unlock(lru.lock);
    if (!ret) break;
  }
  return ret;
}
function* sgx_isolate_epc_pages(m, epc_cg, nr, dst) {
  const P = m.pages;
  const lru = epc_cg.lru;
  yield spin_lock(lru.lock);
  while (nr > 0 && !list_empty(P, lru.reclaimable)) {
    const epc_page = list_first_entry(P, lru.reclaimable);
    list_del_init(m, P, epc_page);
    yield* m.work("lru_op", 1);
    if (yield* kref_get_unless_zero(m, m.enclOf(P.owner.get(epc_page)).refcount)) {
      dst.push(epc_page);
      nr--;
    } else {
      P.flags.set(epc_page, P.flags.get(epc_page) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED);
    }
  }
  yield spin_unlock(lru.lock);
  yield* m.mark("lru_reclaim", epc_cg.cg.id);
  return nr;
}
function* sgx_reclaim_epc_pages(m, nr_to_scan, ignore_age, epc_cg) {
  const P = m.pages;
  const chunk = [];
  const root = epc_cg ? epc_cg.cg : misc_cg_root(m);
  let nr = nr_to_scan;
  for (const pos of descendants_pre(root)) {
    nr = yield* sgx_isolate_epc_pages(m, epcCg(pos), nr, chunk);
    if (!nr) break;
  }
  const cnt = chunk.length;
  yield* m.mark("reclaim_isolated", cnt);
  const backing = chunk.map(() => null);
  for (let i = 0; i < cnt; i++) {
    const epc_page = chunk[i];
    const encl_page = P.owner.get(epc_page);
    const encl = m.enclOf(encl_page);
    let skip2 = !ignore_age && !(yield* m.fn.sgx_reclaimer_age(m, epc_page));
    if (!skip2) {
      yield mutex_lock(encl.lock);
      const b = yield* m.fn.sgx_encl_alloc_backing(m, encl, m.encl_pages.index.a[encl_page]);
      if (!b) {
        yield mutex_unlock(encl.lock);
        skip2 = true;
      } else {
        backing[i] = b;
        m.encl_pages.setDesc(encl_page, m.encl_pages.desc.a[encl_page] | SGX_ENCL_PAGE_BEING_RECLAIMED);
        yield mutex_unlock(encl.lock);
        continue;
      }
    }
    const lru = sgx_epc_page_cgroup(m, epc_page).lru;
    yield spin_lock(lru.lock);
    list_add_tail(P, epc_page, lru.reclaimable);
    yield* m.work("lru_op", 1);
    yield spin_unlock(lru.lock);
    yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
    chunk[i] = -1;
  }
  for (const epc_page of chunk) if (epc_page >= 0) yield* m.fn.sgx_reclaimer_block(m, epc_page);
  let reclaimed = 0;
  for (let i = 0; i < cnt; i++) {
    const epc_page = chunk[i];
    if (epc_page < 0) continue;
    const encl = m.enclOf(P.owner.get(epc_page));
    yield* m.fn.sgx_reclaimer_write(m, epc_page, backing[i]);
    yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
    if (m.interleaveAll) yield m.epcFlagsWrite(epc_page);
    P.flags.set(epc_page, P.flags.get(epc_page) & ~SGX_EPC_PAGE_RECLAIMER_TRACKED);
    yield* m.fn.sgx_free_epc_page(m, epc_page);
    reclaimed++;
  }
  return reclaimed;
}
function* sgx_epc_cgroup_reclaim_pages(m, nr_pages, rc) {
  const nr = Math.min(Math.max(nr_pages, SGX_EPC_RECLAIM_MIN_PAGES), SGX_NR_TO_SCAN_MAX);
  return yield* sgx_reclaim_epc_pages(m, nr, rc.ignore_age, rc.epc_cg);
}
function* sgx_epc_cgroup_reclaim_failed(m, rc) {
  if (yield* sgx_epc_cgroup_lru_empty(m, rc.epc_cg.cg)) return -ENOMEM;
  if (++rc.nr_fails > SGX_EPC_RECLAIM_IGNORE_AGE_THRESHOLD) rc.ignore_age = true;
  return 0;
}
function* page_counter_read(m, cg) {
  if (m.interleaveAll) yield withSite(cg.res.usage.rd);
  return Math.floor(cg.res.usage.v / PAGE_SIZE);
}
function* max_pages_to_root(m, cg) {
  let max = Number.POSITIVE_INFINITY;
  for (let i = cg; i; i = i.parent) {
    if (m.interleaveAll) yield m.sharedRead(i.res.usage, -1, "READ_ONCE(misc max)");
    max = Math.min(max, i.res.max);
  }
  return Math.floor(max / PAGE_SIZE);
}
function* sgx_epc_cgroup_reclaim_work_func(m, work) {
  const epc_cg = work.owner;
  const rc = { epc_cg, nr_fails: 0, ignore_age: false };
  for (; ; ) {
    let max = yield* max_pages_to_root(m, epc_cg.cg);
    if (max) max--;
    if (max > SGX_NR_TO_SCAN_MAX) max -= SGX_EPC_RECLAIM_MIN_PAGES / 2;
    max = Math.min(max, m.pages.nr_pages);
    const cur = yield* page_counter_read(m, epc_cg.cg);
    if (cur <= max) break;
    if (yield* sgx_epc_cgroup_lru_empty(m, epc_cg.cg)) {
      if (!(yield* sgx_epc_cgroup_oom(m, epc_cg))) break;
      continue;
    }
    if (!(yield* sgx_epc_cgroup_reclaim_pages(m, cur - max, rc))) {
      if (yield* sgx_epc_cgroup_reclaim_failed(m, rc)) break;
    }
    yield* cond_resched(m);
  }
}
function* __sgx_epc_cgroup_try_charge(m, epc_cg, reclaim) {
  const rc = { epc_cg, nr_fails: 0, ignore_age: false };
  let nr_empty = 0;
  for (; ; ) {
    if (!(yield* misc_cg_try_charge(m, epc_cg.cg, PAGE_SIZE))) break;
    yield* m.mark("misc_charge_failed", epc_cg.cg.id);
    if (yield* sgx_epc_cgroup_lru_empty(m, epc_cg.cg)) return -ENOMEM;
    if (signal_pending(m)) return -ERESTARTSYS;
    if (!reclaim) {
      yield* queue_work(m, sgxcg(m).sgx_cg_wq, epc_cg.reclaim_work);
      return -EBUSY;
    }
    if (!(yield* sgx_epc_cgroup_reclaim_pages(m, 1, rc))) {
      if (yield* sgx_epc_cgroup_reclaim_failed(m, rc)) {
        if (++nr_empty > SGX_EPC_RECLAIM_OOM_THRESHOLD) return -ENOMEM;
        yield* cond_resched(m);
      }
    }
  }
  return 0;
}
function* sgx_epc_cgroup_try_charge(m, sgx_cg, reclaim) {
  return yield* __sgx_epc_cgroup_try_charge(m, sgx_cg, reclaim);
}
function* sgx_epc_cgroup_uncharge(m, sgx_cg) {
  yield* misc_cg_uncharge(m, sgx_cg.cg, PAGE_SIZE);
}
function* sgx_epc_cgroup_oom(m, root) {
  for (const pos of descendants_pre(root.cg)) if (yield* sgx_epc_oom(m, epcCg(pos))) return true;
  return false;
}
function* sgx_epc_oom(m, epc_cg) {
  const P = m.pages;
  let victim = null;
  yield spin_lock(epc_cg.lru.lock);
  while (!list_empty(P, epc_cg.unreclaimable)) {
    const page = list_first_entry(P, epc_cg.unreclaimable);
    list_del_init(m, P, page);
    const encl = sgx_epc_page_encl(m, page);
    if (encl && !encl.freed && (yield* kref_get_unless_zero(m, encl.refcount))) {
      victim = encl;
      break;
    }
  }
  yield spin_unlock(epc_cg.lru.lock);
  if (!victim) return false;
  yield* m.mark("epc_oom", epc_cg.cg.id);
  return yield* sgx_oom_encl(m, victim);
}
function* sgx_oom_encl(m, encl) {
  let ret = false;
  if (yield* test_bit(m, SGX_ENCL_CREATED, encl.flags)) {
    ret = true;
    if (!(yield* test_bit(m, SGX_ENCL_NO_MEMORY, encl.flags))) {
      yield* set_bit(m, SGX_ENCL_NO_MEMORY, encl.flags);
      let version;
      do {
        if (m.interleaveAll) yield m.sharedRead(encl.mm_list_version_loc, -1, "mm_list_version");
        version = encl.mm_list_version;
        const idx = yield* srcu_read_lock(m, encl.srcu);
        for (const encl_mm of encl.mm_list.slice()) {
          if (!(yield* mmget_not_zero(m, encl_mm.mm))) continue;
          yield mmap_read_lock(encl_mm.mm);
          const vma = find_vma(encl_mm.mm, encl.base);
          if (vma && vma.vm_private_data === encl) yield* sgx_epc_oom_zap(m, vma);
          yield mmap_read_unlock(encl_mm.mm);
          yield* mmput_async(m, encl_mm.mm);
        }
        yield* srcu_read_unlock(m, encl.srcu, idx);
      } while (encl.mm_list_version !== version);
      yield* sgx_encl_mm_drain(m, encl);
    }
  }
  yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
  return ret;
}
function* sgx_epc_oom_zap(m, vma) {
  const present = [];
  vma.pte.forEachSet((i) => {
    present.push(i);
  });
  for (const i of present) yield* zap_vma_ptes(m, vma, vma.vm_start + i * PAGE_SIZE);
}
function* sgx_encl_mm_drain(m, encl) {
  for (; ; ) {
    yield spin_lock(encl.mm_lock);
    const encl_mm = encl.mm_list.length ? encl.mm_list.shift() : null;
    yield spin_unlock(encl.mm_lock);
    if (!encl_mm) break;
    yield* synchronize_srcu(m, encl.srcu);
    yield* mmu_notifier_unregister(m, encl_mm.notifier, encl_mm.mm);
    m.kfreeObj(encl_mm, "struct sgx_encl_mm");
    yield* kref_put(m, encl.refcount, () => m.fn.sgx_encl_release(m, encl));
  }
}
function* sgx_epc_cgroup_max_write(m, cg) {
  yield* queue_work(m, sgxcg(m).sgx_cg_wq, epcCg(cg).reclaim_work);
}
function sgx_epc_cgroup_alloc(m, cg) {
  cg.res.priv = new sgx_epc_cgroup(m, cg);
  return 0;
}
function sgx_epc_cgroup_init(m) {
  sgx_epc_cgroup_alloc(m, misc_cg_root(m));
  sgxcg(m).sgx_cg_root = epcCg(misc_cg_root(m));
  misc_cg_set_ops(m, {
    alloc: sgx_epc_cgroup_alloc,
    free: (mm, cg) => mm.fn.sgx_cgroup_free(mm, cg),
    max_write: sgx_epc_cgroup_max_write
  });
  let capacity = 0;
  for (const nid of m.sgx.sgx_numa_mask) capacity += m.sgx.sgx_numa_nodes[nid].size;
  misc_cg_set_capacity(m, capacity * PAGE_SIZE);
}
function* sgx_record_unreclaimable(m, page) {
  const owner = m.pages.owner.get(page);
  const isSecs = owner >= 0 && m.enclaves[m.encl_pages.encl.a[owner]]?.secs === owner;
  if (owner >= 0 && !isSecs) return;
  const epc_cg = sgx_epc_page_cgroup(m, page);
  yield spin_lock(epc_cg.lru.lock);
  m.pages.flags.set(page, m.pages.flags.get(page) | SGX_EPC_PAGE_UNRECLAIMABLE);
  list_add_tail(m.pages, page, epc_cg.unreclaimable);
  yield* m.work("lru_op", 1);
  yield spin_unlock(epc_cg.lru.lock);
}
function* sgx_alloc_epc_page4(m, owner, reclaim) {
  const epc_cg = m.fn.sgx_get_current_cg(m);
  const ret = yield* m.fn.sgx_cgroup_try_charge(m, epc_cg, reclaim);
  if (ret) {
    yield* m.fn.sgx_put_cg(m, epc_cg);
    yield* allocMark(m, ret, owner);
    return ret;
  }
  let page;
  for (; ; ) {
    page = yield* m.fn.__sgx_alloc_epc_page(m);
    if (!IS_ERR(page)) {
      m.pages.owner.set(page, owner);
      break;
    }
    if (yield* sgx_epc_cgroup_lru_empty(m, misc_cg_root(m))) {
      page = -ENOMEM;
      break;
    }
    if (!reclaim) {
      page = -EBUSY;
      break;
    }
    if (signal_pending(m)) {
      page = -ERESTARTSYS;
      break;
    }
    yield* sgx_reclaim_epc_pages(m, m.c.SGX_NR_TO_SCAN, false, null);
    yield* cond_resched(m);
  }
  if (!IS_ERR(page)) {
    m.pages.sgx_cg.set(page, epc_cg.cg.id);
    yield* sgx_record_unreclaimable(m, page);
  } else {
    yield* m.fn.sgx_cgroup_uncharge(m, epc_cg);
    yield* m.fn.sgx_put_cg(m, epc_cg);
    yield* allocMark(m, page, owner);
  }
  if (yield* m.fn.sgx_should_reclaim(m, m.c.SGX_NR_LOW_PAGES)) yield* wake_up(m, m.ksgxd_waitq);
  return page;
}
function* sgx_free_epc_page4(m, page) {
  const P = m.pages;
  if (P.flags.get(page) & SGX_EPC_PAGE_UNRECLAIMABLE) {
    const epc_cg = sgx_epc_page_cgroup(m, page);
    yield spin_lock(epc_cg.lru.lock);
    if (!list_empty_entry(P, page)) {
      list_del(m, P, page);
      yield* m.work("lru_op", 1);
    }
    P.flags.set(page, P.flags.get(page) & ~SGX_EPC_PAGE_UNRECLAIMABLE);
    yield spin_unlock(epc_cg.lru.lock);
  }
  yield* cgroupV16.sgx_free_epc_page(m, page);
}
function* sgx_reclaim_pages_early(m) {
  return yield* sgx_reclaim_epc_pages(m, m.c.SGX_NR_TO_SCAN, false, null);
}
function* sgx_should_reclaim2(m, watermark) {
  if (m.interleaveAll) yield withSite(m.sgx.sgx_nr_free_pages.rd);
  if (!(m.sgx.sgx_nr_free_pages.v < watermark)) return false;
  return !(yield* sgx_epc_cgroup_lru_empty(m, misc_cg_root(m)));
}
function* sgx_reclaim_direct3(m) {
  if (yield* m.fn.sgx_should_reclaim(m, m.c.SGX_NR_LOW_PAGES)) yield* m.fn.sgx_reclaim_pages(m);
}
function* ksgxd3(m) {
  while (!kthread_should_stop(m)) {
    yield* wait_event(m, m.ksgxd_waitq, function* () {
      if (kthread_should_stop(m)) return true;
      return yield* m.fn.sgx_should_reclaim(m, m.c.SGX_NR_HIGH_PAGES);
    });
    if (yield* m.fn.sgx_should_reclaim(m, m.c.SGX_NR_HIGH_PAGES)) yield* m.fn.sgx_reclaim_pages(m);
    yield* cond_resched(m);
  }
}
function* sgx_vma_fault3(m, vma, addr) {
  const encl = vma.vm_private_data;
  if (encl && (yield* test_bit(m, SGX_ENCL_NO_MEMORY, encl.flags))) return VM_FAULT_SIGBUS;
  return yield* mainline.sgx_vma_fault(m, vma, addr);
}
function* sgx_encl_mm_add2(m, encl, mm) {
  if (yield* test_bit(m, SGX_ENCL_NO_MEMORY, encl.flags)) return -ENOMEM;
  return yield* mainline.sgx_encl_mm_add(m, encl, mm);
}
function* sgx_ioctl2(m, encl, cmd) {
  if (cmd.cmd !== "SGX_IOC_ENCLAVE_CREATE" && (yield* test_bit(m, SGX_ENCL_NO_MEMORY, encl.flags)))
    return -ENOMEM;
  return yield* mainline.sgx_ioctl(m, encl, cmd);
}
registerVariant({
  name: "cgroup-v2-oom",
  description: "the early EPC cgroup design (v2-v5, 2022-23): reclaimable/unreclaimable lists, reclaim on lowering misc.max, EPC OOM killer, ignore-age after 5 failures",
  overrides: {
    ...cgroupV16,
    ...epc_cgroup_api,
    sgx_cgroup_init: sgx_epc_cgroup_init,
    sgx_cgroup_alloc: sgx_epc_cgroup_alloc,
    sgx_cgroup_reclaim_work_func: sgx_epc_cgroup_reclaim_work_func,
    sgx_cgroup_try_charge: sgx_epc_cgroup_try_charge,
    sgx_cgroup_uncharge: sgx_epc_cgroup_uncharge,
    sgx_cgroup_lru_empty: sgx_epc_cgroup_lru_empty,
    sgx_alloc_epc_page: sgx_alloc_epc_page4,
    sgx_free_epc_page: sgx_free_epc_page4,
    // Before "Charge mem_cgroup for per-cgroup reclamation" (v10): mainline's memcg choice, which
    // charges a cgroup worker's backing allocations to the root memcg.
    sgx_reclaimer_write: mainline.sgx_reclaimer_write,
    sgx_encl_alloc_backing: mainline.sgx_encl_alloc_backing,
    sgx_encl_get_mem_cgroup: mainline.sgx_encl_get_mem_cgroup,
    sgx_reclaim_pages: sgx_reclaim_pages_early,
    sgx_should_reclaim: sgx_should_reclaim2,
    sgx_reclaim_direct: sgx_reclaim_direct3,
    ksgxd: ksgxd3,
    sgx_vma_fault: sgx_vma_fault3,
    sgx_encl_mm_add: sgx_encl_mm_add2,
    sgx_ioctl: sgx_ioctl2
  }
});

// src/model/kernel/variants/index.ts
registerVariant({
  name: "mainline",
  description: "Linux ~v6.16/v6.17 as in the reference: global LRU, one ksgxd, 2022 PCMD fixes, SECS reload",
  overrides: {}
});
registerHistory(mainline);

// src/sim/costs.ts
var clientEncls = {
  ECREATE: 1e3,
  EADD: 2e3,
  EEXTEND: 300,
  EINIT: 15e3,
  EPA: 700,
  EBLOCK: 300,
  ETRACK: 300,
  EWB: 4e3,
  ELDU: 3500,
  EREMOVE: 500,
  EAUG: 1e3,
  EMODPR: 500,
  EMODT: 500,
  // ENCLU[EACCEPT]: no published figure; priced like the other SGX2 EPCM updates (model guess).
  EACCEPT: 500
};
var CLIENT = {
  name: "client-93.5MiB",
  description: "SGX1 client/E3 part, ~3.4 GHz, 128 MB PRM with 93.5 MiB usable EPC (costs.md platform A)",
  epc_pages: 23936,
  encls: clientEncls,
  aex_eresume: 2500,
  eenter: 3e3,
  eexit: 3e3,
  syscall: 1e3,
  fault_entry: 2e3,
  ipi_base: 1500,
  ipi_per_cpu: 200,
  test_young: 500,
  zap_pte: 300,
  shmem_lookup: 250,
  shmem_alloc: 600,
  shmem_truncate: 200,
  lru_op: 50,
  freelist_op: 50,
  // A cached xarray step plus a compare: a model guess (costs.md has no figure).
  xa_walk: 10,
  lock_handoff: 100,
  wakeup: 1e3,
  context_switch: 1e3,
  touch: 100,
  tick: 4e6,
  timeslice: 3e6
};
function scaled(p, f) {
  const s = (x) => Math.round(x * f);
  const encls = Object.fromEntries(Object.entries(p.encls).map(([k, v3]) => [k, s(v3)]));
  return {
    encls,
    aex_eresume: s(p.aex_eresume),
    eenter: s(p.eenter),
    eexit: s(p.eexit),
    syscall: s(p.syscall),
    fault_entry: s(p.fault_entry),
    ipi_base: p.ipi_base,
    ipi_per_cpu: p.ipi_per_cpu,
    test_young: s(p.test_young),
    zap_pte: s(p.zap_pte),
    shmem_lookup: s(p.shmem_lookup),
    shmem_alloc: s(p.shmem_alloc),
    shmem_truncate: s(p.shmem_truncate),
    lru_op: s(p.lru_op),
    freelist_op: s(p.freelist_op),
    xa_walk: s(p.xa_walk),
    lock_handoff: p.lock_handoff,
    wakeup: p.wakeup,
    context_switch: p.context_switch,
    touch: s(p.touch),
    tick: p.tick,
    timeslice: p.timeslice
  };
}
var ICELAKE = {
  name: "icelake-server",
  description: "3rd-gen Xeon Scalable (Ice Lake SP), ~2.6 GHz, scalable SGX; cycle-bound costs x3.4/2.6",
  epc_pages: 16 * 1024 * 256,
  // 16 GiB as a default; scenarios set their own EPC
  ...scaled(CLIENT, 3.4 / 2.6)
};
var PROFILES = {
  [CLIENT.name]: CLIENT,
  client: CLIENT,
  [ICELAKE.name]: ICELAKE,
  icelake: ICELAKE
};
function getProfile(name) {
  return PROFILES[name];
}
function overrideProfile(p, over) {
  const out2 = { ...p, encls: { ...p.encls } };
  for (const [k, v3] of Object.entries(over)) {
    if (k.startsWith("encls.")) out2.encls[k.slice(6)] = v3;
    else out2[k] = v3;
  }
  return out2;
}

// src/sim/rng.ts
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

// src/scenario/cgroups.ts
import { z } from "zod";

// src/scenario/limits.ts
var LIMITS = {
  /** Simulated time of a run (warm-up included). */
  maxDurationNs: 36e11,
  minSampleNs: 1e3,
  /** Timeline samples of a run (duration / sample). */
  maxSamples: 1e6,
  maxProcesses: 1024,
  maxThreads: 4096,
  maxTcs: 4096,
  /** Enclave pages of one enclave, and of all enclaves of the scenario (64 GiB each): the largest accepted scenario peaks at about 3.6 GB of memory (docs/scenarios.md). */
  maxEnclavePages: 1 << 24,
  maxTotalPages: 1 << 24,
  /** An enclave needs its SECS, a VA page, a TCS and the page it touches resident at once. */
  minEpcPages: 4,
  /** A check scenario's machine and enclaves stay tiny: every execution rebuilds nothing, but setup is sequential. */
  maxCheckEpcPages: 1 << 20,
  maxCheckTcs: 64,
  /** A single cost of the model: one second. */
  maxCostNs: 1e9
};
function costKeys() {
  const p = Object.values(PROFILES)[0];
  const keys = Object.keys(p).filter((k) => typeof p[k] === "number");
  return /* @__PURE__ */ new Set([
    ...keys.filter((k) => k !== "epc_pages"),
    ...Object.keys(p.encls).map((l) => `encls.${l}`)
  ]);
}
function scenarioLimits(sc) {
  const out2 = [];
  const bad = (path, message) => out2.push({ path, message });
  const L = LIMITS;
  const epc = sc.machine.epc ?? getProfile(sc.machine.profile)?.epc_pages ?? 0;
  const cpus = sc.machine.cpus;
  const r = sc.run;
  if (r.duration + r.warmup > L.maxDurationNs)
    bad(["run", "duration"], `the run simulates at most 1 hour (duration plus warm-up)`);
  if (r.sample < L.minSampleNs) bad(["run", "sample"], "the sampling period must be at least 1us");
  else if ((r.duration + r.warmup) / r.sample > L.maxSamples)
    bad(
      ["run", "sample"],
      `${Math.ceil((r.duration + r.warmup) / r.sample)} samples: at most ${L.maxSamples} per run (a longer period)`
    );
  const known = costKeys();
  for (const [k, v3] of Object.entries(sc.costs)) {
    if (!known.has(k)) bad(["costs", k], `unknown cost "${k}" (known: ${[...known].join(", ")})`);
    else if (v3 > L.maxCostNs) bad(["costs", k], `${v3} ns: a cost is at most 1 s`);
  }
  if (sc.processes.length && epc < L.minEpcPages)
    bad(
      ["machine", "epc"],
      `${epc} EPC pages: an enclave needs at least ${L.minEpcPages} (SECS, VA page, TCS, the page it touches)`
    );
  let procs = 0;
  let threads = 0;
  let pagesTotal = 0;
  sc.processes.forEach((p, pi) => {
    procs += p.count;
    const names = /* @__PURE__ */ new Set();
    p.enclaves.forEach((e, ei) => {
      const at2 = ["processes", pi, "enclaves", ei];
      if (names.has(e.name))
        bad([...at2, "name"], `a second enclave named "${e.name}" in process "${p.name}"`);
      names.add(e.name);
      const pages = typeof e.pages === "number" ? e.pages : Math.max(1, Math.round(e.pages.epc * epc));
      if (pages > L.maxEnclavePages)
        bad([...at2, "pages"], `${pages} pages: an enclave has at most ${L.maxEnclavePages} (64 GiB)`);
      pagesTotal += pages * p.count;
      if (e.tcs > L.maxTcs) bad([...at2, "tcs"], `${e.tcs} TCS pages: at most ${L.maxTcs}`);
      if (e.size && (pages + e.tcs) * 4096 > e.size)
        bad([...at2, "size"], `${pages} pages and ${e.tcs} TCS do not fit in an ELRANGE of ${e.size} bytes`);
    });
    p.threads.forEach((t, ti) => {
      const at2 = ["processes", pi, "threads", ti];
      threads += t.count * p.count;
      const e = p.enclaves.find((x) => x.name === t.enclave);
      if (!e && p.enclaves.length)
        bad([...at2, "enclave"], `"${t.enclave}" is not an enclave of process "${p.name}"`);
      if (t.cpu >= cpus) bad([...at2, "cpu"], `CPU ${t.cpu}: the machine has ${cpus} CPUs (0..${cpus - 1})`);
      if (t.range) {
        if (t.range[0] >= t.range[1])
          bad([...at2, "range"], `[${t.range}]: the first page must come before the end`);
        else if (e) {
          const pages = typeof e.pages === "number" ? e.pages : Math.max(1, Math.round(e.pages.epc * epc));
          const elrange = elrangeSize({ pages, tcs: e.tcs, size: e.size ?? 0 }) / 4096;
          if (t.range[1] > elrange)
            bad([...at2, "range"], `[${t.range}] goes past the ${elrange}-page ELRANGE of "${e.name}"`);
        }
      }
    });
  });
  if (procs > L.maxProcesses)
    bad(["processes"], `${procs} processes (counting copies): at most ${L.maxProcesses}`);
  if (threads > L.maxThreads)
    bad(["processes"], `${threads} enclave threads (counting copies): at most ${L.maxThreads}`);
  if (pagesTotal > L.maxTotalPages)
    bad(
      ["processes"],
      `${pagesTotal} enclave pages in all: at most ${L.maxTotalPages} (64 GiB), which bounds the model's memory`
    );
  if (sc.check) checkSectionLimits(sc, bad);
  return out2;
}
var SGX2_ACTORS = /* @__PURE__ */ new Set(["eaccept", "modify_types", "remove_pages", "restrict_permissions"]);
function checkSectionLimits(sc, bad) {
  const chk = sc.check;
  const L = LIMITS;
  const encls = /* @__PURE__ */ new Map();
  const epc = sc.machine.epc ?? 0;
  if (epc > L.maxCheckEpcPages)
    bad(
      ["machine", "epc"],
      `${epc} EPC pages: a check scenario explores a tiny machine (at most ${L.maxCheckEpcPages} pages)`
    );
  chk.enclaves.forEach((e, i) => {
    const at2 = ["check", "enclaves", i];
    if (encls.has(e.name)) bad([...at2, "name"], `a second enclave named "${e.name}"`);
    if (e.tcs > L.maxCheckTcs)
      bad([...at2, "tcs"], `${e.tcs} TCS pages: at most ${L.maxCheckTcs} in a check scenario`);
    const lists = [
      ["evict", typeof e.evict === "number" ? [] : e.evict],
      ["touch", e.touch],
      ["trim", e.trim]
    ];
    if (e.trim.length && !sc.machine.sgx2) bad([...at2, "trim"], "trimming pages needs machine.sgx2: true");
    if (typeof e.evict === "number" && e.evict > e.pages)
      bad([...at2, "evict"], `${e.evict} pages: the enclave has ${e.pages} regular pages`);
    for (const [k, pages] of lists)
      for (const p of pages)
        if (p >= e.pages) bad([...at2, k], `page ${p} is outside the enclave's ${e.pages} regular pages`);
    encls.set(e.name, e);
    if (e.cpu >= sc.machine.cpus)
      bad(["check", "enclaves", i, "cpu"], `CPU ${e.cpu}: the machine has ${sc.machine.cpus} CPUs`);
    if (e.size && (e.pages + e.tcs) * 4096 > e.size)
      bad(
        ["check", "enclaves", i, "size"],
        `${e.pages} pages and ${e.tcs} TCS do not fit in an ELRANGE of ${e.size} bytes`
      );
  });
  const cpus = /* @__PURE__ */ new Map();
  chk.actors.forEach((a, i) => {
    const at2 = ["check", "actors", i];
    const cpu = a.cpu ?? i;
    if (cpu >= sc.machine.cpus)
      bad(
        [...at2, "cpu"],
        `CPU ${cpu}: the machine has ${sc.machine.cpus} CPUs (an actor runs on its index unless it names one)`
      );
    else if (cpus.has(cpu)) bad([...at2, "cpu"], `CPU ${cpu} already runs actor ${cpus.get(cpu)}`);
    cpus.set(cpu, i);
    if (SGX2_ACTORS.has(a.kind) && !sc.machine.sgx2)
      bad([...at2, "kind"], `${a.kind} needs machine.sgx2: true`);
    if (a.kind === "rmdir" && !(a.cgroup in (sc.cgroups ?? {})))
      bad([...at2, "cgroup"], `no cgroup "${a.cgroup}" in cgroups`);
    if (!("enclave" in a)) return;
    const e = encls.get(a.enclave);
    if (!e) {
      bad([...at2, "enclave"], `no enclave "${a.enclave}" in check.enclaves`);
      return;
    }
    const elrange = elrangeSize({ pages: e.pages, tcs: e.tcs, size: e.size ?? 0 }) / 4096;
    switch (a.kind) {
      case "access":
        for (const p of a.pages)
          if (p >= (sc.machine.sgx2 ? elrange : e.pages))
            bad(
              [...at2, "pages"],
              `page ${p} is outside enclave "${e.name}" (${sc.machine.sgx2 ? `${elrange}-page ELRANGE` : `${e.pages} pages`})`
            );
        if (a.child !== void 0 && a.child >= e.forks)
          bad([...at2, "child"], `child ${a.child}: enclave "${e.name}" forks ${e.forks} children in setup`);
        break;
      case "close":
        if (a.child !== void 0 && a.child >= e.forks)
          bad([...at2, "child"], `child ${a.child}: enclave "${e.name}" forks ${e.forks} children in setup`);
        break;
      case "add_pages":
        if (e.init)
          bad(
            [...at2, "enclave"],
            `ADD_PAGES needs an enclave that is not initialized (init: false on "${e.name}")`
          );
        if (e.pages + e.tcs + a.pages > elrange)
          bad(
            [...at2, "pages"],
            `${a.pages} more pages do not fit in the ${elrange}-page ELRANGE of "${e.name}"`
          );
        break;
      case "poison":
        if (a.page >= e.pages)
          bad([...at2, "page"], `page ${a.page} is outside enclave "${e.name}" (${e.pages} pages)`);
        break;
      case "eaccept":
        for (const p of a.pages)
          if (p >= elrange)
            bad([...at2, "pages"], `page ${p} is past the ${elrange}-page ELRANGE of "${e.name}"`);
        break;
      case "modify_types":
      case "remove_pages":
      case "restrict_permissions":
        if (a.pages[0] >= a.pages[1])
          bad([...at2, "pages"], `[${a.pages}]: the first page must come before the end`);
        else if (a.pages[1] > elrange)
          bad([...at2, "pages"], `[${a.pages}] goes past the ${elrange}-page ELRANGE of "${e.name}"`);
        break;
    }
  });
}

// src/scenario/units.ts
var SIZE_UNITS = {
  b: 1,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
  kb: 1e3,
  mb: 1e3 ** 2,
  gb: 1e3 ** 3,
  tb: 1e3 ** 4
};
function parsePagesOrEpc(v3) {
  if (typeof v3 === "string") {
    const m = /^\s*(?:([0-9]*\.?[0-9]+)\s*x\s*)?epc\s*$/i.exec(v3);
    if (m) return { epc: m[1] === void 0 ? 1 : Number(m[1]) };
  }
  return parsePages(v3);
}
function parsePages(v3) {
  if (typeof v3 === "number") return v3;
  const s = v3.trim().toLowerCase();
  const m = /^([0-9]*\.?[0-9]+)\s*(pages?|[kmgt]?i?b)$/.exec(s);
  if (!m) return `expected a size such as "16MiB", "4096 pages" or a number of pages, got "${v3}"`;
  if (/^[kmgt]b$/.test(m[2]))
    return `"${v3}": ${m[2].toUpperCase()} is ambiguous; write ${m[2][0].toUpperCase()}iB (binary) or a number of pages`;
  const n = Number(m[1]);
  if (m[2].startsWith("page")) return Math.round(n);
  return Math.ceil(n * SIZE_UNITS[m[2]] / 4096);
}
function parseBytes(v3) {
  if (typeof v3 === "number") return v3;
  const p = parsePages(v3);
  if (typeof p === "string") return p;
  return /pages?$/.test(v3.trim().toLowerCase()) ? p * 4096 : sizeBytes(v3);
}
function sizeBytes(v3) {
  const m = /^([0-9]*\.?[0-9]+)\s*([kmgt]?i?b)$/.exec(v3.trim().toLowerCase());
  return Math.round(Number(m[1]) * SIZE_UNITS[m[2]]);
}
var TIME_UNITS = { ns: 1, us: 1e3, \u00B5s: 1e3, ms: 1e6, s: 1e9 };
function parseDuration(v3) {
  if (typeof v3 === "number") return Math.round(v3);
  const m = /^([0-9]*\.?[0-9]+)\s*(ns|us|µs|ms|s)$/.exec(v3.trim().toLowerCase());
  if (!m) return `expected a duration such as "50ms", "2s", "100us" or nanoseconds, got "${v3}"`;
  return Math.round(Number(m[1]) * TIME_UNITS[m[2]]);
}

// src/scenario/cgroups.ts
function parseSizeExpr(v3) {
  if (typeof v3 === "number") return () => v3;
  const s = v3.trim();
  if (s === "max") return () => MISC_MAX;
  const toks = s.match(/\s*([0-9]*\.?[0-9]+\s*(?:pages?|[kmgt]?i?b)?|capacity|[-+*/()])/gi);
  if (!toks || toks.join("").replace(/\s/g, "") !== s.replace(/\s/g, ""))
    return `expected a size ("8MiB", "16 pages", bytes), "max", or an expression of capacity such as "4 * capacity / 512", got "${v3}"`;
  const t = toks.map((x) => x.trim());
  let i = 0;
  const fail = (msg) => {
    throw new Error(msg);
  };
  const primary = () => {
    const x = t[i++];
    if (x === void 0) return fail("the expression ends early");
    if (x === "(") {
      const e = sum();
      if (t[i++] !== ")") fail('a "(" is not closed');
      return e;
    }
    if (x === "-") {
      const e = primary();
      return (c) => -e(c);
    }
    if (x.toLowerCase() === "capacity") return (c) => c;
    const b = /^[0-9.]+$/.test(x) ? Number(x) : parseBytes(x);
    if (typeof b === "string" || Number.isNaN(b)) return fail(`"${x}" is not a size`);
    return () => b;
  };
  const product = () => {
    let l = primary();
    while (t[i] === "*" || t[i] === "/") {
      const op = t[i++];
      const a = l;
      const r = primary();
      l = op === "*" ? (c) => a(c) * r(c) : (c) => Math.floor(a(c) / r(c));
    }
    return l;
  };
  const sum = () => {
    let l = product();
    while (t[i] === "+" || t[i] === "-") {
      const op = t[i++];
      const a = l;
      const r = product();
      l = op === "+" ? (c) => a(c) + r(c) : (c) => a(c) - r(c);
    }
    return l;
  };
  try {
    const e = sum();
    if (i !== t.length) return `unexpected "${t[i]}" in "${v3}"`;
    return e;
  } catch (err) {
    return `${err.message} in "${v3}"`;
  }
}
var sizeExpr = z.union([z.number().nonnegative(), z.string()]).superRefine((v3, ctx) => {
  const r = parseSizeExpr(v3);
  if (typeof r === "string") ctx.addIssue({ code: "custom", message: r });
});
function sizeOf(v3, capacity) {
  const r = parseSizeExpr(v3);
  if (typeof r === "string") throw new Error(r);
  return r(capacity);
}
var duration = z.union([z.number().nonnegative(), z.string()]).transform((v3, ctx) => {
  const r = parseDuration(v3);
  if (typeof r === "string") {
    ctx.addIssue({ code: "custom", message: r });
    return z.NEVER;
  }
  return r;
});
var when = z.union(
  [
    duration,
    z.tuple([duration, duration]).refine(([a, b]) => a <= b, "a time range [min, max] needs min <= max").transform((v3) => [v3[0], v3[1]])
  ],
  { error: 'expected a time since the start such as "5ms", or a range [min, max]' }
);
var cgroupPath = z.string().regex(
  /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/,
  'a cgroup path such as "tenants/t0" below the root (letters, digits, "_" and "-")'
);
var cgroupSchema = z.object({
  /** misc.max of sgx_epc (bytes, a size, "max" or an expression of capacity). */
  misc_max: sizeExpr.optional(),
  /** memory.max: the limit of the memory cgroup the cgroup's processes' backing store is charged to. */
  memory_max: sizeExpr.optional(),
  /** memory.swap.max: false = no swap (a charge over memory.max then OOM-kills). */
  swap: z.boolean().optional()
}).strict();
var cgroupsSchema = z.record(z.string(), cgroupSchema).superRefine((rec, ctx) => {
  for (const key of Object.keys(rec)) {
    const r = cgroupPath.safeParse(key);
    if (!r.success) ctx.addIssue({ code: "custom", path: [key], message: r.error.issues[0].message });
  }
});
var writeSchema = cgroupSchema.extend({ cgroup: cgroupPath }).strict();
var eventSchema = z.object({
  at: when,
  set: writeSchema.optional(),
  /** swapoff -a (false) / swapon -a (true). */
  swap: z.boolean().optional(),
  /** kill -9 a process, or one of a list chosen at random (names as `epcsim run` shows them). */
  kill: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional()
}).strict().refine(
  (e) => [e.set, e.swap, e.kill].filter((x) => x !== void 0).length === 1,
  "an event does exactly one thing: set, swap or kill"
);
var EXPECTS = [
  "fail",
  "all fail",
  "at least one succeeds",
  "at least one fails",
  "all succeed",
  "all others succeed"
];
function makeStepSchema(processSchema2) {
  return z.object({
    name: z.string().min(1),
    /** Cgroup writes before the processes start. */
    set: z.array(writeSchema).default([]),
    /** swapoff -a (false) / swapon -a (true) before the processes start. */
    swap: z.boolean().optional(),
    /** Processes started together (each with its `cgroup`). */
    processes: z.array(processSchema2).default([]),
    /** Time between two process starts (a shell starting background jobs one after the other). */
    start_interval: duration.default(0),
    /** Kill one of them at random after a random delay in [min, max] (from the last start). */
    kill_random_after: z.tuple([duration, duration]).refine(([a, b]) => a <= b, "a time range [min, max] needs min <= max").optional(),
    /** Sleep after the processes exited, before the check. */
    wait: duration.default(0),
    expect: z.union([
      z.enum(EXPECTS),
      z.object({ misc_current: z.object({ cgroup: cgroupPath, equals: sizeExpr }).strict() }).strict()
    ])
  }).strict();
}
function cgroupPaths(spec) {
  const out2 = /* @__PURE__ */ new Set();
  for (const p of Object.keys(spec)) {
    const parts = p.split("/");
    for (let i = 1; i <= parts.length; i++) out2.add(parts.slice(0, i).join("/"));
  }
  return out2;
}
function copyName(name, count, k) {
  return count > 1 ? `${name}${k}` : name;
}
function cgroupOfCopy(cgroup, k) {
  return cgroup.replaceAll("{i}", String(k));
}
function checkCgroupRefs(sc, ctx) {
  const paths = cgroupPaths(sc.cgroups);
  const known = [...paths].join(", ") || "none: add a `cgroups` section";
  const need = (path, at2) => {
    if (!paths.has(path))
      ctx.addIssue({
        code: "custom",
        path: at2,
        message: `no cgroup "${path}" in \`cgroups\` (known: ${known})`
      });
  };
  const procCgroups = (ps, at2) => ps.forEach((p, i) => {
    if (p.cgroup === void 0 || !(p.count <= LIMITS.maxProcesses)) return;
    for (let k = 0; k < p.count; k++) need(cgroupOfCopy(p.cgroup, k), [...at2, i, "cgroup"]);
  });
  procCgroups(sc.processes, ["processes"]);
  const names = new Set(
    sc.processes.flatMap(
      (p) => p.count <= LIMITS.maxProcesses ? Array.from({ length: p.count }, (_, k) => copyName(p.name, p.count, k)) : []
    )
  );
  sc.events.forEach((e, i) => {
    if (e.set) need(e.set.cgroup, ["events", i, "set", "cgroup"]);
    const kills = e.kill === void 0 ? [] : typeof e.kill === "string" ? [e.kill] : e.kill;
    for (const k of kills)
      if (!names.has(k))
        ctx.addIssue({
          code: "custom",
          path: ["events", i, "kill"],
          message: `no process "${k}" (processes: ${[...names].join(", ") || "none"})`
        });
  });
  sc.steps?.forEach((s, i) => {
    s.set.forEach((w, j) => {
      need(w.cgroup, ["steps", i, "set", j, "cgroup"]);
    });
    procCgroups(s.processes, ["steps", i, "processes"]);
    const e = s.expect;
    if (typeof e === "object" && e.misc_current)
      need(e.misc_current.cgroup, ["steps", i, "expect", "misc_current", "cgroup"]);
  });
  sc.check?.enclaves.forEach((e, i) => {
    if (e.cgroup !== void 0) need(e.cgroup, ["check", "enclaves", i, "cgroup"]);
  });
}
var CgroupTree = class {
  constructor(m, capacity) {
    this.m = m;
    this.capacity = capacity;
  }
  m;
  capacity;
  byPath = /* @__PURE__ */ new Map();
  cg(path) {
    const c = this.byPath.get(path);
    if (!c) throw new Error(`no cgroup ${path}`);
    return c;
  }
  memcg(path) {
    return this.m.memcg(path);
  }
  /** A write spec resolved against the tree. */
  write(w) {
    return {
      kind: "write",
      w: {
        cgroup: this.cg(w.cgroup),
        memcg: this.memcg(w.cgroup),
        misc_max: w.misc_max === void 0 ? void 0 : sizeOf(w.misc_max, this.capacity),
        memory_max: w.memory_max === void 0 ? void 0 : sizeOf(w.memory_max, this.capacity),
        swap: w.swap
      }
    };
  }
};
function setupCgroups(m, spec, epcPages2) {
  const tree = new CgroupTree(m, epcPages2 * 4096);
  const mkdir = (path) => {
    if (tree.byPath.has(path)) return;
    const i = path.lastIndexOf("/");
    if (i >= 0) mkdir(path.slice(0, i));
    const parent = i < 0 ? m.misc.root : tree.cg(path.slice(0, i));
    tree.byPath.set(path, misc_cg_create(m, parent, path.slice(i + 1)));
    tree.memcg(path);
  };
  for (const path of Object.keys(spec)) mkdir(path);
  for (const [path, files] of Object.entries(spec)) {
    const cg = tree.cg(path);
    if (files.misc_max !== void 0) cg.res.max = sizeOf(files.misc_max, tree.capacity);
    const memcg = tree.memcg(path);
    if (files.memory_max !== void 0)
      memcg.max = Math.floor(sizeOf(files.memory_max, tree.capacity) / 4096);
    if (files.swap !== void 0) memcg.swap = files.swap;
  }
  return tree;
}
function attachCgroup(m, mm, path, ownMemcg) {
  if (path === void 0) return;
  const cg = m.misc.lookup(path);
  if (!cg) throw new Error(`no cgroup ${path}`);
  m.misc.mm_cg.set(mm.id, cg.id);
  if (ownMemcg === void 0) mm.memcg = m.memcg(path);
}

// src/scenario/did_you_mean.ts
function nearest(name, candidates) {
  let best;
  let bestD = Math.max(3, Math.floor(name.length / 4)) + 1;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}
function didYouMean(name, candidates) {
  const n = nearest(name, candidates);
  return n ? ` (did you mean ${n}?)` : "";
}
function editDistance(a, b) {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const t = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = t;
    }
  }
  return dp[b.length];
}

// src/scenario/load.ts
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import { parse } from "yaml";

// src/scenario/errors.ts
var ScenarioError = class extends Error {
  constructor(lines) {
    super(lines.join("\n"));
    this.lines = lines;
  }
  lines;
};

// src/scenario/schema.ts
import { z as z2 } from "zod";
var sizeInPages = z2.union([z2.number().int().nonnegative(), z2.string()]).transform((v3, ctx) => {
  const r = parsePages(v3);
  if (typeof r === "string") {
    ctx.addIssue({ code: "custom", message: r });
    return z2.NEVER;
  }
  return r;
});
var enclavePages = z2.union([z2.number().int().nonnegative(), z2.string()]).transform((v3, ctx) => {
  const r = parsePagesOrEpc(v3);
  if (typeof r === "string") {
    ctx.addIssue({ code: "custom", message: `${r}, or a multiple of the EPC such as "epc" or "2x epc"` });
    return z2.NEVER;
  }
  return r;
});
var sizeInBytes = z2.union([z2.number().int().nonnegative(), z2.string()]).transform((v3, ctx) => {
  const r = parseBytes(v3);
  if (typeof r === "string") {
    ctx.addIssue({ code: "custom", message: r });
    return z2.NEVER;
  }
  return r;
});
var duration2 = z2.union([z2.number().nonnegative(), z2.string()]).transform((v3, ctx) => {
  const r = parseDuration(v3);
  if (typeof r === "string") {
    ctx.addIssue({ code: "custom", message: r });
    return z2.NEVER;
  }
  return r;
});
var countOrInf = z2.union([z2.number().int().nonnegative(), z2.literal("inf")]).transform((v3) => v3 === "inf" ? Number.POSITIVE_INFINITY : v3);
var patternSchema = z2.discriminatedUnion("kind", [
  z2.object({
    kind: z2.literal("sequential"),
    passes: z2.array(z2.enum(["read", "write", "mixed"])).min(1).optional()
  }).strict(),
  z2.object({ kind: z2.literal("uniform") }).strict(),
  z2.object({ kind: z2.literal("zipf"), s: z2.number().positive().default(1) }).strict(),
  z2.object({
    kind: z2.literal("hotcold"),
    hot_fraction: z2.number().gt(0).lte(1),
    hot_probability: z2.number().gte(0).lte(1),
    /** Where the hot pages are: the first or the last pages of the range. */
    hot_at: z2.enum(["start", "end"]).default("start")
  }).strict(),
  z2.object({ kind: z2.literal("pointer_chase") }).strict()
]);
var enclaveSchema = z2.object({
  name: z2.string().min(1),
  /** Regular pages added at build time (the heap and code); may be relative to the EPC ("2x epc"). */
  pages: enclavePages,
  /** TCS pages added after them. */
  tcs: z2.number().int().nonnegative().default(1),
  /** ELRANGE size; default: the smallest power of two that holds the pages. */
  size: sizeInBytes.optional(),
  measure: z2.boolean().default(false),
  /** Pages per ADD_PAGES ioctl. */
  add_chunk: z2.number().int().positive().default(1024)
}).strict();
var threadSchema = z2.object({
  enclave: z2.string().min(1),
  count: z2.number().int().positive().default(1),
  pattern: patternSchema.default({ kind: "uniform" }),
  write_ratio: z2.number().gte(0).lte(1).default(0.3),
  /** Touches per thread ("inf": until the run's duration ends). */
  touches: countOrInf.default(Number.POSITIVE_INFINITY),
  /** Compute time per touch (ns); default from the cost profile. */
  compute_ns: z2.number().nonnegative().optional(),
  /** Touches per enclave_run slice. */
  budget: z2.number().int().positive().default(64),
  /** Page range [first, end) of the enclave the thread touches; default: all regular pages. */
  range: z2.tuple([z2.number().int().nonnegative(), z2.number().int().positive()]).optional(),
  /** EEXIT/EENTER for an OCALL every N touches (0: never). */
  ocall_every: z2.number().int().nonnegative().default(0),
  /** Pin every thread of this entry to one CPU (-1: any). */
  cpu: z2.number().int().gte(-1).default(-1)
}).strict();
var pageRange = z2.tuple([z2.number().int().nonnegative(), z2.number().int().positive()]).refine(([a, b]) => a < b, "a range [first, end) needs first < end");
var perms = z2.string().regex(/^r?w?x?$/, 'permissions are letters in the order "rwx", e.g. "r" or "rw"').transform((v3) => (v3.includes("r") ? 1 : 0) | (v3.includes("w") ? 2 : 0) | (v3.includes("x") ? 4 : 0));
var ERRNOS = {
  EPERM: 1,
  EFAULT: 14,
  EBUSY: 16,
  ENODEV: 19,
  EINVAL: 22,
  EAGAIN: 11
};
var ioctlExpect = z2.object({
  errno: z2.union([z2.literal(0), z2.enum(Object.keys(ERRNOS))]).default(0).transform((v3) => v3 === 0 ? 0 : ERRNOS[v3]),
  /** Pages processed (`count / 4096`); default: the whole range on success, 0 on failure. */
  pages: z2.number().int().nonnegative().optional()
}).strict();
var scriptStepSchema = z2.discriminatedUnion("op", [
  z2.object({
    op: z2.literal("access"),
    enclave: z2.string().min(1),
    range: pageRange.optional(),
    write: z2.boolean().default(false)
  }).strict(),
  z2.object({
    op: z2.literal("eaccept"),
    enclave: z2.string().min(1),
    range: pageRange.optional(),
    /** What is accepted: an EAUGed page, a type change to TRIM or TCS, or restricted permissions. */
    accept: z2.enum(["pending", "trim", "tcs", "pr"]).default("pending"),
    /** The restricted permissions (accept: pr). */
    perms: perms.default(1)
  }).strict(),
  z2.object({
    op: z2.literal("modify_types"),
    enclave: z2.string().min(1),
    range: pageRange.optional(),
    type: z2.enum(["trim", "tcs"]),
    retry: z2.boolean().default(true),
    expect: ioctlExpect.default({ errno: 0 })
  }).strict(),
  z2.object({
    op: z2.literal("remove_pages"),
    enclave: z2.string().min(1),
    range: pageRange.optional(),
    retry: z2.boolean().default(true),
    expect: ioctlExpect.default({ errno: 0 })
  }).strict(),
  z2.object({
    op: z2.literal("restrict_permissions"),
    enclave: z2.string().min(1),
    range: pageRange.optional(),
    perms,
    retry: z2.boolean().default(true),
    expect: ioctlExpect.default({ errno: 0 })
  }).strict(),
  z2.object({ op: z2.literal("vepc"), pages: z2.number().int().positive() }).strict(),
  z2.object({ op: z2.literal("vepc_close") }).strict(),
  z2.object({ op: z2.literal("vepc_remove_all") }).strict(),
  z2.object({ op: z2.literal("sleep"), time: duration2 }).strict()
]);
var processSchema = z2.object({
  name: z2.string().min(1),
  /** Identical copies of this process (limits.ts bounds them; the cgroup checks skip a count past it). */
  count: z2.number().int().positive().default(1),
  /** Enclaves built first (a process with a script may have none, e.g. a VMM with a guest's EPC). */
  enclaves: z2.array(enclaveSchema).default([]),
  threads: z2.array(threadSchema).default([]),
  /** Children forked after the build: their mms join the enclaves' mm_lists (aging and zapping walk them all). */
  forks: z2.number().int().nonnegative().max(64).default(0),
  /** Exit (close the enclave, release it) when all threads are done. */
  exit: z2.boolean().default(true),
  /** Memory cgroup of the process: the enclave's shmem backing store is charged to it (see B8). */
  memcg: z2.string().min(1).optional(),
  /** Cgroup of the process (a path of `cgroups`; "{i}" is the copy number): EPC is charged to its misc controller. */
  cgroup: z2.string().min(1).optional(),
  /** Steps the main thread runs after starting the threads (selftest flows, SGX2 ioctls, a guest's EPC). */
  script: z2.array(scriptStepSchema).default([])
}).strict().refine((p) => p.enclaves.length > 0 || p.script.length > 0, {
  message: "a process needs an enclave or a script",
  path: ["enclaves"]
});
var numaNodeSchema = z2.object({
  cpus: z2.number().int().nonnegative().max(4096),
  epc: sizeInPages
}).strict();
var machineSchema = z2.object({
  profile: z2.string().default("client-93.5MiB"),
  cpus: z2.number().int().positive().max(4096).default(8),
  numa_nodes: z2.number().int().positive().max(64).default(1),
  /** Usable EPC, split evenly over the NUMA nodes (one section per node); default: the profile's. */
  epc: sizeInPages.optional(),
  /**
   * The NUMA topology node by node, instead of cpus/numa_nodes/epc: CPUs and EPC per node, so a
   * node may have CPUs only (its allocations go to the next node with EPC) or EPC only.
   */
  numa: z2.array(numaNodeSchema).min(1).max(64).optional(),
  /** SGX2 (EAUG on fault, the page-modification ioctls); without it those ioctls return -ENODEV. */
  sgx2: z2.boolean().default(false)
}).strict();
var machineInput = z2.preprocess((raw, ctx) => {
  if (raw && typeof raw === "object" && "numa" in raw) {
    for (const k of ["cpus", "numa_nodes", "epc"])
      if (k in raw)
        ctx.addIssue({
          code: "custom",
          path: [k],
          message: `machine.${k} cannot be combined with machine.numa (give CPUs and EPC per node there)`
        });
  }
  return raw;
}, machineSchema.transform(withNumaTotals));
function withNumaTotals(mc, ctx) {
  if (!mc.numa) return mc;
  const cpus = mc.numa.reduce((n, x) => n + x.cpus, 0);
  const epc = mc.numa.reduce((n, x) => n + x.epc, 0);
  if (cpus === 0) ctx.addIssue({ code: "custom", path: ["numa"], message: "no node has a CPU" });
  if (epc === 0) ctx.addIssue({ code: "custom", path: ["numa"], message: "no node has EPC" });
  return { ...mc, cpus, epc, numa_nodes: mc.numa.length };
}
var knob = (n) => z2.union([n, z2.literal("kernel").transform(() => void 0)], {
  error: (iss) => typeof iss.input === "number" ? void 0 : `expected a number, or "kernel" for the kernel's own value`
}).optional();
var reclaimerSchema = z2.object({
  /** SGX_NR_TO_SCAN: pages per sgx_reclaim_pages() round. */
  batch: knob(z2.number().int().positive().max(4096)),
  /** Reclaim threads (mainline has one ksgxd; more is a model extension). */
  threads: knob(z2.number().int().positive().max(256)),
  /** SGX_NR_LOW_PAGES: ksgxd is woken below this many free pages. */
  low_pages: knob(z2.number().int().nonnegative()),
  /** SGX_NR_HIGH_PAGES: ksgxd reclaims until this many pages are free. */
  high_pages: knob(z2.number().int().nonnegative())
}).strict();
var runSchema = z2.object({
  /** Length of the measured window: the run stops this long after measurement starts. */
  duration: duration2.default(1e9),
  /** Measure from the start, or from when every process has built its enclaves (warm-up excluded). */
  measure_from: z2.enum(["start", "build_done"]).default("build_done"),
  /** Extra simulated time after measure_from before measurement starts (e.g. to load a working set). */
  warmup: duration2.default(0),
  /** Timeline sampling period. */
  sample: duration2.default(1e6),
  /** Abort a runaway simulation after this many executed ops. */
  max_ops: z2.number().int().positive().default(2e9)
}).strict();
var checkEnclaveSchema = z2.object({
  name: z2.string().min(1),
  pages: z2.number().int().positive().max(65536),
  tcs: z2.number().int().nonnegative().default(0),
  /** EINIT the enclave (false: leave it open for ADD_PAGES actors). */
  init: z2.boolean().default(true),
  /** Pages evicted during setup (they start in the backing store): a list, or N for the first N pages. */
  evict: z2.union([z2.number().int().nonnegative(), z2.array(z2.number().int().nonnegative())]).default(0),
  /** Pages faulted in during setup after the eviction (they start mapped, with a PTE). */
  touch: z2.array(z2.number().int().nonnegative()).default([]),
  /** Children forked during setup (more mms on the enclave's mm_list). */
  forks: z2.number().int().nonnegative().max(8).default(0),
  /** Cgroup (a path of `cgroups`) the enclave's process runs in. */
  cgroup: z2.string().min(1).optional(),
  /** CPU the setup runs on (allocations come from its NUMA node first). */
  cpu: z2.number().int().nonnegative().default(0),
  /** ELRANGE size (a power of two); default: the smallest that holds the pages. SGX2 actors may EAUG the rest. */
  size: sizeInBytes.optional(),
  /** Pages trimmed during setup (MODIFY_TYPES to TRIM, then EACCEPT): ready for REMOVE_PAGES. Needs machine.sgx2. */
  trim: z2.array(z2.number().int().nonnegative()).default([])
}).strict();
var actorName = z2.string().min(1).optional();
var actorCpu = z2.number().int().nonnegative().optional();
var actorSchema = z2.discriminatedUnion("kind", [
  z2.object({
    kind: z2.literal("reclaim"),
    name: actorName,
    cpu: actorCpu,
    rounds: z2.number().int().positive().default(1)
  }).strict(),
  z2.object({ kind: z2.literal("ksgxd"), name: actorName, cpu: actorCpu }).strict(),
  z2.object({ kind: z2.literal("reclaim_direct"), name: actorName, cpu: actorCpu }).strict(),
  z2.object({
    kind: z2.literal("access"),
    name: actorName,
    cpu: actorCpu,
    enclave: z2.string().min(1),
    pages: z2.array(z2.number().int().nonnegative()).min(1),
    write: z2.boolean().default(false),
    /** Run in the k-th child forked during setup (its own mm) instead of the enclave's process. */
    child: z2.number().int().nonnegative().optional()
  }).strict(),
  z2.object({
    kind: z2.literal("add_pages"),
    name: actorName,
    cpu: actorCpu,
    enclave: z2.string().min(1),
    pages: z2.number().int().positive()
  }).strict(),
  z2.object({ kind: z2.literal("exit"), name: actorName, cpu: actorCpu, enclave: z2.string().min(1) }).strict(),
  z2.object({ kind: z2.literal("fork_exit"), name: actorName, cpu: actorCpu, enclave: z2.string().min(1) }).strict(),
  z2.object({
    kind: z2.literal("rmdir"),
    name: actorName,
    cpu: actorCpu,
    /** The cgroup to remove (a path of `cgroups`); the actor retries while it is busy (-EBUSY). */
    cgroup: z2.string().min(1)
  }).strict(),
  z2.object({
    kind: z2.literal("close"),
    name: actorName,
    cpu: actorCpu,
    enclave: z2.string().min(1),
    /** The k-th child forked during setup does it instead of the enclave's process. */
    child: z2.number().int().nonnegative().optional(),
    /** munmap() the enclave first (its mm stays on the enclave's mm_list until it exits). */
    munmap: z2.boolean().default(true),
    /** Then the process exits (its mm's MMU notifier release). */
    exit: z2.boolean().default(false)
  }).strict(),
  z2.object({
    kind: z2.literal("poison"),
    name: actorName,
    cpu: actorCpu,
    enclave: z2.string().min(1),
    page: z2.number().int().nonnegative()
  }).strict(),
  z2.object({
    kind: z2.literal("eaccept"),
    name: actorName,
    cpu: actorCpu,
    enclave: z2.string().min(1),
    /** Pages EACCEPTed, one enclave call each (an absent page is EAUGed by the fault on the way). */
    pages: z2.array(z2.number().int().nonnegative()).min(1),
    accept: z2.enum(["pending", "trim", "tcs"]).default("pending"),
    /** After each accept, write the page and read it back (it must be usable). */
    write: z2.boolean().default(false)
  }).strict(),
  z2.object({
    kind: z2.literal("modify_types"),
    name: actorName,
    cpu: actorCpu,
    enclave: z2.string().min(1),
    pages: pageRange,
    type: z2.enum(["trim", "tcs"])
  }).strict(),
  z2.object({
    kind: z2.literal("remove_pages"),
    name: actorName,
    cpu: actorCpu,
    enclave: z2.string().min(1),
    pages: pageRange
  }).strict(),
  z2.object({
    kind: z2.literal("restrict_permissions"),
    name: actorName,
    cpu: actorCpu,
    enclave: z2.string().min(1),
    pages: pageRange,
    perms
  }).strict(),
  z2.object({
    kind: z2.literal("vepc"),
    name: actorName,
    cpu: actorCpu,
    /** Guest EPC pages the VM touches (each a host fault), before it closes the vEPC. */
    pages: z2.number().int().positive()
  }).strict(),
  z2.object({
    kind: z2.literal("shmem_reclaim"),
    name: actorName,
    cpu: actorCpu,
    enclave: z2.string().min(1),
    /** kswapd's passes over the enclave's backing file: write dirty pages to swap, drop clean ones. */
    passes: z2.array(z2.enum(["writeback", "drop"])).min(1).default(["writeback", "drop"])
  }).strict()
]);
var checkBoundsSchema = z2.object({
  /** Steps (scheduling decisions) per execution before it is cut off. */
  steps: z2.number().int().positive().default(2e4),
  /** Preemption bound of the DFS strategy. */
  preemptions: z2.number().int().nonnegative().default(2),
  /** Executions to run (a budget; also `--budget N`). */
  schedules: z2.number().int().positive().default(1e5),
  /** Wall-clock budget (also `--budget 60s`). */
  time: duration2.default(6e10),
  /** Bug depth of the PCT strategy. */
  pct_depth: z2.number().int().positive().default(3)
}).strict();
var expectationSchema = z2.union([
  z2.literal("clean"),
  // One property, or any of several where the scenario's kernel has more than one bug it can show.
  z2.object({ found: z2.union([z2.string().min(1), z2.array(z2.string().min(1)).min(1)]) }).strict()
]);
var checkSchema = z2.object({
  enclaves: z2.array(checkEnclaveSchema).min(1),
  actors: z2.array(actorSchema).min(1).max(8),
  /** Default strategy (`--strategy` overrides). */
  strategy: z2.enum(["random", "pct", "dfs", "dpor", "sdfs", "bfs", "portfolio"]).default("portfolio"),
  bounds: checkBoundsSchema.default({
    steps: 2e4,
    preemptions: 2,
    schedules: 1e5,
    time: 6e10,
    pct_depth: 3
  }),
  /** When the whole-state invariants are checked: at the end of each execution, or after every step. */
  invariants: z2.enum(["end", "step"]).default("end"),
  /** Extra properties this scenario expects at the end of every execution (see docs/checker.md). */
  properties: z2.array(z2.enum(["resident_pcmd_zero"])).default([]),
  /**
   * dmesg tags that are not failures in this scenario (e.g. "sigbus" where the scenario's point is
   * another property and an enclave-visible SIGBUS is an accepted outcome; see docs/checker.md).
   */
  tolerate: z2.array(z2.string().min(1)).default([]),
  /**
   * Failures the kernel is known to have in this scenario, each with the reason (a documented
   * limitation of the kernel, not of the model): counted as `known` and not reported; every other
   * failure still is.
   */
  known: z2.array(z2.object({ property: z2.string().min(1), reason: z2.string().min(1) }).strict()).default([]),
  /**
   * What `epcsim check --all` expects of this scenario on its own kernel (`kernel`): "clean", or
   * `{found: <property>}` for a scenario that documents a finding. Unset means "clean".
   */
  expect: expectationSchema.optional(),
  /** Expectations on other kernels (variant names, e.g. the catalogue's buggy and fixed releases). */
  expect_on: z2.record(z2.string().min(1), expectationSchema).default({})
}).strict();
var scenarioSchema = z2.object({
  name: z2.string().min(1),
  description: z2.string().default(""),
  kind: z2.enum(["run", "check"]).default("run"),
  seed: z2.number().int().default(1),
  kernel: z2.string().default("mainline"),
  machine: machineInput.default({ profile: "client-93.5MiB", cpus: 8, numa_nodes: 1, sgx2: false }),
  reclaimer: reclaimerSchema.default({}),
  /** Cost-model overrides: a profile field name (or encls.EWB, ...) to nanoseconds. */
  costs: z2.record(z2.string(), z2.number().nonnegative()).default({}),
  run: runSchema.default({
    duration: 1e9,
    measure_from: "build_done",
    warmup: 0,
    sample: 1e6,
    max_ops: 2e9
  }),
  processes: z2.array(processSchema).default([]),
  /** The interleaving checker's section (used by `epcsim check`). */
  check: checkSchema.optional(),
  /** The cgroup v2 tree: paths to misc.max (sgx_epc), memory.max, swap (docs/cgroups.md). */
  cgroups: cgroupsSchema.default({}),
  /** Timed administrator actions: cgroup writes, swapoff/swapon, kills. */
  events: z2.array(eventSchema).default([]),
  /** A selftest script: steps that start processes in cgroups and check the outcome (docs/cgroups.md). */
  steps: z2.array(makeStepSchema(processSchema)).optional()
}).strict().superRefine(checkCgroupRefs);

// src/scenario/load.ts
var BUILTIN_DIR = srcPath("..", "scenarios");
function resolveScenarioPath(arg) {
  if (existsSync(arg)) return arg;
  for (const ext of [".yaml", ".yml", ".json"]) {
    const p = join(BUILTIN_DIR, arg + ext);
    if (existsSync(p)) return p;
  }
  const builtins = readdirSync(BUILTIN_DIR).filter((f) => /\.(ya?ml|json)$/.test(f)).map((f) => f.replace(/\.(ya?ml|json)$/, ""));
  throw new ScenarioError([
    `${arg}: no such scenario file or built-in scenario${didYouMean(arg, builtins)} (see \`epcsim scenarios\`)`
  ]);
}
function loadScenario(arg, sets = []) {
  const path = resolveScenarioPath(arg);
  let text;
  try {
    if (statSync(path).isDirectory()) throw new ScenarioError([`${path}: a directory, not a scenario file`]);
    text = readFileSync(path, "utf8");
  } catch (e) {
    if (e instanceof ScenarioError) throw e;
    throw new ScenarioError([
      `${path}: cannot read the scenario (${e.code ?? e})`
    ]);
  }
  return parseScenarioText(text, path, sets);
}
function parseScenarioText(text, file2, sets = []) {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    throw new ScenarioError(
      doc.errors.map((e) => {
        const pos = lc.linePos(e.pos[0]);
        return `${file2}:${pos.line}:${pos.col} ${e.message.split("\n")[0]}`;
      })
    );
  }
  let raw;
  try {
    raw = doc.toJS({ maxAliasCount: 1e3 });
  } catch (e) {
    throw new ScenarioError([`${file2}:1:1 scenario: ${e.message.split("\n")[0]}`]);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ScenarioError([`${file2}:1:1 scenario: expected a mapping with name, machine, processes, ...`]);
  }
  raw = applySets(raw, sets);
  const r = scenarioSchema.safeParse(raw);
  if (!r.success) throw new ScenarioError(formatIssues(r.error.issues, doc, lc, file2, sets));
  const limits = scenarioLimits(r.data);
  if (limits.length)
    throw new ScenarioError(
      formatIssues(
        limits.map(
          (l) => ({ code: "custom", path: l.path, message: l.message, input: void 0 })
        ),
        doc,
        lc,
        file2,
        sets
      )
    );
  return { scenario: r.data, source: file2, raw };
}
function applySets(raw, sets) {
  const out2 = structuredClone(raw);
  for (const s of sets) {
    const eq = s.indexOf("=");
    if (eq <= 0) throw new ScenarioError([`--set ${s}: expected key=value, e.g. reclaimer.batch=1`]);
    const key = s.slice(0, eq).trim();
    const value = parseScalar(s.slice(eq + 1));
    const parts = key.split(".");
    if (parts.some((p) => p === "__proto__" || p === "constructor" || p === "prototype" || p === ""))
      throw new ScenarioError([`--set ${s}: "${key}" is not a scenario field`]);
    let obj = out2;
    for (let i = 0; i < parts.length - 1; i++) {
      const k = parts[i];
      const idx = /^\d+$/.test(k) ? Number(k) : k;
      let next = obj[idx];
      if (next === void 0) {
        next = {};
        obj[idx] = next;
      }
      if (next === null || typeof next !== "object")
        throw new ScenarioError([`--set ${key}: ${parts.slice(0, i + 1).join(".")} is not a mapping`]);
      obj = next;
    }
    const last = parts[parts.length - 1];
    obj[/^\d+$/.test(last) ? Number(last) : last] = value;
  }
  return out2;
}
function parseScalar(v3) {
  const t = v3.trim();
  if (t === "true") return true;
  if (t === "false") return false;
  if (t === "inf") return "inf";
  if (/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(t)) return Number(t);
  if (t.startsWith("[") || t.startsWith("{")) {
    try {
      return JSON.parse(t);
    } catch {
      return t;
    }
  }
  return t;
}
function formatIssues(issues, doc, lc, file2, sets) {
  return issues.map((iss) => {
    let path = iss.path.map(String);
    let message = iss.message;
    if (iss.code === "unrecognized_keys") {
      const keys = iss.keys;
      path = [...path, keys[0]];
      message = `unknown key "${keys[0]}"${keys.length > 1 ? ` (and ${keys.slice(1).join(", ")})` : ""}`;
    }
    const dotted = path.join(".") || "(scenario)";
    const fromSet = sets.find((s) => dotted.startsWith(s.slice(0, s.indexOf("=")).trim()));
    if (fromSet) return `--set ${fromSet}: ${dotted}: ${message}`;
    const pos = positionOf(
      doc,
      iss.path,
      iss.code === "unrecognized_keys" ? path.at(-1) : void 0,
      lc
    );
    return `${file2}:${pos.line}:${pos.col} ${dotted}: ${message}`;
  });
}
function positionOf(doc, path, unknownKey, lc) {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true);
    if (!node || !("range" in node) || !node.range) continue;
    if (n === path.length && unknownKey !== void 0 && isMap(node)) {
      for (const item of node.items) {
        if (isScalar(item.key) && item.key.value === unknownKey && item.key.range)
          return lc.linePos(item.key.range[0]);
      }
    }
    if (n < path.length && isMap(node)) {
      return lc.linePos(node.range[0]);
    }
    if (isSeq(node) || isMap(node) || isScalar(node)) return lc.linePos(node.range[0]);
  }
  return { line: 1, col: 1 };
}

// src/scenario/build.ts
function resolveProfile(sc) {
  const p = getProfile(sc.machine.profile);
  if (!p)
    throw new ScenarioError([
      `machine.profile: unknown cost profile "${sc.machine.profile}" (known: ${Object.keys(PROFILES).join(", ")})`
    ]);
  return overrideProfile(p, sc.costs);
}
function defined(o) {
  return Object.fromEntries(Object.entries(o).filter(([, v3]) => v3 !== void 0));
}
function buildMachine(sc, profile) {
  const v3 = getVariant(sc.kernel);
  if (!v3)
    throw new ScenarioError([
      `kernel: unknown kernel variant "${sc.kernel}"${didYouMean(sc.kernel, variantNames())} (see \`epcsim kernels\`)`
    ]);
  const { cpuNodes, sections: sections2 } = numaLayout(sc, profile);
  const m = new Machine({
    cpuNodes,
    sections: sections2,
    fn: variantFns(v3),
    // The scenario's knobs win over the variant's constants; unset knobs keep the variant's.
    constants: {
      ...v3.constants,
      ...defined({
        SGX_NR_TO_SCAN: sc.reclaimer.batch,
        SGX_NR_LOW_PAGES: sc.reclaimer.low_pages,
        SGX_NR_HIGH_PAGES: sc.reclaimer.high_pages,
        nr_ksgxd: sc.reclaimer.threads
      }),
      sgx2: sc.machine.sgx2
    },
    debugLocks: false
  });
  setupCgroups(m, sc.cgroups, epcPages(sc, profile));
  return m;
}
function epcPages(sc, profile) {
  return sc.machine.epc ?? profile.epc_pages;
}
function numaLayout(sc, profile) {
  const numa = sc.machine.numa;
  if (numa)
    return {
      cpuNodes: numa.flatMap((n, node) => Array.from({ length: n.cpus }, () => node)),
      sections: numa.flatMap((n, node) => n.epc > 0 ? [{ node, pages: n.epc }] : [])
    };
  const nodes = sc.machine.numa_nodes;
  const cpuNodes = Array.from(
    { length: sc.machine.cpus },
    (_, i) => Math.floor(i * nodes / sc.machine.cpus)
  );
  const epc = epcPages(sc, profile);
  if (epc < nodes)
    throw new ScenarioError([`machine.epc: ${epc} pages cannot be split over ${nodes} NUMA nodes`]);
  const sections2 = [];
  for (let n = 0; n < nodes; n++) {
    const pages = Math.floor(epc / nodes) + (n === nodes - 1 ? epc % nodes : 0);
    sections2.push({ node: n, pages });
  }
  return { cpuNodes, sections: sections2 };
}

// src/check/world.ts
function checkSection(sc) {
  if (!sc.check) throw new ScenarioError([`${sc.name}: not a check scenario (it has no \`check\` section)`]);
  return sc.check;
}
function seq(m, mm, body, comm, cpu = 0) {
  const task = m.newTask(comm, mm ? 0 : PF_KTHREAD, mm ? mm.mm : null);
  return runSequential(m, task, body, { cpu });
}
function buildWorld(sc) {
  const chk = checkSection(sc);
  const m = buildMachine(sc, resolveProfile(sc));
  m.debugLocks = true;
  m.interleaveAll = true;
  if (sc.machine.cpus < chk.actors.length)
    throw new ScenarioError([
      `machine.cpus: ${sc.machine.cpus} CPUs for ${chk.actors.length} actors (each actor needs a CPU)`
    ]);
  const w = { m, procs: /* @__PURE__ */ new Map(), encls: /* @__PURE__ */ new Map(), children: [] };
  chk.enclaves.forEach((e, i) => {
    const proc = newProcess(m, e.name);
    attachCgroup(m, proc.mm, e.cgroup, void 0);
    const spec = {
      name: e.name,
      pages: e.pages,
      tcs: e.tcs,
      size: e.size ?? 0,
      measure: false,
      add_chunk: 4096
    };
    if (e.cpu >= sc.machine.cpus)
      throw new ScenarioError([
        `check.enclaves.${i}.cpu: no CPU ${e.cpu} (machine.cpus is ${sc.machine.cpus})`
      ]);
    const r = seq(
      m,
      proc,
      () => build_enclave(m, proc, spec, enclaveBase(i), e.init),
      `${e.name}-build`,
      e.cpu
    );
    if (typeof r === "number")
      throw new ScenarioError([
        `check.enclaves.${i}: building "${e.name}" failed with ${r} (is the EPC large enough?)`
      ]);
    w.procs.set(e.name, proc);
    w.encls.set(e.name, r);
    for (let k = 0; k < e.forks; k++)
      w.children.push(seq(m, proc, () => fork(m, proc, `${e.name}-child${k}`), "fork"));
    if (e.trim.length) trimPages(m, sc, i, proc, r, e.trim, e.pages, e.cpu);
    const evict = typeof e.evict === "number" ? Array.from({ length: e.evict }, (_, k) => k) : e.evict;
    if (evict.some((p) => p >= e.pages))
      throw new ScenarioError([
        `check.enclaves.${i}.evict: a page is outside the enclave's ${e.pages} regular pages`
      ]);
    if (evict.length) evictPages(m, r, evict, e.cpu);
    for (const page of e.touch) {
      if (page >= e.pages + e.tcs)
        throw new ScenarioError([`check.enclaves.${i}.touch: page ${page} is outside the enclave`]);
      const th = new EnclaveThread(proc, r, makePattern({ kind: "uniform" }, 0, 1, 0, 1, 1, 0), 1, 0);
      seq(m, proc, () => enclave_page_fault(m, th, page), `${e.name}-touch`, e.cpu);
    }
  });
  if (m.dmesg.length) throw new ScenarioError([`${sc.name}: the setup itself logged: ${m.dmesg[0].msg}`]);
  return w;
}
function trimPages(m, sc, i, proc, ue, pages, regular, cpu) {
  if (!m.c.sgx2)
    throw new ScenarioError([`check.enclaves.${i}.trim: trimming pages needs machine.sgx2: true`]);
  if (pages.some((p) => p >= regular))
    throw new ScenarioError([
      `check.enclaves.${i}.trim: a page is outside the enclave's ${regular} regular pages`
    ]);
  for (const p of pages) {
    const r = seq(m, proc, () => sgx2_ioctl(m, ue, "modify_types", p, 1, PAGE_TYPES.trim), "setup-trim", cpu);
    const a = seq(m, proc, () => eaccept_call(m, proc, ue, p, acceptSecinfo("trim")), "setup-eaccept", cpu);
    if (r.ret || a) throw new ScenarioError([`${sc.name}: trimming page ${p} failed (${r.ret}, ${a})`]);
  }
}
function evictPages(m, ue, indices, cpu) {
  const E = m.encl_pages;
  const pages = [];
  for (const i of indices) {
    const e = ue.encl.page_array.get(i);
    if (e < 0 || E.epc_page.a[e] < 0) continue;
    pages.push(E.epc_page.a[e]);
  }
  const isgxEvict = isgxSetupEvict(m, ue.encl, pages);
  if (isgxEvict) {
    seq(m, null, isgxEvict, "setup-evict", cpu);
    return;
  }
  for (let i = pages.length - 1; i >= 0; i--) {
    const head = list_head_of(m.pages, pages[i]) ?? m.sgx.sgx_active_page_list;
    list_del(m, m.pages, pages[i]);
    list_add(m.pages, pages[i], head);
  }
  const cg = pages.length ? m.pages.sgx_cg.get(pages[0]) : -1;
  const lru = cg >= 0 ? sgx_cgroup_from_misc_cg(m.misc.all[cg]).lru : void 0;
  const saved = m.c.SGX_NR_TO_SCAN;
  m.c.SGX_NR_TO_SCAN = pages.length;
  seq(m, null, () => cgfn(m).sgx_reclaim_pages(m, lru), "setup-evict", cpu);
  m.c.SGX_NR_TO_SCAN = saved;
}
var WorldBase = class {
  constructor(world) {
    this.world = world;
    this.snap = new Snapshot(world);
  }
  world;
  snap;
  /** Reset the live world to the set-up state and return it. */
  fresh() {
    this.snap.restore();
    return this.world;
  }
};

// src/check/engine.ts
function prepare(sc) {
  return { sc, chk: checkSection(sc), base: new WorldBase(buildWorld(sc)) };
}
function execute(model2, picker2, opt) {
  const ex = new Execution(model2.base.fresh(), model2.chk, opt.disabled, model2.custom, model2.lockdepSeed);
  const out2 = { failure: null, schedule: [], choices: [], truncated: false, preemptions: 0 };
  let prev = -1;
  for (let step = 0; ; step++) {
    if (ex.failure) break;
    const enabled = ex.enabled();
    if (enabled.length === 0) {
      const spinning = ex.spinning();
      if (spinning.length) {
        const t = spinning[0];
        const op2 = ex.pending(t);
        const why = op2.kind === "spin_wait" ? op2.why : "";
        ex.fail(
          "livelock",
          `${ex.actors[t].name} keeps retrying (${why}) and nothing else can run: ${ex.describeBlocked()}`,
          t,
          `${ex.actors[t].name}: ${why}`
        );
      } else if (ex.finished()) {
        ex.checkState(true);
        const bad = model2.property?.(ex.w);
        if (bad) ex.fail("property", bad, -1);
      } else ex.fail("deadlock", `every thread is blocked: ${ex.describeBlocked()}`, -1);
      break;
    }
    if (step >= opt.maxSteps) {
      out2.truncated = true;
      const w = watchdogFailure(ex, enabled);
      ex.fail(w.property, w.detail, w.tid);
      break;
    }
    const tid = picker2.pick(ex, enabled, step);
    if (prev >= 0 && tid !== prev && enabled.includes(prev)) out2.preemptions++;
    prev = tid;
    const op = ex.pending(tid);
    let value = 0;
    if (op?.kind === "choose") {
      value = picker2.choose ? picker2.choose(op.n, op.why) : 0;
      out2.choices.push(value);
    }
    ex.step(tid, value);
    out2.schedule.push(tid);
    if (opt.everyStep) ex.checkState(false);
  }
  out2.failure = ex.failure;
  out2.lockEdges = ex.lockEdges();
  return { ex, out: out2 };
}

// src/check/symmetry.ts
var VETTED = /* @__PURE__ */ new Set([
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
  mem_cgroup,
  MiscCgroups,
  misc_cg,
  misc_res,
  SgxCgroupGlobals,
  sgx_cgroup,
  Process,
  SgxFile,
  UserEnclave
]);
var EPC_VALUES = ["flags", "poison", "owner", "sgx_cg"];
var EPC_LINKS = ["next", "prev"];
var HW_PAGE = [
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
  "data"
];
function canonicalPageOrder(m) {
  const n = m.pages.nr_pages;
  const perm = new Int32Array(n).fill(-1);
  const inv = new Int32Array(n);
  let k = 0;
  const take = (p) => {
    if (p >= 0 && p < n && perm[p] === -1) {
      perm[p] = k;
      inv[k++] = p;
    }
  };
  for (const node of m.sgx.sgx_numa_nodes)
    for (const r of node.fresh) for (let p = r.next; p < r.end; p++) take(p);
  const P = m.pages;
  for (let h = 0; h < P.heads.length; h++) {
    for (let p = P.headNext[h]; p >= 0 && p < n && perm[p] === -1; p = P.next.get(p)) take(p);
  }
  const E = m.encl_pages;
  for (let id = 0; id < E.count; id++) take(E.epc_page.a[id]);
  for (const va of m.va_pages) take(va.epc_page);
  for (const he of m.hw.enclaves) take(he.secsPage);
  for (const mm of m.mms) for (const vma of mm.vmas) vma.pte.forEachSet((_i, v3) => take(v3));
  for (const cpu of m.hw.cpus) cpu.tlbForEach((_i, e) => take(e));
  const rest = [];
  for (let p = 0; p < n; p++) if (perm[p] === -1) rest.push(p);
  if (rest.length > 1) {
    const section = sectionOf(m);
    const key = (p) => [
      section[p],
      ...EPC_VALUES.map((f) => P[f].get(p)),
      ...HW_PAGE.map((f) => m.hw[f].get(p))
    ];
    const keys = new Map(rest.map((p) => [p, key(p)]));
    rest.sort((a, b) => {
      const ka = keys.get(a);
      const kb = keys.get(b);
      for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] - kb[i];
      return a - b;
    });
  }
  for (const p of rest) take(p);
  return { perm, inv };
}
function expectKeys(o, keys) {
  const got = Object.keys(o).join(",");
  if (got !== keys)
    throw new NotCanonical(`${o.constructor.name} has fields ${got}; the symmetry reduction knows ${keys}`);
}
var sections = /* @__PURE__ */ new WeakMap();
function sectionOf(m) {
  let s = sections.get(m);
  if (!s) {
    s = new Int32Array(m.pages.nr_pages).fill(-1);
    const secs = m.sgx.sgx_epc_sections;
    for (let i = 0; i < secs.length; i++) s.fill(i, secs[i].first, secs[i].first + secs[i].nr_pages);
    sections.set(m, s);
  }
  return s;
}
function renamingHooks(m, cur) {
  const page = (p) => p >= 0 && p < cur.perm.length ? cur.perm[p] : p;
  const section = sectionOf(m);
  const hooks = /* @__PURE__ */ new Map();
  const hook = (ctor, fn2) => hooks.set(ctor, fn2);
  hook(EpcPages, (o, h, visit) => {
    expectKeys(o, "nr_pages,flags,poison,owner,next,prev,sgx_cg,headNext,headPrev,heads");
    h.num(o.nr_pages);
    const inv = cur.inv;
    for (let k = 0; k < inv.length; k++) {
      const p = inv[k];
      h.num(section[p]);
      for (const f of EPC_VALUES) h.num(o[f].get(p));
      for (const f of EPC_LINKS) h.num(page(o[f].get(p)));
    }
    for (const v3 of o.headNext) h.num(page(v3));
    for (const v3 of o.headPrev) h.num(page(v3));
    visit(o.heads);
  });
  hook(SgxHw, (o, h, visit) => {
    expectKeys(o, `nrPages,${HW_PAGE.join(",")},va,enclaves,cpus,nonce`);
    h.num(o.nrPages);
    const inv = cur.inv;
    for (let k = 0; k < inv.length; k++) for (const f of HW_PAGE) h.num(o[f].get(inv[k]));
    const va = [...o.va.keys()].sort((a, b) => page(a) - page(b));
    for (const p of va) {
      h.num(page(p));
      visit(o.va.get(p));
    }
    visit(o.enclaves);
    visit(o.cpus);
    h.num(o.nonce);
  });
  hook(EnclPages, (o, h) => {
    expectKeys(o, "count,encl,index,desc,epc_page,va_page,vm_max_prot_bits,type,alive");
    h.num(o.count);
    for (let id = 0; id < o.count; id++) {
      h.num(o.encl.a[id]);
      h.num(o.index.a[id]);
      h.num(o.desc.a[id]);
      h.num(page(o.epc_page.a[id]));
      h.num(o.va_page.a[id]);
      h.num(o.vm_max_prot_bits.a[id]);
      h.num(o.type.a[id]);
      h.num(o.alive.a[id]);
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
    for (const v3 of [o.id, o.node, o.inEnclave, o.exits, o.entries]) h.num(v3);
    o.tlbForEach((i, e) => {
      h.num(i);
      h.num(page(e));
    });
  });
  hook(vm_area_struct, (o, h, visit) => {
    expectKeys(o, "id,vm_mm,vm_start,vm_end,vm_flags,vm_private_data,pte,young,ptl,vm_file");
    visit([o.id, o.vm_mm, o.vm_start, o.vm_end, o.vm_flags, o.vm_private_data, o.young, o.ptl, o.vm_file]);
    o.pte.forEachSet((i, v3) => {
      h.num(i);
      h.num(page(v3));
    });
  });
  hook(Chunked, (o, h) => {
    h.num(o.def);
    o.forEachSet((i, v3) => {
      h.num(i);
      h.num(v3);
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
var renamers = /* @__PURE__ */ new WeakMap();
function symmetricHash(root, m, skip2, stats) {
  try {
    if (m.variantState !== null) throw new NotCanonical("the kernel variant keeps its own globals");
    let r = renamers.get(m);
    if (!r) {
      const cur = canonicalPageOrder(m);
      r = { cur, hooks: renamingHooks(m, cur) };
      renamers.set(m, r);
    }
    Object.assign(r.cur, canonicalPageOrder(m));
    const v3 = hashDeep(root, { skip: skip2, hooks: r.hooks, vetted: VETTED });
    if (stats) stats.reduced++;
    return v3;
  } catch (e) {
    if (!(e instanceof NotCanonical)) throw e;
    if (stats) {
      stats.fallback++;
      stats.reason = e.message;
    }
    return hashDeep([root, "plain"], skip2);
  }
}

// ../../tmp/rq/hashbench.mts
var { scenario } = loadScenario(process.argv[2] ?? "check-fault-vs-reclaim", []);
var model = prepare(scenario);
var skip = /* @__PURE__ */ new Set(["dmesg", "current", "cpu", "pid", "nextId", "kmemleak_sites"]);
var rr = 0;
var N = +(process.argv[3] ?? 5e3);
var out = [];
var picker = {
  pick(ex, enabled, step) {
    if (step === 20 || step === 60 || step === 100) {
      const t0 = performance.now();
      let v3 = 0;
      for (let i = 0; i < N; i++) v3 = symmetricHash([ex.w, []], ex.w.m, skip);
      const t1 = performance.now();
      for (let i = 0; i < N; i++) v3 = hashDeep([ex.w, []], skip);
      const t2 = performance.now();
      out.push(v3);
      console.log(`step ${step}: symmetric ${((t1 - t0) / N * 1e3).toFixed(1)} us, plain ${((t2 - t1) / N * 1e3).toFixed(1)} us, hash ${symmetricHash([ex.w, []], ex.w.m, skip)} ${v3}`);
    }
    return enabled[rr++ % enabled.length];
  }
};
execute(model, picker, { maxSteps: 400, everyStep: false });
