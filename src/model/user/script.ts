/**
 * A process's script: the steps of an application or a kernel selftest run one after the other by
 * the process's main thread (enclave calls that touch or EACCEPT pages, SGX2 ioctls, a guest's EPC,
 * sleeps). Each step has the selftest's expectation; a step that does not meet it is recorded in
 * the process and marked (`script_failed`), and the script goes on as the selftest's EXPECT does.
 */
import type { ModelGen } from "../../rt/ops.ts";
import { PAGE_SIZE } from "../hw/arch.ts";
import { errnoName } from "../kernel/lib/errno.ts";
import { msleep } from "../kernel/lib/sched.ts";
import type { Machine } from "../machine.ts";
import { listPattern } from "./access.ts";
import { EACCEPT_KILLED, EnclaveThread, enclave_run_loop } from "./enclave_thread.ts";
import type { Process } from "./process.ts";
import { type AcceptKind, acceptSecinfo, eaccept_call, PAGE_TYPES, sgx2_ioctl } from "./sgx2.ts";
import { vepc_close, vepc_create, vepc_populate, vepc_remove_all } from "./vm.ts";

/** The expected outcome of an ioctl step: its errno (0: success) and the bytes processed. */
export interface IoctlExpect {
  errno: number;
  /** Pages processed; undefined: the whole range on success, 0 on failure. */
  pages?: number;
}

export type ScriptStep =
  | { op: "access"; enclave: number; range: [number, number]; write: boolean }
  | { op: "eaccept"; enclave: number; range: [number, number]; accept: AcceptKind; perms: number }
  | {
      op: "modify_types";
      enclave: number;
      range: [number, number];
      type: "trim" | "tcs";
      retry: boolean;
      expect: IoctlExpect;
    }
  | { op: "remove_pages"; enclave: number; range: [number, number]; retry: boolean; expect: IoctlExpect }
  | {
      op: "restrict_permissions";
      enclave: number;
      range: [number, number];
      perms: number;
      retry: boolean;
      expect: IoctlExpect;
    }
  | { op: "vepc"; pages: number }
  | { op: "vepc_close" }
  | { op: "vepc_remove_all" }
  | { op: "sleep"; ns: number };

function* fail(m: Machine, proc: Process, i: number, msg: string): ModelGen {
  proc.scriptFailures.push(`step ${i}: ${msg}`);
  yield* m.mark("script_failed", i);
}

/** Run the script's steps in order in the calling (main) thread of `proc`. */
export function* run_script(m: Machine, proc: Process, steps: ScriptStep[]): ModelGen {
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    switch (s.op) {
      case "access": {
        const ue = proc.enclaves[s.enclave]!;
        const pages = [];
        for (let p = s.range[0]; p < s.range[1]; p++) pages.push(p);
        const th = new EnclaveThread(proc, ue, listPattern(pages, s.write), 64, 0);
        yield* enclave_run_loop(m, th);
        if (th.sigbus || th.sigsegv)
          yield* fail(
            m,
            proc,
            i,
            `access killed by ${th.sigbus ? "SIGBUS" : "SIGSEGV"} at page ${th.faultPage}`,
          );
        break;
      }
      case "eaccept": {
        const ue = proc.enclaves[s.enclave]!;
        const secinfo = acceptSecinfo(s.accept, s.perms);
        for (let p = s.range[0]; p < s.range[1]; p++) {
          const r = yield* eaccept_call(m, proc, ue, p, secinfo);
          if (r === EACCEPT_KILLED) {
            yield* fail(m, proc, i, `EACCEPT of page ${p}: SIGBUS`);
            break;
          }
          if (r !== 0) yield* fail(m, proc, i, `EACCEPT of page ${p} returned ${r}`);
        }
        break;
      }
      case "modify_types":
      case "remove_pages":
      case "restrict_permissions": {
        const ue = proc.enclaves[s.enclave]!;
        const n = s.range[1] - s.range[0];
        const param =
          s.op === "modify_types" ? PAGE_TYPES[s.type] : s.op === "restrict_permissions" ? s.perms : 0;
        const r = yield* sgx2_ioctl(m, ue, s.op, s.range[0], n, param, s.retry);
        const want = s.expect.pages ?? (s.expect.errno ? 0 : n);
        if (r.ret !== -s.expect.errno || r.count !== want * PAGE_SIZE) {
          const got = r.ret ? `-${errnoName(r.ret)}` : "0";
          const exp = s.expect.errno ? `-${errnoName(s.expect.errno)}` : "0";
          yield* fail(
            m,
            proc,
            i,
            `${s.op} returned ${got} after ${r.count / PAGE_SIZE} pages (expected ${exp} after ${want})`,
          );
        }
        break;
      }
      case "vepc": {
        const g = yield* vepc_create(m, proc, s.pages);
        if (typeof g === "number") {
          yield* fail(m, proc, i, `vEPC mmap failed: -${errnoName(g)}`);
          break;
        }
        if (!(yield* vepc_populate(m, proc, g))) yield* fail(m, proc, i, "a guest EPC fault got SIGBUS");
        break;
      }
      case "vepc_close":
        for (const g of proc.vms) yield* vepc_close(m, proc, g);
        break;
      case "vepc_remove_all":
        for (const g of proc.vms) {
          const r = yield* vepc_remove_all(m, g);
          if (r < 0) yield* fail(m, proc, i, `SGX_IOC_VEPC_REMOVE_ALL returned -${errnoName(r)}`);
        }
        break;
      case "sleep":
        yield* msleep(m, s.ns);
        break;
    }
  }
}
