/**
 * Actors for the interleaving checker: short programs, each one kernel or user path, that the
 * checker runs concurrently on a prepared state. An enclave access touches one page per op, so the
 * checker can interleave the reclaimer between any two touches.
 */
import type { EnclaveRunOp, ModelGen, SpinWaitOp, UserEventOp } from "../../rt/ops.ts";
import { withSite } from "../../rt/site.ts";
import { PAGE_SIZE, SGX_PAGE_ATTRIBUTES_MISMATCH, SGX_SUCCESS, sgxRetName } from "../hw/arch.ts";
import { cgroup_rmdir, type misc_cg } from "../kernel/cgroup/misc.ts";
import { EBUSY, errnoName } from "../kernel/lib/errno.ts";
import { fput } from "../kernel/lib/file.ts";
import { VM_FAULT_SIGBUS, vm_munmap } from "../kernel/lib/mm.ts";
import { signal_pending } from "../kernel/lib/sched.ts";
import type { SgxCgroupGlobals } from "../kernel/sgx/epc_cgroup.ts";
import { SGX_SECINFO_R, SGX_SECINFO_REG, SGX_SECINFO_W } from "../kernel/sgx/ioctl.ts";
import type { Machine } from "../machine.ts";
import { listPattern } from "./access.ts";
import {
  EACCEPT_KILLED,
  EnclaveThread,
  enclave_epcm_fault,
  enclave_page_fault,
  enclave_run_effect,
  sigbus_delivered,
} from "./enclave_thread.ts";
import { exit_process, fork, join_threads, type Process, type UserEnclave } from "./process.ts";
import { type AcceptKind, acceptSecinfo, eaccept_call, type Sgx2Ioctl, sgx2_ioctl } from "./sgx2.ts";
import { vepc_close, vepc_create, vepc_populate } from "./vm.ts";

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
  if (signal_pending(m)) return;
  yield ev("eenter", -1, "EENTER");
  m.hw.enter(m.cpu(), eid);
  while (!th.pattern.done()) {
    if (signal_pending(m)) {
      // SIGKILL (exit_group of the process): the IPI that delivers it is an AEX; the thread dies.
      yield ev("aex", -1, "signal");
      m.hw.exit(m.cpu());
      return;
    }
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
    if (th.epcmFault) {
      // SGX2: the runtime accepts an EAUGed page and resumes; any other EPCM fault is fatal.
      if (yield* enclave_epcm_fault(m, th, th.faultPage, true)) continue;
      if (th.sigsegv) m.warn("sigsegv", `SIGSEGV (EPCM fault) on enclave page ${th.faultPage}`);
      else m.warn("sigbus", `SIGBUS on enclave page ${th.faultPage}`);
      return;
    }
    yield ev("aex", th.faultPage, "fault");
    m.hw.exit(m.cpu());
    const ret = yield* enclave_page_fault(m, th, th.faultPage);
    if (ret & VM_FAULT_SIGBUS) {
      yield ev("sigbus", th.faultPage, "SIGBUS");
      if (sigbus_delivered(m)) m.warn("sigbus", `SIGBUS on enclave page ${th.faultPage}`);
      return;
    }
    // NOPAGE also means success (the PTE is in place). Only a retry that would fault again at once
    // (the page is busy, or no EPC page was free) waits for another thread to move first.
    const pte = th.vma.pte.get(th.faultPage);
    if (pte < 0 || !m.hw.mapped(pte, eid, th.faultPage))
      yield withSite<SpinWaitOp>({ kind: "spin_wait", why: `retry the access to page ${th.faultPage}` });
    yield ev("eresume", th.faultPage, "ERESUME");
    m.hw.enter(m.cpu(), eid);
  }
  yield ev("eexit", -1, "EEXIT");
  m.hw.exit(m.cpu());
}

/**
 * A reclaimer: `rounds` of what ksgxd does per wake-up: sgx_reclaim_pages() on the global list, or
 * on a kernel with the v16 EPC cgroup (whose pages sit on their cgroups' LRUs, not on the global
 * list) a global round over every cgroup (sgx_reclaim_pages_global).
 */
export function* reclaim_actor(m: Machine, rounds: number): ModelGen {
  // The EPC cgroup is initialized (its root has an sgx_cgroup): decided from the state, not from
  // the function table, which probes and patches may wrap.
  const perCgroup = ((m.misc.epc as SgxCgroupGlobals | null)?.sgx_cg_root ?? null) !== null;
  for (let i = 0; i < rounds; i++)
    if (perCgroup) yield* m.fn.sgx_cgroup_reclaim_pages_global(m, null);
    else yield* m.fn.sgx_reclaim_pages(m);
}

