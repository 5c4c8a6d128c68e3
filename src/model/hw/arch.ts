/**
 * SGX architectural constants as the driver sees them (arch/x86/kernel/cpu/sgx/arch.h and the SDM).
 */

/** ENCLS leaf return codes (enum sgx_return_code). */
export const SGX_SUCCESS = 0;
export const SGX_BLKSTATE = 3;
export const SGX_NOTBLOCKABLE = 5;
export const SGX_PG_INVLD = 6;
export const SGX_EPC_PAGE_CONFLICT = 7;
export const SGX_MAC_COMPARE_FAIL = 9;
export const SGX_PAGE_NOT_BLOCKED = 10;
export const SGX_NOT_TRACKED = 11;
export const SGX_VA_SLOT_OCCUPIED = 12;
export const SGX_CHILD_PRESENT = 13;
export const SGX_ENCLAVE_ACT = 14;
export const SGX_PREV_TRK_INCMPL = 17;
export const SGX_PG_IS_SECS = 18;
/** SGX2: EACCEPT of a page whose EPCM state does not match the SECINFO it was given. */
export const SGX_PAGE_ATTRIBUTES_MISMATCH = 19;
/** SGX2: EMODPR/EMODT of a page that is PENDING or MODIFIED (not yet EACCEPTed). */
export const SGX_PAGE_NOT_MODIFIABLE = 20;

/** An ENCLS leaf that faulted returns ENCLS_FAULT_FLAG | trap number (encls.h). */
export const ENCLS_FAULT_FLAG = 0x40000000;
export const X86_TRAP_GP = 13;
export const X86_TRAP_PF = 14;

/** encls_faulted(): did the leaf fault (as opposed to return an SGX error code)? */
export function encls_faulted(ret: number): boolean {
  return (ret & ENCLS_FAULT_FLAG) !== 0;
}

/**
 * encls_failed(): an SGX error code or a fault other than #PF (a #PF means the EPCM was lost, e.g.
 * across a power cycle, which the driver tolerates without a warning).
 */
export function encls_failed(ret: number): boolean {
  if (encls_faulted(ret)) return (ret & 0xff) !== X86_TRAP_PF;
  return ret !== 0;
}

/** EPCM page types (enum sgx_page_type). */
export const SGX_PAGE_TYPE_SECS = 0;
export const SGX_PAGE_TYPE_TCS = 1;
export const SGX_PAGE_TYPE_REG = 2;
export const SGX_PAGE_TYPE_VA = 3;
export const SGX_PAGE_TYPE_TRIM = 4;

/* SECINFO flags (struct sgx_secinfo): permissions, SGX2 state bits, the page type in bits 8..15. */
export const SGX_SECINFO_R = 0x01;
export const SGX_SECINFO_W = 0x02;
export const SGX_SECINFO_X = 0x04;
export const SGX_SECINFO_PENDING = 0x08;
export const SGX_SECINFO_MODIFIED = 0x10;
export const SGX_SECINFO_PR = 0x20;
export const SGX_SECINFO_PERMISSION_MASK = 0x07;

export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;
/** A VA page holds 512 8-byte version slots. */
export const SGX_VA_SLOT_COUNT = 512;
/** A PCMD is 128 bytes: 32 per 4 KiB page. */
export const PCMD_SIZE = 128;
export const PCMDS_PER_PAGE = PAGE_SIZE / PCMD_SIZE;

export function sgxRetName(ret: number): string {
  if (encls_faulted(ret)) return `fault #${(ret & 0xff) === X86_TRAP_GP ? "GP" : ret & 0xff}`;
  const names: Record<number, string> = {
    0: "SGX_SUCCESS",
    3: "SGX_BLKSTATE",
    5: "SGX_NOTBLOCKABLE",
    6: "SGX_PG_INVLD",
    7: "SGX_EPC_PAGE_CONFLICT",
    9: "SGX_MAC_COMPARE_FAIL",
    10: "SGX_PAGE_NOT_BLOCKED",
    11: "SGX_NOT_TRACKED",
    12: "SGX_VA_SLOT_OCCUPIED",
    13: "SGX_CHILD_PRESENT",
    14: "SGX_ENCLAVE_ACT",
    17: "SGX_PREV_TRK_INCMPL",
    18: "SGX_PG_IS_SECS",
    19: "SGX_PAGE_ATTRIBUTES_MISMATCH",
    20: "SGX_PAGE_NOT_MODIFIABLE",
  };
  return names[ret] ?? `ret ${ret}`;
}
