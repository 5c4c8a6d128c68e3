/**
 * The scenario schema (zod). A scenario describes a machine (CPUs, NUMA nodes, EPC, cost profile),
 * the kernel (variant and reclaimer knobs) and a workload (processes, their enclaves and threads).
 * docs/scenarios.md is the user-facing description of the same format.
 */
import { z } from "zod";
import { cgroupsSchema, checkCgroupRefs, eventSchema, makeStepSchema } from "./cgroups.ts";
import { parseBytes, parseDuration, parsePages, parsePagesOrEpc } from "./units.ts";

const sizeInPages = z.union([z.number().int().nonnegative(), z.string()]).transform((v, ctx) => {
  const r = parsePages(v);
  if (typeof r === "string") {
    ctx.addIssue({ code: "custom", message: r });
    return z.NEVER;
  }
  return r;
});

const enclavePages = z.union([z.number().int().nonnegative(), z.string()]).transform((v, ctx) => {
  const r = parsePagesOrEpc(v);
  if (typeof r === "string") {
    ctx.addIssue({ code: "custom", message: `${r}, or a multiple of the EPC such as "epc" or "2x epc"` });
    return z.NEVER;
  }
  return r;
});

const sizeInBytes = z.union([z.number().int().nonnegative(), z.string()]).transform((v, ctx) => {
  const r = parseBytes(v);
  if (typeof r === "string") {
    ctx.addIssue({ code: "custom", message: r });
    return z.NEVER;
  }
  return r;
});

const duration = z.union([z.number().nonnegative(), z.string()]).transform((v, ctx) => {
  const r = parseDuration(v);
  if (typeof r === "string") {
    ctx.addIssue({ code: "custom", message: r });
    return z.NEVER;
  }
  return r;
});

const countOrInf = z
  .union([z.number().int().nonnegative(), z.literal("inf")])
  .transform((v) => (v === "inf" ? Number.POSITIVE_INFINITY : v));

export const patternSchema = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("sequential"),
      passes: z
        .array(z.enum(["read", "write", "mixed"]))
        .min(1)
        .optional(),
    })
    .strict(),
  z.object({ kind: z.literal("uniform") }).strict(),
  z.object({ kind: z.literal("zipf"), s: z.number().positive().default(1) }).strict(),
  z
    .object({
      kind: z.literal("hotcold"),
      hot_fraction: z.number().gt(0).lte(1),
      hot_probability: z.number().gte(0).lte(1),
      /** Where the hot pages are: the first or the last pages of the range. */
      hot_at: z.enum(["start", "end"]).default("start"),
    })
    .strict(),
  z.object({ kind: z.literal("pointer_chase") }).strict(),
]);

export const enclaveSchema = z
  .object({
    name: z.string().min(1),
    /** Regular pages added at build time (the heap and code); may be relative to the EPC ("2x epc"). */
    pages: enclavePages,
    /** TCS pages added after them. */
    tcs: z.number().int().nonnegative().default(1),
    /** ELRANGE size; default: the smallest power of two that holds the pages. */
    size: sizeInBytes.optional(),
    measure: z.boolean().default(false),
    /** Pages per ADD_PAGES ioctl. */
    add_chunk: z.number().int().positive().default(1024),
  })
  .strict();

export const threadSchema = z
  .object({
    enclave: z.string().min(1),
    count: z.number().int().positive().default(1),
    pattern: patternSchema.default({ kind: "uniform" }),
    write_ratio: z.number().gte(0).lte(1).default(0.3),
    /** Touches per thread ("inf": until the run's duration ends). */
    touches: countOrInf.default(Number.POSITIVE_INFINITY),
    /** Compute time per touch (ns); default from the cost profile. */
    compute_ns: z.number().nonnegative().optional(),
    /** Touches per enclave_run slice. */
    budget: z.number().int().positive().default(64),
    /** Page range [first, end) of the enclave the thread touches; default: all regular pages. */
    range: z.tuple([z.number().int().nonnegative(), z.number().int().positive()]).optional(),
    /** EEXIT/EENTER for an OCALL every N touches (0: never). */
    ocall_every: z.number().int().nonnegative().default(0),
    /** Pin every thread of this entry to one CPU (-1: any). */
    cpu: z.number().int().gte(-1).default(-1),
  })
  .strict();

