/**
 * struct file, as far as the SGX driver's lifetime rules need it: a reference count shared by the
 * descriptors that refer to the file and by every VMA that maps it (vma->vm_file). The last fput
 * runs the file's release hook, so the driver's release cannot run while a mapping remains.
 */
import type { ModelGen } from "../../../rt/ops.ts";
import type { Machine } from "../../machine.ts";

export class file {
  /** f_count: descriptors and mappings referring to the file. */
  f_count = 1;
  constructor(
    /** file->private_data: what the release hook is given (the enclave). */
    readonly private_data: unknown,
    /** f_op->release: the name of a kernel function in m.fn (state holds no closures). */
    readonly f_op_release: "sgx_release",
  ) {}
}

/** get_file: one more reference (a dup'd descriptor, a new mapping). */
export function get_file<F extends file>(f: F): F {
  f.f_count++;
  return f;
}

/**
 * fput: drop a reference; the last one runs f_op->release.
 * Model: the kernel defers the release to task work (or a delayed work item in a kernel thread); it
 * runs here, in the caller's context, before the caller returns to user space.
 */
export function* fput(m: Machine, f: file): ModelGen {
  if (--f.f_count === 0) yield* m.fn[f.f_op_release](m, f.private_data as never);
}
