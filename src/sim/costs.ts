/**
 * The cost model: what each op costs in simulated nanoseconds, by named profile.
 * Defaults follow ../shared/reference/costs.md section 7 (engineering estimates bracketed by the
 * published aggregates: ~40K cycles per swap, ~10.6 us kernel time per sequential fault).
 */
import type { EnclsLeaf } from "../rt/ops.ts";

export interface CostProfile {
  name: string;
  description: string;
  /** Default usable EPC of the platform, in pages (scenarios may override). */
  epc_pages: number;
  encls: Record<EnclsLeaf, number>;
  /** AEX + ERESUME of an enclave thread (fault, IPI or timer). */
  aex_eresume: number;
  eenter: number;
  eexit: number;
  /** A syscall or OCALL round trip outside the enclave. */
  syscall: number;
  /** Kernel fault entry, VMA and xarray lookup (t_fault_kernel). */
  fault_entry: number;
  /** IPI with wait=1: base + per target CPU. */
  ipi_base: number;
  ipi_per_cpu: number;
  /** Young-bit test per page per mm, including the mmap_lock. */
  test_young: number;
  /** Local PTE zap and TLB flush when no other CPU runs the mm. */
  zap_pte: number;
  /** One shmem page lookup; a first-time allocation costs alloc instead. */
  shmem_lookup: number;
  shmem_alloc: number;
  shmem_truncate: number;
  /** List manipulation under sgx_reclaimer_lock / node->lock, per page. */
  lru_op: number;
  freelist_op: number;
  /** One entry of an xarray walk that only reads it (sgx_encl_may_map's permission check). */
  xa_walk: number;
  /** Lock hand-off to a spinning waiter; wake-up of a sleeping one. */
  lock_handoff: number;
  wakeup: number;
  context_switch: number;
  /** Default compute time per page touch inside the enclave (a workload may set its own). */
  touch: number;
  /** Timer tick period (HZ): a tick forces an AEX of an enclave thread. 0 disables ticks. */
  tick: number;
  /** CFS time slice before a runnable waiter preempts a user thread. */
  timeslice: number;
}

const clientEncls: Record<EnclsLeaf, number> = {
  ECREATE: 1000,
  EADD: 2000,
  EEXTEND: 300,
  EINIT: 15000,
  EPA: 700,
  EBLOCK: 300,
  ETRACK: 300,
  EWB: 4000,
  ELDU: 3500,
  EREMOVE: 500,
  EAUG: 1000,
  EMODPR: 500,
  EMODT: 500,
  // ENCLU[EACCEPT]: no published figure; priced like the other SGX2 EPCM updates (model guess).
  EACCEPT: 500,
};

/** Platform A: SGX1/MEE client or Xeon E3 (Skylake/Coffee Lake ~3.4 GHz), 93.5 MiB usable EPC. */
export const CLIENT: CostProfile = {
  name: "client-93.5MiB",
  description: "SGX1 client/E3 part, ~3.4 GHz, 128 MB PRM with 93.5 MiB usable EPC (costs.md platform A)",
  epc_pages: 23936,
  encls: clientEncls,
  aex_eresume: 2500,
  eenter: 3000,
  eexit: 3000,
  syscall: 1000,
  fault_entry: 2000,
  ipi_base: 1500,
  ipi_per_cpu: 200,
  test_young: 500,
  zap_pte: 300,
  shmem_lookup: 250,
  shmem_alloc: 600,
  shmem_truncate: 200,
  lru_op: 50,
  freelist_op: 50,
  // A cached xarray step plus a compare: a model guess (costs.md has no figure).
  xa_walk: 10,
  lock_handoff: 100,
  wakeup: 1000,
  context_switch: 1000,
  touch: 100,
  tick: 4_000_000,
  timeslice: 3_000_000,
};

/** Scale cycle-bound costs by a clock ratio (costs.md: x3.4/2.6 as a first guess for Ice Lake SP). */
function scaled(p: CostProfile, f: number): Omit<CostProfile, "name" | "description" | "epc_pages"> {
  const s = (x: number) => Math.round(x * f);
  const encls = Object.fromEntries(Object.entries(p.encls).map(([k, v]) => [k, s(v)])) as Record<
    EnclsLeaf,
    number
  >;
  return {
    encls,
    aex_eresume: s(p.aex_eresume),
    eenter: s(p.eenter),
    eexit: s(p.eexit),
    syscall: s(p.syscall),
    fault_entry: s(p.fault_entry),
    ipi_base: p.ipi_base,
    ipi_per_cpu: p.ipi_per_cpu,
    test_young: s(p.test_young),
    zap_pte: s(p.zap_pte),
    shmem_lookup: s(p.shmem_lookup),
    shmem_alloc: s(p.shmem_alloc),
    shmem_truncate: s(p.shmem_truncate),
    lru_op: s(p.lru_op),
    freelist_op: s(p.freelist_op),
    xa_walk: s(p.xa_walk),
    lock_handoff: p.lock_handoff,
    wakeup: p.wakeup,
    context_switch: p.context_switch,
    touch: s(p.touch),
    tick: p.tick,
    timeslice: p.timeslice,
  };
}

/** Platform B: Ice Lake SP (scalable SGX, ~2.6 GHz, GB-scale EPC; paging only under pressure). */
export const ICELAKE: CostProfile = {
  name: "icelake-server",
  description: "3rd-gen Xeon Scalable (Ice Lake SP), ~2.6 GHz, scalable SGX; cycle-bound costs x3.4/2.6",
  epc_pages: 16 * 1024 * 256, // 16 GiB as a default; scenarios set their own EPC
  ...scaled(CLIENT, 3.4 / 2.6),
};

export const PROFILES: Record<string, CostProfile> = {
  [CLIENT.name]: CLIENT,
  client: CLIENT,
  [ICELAKE.name]: ICELAKE,
  icelake: ICELAKE,
};

export function getProfile(name: string): CostProfile | undefined {
  return PROFILES[name];
}

/** Fields of a profile that a scenario may override with `costs: {field: ns}`. */
export function overrideProfile(p: CostProfile, over: Record<string, number>): CostProfile {
  const out: CostProfile = { ...p, encls: { ...p.encls } };
  for (const [k, v] of Object.entries(over)) {
    if (k.startsWith("encls.")) (out.encls as Record<string, number>)[k.slice(6)] = v;
    else (out as unknown as Record<string, number>)[k] = v;
  }
  return out;
}