/** A page range [first, end) of an enclave (pages may lie beyond the loaded ones, inside the ELRANGE). */
const pageRange = z
  .tuple([z.number().int().nonnegative(), z.number().int().positive()])
  .refine(([a, b]) => a < b, "a range [first, end) needs first < end");

/** Enclave permissions as letters: "r", "rw", "rx", "rwx". */
const perms = z
  .string()
  .regex(/^r?w?x?$/, 'permissions are letters in the order "rwx", e.g. "r" or "rw"')
  .transform((v) => (v.includes("r") ? 1 : 0) | (v.includes("w") ? 2 : 0) | (v.includes("x") ? 4 : 0));

const ERRNOS: Record<string, number> = {
  EPERM: 1,
  EFAULT: 14,
  EBUSY: 16,
  ENODEV: 19,
  EINVAL: 22,
  EAGAIN: 11,
};

/** What an SGX2 ioctl step expects: its errno (0 or a name such as EPERM) and the pages it processes. */
const ioctlExpect = z
  .object({
    errno: z
      .union([z.literal(0), z.enum(Object.keys(ERRNOS) as [string, ...string[]])])
      .default(0)
      .transform((v) => (v === 0 ? 0 : ERRNOS[v]!)),
    /** Pages processed (`count / 4096`); default: the whole range on success, 0 on failure. */
    pages: z.number().int().nonnegative().optional(),
  })
  .strict();

/** One step of a process's script (run by its main thread after the threads started; see docs/scenarios.md). */
export const scriptStepSchema = z.discriminatedUnion("op", [
  z
    .object({
      op: z.literal("access"),
      enclave: z.string().min(1),
      range: pageRange.optional(),
      write: z.boolean().default(false),
    })
    .strict(),
  z
    .object({
      op: z.literal("eaccept"),
      enclave: z.string().min(1),
      range: pageRange.optional(),
      /** What is accepted: an EAUGed page, a type change to TRIM or TCS, or restricted permissions. */
      accept: z.enum(["pending", "trim", "tcs", "pr"]).default("pending"),
      /** The restricted permissions (accept: pr). */
      perms: perms.default(1),
    })
    .strict(),
  z
    .object({
      op: z.literal("modify_types"),
      enclave: z.string().min(1),
      range: pageRange.optional(),
      type: z.enum(["trim", "tcs"]),
      retry: z.boolean().default(true),
      expect: ioctlExpect.default({ errno: 0 }),
    })
    .strict(),
  z
    .object({
      op: z.literal("remove_pages"),
      enclave: z.string().min(1),
      range: pageRange.optional(),
      retry: z.boolean().default(true),
      expect: ioctlExpect.default({ errno: 0 }),
    })
    .strict(),
  z
    .object({
      op: z.literal("restrict_permissions"),
      enclave: z.string().min(1),
      range: pageRange.optional(),
      perms,
      retry: z.boolean().default(true),
      expect: ioctlExpect.default({ errno: 0 }),
    })
    .strict(),
  z.object({ op: z.literal("vepc"), pages: z.number().int().positive() }).strict(),
  z.object({ op: z.literal("vepc_close") }).strict(),
  z.object({ op: z.literal("vepc_remove_all") }).strict(),
  z.object({ op: z.literal("sleep"), time: duration }).strict(),
]);

