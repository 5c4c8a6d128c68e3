/**
 * The op protocol: what model code yields to a driver.
 *
 * Model code is synchronous generators. A generator yields an op immediately BEFORE the action the op
 * stands for; the action happens when the driver resumes the generator, atomically until the next
 * yield. Ops are plain data: a string `kind` plus references to the objects they touch, so the
 * simulator can price them and the checker can compute dependencies and write race reports.
 *
 * Some ops carry a result field that the model fills in right after the action (for example the
 * return code of an ENCLS leaf, or the CPUs an IPI forced out of enclave mode). Drivers read those
 * fields after the resume to derive metrics; they never change model state.
 */

/** Anything that has a stable numeric location id (locks, wait queues, shared fields). */
export interface Located {
  readonly id: number;
  /** Class of the location for metrics and reports, e.g. "sgx_reclaimer_lock" or "encl->lock". */
  readonly cls: string;
}

export interface LockLike extends Located {
  /** Thread id of the holder (exclusive) or -1. For rw semaphores, the writer. */
  owner: number;
}

export interface RwLockLike extends LockLike {
  /** Number of readers holding the semaphore. */
  readers: number;
}

export type LockOpKind =
  | "spin_lock"
  | "spin_unlock"
  | "mutex_lock"
  | "mutex_unlock"
  | "down_read"
  | "up_read"
  | "down_write"
  | "up_write";

export interface LockOp {
  kind: LockOpKind;
  lock: LockLike;
}

const LOCK_OP_KINDS: Readonly<Record<LockOpKind, true>> = {
  spin_lock: true,
  spin_unlock: true,
  mutex_lock: true,
  mutex_unlock: true,
  down_read: true,
  up_read: true,
  down_write: true,
  up_write: true,
};

/** Is `op` a lock acquisition or release? */
export function isLockOp(op: { kind: string }): op is LockOp {
  return op.kind in LOCK_OP_KINDS;
}

/** An atomic read-modify-write or read of a shared variable (atomic_long_t, kref, bit ops). */
export interface AtomicOp {
  kind: "atomic";
  loc: Located;
  what: string;
  write: boolean;
}

/**
 * A plain read or write of shared data done WITHOUT its guarding lock, e.g. the unlocked list_empty()
 * in sgx_alloc_epc_page() or sgx_should_reclaim(). `sub` names the element (a page id) when the
 * location is an array; -1 otherwise.
 */
export interface SharedOp {
  kind: "read" | "write";
  loc: Located;
  sub: number;
  what: string;
}

/** ENCLS leaf names the driver uses, and ENCLU[EACCEPT] (an enclave thread's leaf). */
export type EnclsLeaf =
  | "ECREATE"
  | "EADD"
  | "EEXTEND"
  | "EINIT"
  | "EPA"
  | "EBLOCK"
  | "ETRACK"
  | "EWB"
  | "ELDU"
  | "EREMOVE"
  | "EAUG"
  | "EMODPR"
  | "EMODT"
  | "EACCEPT";

export interface EnclsOp {
  kind: "encls";
  leaf: EnclsLeaf;
  /** EPC page the leaf operates on (for ETRACK: the SECS page). */
  page: number;
  /** Return code, filled in by the model right after the leaf executed. */
  ret: number;
}

/** on_each_cpu_mask(mask, cb, wait=1): IPIs every CPU in the mask and waits for them. */
export interface IpiOp {
  kind: "ipi";
  why: "sgx_ewb" | "tlb_shootdown" | "sgx_etrack";
  /** Number of target CPUs (filled in by the model when it computed the mask). */
  targets: number;
  /** CPUs that were in enclave mode and were forced out (AEX), filled in after the action. */
  aex: number[];
}

/** prepare_to_wait() was done and the task state set; schedule() now sleeps until woken. */
export interface SleepOp {
  kind: "sleep";
  /** The task that sleeps: the op is enabled again once its state is TASK_RUNNING. */
  task: TaskLike;
  wq: Located;
}

/** wake_up(): the model fills `woken` with the ids of tasks it moved to TASK_RUNNING. */
export interface WakeOp {
  kind: "wake_up";
  wq: Located;
  woken: number[];
}

/** synchronize_srcu(): enabled once no SRCU reader that started before it remains. */
export interface SrcuSyncOp {
  kind: "srcu_sync";
  srcu: SrcuLike;
  /** The grace-period number this synchronize waits for. */
  gp: number;
}

export interface SrcuLike extends Located {
  /** Oldest grace period with an active reader, or Infinity. */
  oldestReader(): number;
}

/** Work without shared effects that the cost model prices (encrypting a page, a shmem copy...). */
export interface WorkOp {
  kind: "work";
  what: string;
  /** Units of work, e.g. number of pages or 256-byte blocks; cost = unit cost x n. */
  n: number;
}

/** All nondeterminism goes through choose: the driver answers with an integer in [0, n). */
export interface ChooseOp {
  kind: "choose";
  n: number;
  why: string;
}

/** cond_resched(): a point where the task may give up its CPU. */
export interface ReschedOp {
  kind: "cond_resched";
}

