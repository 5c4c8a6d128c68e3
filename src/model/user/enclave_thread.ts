/**
 * An enclave thread: it enters its enclave and touches pages by its access pattern. Touches of
 * present pages are done in bulk inside one `enclave_run` op (a slice); a touch of a page without a
 * usable translation ends the slice with an AEX and the kernel's page fault path, after which the
 * thread ERESUMEs and retries the touch.
 */
import type { EnclaveRunOp, ModelGen, PreemptPointOp, UserEventOp } from "../../rt/ops.ts";
import { withSite } from "../../rt/site.ts";
import { PAGE_SIZE } from "../hw/arch.ts";
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
  for (let k = 0; k < op.budget; k++) {
    if (pat.done()) break;
    const idx = pat.peek();
    let p = cpu.tlbLookup(idx);
    if (p < 0) {
      const pte = vma.pte.get(idx);
      if (pte < 0 || !hw.accessible(pte, eid, idx)) {
        op.faulted = true;
        th.faultPage = idx;
        break;
      }
      p = pte;
      hw.tlbFill(cpu, idx, p);
      vma.young.set(idx, 1);
    }
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

/** The thread body: EENTER, slices of touches, faults, timer ticks and preemption, EEXIT. */
export function* enclave_thread_main(m: Machine, th: EnclaveThread): ModelGen {
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
    if (op.faulted) {
      yield ev("aex", th.faultPage, "fault");
      m.hw.exit(m.cpu());
      const ret = yield* enclave_page_fault(m, th, th.faultPage);
      if (ret & VM_FAULT_SIGBUS) {
        th.sigbus = true;
        yield ev("sigbus", th.faultPage, "SIGBUS");
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
  if (!th.sigbus && !th.killed) {
    yield ev("eexit", -1, "EEXIT");
    m.hw.exit(m.cpu());
  }
  if (th.sigbus || th.killed) th.proc.failed = true;
  yield* thread_exit(m, th.proc);
}
