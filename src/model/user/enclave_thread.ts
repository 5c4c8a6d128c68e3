/**
 * An enclave thread: it enters its enclave and touches pages by its access pattern. Touches of
 * present pages are done in bulk inside one `enclave_run` op (a slice); a touch of a page without a
 * usable translation ends the slice with an AEX and the kernel's page fault path, after which the
 * thread ERESUMEs and retries the touch.
 *
 * SGX2: a touch of a mapped page that the EPCM refuses (PENDING after EAUG, MODIFIED after EMODT, a
 * TCS or TRIM page, a write without EPCM write permission) is a #PF with the SGX bit that the kernel
 * cannot fix: the enclave's runtime gets it. The runtime modeled here does what an EDMM runtime and
 * the `augment` selftest do: it EACCEPTs the page from another TCS if it is an EAUGed one and
 * resumes; anything else kills the thread (SIGSEGV). Enclave threads also execute ENCLU[EACCEPT].
 */
import type { EnclaveRunOp, ModelGen, PreemptPointOp, SpinWaitOp, UserEventOp } from "../../rt/ops.ts";
import { withSite } from "../../rt/site.ts";
import {
  PAGE_SIZE,
  SGX_PAGE_ATTRIBUTES_MISMATCH,
  SGX_PAGE_TYPE_REG,
  SGX_SECINFO_PENDING,
  SGX_SECINFO_R,
  SGX_SECINFO_W,
  SGX_SUCCESS,
} from "../hw/arch.ts";
import { WALK_EPCM, WALK_OK, WALK_UNMAPPED } from "../hw/sgx_hw.ts";
import {
  find_vma,
  mmap_read_lock,
  mmap_read_unlock,
  VM_FAULT_SIGBUS,
  type vm_area_struct,
} from "../kernel/lib/mm.ts";
import { cond_resched, signal_pending } from "../kernel/lib/sched.ts";
import type { Machine } from "../machine.ts";
import type { AccessPattern } from "./access.ts";
import { type Process, thread_exit, type UserEnclave } from "./process.ts";

export class EnclaveThread {
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
  readonly vma: vm_area_struct;
  constructor(
    readonly proc: Process,
    readonly ue: UserEnclave,
    readonly pattern: AccessPattern,
    /** Touches per enclave_run slice (bounds how long a thread runs between scheduling points). */
    readonly budget: number,
    /** EEXIT for an OCALL every this many touches (0 = never). */
    readonly ocallEvery: number,
  ) {
    const v = proc.mm.vmas.find((x) => x.vm_private_data === ue.encl) ?? ue.vma;
    if (!v) throw new Error(`${proc.name} does not map enclave ${ue.encl.name}`);
    this.vma = v;
  }
}

function ev(kind: UserEventOp["kind"], page: number, why: string): UserEventOp {
  return withSite({ kind, page, why });
}

/** SECINFO of the EACCEPT that accepts an EAUGed page: RW, REG, PENDING. */
export const ACCEPT_PENDING = SGX_SECINFO_R | SGX_SECINFO_W | (SGX_PAGE_TYPE_REG << 8) | SGX_SECINFO_PENDING;
/** enclave_eaccept(): the thread was killed (SIGBUS) by the fault path before the leaf ran. */
export const EACCEPT_KILLED = -1;
/** Return value of the leaf's step when the page walk faulted (no translation): not a leaf code. */
const WALK_FAULT = -2;

const PREEMPT: PreemptPointOp = { kind: "preempt_point" };
/** Answers of the driver to a preempt_point. */
export const PREEMPT_NONE = 0;
export const PREEMPT_TICK = 1;
export const PREEMPT_RESCHED = 2;

/**
 * The effect of one enclave_run op: up to `budget` touches by the current CPU. A touch uses a cached
 * translation if there is one; otherwise the hardware walks the PTE, which must point to an EPC page
 * that is valid, not blocked, not pending and belongs to this enclave page; the walk sets the
 * Accessed bit and caches the translation. Reads compare the data token with what the enclave last
 * wrote.
 */
