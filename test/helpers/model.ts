/** Small hand-built machines and enclaves for tests of single kernel paths. */
import { PF_KTHREAD } from "../../src/model/kernel/lib/sched.ts";
import type { SgxConstants } from "../../src/model/kernel/sgx/sgx.ts";
import { Machine } from "../../src/model/machine.ts";
import { build_enclave, newProcess, type Process, type UserEnclave } from "../../src/model/user/process.ts";
import type { ModelGen } from "../../src/rt/ops.ts";
import { runSequential } from "../../src/rt/sequential.ts";

export function machine(
  pages: number,
  opt: { cpus?: number; nodes?: number; c?: Partial<SgxConstants> } = {},
): Machine {
  const cpus = opt.cpus ?? 2;
  const nodes = opt.nodes ?? 1;
  const per = Math.floor(pages / nodes);
  return new Machine({
    cpuNodes: Array.from({ length: cpus }, (_, i) => Math.floor((i * nodes) / cpus)),
    sections: Array.from({ length: nodes }, (_, n) => ({
      node: n,
      pages: n === nodes - 1 ? pages - per * (nodes - 1) : per,
    })),
    constants: opt.c,
  });
}

/** Run `body` to completion as a kernel thread (no other thread interleaves). */
export function kseq<R>(m: Machine, body: () => ModelGen<R>, comm = "test", cpu = 0): R {
  const task = m.newTask(comm, PF_KTHREAD, null);
  return runSequential(m, task, body, { cpu });
}

/** Run `body` as a thread of `proc` (it has the process's mm). */
export function useq<R>(m: Machine, proc: Process, body: () => ModelGen<R>, comm = "user"): R {
  const task = m.newTask(comm, 0, proc.mm);
  return runSequential(m, task, body);
}

/** Build (ECREATE, ADD_PAGES, EINIT, mmap) an enclave of `pages` regular pages and `tcs` TCS pages. */
export function enclave(m: Machine, pages: number, tcs = 0, name = "e"): { proc: Process; ue: UserEnclave } {
  const proc = newProcess(m, `p-${name}`);
  const r = useq(m, proc, () =>
    build_enclave(
      m,
      proc,
      { name, pages, tcs, size: 0, measure: false, add_chunk: 1024 },
      0x7f00_0000_0000 + m.enclaves.length * 2 ** 38,
    ),
  );
  if (typeof r === "number") throw new Error(`build failed: ${r}`);
  return { proc, ue: r };
}

/** Enclave page id (struct sgx_encl_page) of page `index`. */
export function entry(ue: UserEnclave, index: number): number {
  return ue.encl.page_array.get(index);
}

/** EPC page of enclave page `index`, or -1 when evicted. */
export function epcOf(m: Machine, ue: UserEnclave, index: number): number {
  return m.encl_pages.epc_page.a[entry(ue, index)]!;
}

export function warnings(m: Machine): string[] {
  return m.dmesg.map((d) => `${d.tag}: ${d.msg}`);
}
