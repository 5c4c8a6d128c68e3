/** errno values the SGX paths return (as negative numbers, like ERR_PTR encodes them). */
export const EPERM = 1;
export const EINTR = 4;
export const EIO = 5;
export const ENXIO = 6;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EBUSY = 16;
export const ENODEV = 19;
export const EINVAL = 22;
export const ENOTTY = 25;
export const ERESTARTSYS = 512;

/** IS_ERR for the model's id-or-negative-errno return values. */
export function IS_ERR(v: number): boolean {
  return v < 0;
}

export function errnoName(e: number): string {
  const n: Record<number, string> = {
    1: "EPERM",
    4: "EINTR",
    5: "EIO",
    6: "ENXIO",
    11: "EAGAIN",
    12: "ENOMEM",
    13: "EACCES",
    14: "EFAULT",
    16: "EBUSY",
    19: "ENODEV",
    22: "EINVAL",
    25: "ENOTTY",
    512: "ERESTARTSYS",
  };
  return n[Math.abs(e)] ?? String(e);
}