export const processSchema = z
  .object({
    name: z.string().min(1),
    /** Identical copies of this process (limits.ts bounds them; the cgroup checks skip a count past it). */
    count: z.number().int().positive().default(1),
    /** Enclaves built first (a process with a script may have none, e.g. a VMM with a guest's EPC). */
    enclaves: z.array(enclaveSchema).default([]),
    threads: z.array(threadSchema).default([]),
    /** Children forked after the build: their mms join the enclaves' mm_lists (aging and zapping walk them all). */
    forks: z.number().int().nonnegative().max(64).default(0),
    /** Exit (close the enclave, release it) when all threads are done. */
    exit: z.boolean().default(true),
    /** Memory cgroup of the process: the enclave's shmem backing store is charged to it (see B8). */
    memcg: z.string().min(1).optional(),
    /** Cgroup of the process (a path of `cgroups`; "{i}" is the copy number): EPC is charged to its misc controller. */
    cgroup: z.string().min(1).optional(),
    /** Steps the main thread runs after starting the threads (selftest flows, SGX2 ioctls, a guest's EPC). */
    script: z.array(scriptStepSchema).default([]),
  })
  .strict()
  .refine((p) => p.enclaves.length > 0 || p.script.length > 0, {
    message: "a process needs an enclave or a script",
    path: ["enclaves"],
  });

/** One NUMA node placed by hand: its CPUs and its EPC (0: a node with CPUs and no EPC section). */
const numaNodeSchema = z
  .object({
    cpus: z.number().int().nonnegative().max(4096),
    epc: sizeInPages,
  })
  .strict();

export const machineSchema = z
  .object({
    profile: z.string().default("client-93.5MiB"),
    cpus: z.number().int().positive().max(4096).default(8),
    numa_nodes: z.number().int().positive().max(64).default(1),
    /** Usable EPC, split evenly over the NUMA nodes (one section per node); default: the profile's. */
    epc: sizeInPages.optional(),
    /**
     * The NUMA topology node by node, instead of cpus/numa_nodes/epc: CPUs and EPC per node, so a
     * node may have CPUs only (its allocations go to the next node with EPC) or EPC only.
     */
    numa: z.array(numaNodeSchema).min(1).max(64).optional(),
    /** SGX2 (EAUG on fault, the page-modification ioctls); without it those ioctls return -ENODEV. */
    sgx2: z.boolean().default(false),
  })
  .strict();

/** machine.numa replaces cpus, numa_nodes and epc: refuse a document that gives both. */
const machineInput = z.preprocess((raw, ctx) => {
  if (raw && typeof raw === "object" && "numa" in raw)
    for (const k of ["cpus", "numa_nodes", "epc"])
      if (k in raw)
        ctx.addIssue({
          code: "custom",
          path: [k],
          message: `machine.${k} cannot be combined with machine.numa (give CPUs and EPC per node there)`,
        });
  return raw;
}, machineSchema.transform(withNumaTotals));

/** With machine.numa, cpus, numa_nodes and epc become the totals (the rest of the code reads them). */
function withNumaTotals(mc: z.output<typeof machineSchema>, ctx: z.RefinementCtx) {
  if (!mc.numa) return mc;
  const cpus = mc.numa.reduce((n, x) => n + x.cpus, 0);
  const epc = mc.numa.reduce((n, x) => n + x.epc, 0);
  if (cpus === 0) ctx.addIssue({ code: "custom", path: ["numa"], message: "no node has a CPU" });
  if (epc === 0) ctx.addIssue({ code: "custom", path: ["numa"], message: "no node has EPC" });
  return { ...mc, cpus, epc, numa_nodes: mc.numa.length };
}

/** A reclaimer knob: a number, or "kernel" for the kernel variant's (and its patches') own value. */
const knob = (n: z.ZodNumber) =>
  z
    .union([n, z.literal("kernel").transform(() => undefined)], {
      error: (iss) =>
        typeof iss.input === "number"
          ? undefined
          : `expected a number, or "kernel" for the kernel's own value`,
    })
    .optional();

/**
 * Reclaimer knobs. Unset ones (or "kernel") take the kernel variant's value (mainline: 16, 1, 32,
 * 64), including a patch's constants; a set one overrides them (the command line warns when it
 * overrides a patch's).
 */