/** A new thread (kthread_run, clone) becomes runnable. */
export interface SpawnOp {
  kind: "spawn";
  thread: ThreadSpec;
}

/**
 * Enclave execution by a user thread: up to `budget` page touches inside the enclave.
 * Filled in after the action: `touches` done, `faulted` (a touch hit a non-present page and AEXed),
 * `dataErrors` (reads whose data token did not match what the enclave last wrote).
 */
export interface EnclaveRunOp {
  kind: "enclave_run";
  budget: number;
  touches: number;
  faulted: boolean;
  dataErrors: number;
}

/**
 * User-mode events of an enclave thread that drivers time and count. `epcm_fault`: a #PF with the
 * SGX bit (the EPCM refused an access to a mapped page, e.g. a PENDING one); the kernel cannot fix
 * it and reports it to the enclave's runtime. `sigsegv`: the thread was killed by one.
 */
export interface UserEventOp {
  kind:
    | "eenter"
    | "eresume"
    | "eexit"
    | "aex"
    | "page_fault"
    | "sigbus"
    | "syscall"
    | "epcm_fault"
    | "sigsegv";
  /** For page_fault: the enclave page index; for syscall: -1. */
  page: number;
  why: string;
}

/** Preemption point of a user thread: the driver answers 1 to preempt (the thread then AEXes). */
export interface PreemptPointOp {
  kind: "preempt_point";
}

/**
 * msleep(): the thread sleeps for a while (the kernel's msleep, a user program's nanosleep). The
 * duration is a parameter of the program, not model time: the simulator waits that long, the
 * checker treats the sleep as a scheduling point only.
 */
export interface MsleepOp {
  kind: "msleep";
  ns: number;
}

/**
 * A busy-wait retry (a fault that returned NOPAGE is retried by the hardware). Always enabled for
 * the simulator (the thread spins); the checker runs it only after some other thread has taken a
 * step, so a thread that can only spin cannot starve the exploration, and a thread left spinning
 * alone is a livelock.
 */
export interface SpinWaitOp {
  kind: "spin_wait";
  why: string;
}

/** A marker with no shared effect that structures traces (phase names, function entry). */
export interface MarkOp {
  kind: "mark";
  what: string;
  detail: number;
}

export type Op =
  | LockOp
  | AtomicOp
  | SharedOp
  | EnclsOp
  | IpiOp
  | SleepOp
  | WakeOp
  | SrcuSyncOp
  | WorkOp
  | ChooseOp
  | ReschedOp
  | SpawnOp
  | EnclaveRunOp
  | UserEventOp
  | PreemptPointOp
  | MsleepOp
  | SpinWaitOp
  | MarkOp;

export type OpKind = Op["kind"];

/** Every op kind the drivers know (a Record, so that TypeScript insists on all of them). */
export const OP_KINDS: Readonly<Record<OpKind, true>> = Object.freeze({
  ...LOCK_OP_KINDS,
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
  mark: true,
});

/**
 * Is `kind` one of OP_KINDS? The same answer as `OP_KINDS[kind] === true`, as a switch with the
 * common kinds first: a keyed lookup with a varying key costs several times more, and every step of
 * every thread asks (test/rt/thread.test.ts checks both agree).
 */
export function isOpKind(kind: unknown): kind is OpKind {
  switch (kind) {
    case "work":
    case "spin_lock":
    case "spin_unlock":
    case "atomic":
    case "enclave_run":
    case "preempt_point":
    case "mutex_lock":
    case "mutex_unlock":
    case "encls":
    case "down_read":
    case "up_read":
    case "cond_resched":
    case "aex":
    case "eresume":
    case "page_fault":
    case "mark":
    case "wake_up":
    case "ipi":
    case "sleep":
    case "syscall":
    case "spawn":
    case "eenter":
    case "down_write":
    case "up_write":
    case "srcu_sync":
    case "eexit":
    case "read":
    case "write":
    case "choose":
    case "msleep":
    case "spin_wait":
    case "sigbus":
    case "epcm_fault":
    case "sigsegv":
      return true;
    default:
      return false;
  }
}

/** The minimal view of a task the runtime needs (the model's task_struct implements it). */
export interface TaskLike {
  readonly pid: number;
  readonly comm: string;
  state: number;
}

/** A generator that model code runs as; `R` is its return value. */
export type ModelGen<R = void> = Generator<Op, R, number>;

/** What is needed to start a thread: its task and its body. */
export interface ThreadSpec {
  task: TaskLike;
  body: () => ModelGen<unknown>;
  /** Kernel thread (ksgxd), user thread (enclave thread, ioctl caller). */
  kind: "kthread" | "user";
  /** CPU to pin to, or -1 for any. */
  cpu: number;
  /** Workload parameter for the timed driver: compute time per enclave page touch (ns). */
  touchNs?: number;
}

export const TASK_RUNNING = 0;
export const TASK_INTERRUPTIBLE = 1;
export const TASK_UNINTERRUPTIBLE = 2;
export const TASK_DEAD = 64;
