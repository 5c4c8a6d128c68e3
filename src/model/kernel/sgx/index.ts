/**
 * The kernel function table: every function of the modeled SGX driver, by its kernel name.
 * Model code calls its callees through `m.fn`, so a variant or a user's patch can replace any
 * function by name (see docs/patches.md once variants exist).
 */
import { driver_c } from "./driver.ts";
import { encl_c } from "./encl.ts";
import { epc_cgroup_c } from "./epc_cgroup.ts";
import { ioctl_c } from "./ioctl.ts";
import { main_c } from "./main.ts";
import { virt_c } from "./virt.ts";

export const mainline = { ...main_c, ...encl_c, ...ioctl_c, ...driver_c, ...virt_c, ...epc_cgroup_c };

export type KernelFns = typeof mainline;