export const reclaimerSchema = z
  .object({
    /** SGX_NR_TO_SCAN: pages per sgx_reclaim_pages() round. */
    batch: knob(z.number().int().positive().max(4096)),
    /** Reclaim threads (mainline has one ksgxd; more is a model extension). */
    threads: knob(z.number().int().positive().max(256)),
    /** SGX_NR_LOW_PAGES: ksgxd is woken below this many free pages. */
    low_pages: knob(z.number().int().nonnegative()),
    /** SGX_NR_HIGH_PAGES: ksgxd reclaims until this many pages are free. */
    high_pages: knob(z.number().int().nonnegative()),
  })
  .strict();

export const runSchema = z
  .object({
    /** Length of the measured window: the run stops this long after measurement starts. */
    duration: duration.default(1_000_000_000),
    /** Measure from the start, or from when every process has built its enclaves (warm-up excluded). */
    measure_from: z.enum(["start", "build_done"]).default("build_done"),
    /** Extra simulated time after measure_from before measurement starts (e.g. to load a working set). */
    warmup: duration.default(0),
    /** Timeline sampling period. */
    sample: duration.default(1_000_000),
    /** Abort a runaway simulation after this many executed ops. */
    max_ops: z.number().int().positive().default(2_000_000_000),
  })
  .strict();

/** An enclave the checker's setup builds (in its own process) before the actors start. */
export const checkEnclaveSchema = z
  .object({
    name: z.string().min(1),
    pages: z.number().int().positive().max(65536),
    tcs: z.number().int().nonnegative().default(0),
    /** EINIT the enclave (false: leave it open for ADD_PAGES actors). */
    init: z.boolean().default(true),
    /** Pages evicted during setup (they start in the backing store): a list, or N for the first N pages. */
    evict: z.union([z.number().int().nonnegative(), z.array(z.number().int().nonnegative())]).default(0),
    /** Pages faulted in during setup after the eviction (they start mapped, with a PTE). */
    touch: z.array(z.number().int().nonnegative()).default([]),
    /** Children forked during setup (more mms on the enclave's mm_list). */
    forks: z.number().int().nonnegative().max(8).default(0),
    /** Cgroup (a path of `cgroups`) the enclave's process runs in. */
    cgroup: z.string().min(1).optional(),
    /** CPU the setup runs on (allocations come from its NUMA node first). */
    cpu: z.number().int().nonnegative().default(0),
    /** ELRANGE size (a power of two); default: the smallest that holds the pages. SGX2 actors may EAUG the rest. */
    size: sizeInBytes.optional(),
    /** Pages trimmed during setup (MODIFY_TYPES to TRIM, then EACCEPT): ready for REMOVE_PAGES. Needs machine.sgx2. */
    trim: z.array(z.number().int().nonnegative()).default([]),
  })
  .strict();

const actorName = z.string().min(1).optional();
/** The CPU an actor runs on (default: its index); its NUMA node is where its allocations start. */
const actorCpu = z.number().int().nonnegative().optional();

