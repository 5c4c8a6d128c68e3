/**
 * Actors for the interleaving checker: short programs, each one kernel or user path, that the
 * checker runs concurrently on a prepared state. An enclave access touches one page per op, so the
 * checker can interleave the reclaimer between any two touches.
 */
import type { EnclaveRunOp, ModelGen, SpinWaitOp, UserEventOp } from "../../rt/ops.ts";
import { withSite } from "../../rt/site.ts";
import { PAGE_SIZE } from "../hw/arch.ts";
import { VM_FAULT_SIGBUS } from "../kernel/lib/mm.ts";
import { SGX_SECINFO_R, SGX_SECINFO_REG, SGX_SECINFO_W } from "../kernel/sgx/ioctl.ts";
import type { Machine } from "../machine.ts";
import { listPattern } from "./access.ts";
import { EnclaveThread, enclave_page_fault, enclave_run_effect } from "./enclave_thread.ts";
import { exit_process, fork, type Process, type UserEnclave } from "./process.ts";

function ev(kind: UserEventOp["kind"], page: number, why: string): UserEventOp {
  return withSite({ kind, page, why });
}

/**
 * An enclave thread: EENTER, touch each page once (faulting it in if needed; a fault that returns
 * NOPAGE is retried, as the hardware re-executes the access), EEXIT. Between retries the thread
 * spin-waits: the checker lets it retry only after another thread moved, and reports a livelock if
 * nothing else can ever move.
 */
export function* access_actor(
  m: Machine,
  proc: Process,
  ue: UserEnclave,
  pages: number[],
  write: boolean,
): ModelGen {
  const th = new EnclaveThread(proc, ue, listPattern(pages, write), 1, 0);
  const eid = ue.encl.eid;
  yield ev("eenter", -1, "EENTER");
  m.hw.enter(m.cpu(), eid);
  while (!th.pattern.done()) {
    const op: EnclaveRunOp = withSite({
      kind: "enclave_run",
      budget: 1,
      touches: 0,
      faulted: false,
      dataErrors: 0,
    });
    yield op;
    enclave_run_effect(m, th, op);
    if (op.dataErrors) m.warn("data_error", `enclave read stale data from page ${th.pattern.peek()}`);
    if (!op.faulted) continue;
    yield ev("aex", th.faultPage, "fault");
    m.hw.exit(m.cpu());
    const ret = yield* enclave_page_fault(m, th, th.faultPage);
    if (ret & VM_FAULT_SIGBUS) {
      yield ev("sigbus", th.faultPage, "SIGBUS");
      m.warn("sigbus", `SIGBUS on enclave page ${th.faultPage}`);
      return;
    }
    // NOPAGE also means success (the PTE is in place). Only a retry that would fault again at once
    // (the page is busy, or no EPC page was free) waits for another thread to move first.
    const pte = th.vma.pte.get(th.faultPage);
    if (pte < 0 || !m.hw.accessible(pte, eid, th.faultPage))
      yield withSite<SpinWaitOp>({ kind: "spin_wait", why: `retry the access to page ${th.faultPage}` });
    yield ev("eresume", th.faultPage, "ERESUME");
    m.hw.enter(m.cpu(), eid);
  }
  yield ev("eexit", -1, "EEXIT");
  m.hw.exit(m.cpu());
}

/** A reclaimer: `rounds` calls of sgx_reclaim_pages(). */
export function* reclaim_actor(m: Machine, rounds: number): ModelGen {
  for (let i = 0; i < rounds; i++) yield* m.fn.sgx_reclaim_pages(m);
}

/** SGX_IOC_ENCLAVE_ADD_PAGES of `n` more regular pages into an enclave that is not initialized yet. */
export function* add_pages_actor(m: Machine, ue: UserEnclave, first: number, n: number): ModelGen {
  yield* m.fn.sgx_ioctl(m, ue.encl, {
    cmd: "SGX_IOC_ENCLAVE_ADD_PAGES",
    arg: {
      offset: first * PAGE_SIZE,
      length: n * PAGE_SIZE,
      secinfo: SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W,
      flags: 0,
      count: 0,
      src: (i: number) => {
        const t = m.hw.newToken();
        ue.truth[first + i] = t;
        return t;
      },
    },
  });
}

/** The process exits: its mm goes (MMU notifier release), then its enclave files are closed. */
export function* exit_actor(m: Machine, proc: Process): ModelGen {
  yield* exit_process(m, proc);
}

/** fork() a child of the process, then let the child exit. */
export function* fork_exit_actor(m: Machine, proc: Process): ModelGen {
  const child = yield* fork(m, proc, `${proc.name}-child`);
  yield* exit_process(m, child);
}

/** A machine check reports poison in the EPC page that holds enclave page `index` (if resident). */
export function* poison_actor(m: Machine, ue: UserEnclave, index: number): ModelGen {
  const entry = ue.encl.page_array.get(index);
  const epc = entry >= 0 ? m.encl_pages.epc_page.a[entry]! : -1;
  if (epc >= 0) yield* m.fn.arch_memory_failure(m, epc, 0);
}