/** SGX_IOC_ENCLAVE_ADD_PAGES of `n` more regular pages into an enclave that is not initialized yet. */
export function* add_pages_actor(m: Machine, ue: UserEnclave, first: number, n: number): ModelGen {
  const arg = {
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
  };
  const ret = yield* m.fn.sgx_ioctl(m, ue.encl, { cmd: "SGX_IOC_ENCLAVE_ADD_PAGES", arg });
  // A scenario whose ADD_PAGES fails (a page outside ELRANGE, no EPC) would race nothing: say so.
  if (ret < 0)
    m.warn("ioctl_failed", `ADD_PAGES returned -${errnoName(ret)} after ${arg.count / PAGE_SIZE} pages`);
}

/**
 * The process exits (exit_group): its other threads get SIGKILL and leave at their next chance;
 * once the last of them is gone its mm goes (MMU notifier release) and its enclave files are
 * closed. Model: the exiting thread waits for its siblings and then releases everything itself;
 * in the kernel the last thread to exit drops the last mm and files reference, which is the same
 * release after the same deaths.
 */
export function* exit_actor(m: Machine, proc: Process): ModelGen {
  for (const t of m.tasks) if (t.mm === proc.mm && t !== m.current) t.sigpending = true;
  yield* join_threads(m, proc);
  yield* exit_process(m, proc);
}

/**
 * The process unmaps the enclave (munmap, optional), closes its enclave file and, with `exit`, then
 * exits. Its mm stays on the enclave's mm_list until it exits, so the last close can run
 * sgx_release() while another mm's MMU notifier release is in flight.
 */
export function* close_actor(
  m: Machine,
  proc: Process,
  ue: UserEnclave,
  munmap: boolean,
  exit: boolean,
): ModelGen {
  const k = proc.files.findIndex((f) => f.encl === ue.encl);
  const f = proc.files[k];
  if (f) {
    if (munmap) {
      yield ev("syscall", -1, "munmap");
      yield* vm_munmap(m, proc.mm, f);
      if (ue.vma?.vm_mm === proc.mm) ue.vma = null;
    }
    yield ev("syscall", -1, "close");
    proc.files.splice(k, 1);
    yield* fput(m, f);
  }
  if (exit) yield* exit_actor(m, proc);
}

/**
 * rmdir of a cgroup, as a container runtime does once the container's processes are gone: retried
 * while the cgroup still has live tasks or children (-EBUSY).
 */
export function* rmdir_actor(m: Machine, cg: misc_cg): ModelGen {
  for (;;) {
    yield ev("syscall", -1, `rmdir(${cg.name})`);
    const r = yield* cgroup_rmdir(m, cg);
    if (r !== -EBUSY) {
      if (r) m.warn("rmdir", `rmdir ${cg.name} returned -${errnoName(r)}`);
      return;
    }
    yield withSite<SpinWaitOp>({ kind: "spin_wait", why: `rmdir ${cg.name}: cgroup busy` });
  }
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

/**
 * An enclave thread EACCEPTs each page in its own enclave call (an absent page is EAUGed by the
 * fault on the way). Accepting an EAUGed page another thread already accepted is fine (the second
 * EACCEPT reports a mismatch); with `write`, the page is then written and read back. A SIGBUS or any
 * other EACCEPT failure is reported.
 */
export function* eaccept_actor(
  m: Machine,
  proc: Process,
  ue: UserEnclave,
  pages: number[],
  accept: AcceptKind,
  write: boolean,
): ModelGen {
  for (const page of pages) {
    if (signal_pending(m)) return;
    const r = yield* eaccept_call(m, proc, ue, page, acceptSecinfo(accept));
    if (r === EACCEPT_KILLED) {
      if (sigbus_delivered(m)) m.warn("sigbus", `SIGBUS on enclave page ${page} (EACCEPT)`);
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

/**
 * An SGX2 ioctl over pages [first, end) retried from where it stopped on -EAGAIN or -EBUSY; any
 * other failure is reported.
 */
export function* sgx2_ioctl_actor(
  m: Machine,
  ue: UserEnclave,
  which: Sgx2Ioctl,
  range: [number, number],
  param: number,
): ModelGen {
  const r = yield* sgx2_ioctl(m, ue, which, range[0], range[1] - range[0], param);
  // A killed thread's ioctl ends with -EINTR/-ERESTARTSYS: not a failure of the scenario.
  if (r.ret && !signal_pending(m))
    m.warn("ioctl_failed", `${which} returned -${errnoName(r.ret)} after ${r.count / PAGE_SIZE} pages`);
}

/**
 * A VMM gives its guest `pages` pages of virtual EPC: open and mmap /dev/sgx_vepc, the guest
 * touches every page (host faults that may be retried), then the VMM closes it.
 */
export function* vepc_actor(m: Machine, proc: Process, pages: number): ModelGen {
  const g = yield* vepc_create(m, proc, pages);
  if (typeof g === "number") {
    m.warn("vepc", `vEPC mmap failed: -${errnoName(g)}`);
    return;
  }
  if (!(yield* vepc_populate(m, proc, g))) m.warn("sigbus", "SIGBUS on a guest EPC page");
  yield* vepc_close(m, proc, g);
}