/** The concurrent actors whose interleavings the checker explores. */
export const actorSchema = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("reclaim"),
      name: actorName,
      cpu: actorCpu,
      rounds: z.number().int().positive().default(1),
    })
    .strict(),
  z.object({ kind: z.literal("ksgxd"), name: actorName, cpu: actorCpu }).strict(),
  z.object({ kind: z.literal("reclaim_direct"), name: actorName, cpu: actorCpu }).strict(),
  z
    .object({
      kind: z.literal("access"),
      name: actorName,
      cpu: actorCpu,
      enclave: z.string().min(1),
      pages: z.array(z.number().int().nonnegative()).min(1),
      write: z.boolean().default(false),
      /** Run in the k-th child forked during setup (its own mm) instead of the enclave's process. */
      child: z.number().int().nonnegative().optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal("add_pages"),
      name: actorName,
      cpu: actorCpu,
      enclave: z.string().min(1),
      pages: z.number().int().positive(),
    })
    .strict(),
  z.object({ kind: z.literal("exit"), name: actorName, cpu: actorCpu, enclave: z.string().min(1) }).strict(),
  z
    .object({ kind: z.literal("fork_exit"), name: actorName, cpu: actorCpu, enclave: z.string().min(1) })
    .strict(),
  z
    .object({
      kind: z.literal("rmdir"),
      name: actorName,
      cpu: actorCpu,
      /** The cgroup to remove (a path of `cgroups`); the actor retries while it is busy (-EBUSY). */
      cgroup: z.string().min(1),
    })
    .strict(),
  z
    .object({
      kind: z.literal("close"),
      name: actorName,
      cpu: actorCpu,
      enclave: z.string().min(1),
      /** The k-th child forked during setup does it instead of the enclave's process. */
      child: z.number().int().nonnegative().optional(),
      /** munmap() the enclave first (its mm stays on the enclave's mm_list until it exits). */
      munmap: z.boolean().default(true),
      /** Then the process exits (its mm's MMU notifier release). */
      exit: z.boolean().default(false),
    })
    .strict(),
  z
    .object({
      kind: z.literal("poison"),
      name: actorName,
      cpu: actorCpu,
      enclave: z.string().min(1),
      page: z.number().int().nonnegative(),
    })
    .strict(),
  z
    .object({
      kind: z.literal("eaccept"),
      name: actorName,
      cpu: actorCpu,
      enclave: z.string().min(1),
      /** Pages EACCEPTed, one enclave call each (an absent page is EAUGed by the fault on the way). */
      pages: z.array(z.number().int().nonnegative()).min(1),
      accept: z.enum(["pending", "trim", "tcs"]).default("pending"),
      /** After each accept, write the page and read it back (it must be usable). */
      write: z.boolean().default(false),
    })
    .strict(),
  z
    .object({
      kind: z.literal("modify_types"),
      name: actorName,
      cpu: actorCpu,
      enclave: z.string().min(1),
      pages: pageRange,
      type: z.enum(["trim", "tcs"]),
    })
    .strict(),
  z
    .object({
      kind: z.literal("remove_pages"),
      name: actorName,
      cpu: actorCpu,
      enclave: z.string().min(1),
      pages: pageRange,
    })
    .strict(),
  z
    .object({
      kind: z.literal("restrict_permissions"),
      name: actorName,
      cpu: actorCpu,
      enclave: z.string().min(1),
      pages: pageRange,
      perms,
    })
    .strict(),
  z
    .object({
      kind: z.literal("vepc"),
      name: actorName,
      cpu: actorCpu,
      /** Guest EPC pages the VM touches (each a host fault), before it closes the vEPC. */
      pages: z.number().int().positive(),
    })
    .strict(),
  z
    .object({
      kind: z.literal("shmem_reclaim"),
      name: actorName,
      cpu: actorCpu,
      enclave: z.string().min(1),
      /** kswapd's passes over the enclave's backing file: write dirty pages to swap, drop clean ones. */
      passes: z
        .array(z.enum(["writeback", "drop"]))
        .min(1)
        .default(["writeback", "drop"]),
    })
    .strict(),
]);

export const checkBoundsSchema = z
  .object({
    /** Steps (scheduling decisions) per execution before it is cut off. */
    steps: z.number().int().positive().default(20000),
    /** Preemption bound of the DFS strategy. */
    preemptions: z.number().int().nonnegative().default(2),
    /** Executions to run (a budget; also `--budget N`). */
    schedules: z.number().int().positive().default(100000),
    /** Wall-clock budget (also `--budget 60s`). */
    time: duration.default(60_000_000_000),
    /** Bug depth of the PCT strategy. */
    pct_depth: z.number().int().positive().default(3),
  })
  .strict();

