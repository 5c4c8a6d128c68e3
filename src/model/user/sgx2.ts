/**
 * The SGX2 page-modification flows as an application (or the kernel selftests) runs them: the
 * RESTRICT_PERMISSIONS, MODIFY_TYPES and REMOVE_PAGES ioctls over a range, and enclave calls that
 * EACCEPT a page. Under EPC pressure the ioctls may stop early with -EAGAIN (the page was being
 * reclaimed, or no EPC page was free to load it) or -EBUSY (REMOVE_PAGES found the page isolated
 * by the reclaimer, or another ioctl of the enclave was running): the program then continues from
 * where the ioctl stopped, as the selftests do since "Retry the ioctl()'s returned with EAGAIN".
 */
import type { ModelGen, SpinWaitOp, UserEventOp } from "../../rt/ops.ts";
import { withSite } from "../../rt/site.ts";
import { PAGE_SIZE, SGX_PAGE_TYPE_TCS, SGX_PAGE_TYPE_TRIM } from "../hw/arch.ts";
import { EAGAIN, EBUSY } from "../kernel/lib/errno.ts";
import {
  SGX_SECINFO_MODIFIED,
  SGX_SECINFO_PR,
  SGX_SECINFO_REG,
  SGX_SECINFO_TCS,
  SGX_SECINFO_TRIM,
} from "../kernel/sgx/ioctl.ts";
import type { Machine } from "../machine.ts";
import { listPattern } from "./access.ts";
import { ACCEPT_PENDING, EACCEPT_KILLED, EnclaveThread, enclave_eaccept } from "./enclave_thread.ts";
import type { Process, UserEnclave } from "./process.ts";

function ev(kind: UserEventOp["kind"], page: number, why: string): UserEventOp {
  return withSite({ kind, page, why });
}

/** What an EACCEPT accepts: an EAUGed page, a type change to TRIM or TCS, restricted permissions. */
export type AcceptKind = "pending" | "trim" | "tcs" | "pr";

/** The SECINFO flags of EACCEPT for `kind` (`perms`: the restricted permissions for "pr"). */
export function acceptSecinfo(kind: AcceptKind, perms = 0): number {
  switch (kind) {
    case "pending":
      return ACCEPT_PENDING;
    case "trim":
      return SGX_SECINFO_TRIM | SGX_SECINFO_MODIFIED;
    case "tcs":
      return SGX_SECINFO_TCS | SGX_SECINFO_MODIFIED;
    case "pr":
      return SGX_SECINFO_REG | SGX_SECINFO_PR | perms;
  }
}

/**
 * One enclave call (EENTER, EACCEPT, EEXIT) accepting enclave page `index`, as the selftests make
 * one ENCL_CALL per page. Returns the leaf's code, or EACCEPT_KILLED when the thread got SIGBUS.
 */
export function* eaccept_call(
  m: Machine,
  proc: Process,
  ue: UserEnclave,
  index: number,
  secinfo: number,
): ModelGen<number> {
  const th = new EnclaveThread(proc, ue, listPattern([], false), 1, 0);
  const eid = ue.encl.eid;
  yield ev("eenter", -1, "EENTER");
  m.hw.enter(m.cpu(), eid);
  const ret = yield* enclave_eaccept(m, th, index, secinfo);
  if (ret === EACCEPT_KILLED) return ret;
  yield ev("eexit", -1, "EEXIT");
  m.hw.exit(m.cpu());
  return ret;
}

export type Sgx2Ioctl = "restrict_permissions" | "modify_types" | "remove_pages";

export interface RangeIoctlResult {
  /** The last call's return value (0 or -errno). */
  ret: number;
  /** Bytes processed over all calls. */
  count: number;
}

/**
 * An SGX2 ioctl over enclave pages [first, first + n): `param` is the page type (MODIFY_TYPES:
 * SGX_PAGE_TYPE_TRIM or _TCS) or the permissions (RESTRICT_PERMISSIONS). With `retry`, -EAGAIN and
 * -EBUSY are retried from where the call stopped (each retry is marked `ioctl_eagain` or
 * `ioctl_ebusy`). Pages REMOVE_PAGES removed read as zeros again if they are ever added back.
 */
export function* sgx2_ioctl(
  m: Machine,
  ue: UserEnclave,
  which: Sgx2Ioctl,
  first: number,
  n: number,
  param: number,
  retry = true,
): ModelGen<RangeIoctlResult> {
  let offset = first * PAGE_SIZE;
  let length = n * PAGE_SIZE;
  let total = 0;
  for (;;) {
    yield ev("syscall", -1, `ioctl(SGX_IOC_ENCLAVE_${which.toUpperCase()})`);
    let ret: number;
    let count: number;
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
    if (!retry || length <= 0 || (ret !== -EAGAIN && ret !== -EBUSY)) return { ret, count: total };
    yield* m.mark(ret === -EAGAIN ? "ioctl_eagain" : "ioctl_ebusy", offset / PAGE_SIZE);
    yield withSite<SpinWaitOp>({ kind: "spin_wait", why: `retry the ioctl at page ${offset / PAGE_SIZE}` });
  }
}

/** MODIFY_TYPES page types by name. */
export const PAGE_TYPES: Record<"trim" | "tcs", number> = {
  trim: SGX_PAGE_TYPE_TRIM,
  tcs: SGX_PAGE_TYPE_TCS,
};