export function enclave_run_effect(m: Machine, th: EnclaveThread, op: EnclaveRunOp): void {
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
      const walk = pte < 0 ? WALK_UNMAPPED : hw.walk(pte, eid, idx, pat.peekWrite());
      if (walk !== WALK_OK) {
        op.faulted = true;
        th.epcmFault = walk === WALK_EPCM;
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

/**
 * The user-mode part of an EPC page fault: exc_page_fault takes the mmap_lock for read, finds the
 * VMA and calls its fault handler (sgx_vma_fault). Returns the vm_fault_t.
 */
export function* enclave_page_fault(m: Machine, th: EnclaveThread, index: number): ModelGen<number> {
  yield ev("page_fault", index, "#PF in enclave");
  yield* m.work("fault_entry", 1);
  const mm = th.proc.mm;
  const addr = th.ue.encl.base + index * PAGE_SIZE;
  yield mmap_read_lock(mm);
  const vma = find_vma(mm, addr);
  const ret = vma ? yield* m.fn.sgx_vma_fault(m, vma, addr) : VM_FAULT_SIGBUS;
  yield mmap_read_unlock(mm);
  return ret;
}

/**
 * Does a fault that ended in VM_FAULT_SIGBUS kill the current thread with SIGBUS? Not when the
 * fault gave up because SIGKILL is pending (exit_group, the OOM killer: the only signals the model
 * sends; sgx_alloc_epc_page's -ERESTARTSYS): the kill is delivered first on the way back to user
 * mode, and the thread dies of it without ever seeing the SIGBUS.
 */
export function sigbus_delivered(m: Machine): boolean {
  return !signal_pending(m);
}

/**
 * The current thread's fault at `index` ended in VM_FAULT_SIGBUS: it dies of the SIGBUS, or of the
 * SIGKILL that made the fault give up (sigbus_delivered).
 */
function* enclave_fault_sigbus(m: Machine, th: EnclaveThread, index: number): ModelGen {
  if (!sigbus_delivered(m)) {
    th.killed = true;
    return;
  }
  th.sigbus = true;
  yield ev("sigbus", index, "SIGBUS");
}

/**
 * ENCLU[EACCEPT] of enclave page `index` by the current thread, which is in enclave mode. The leaf
 * needs a translation: without one (no PTE, or a page the walk cannot use) it is an ordinary #PF,
 * the kernel's fault handler runs (for a page not in page_array it EAUGs one) and the leaf is
 * retried after ERESUME. Returns the leaf's code (see SgxHw.EACCEPT) or EACCEPT_KILLED.
 */
export function* enclave_eaccept(
  m: Machine,
  th: EnclaveThread,
  index: number,
  secinfo: number,
): ModelGen<number> {
  const eid = th.ue.encl.eid;
  for (;;) {
    const ret = yield* m.encls("EACCEPT", th.vma.pte.get(index), () => {
      let p = m.cpu().tlbLookup(index);
      if (p < 0) {
        // MODEL: the translation EACCEPT creates is not cached (see DEVIATIONS.md).
        p = th.vma.pte.get(index);
        if (p < 0 || !m.hw.mapped(p, eid, index)) return WALK_FAULT;
      }
      return m.hw.EACCEPT(p, eid, index, secinfo);
    });
    if (ret !== WALK_FAULT) return ret;
    yield ev("aex", index, "fault");
    m.hw.exit(m.cpu());
    const r = yield* enclave_page_fault(m, th, index);
    if (r & VM_FAULT_SIGBUS) {
      yield* enclave_fault_sigbus(m, th, index);
      return EACCEPT_KILLED;
    }
    // A retry that would fault again at once waits until another thread moved (see access_actor).
    const pte = th.vma.pte.get(index);
    if (pte < 0 || !m.hw.mapped(pte, eid, index))
      yield withSite<SpinWaitOp>({ kind: "spin_wait", why: `retry EACCEPT of page ${index}` });
    // SIGKILL (exit_group) arrived: the thread dies outside the enclave instead of resuming.
    if (signal_pending(m)) return EACCEPT_KILLED;
    yield ev("eresume", index, "ERESUME");
    m.hw.enter(m.cpu(), eid);
  }
}

/**
 * The runtime's answer to an EPCM fault of the current thread at `index` (the thread is in enclave
 * mode, its slice just ended): AEX; on another TCS, EACCEPT the page as an EAUGed one; on success
 * ERESUME (true). If the page was not pending (someone else accepted it, or another thread is
 * trimming or removing it) the access is retried: once (then the thread dies of SIGSEGV, false),
 * or, `patient`, whenever another thread has moved (the checker's actors: a page in transition is
 * waited for, and one that never changes is a livelock).
 */
export function* enclave_epcm_fault(
  m: Machine,
  th: EnclaveThread,
  index: number,
  patient = false,
): ModelGen<boolean> {
  const eid = th.ue.encl.eid;
  yield ev("aex", index, "epcm fault");
  m.hw.exit(m.cpu());
  yield ev("epcm_fault", index, "#PF with the SGX bit");
  if (th.epcmRetry !== index) {
    yield ev("eenter", -1, "EENTER (handler TCS)");
    m.hw.enter(m.cpu(), eid);
    const r = yield* enclave_eaccept(m, th, index, ACCEPT_PENDING);
    if (r === EACCEPT_KILLED) return false;
    yield ev("eexit", -1, "EEXIT (handler TCS)");
    m.hw.exit(m.cpu());
    if (r === SGX_SUCCESS || r === SGX_PAGE_ATTRIBUTES_MISMATCH) {
      if (r !== SGX_SUCCESS && patient)
        yield withSite<SpinWaitOp>({
          kind: "spin_wait",
          why: `page ${index} is in transition (EACCEPT mismatch)`,
        });
      else if (r !== SGX_SUCCESS) th.epcmRetry = index;
      yield ev("eresume", index, "ERESUME");
      m.hw.enter(m.cpu(), eid);
      return true;
    }
  }
  th.sigsegv = true;
  yield ev("sigsegv", index, "SIGSEGV");
  return false;
}

/** The thread body: EENTER, slices of touches, faults, timer ticks and preemption, EEXIT. */
export function* enclave_thread_main(m: Machine, th: EnclaveThread): ModelGen {
  yield* enclave_run_loop(m, th);
  if (th.sigbus || th.sigsegv || th.killed) th.proc.failed = true;
  yield* thread_exit(m, th.proc);
}

/**
 * One enclave call that runs the thread's pattern to its end: EENTER, slices of touches, faults
 * (ordinary and EPCM), timer ticks and preemption, EEXIT. Ends early when the thread is killed.
 */
export function* enclave_run_loop(m: Machine, th: EnclaveThread): ModelGen {
  const eid = th.ue.encl.eid;
  yield ev("eenter", -1, "EENTER");
  m.hw.enter(m.cpu(), eid);
  let sinceOcall = 0;
  while (!th.pattern.done()) {
    if (signal_pending(m)) {
      // A fatal signal: the IPI that delivers it forces an AEX and the thread dies outside the enclave.
      th.killed = true;
      yield ev("aex", -1, "signal");
      m.hw.exit(m.cpu());
      break;
    }
    const op: EnclaveRunOp = {
      kind: "enclave_run",
      budget: th.budget,
      touches: 0,
      faulted: false,
      dataErrors: 0,
    };
    yield op;
    enclave_run_effect(m, th, op);
    if (op.dataErrors) th.proc.failed = true;
    sinceOcall += op.touches;
    if (op.faulted && th.epcmFault) {
      if (!(yield* enclave_epcm_fault(m, th, th.faultPage))) break;
    } else if (op.faulted) {
      yield ev("aex", th.faultPage, "fault");
      m.hw.exit(m.cpu());
      const ret = yield* enclave_page_fault(m, th, th.faultPage);
      if (ret & VM_FAULT_SIGBUS) {
        yield* enclave_fault_sigbus(m, th, th.faultPage);
        break;
      }
      yield ev("eresume", th.faultPage, "ERESUME");
      m.hw.enter(m.cpu(), eid);
    }
    if (th.ocallEvery > 0 && sinceOcall >= th.ocallEvery) {
      sinceOcall = 0;
      yield ev("eexit", -1, "OCALL");
      m.hw.exit(m.cpu());
      yield ev("syscall", -1, "ocall");
      yield ev("eenter", -1, "EENTER");
      m.hw.enter(m.cpu(), eid);
    }
    const p = yield PREEMPT;
    if (p !== PREEMPT_NONE) {
      // A timer interrupt arrives while the thread is in the enclave: AEX.
      yield ev("aex", -1, p === PREEMPT_TICK ? "tick" : "preempt");
      m.hw.exit(m.cpu());
      if (p === PREEMPT_RESCHED) yield* cond_resched(m);
      yield ev("eresume", -1, "ERESUME");
      m.hw.enter(m.cpu(), eid);
    }
  }
  if (!th.sigbus && !th.sigsegv && !th.killed) {
    yield ev("eexit", -1, "EEXIT");
    m.hw.exit(m.cpu());
  }
}
