/**
 * User space: processes with an mm, enclaves they build and map, and their life cycle (create, add
 * pages, init, mmap, fork, exit). These are the syscalls an SGX application makes, written as the
 * kernel entry points they reach (ioctl, mmap, fork's dup_mmap, exit_mmap, close).
 */
import type { ModelGen, UserEventOp } from "../../rt/ops.ts";
import { withSite } from "../../rt/site.ts";
import { PAGE_SIZE } from "../hw/arch.ts";
import { file, fput, get_file } from "../kernel/lib/file.ts";
import { down_write, up_write } from "../kernel/lib/locks.ts";
import {
  copy_page_range,
  type mm_struct,
  mmput,
  VM_DONTCOPY,
  VM_READ,
  VM_WRITE,
  vm_area_struct,
} from "../kernel/lib/mm.ts";
import { wait_event, wait_queue_head_t, wake_up } from "../kernel/lib/sched.ts";
import {
  SGX_ATTR_DEBUG,
  SGX_PAGE_MEASURE,
  SGX_SECINFO_R,
  SGX_SECINFO_REG,
  SGX_SECINFO_TCS,
  SGX_SECINFO_W,
  SGX_SECINFO_X,
} from "../kernel/sgx/ioctl.ts";
import type { sgx_encl } from "../kernel/sgx/sgx.ts";
import type { Machine } from "../machine.ts";
import { type VmGuest, vepc_close } from "./vm.ts";

/** What a process builds: an enclave of `pages` heap pages (plus TCS pages) in an ELRANGE. */
export interface EnclaveBuildSpec {
  name: string;
  /** Regular pages added with ADD_PAGES (code + heap). */
  pages: number;
  /** TCS pages added after them (one per thread the enclave supports). */
  tcs: number;
  /** ELRANGE size in bytes: a power of two >= (pages + tcs) * 4096; 0 = smallest that fits. */
  size: number;
  /** EEXTEND every added page (measurement). */
  measure: boolean;
  /** Pages per ADD_PAGES ioctl (the SDK adds a segment per call). */
  add_chunk: number;
}

/** An enclave as its process sees it: the file, the mapping, and what it last wrote to each page. */
export class UserEnclave {
  /** Data token the enclave last wrote to each page (what a read must see). */
  readonly truth: Float64Array;
  vma: vm_area_struct | null = null;
  constructor(
    readonly encl: sgx_encl,
    readonly spec: EnclaveBuildSpec,
    nrPages: number,
  ) {
    this.truth = new Float64Array(nrPages);
  }
}

/**
 * An open /dev/sgx_enclave file (struct file): shared by parent and child after fork, and referred
 * to by every VMA that maps it; the last fput runs sgx_release.
 */
export class SgxFile extends file {
  constructor(readonly encl: sgx_encl) {
    super(encl, "sgx_release");
  }
}

/** A user process: its mm, its enclaves and open enclave files, its threads. */
export class Process {
  readonly enclaves: UserEnclave[] = [];
  /** Open /dev/sgx_enclave files. */
  readonly files: SgxFile[] = [];
  /** Live threads besides the main one, and where the main thread waits for them. */
  live = 0;
  readonly join: wait_queue_head_t;
  exited = false;
  /** Build failed with this errno (0 = no failure). */
  buildError = 0;
  /** The program did not run to the end correctly: a thread got SIGBUS or read stale data, or a signal killed it. */
  failed = false;
  /** Open /dev/sgx_vepc files (a VMM process's guests). */
  readonly vms: VmGuest[] = [];
  /** Steps of the process's script whose expectation failed (what the selftest would report). */
  readonly scriptFailures: string[] = [];
  constructor(
    readonly name: string,
    readonly mm: mm_struct,
    joinId: number,
  ) {
    this.join = new wait_queue_head_t(joinId, "process join");
  }
}

function userEvent(kind: UserEventOp["kind"], page: number, why: string): UserEventOp {
  return withSite({ kind, page, why });
}

/** Where enclaves are placed in the address space: far apart, aligned to their size. */
const ENCL_BASE = 0x7f00_0000_0000;

export function newProcess(m: Machine, name: string): Process {
  const mm = m.newMm(name);
  return new Process(name, mm, m.newId());
}

/** The ELRANGE size in bytes the build uses for `spec`. */
export function elrangeSize(spec: Pick<EnclaveBuildSpec, "pages" | "tcs" | "size">): number {
  if (spec.size) return spec.size;
  let s = PAGE_SIZE;
  while (s < (spec.pages + spec.tcs) * PAGE_SIZE) s *= 2;
  return s;
}

/**
 * Build an enclave the way the SGX SDK and the selftests do: open, ECREATE, ADD_PAGES (regular
 * pages, then TCS pages), EINIT, then mmap the ELRANGE. Returns the enclave or -errno.
 */