/** What a check scenario's search should end in: no finding, or a finding of one property. */
export const expectationSchema = z.union([
  z.literal("clean"),
  // One property, or any of several where the scenario's kernel has more than one bug it can show.
  z.object({ found: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]) }).strict(),
]);

export const checkSchema = z
  .object({
    enclaves: z.array(checkEnclaveSchema).min(1),
    actors: z.array(actorSchema).min(1).max(8),
    /** Default strategy (`--strategy` overrides). */
    strategy: z.enum(["random", "pct", "dfs", "dpor", "sdfs", "bfs", "portfolio"]).default("portfolio"),
    bounds: checkBoundsSchema.default({
      steps: 20000,
      preemptions: 2,
      schedules: 100000,
      time: 60_000_000_000,
      pct_depth: 3,
    }),
    /** When the whole-state invariants are checked: at the end of each execution, or after every step. */
    invariants: z.enum(["end", "step"]).default("end"),
    /** Extra properties this scenario expects at the end of every execution (see docs/checker.md). */
    properties: z.array(z.enum(["resident_pcmd_zero"])).default([]),
    /**
     * dmesg tags that are not failures in this scenario (e.g. "sigbus" where the scenario's point is
     * another property and an enclave-visible SIGBUS is an accepted outcome; see docs/checker.md).
     */
    tolerate: z.array(z.string().min(1)).default([]),
    /**
     * Failures the kernel is known to have in this scenario, each with the reason (a documented
     * limitation of the kernel, not of the model): counted as `known` and not reported; every other
     * failure still is.
     */
    known: z.array(z.object({ property: z.string().min(1), reason: z.string().min(1) }).strict()).default([]),
    /**
     * What `epcsim check --all` expects of this scenario on its own kernel (`kernel`): "clean", or
     * `{found: <property>}` for a scenario that documents a finding. Unset means "clean".
     */
    expect: expectationSchema.optional(),
    /** Expectations on other kernels (variant names, e.g. the catalogue's buggy and fixed releases). */
    expect_on: z.record(z.string().min(1), expectationSchema).default({}),
  })
  .strict();

export const scenarioSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().default(""),
    kind: z.enum(["run", "check"]).default("run"),
    seed: z.number().int().default(1),
    kernel: z.string().default("mainline"),
    machine: machineInput.default({ profile: "client-93.5MiB", cpus: 8, numa_nodes: 1, sgx2: false }),
    reclaimer: reclaimerSchema.default({}),
    /** Cost-model overrides: a profile field name (or encls.EWB, ...) to nanoseconds. */
    costs: z.record(z.string(), z.number().nonnegative()).default({}),
    run: runSchema.default({
      duration: 1_000_000_000,
      measure_from: "build_done",
      warmup: 0,
      sample: 1_000_000,
      max_ops: 2_000_000_000,
    }),
    processes: z.array(processSchema).default([]),
    /** The interleaving checker's section (used by `epcsim check`). */
    check: checkSchema.optional(),
    /** The cgroup v2 tree: paths to misc.max (sgx_epc), memory.max, swap (docs/cgroups.md). */
    cgroups: cgroupsSchema.default({}),
    /** Timed administrator actions: cgroup writes, swapoff/swapon, kills. */
    events: z.array(eventSchema).default([]),
    /** A selftest script: steps that start processes in cgroups and check the outcome (docs/cgroups.md). */
    steps: z.array(makeStepSchema(processSchema)).optional(),
  })
  .strict()
  .superRefine(checkCgroupRefs);

export type Scenario = z.output<typeof scenarioSchema>;
export type ProcessSpec = z.output<typeof processSchema>;
export type ThreadEntry = z.output<typeof threadSchema>;
export type EnclaveEntry = z.output<typeof enclaveSchema>;
export type CheckSection = z.output<typeof checkSchema>;
export type Expectation = z.output<typeof expectationSchema>;
export type ActorSpec = z.output<typeof actorSchema>;