export function* build_enclave(
  m: Machine,
  proc: Process,
  spec: EnclaveBuildSpec,
  base: number,
  /** EINIT the enclave (false: it stays open for more ADD_PAGES). */
  init = true,
): ModelGen<UserEnclave | number> {
  const encl = m.fn.sgx_open(m, spec.name);
  const file = new SgxFile(encl);
  proc.files.push(file);
  const size = elrangeSize(spec);
  const ue = new UserEnclave(encl, spec, size / PAGE_SIZE);
  yield userEvent("syscall", -1, "ioctl(SGX_IOC_ENCLAVE_CREATE)");
  let ret = yield* m.fn.sgx_ioctl(m, encl, {
    cmd: "SGX_IOC_ENCLAVE_CREATE",
    secs: { base, size, attributes: SGX_ATTR_DEBUG },
  });
  if (ret) return ret;
  const segments = [
    { first: 0, n: spec.pages, secinfo: SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W | SGX_SECINFO_X },
    { first: spec.pages, n: spec.tcs, secinfo: SGX_SECINFO_TCS },
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
        src: (i: number) => {
          const t = m.hw.newToken();
          ue.truth[first + i] = t;
          return t;
        },
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
  // One mapping of the whole ELRANGE, read-write (the TCS pages allow no more than RW).
  const vma = yield* mmap(m, proc.mm, file, base, base + size, VM_READ | VM_WRITE);
  if (typeof vma === "number") return vma;
  ue.vma = vma;
  proc.enclaves.push(ue);
  return ue;
}

/** The i-th enclave of the machine gets its own, size-aligned slice of the address space. */
export function enclaveBase(ordinal: number): number {
  return ENCL_BASE + ordinal * 2 ** 38;
}

/**
 * mmap(): vm_mmap takes the mmap_lock for write around the driver's mmap hook; the new VMA holds a
 * reference on the file (vma->vm_file), so the file's release waits for the mapping to go.
 */
export function* mmap(
  m: Machine,
  mm: mm_struct,
  f: SgxFile,
  start: number,
  end: number,
  flags: number,
): ModelGen<vm_area_struct | number> {
  yield userEvent("syscall", -1, "mmap");
  yield down_write(mm.mmap_lock);
  const vma = yield* m.fn.sgx_mmap(m, f.encl, mm, start, end, flags);
  if (typeof vma !== "number") vma.vm_file = get_file(f);
  yield up_write(mm.mmap_lock);
  return vma;
}

/**
 * fork(): dup_mmap copies every VMA into the child's mm with both mmap_locks held for write; the
 * enclave VMA's open hook registers the child's mm, then the PTEs are copied. Returns the child
 * process.
 */
export function* fork(m: Machine, parent: Process, childName: string): ModelGen<Process> {
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
      vma.vm_private_data,
    );
    nv.vm_file = vma.vm_file && get_file(vma.vm_file);
    child.mm.vmas.push(nv);
    yield* m.fn.sgx_vma_open(m, nv);
    // The enclave mapping is VM_PFNMAP: dup_mmap copies its PTEs (vma_needs_copy).
    yield* copy_page_range(m, nv, vma);
  }
  yield up_write(child.mm.mmap_lock);
  yield up_write(parent.mm.mmap_lock);
  // The child's descriptors refer to the parent's open files.
  for (const f of parent.files) child.files.push(get_file(f));
  return child;
}

/**
 * exit(): exit_mm drops mm_users; the last user runs exit_mmap, whose MMU notifier release unlinks
 * the mm from every enclave; then exit_files closes the enclave files (sgx_release).
 */
export function* exit_process(m: Machine, proc: Process): ModelGen {
  yield userEvent("syscall", -1, "exit");
  // exit_mm(): the process's reference on its address space.
  yield* mmput(m, proc.mm);
  // exit_files(): close every descriptor; the release runs with the last reference (a mapping
  // that outlives this, in a child or in an mm another CPU still holds, keeps the file open).
  for (const f of proc.files) yield* fput(m, f);
  proc.files.length = 0;
  for (const g of proc.vms) yield* vepc_close(m, proc, g);
  proc.exited = true;
}

/**
 * kill(pid, SIGKILL): every thread of the process gets the signal; each leaves at its next return
 * to user mode (kernel paths see signal_pending() and give up with -ERESTARTSYS or -EINTR).
 */
export function send_sigkill(m: Machine, proc: Process): void {
  for (const t of m.tasks) if (t.mm === proc.mm) t.sigpending = true;
}

/** The process's main thread waits until all its other threads exited (pthread_join). */
export function* join_threads(m: Machine, proc: Process): ModelGen {
  yield* wait_event(m, proc.join, function* () {
    return proc.live === 0;
  });
}

/** A thread of `proc` exits: wake the joiner. */
export function* thread_exit(m: Machine, proc: Process): ModelGen {
  proc.live--;
  yield* wake_up(m, proc.join);
}
