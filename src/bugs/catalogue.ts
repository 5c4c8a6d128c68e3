/**
 * The catalogue of historical SGX reclaimer bugs (../shared/reference/kernel.md section 4) as
 * reproductions: for each bug, the kernel variant that has it, the variant that fixed it, the
 * built-in scenario that exposes it, and how the symptom is recognised. Concurrency bugs are found
 * by the interleaving checker; accounting and liveness bugs by a timed run and a test on its
 * metrics, because their symptom is a number (a counter, a stretch of time), not one interleaving.
 */
import type { Metrics } from "../sim/metrics.ts";

interface BugBase {
  id: string;
  title: string;
  /** Upstream commit or posting that fixed it. */
  fix: string;
  /** A variant that has the bug. */
  buggy: string;
  /** The variant that fixed it (the first one with the fix). */
  fixed: string;
  /** Built-in scenario that exposes it. */
  scenario: string;
  /** What a developer sees when the bug is there. */
  symptom: string;
  /** Kernel functions a found report must name (the ones the fix's commit message talks about). */
  functions: string[];
  /** Anything to know about how faithfully the model reproduces it. */
  note?: string;
}

export interface CheckBug extends BugBase {
  command: "check";
  /** The checker's property the bug violates (a prefix of CheckSummary.property). */
  property: string;
  /** Executions within which the default strategy finds it (the pinned test budget). */
  budget: number;
}

export interface RunBug extends BugBase {
  command: "run";
  /** The metric that shows the symptom and the test on it: true when the bug shows. */
  metric: keyof Metrics;
  shows: (m: Metrics) => boolean;
  /** The test in words (for `epcsim bugs` and the docs). */
  criterion: string;
}

export type Bug = CheckBug | RunBug;

export const BUGS: Bug[] = [
  {
    id: "B1",
    title: "x86/sgx: Fix free page accounting",
    fix: "ac5d272a0ad0 (v5.16-rc2)",
    buggy: "v5.15",
    fixed: "v5.17",
    scenario: "check-free-accounting",
    command: "check",
    property: "invariant: nr_free matches the free lists",
    budget: 2000,
    symptom:
      "sgx_nr_free_pages drifts from the free lists (a lost update under two node locks); ksgxd is not woken and faults retry forever",
    functions: ["__sgx_alloc_epc_page_from_node"],
  },
  {
    id: "B2",
    title: "x86/sgx: Silence softlockup detection when releasing large enclaves",
    fix: "8795359e35bc (5.17-rc4); batched in 'Reduce delay and interference of enclave release' (v6.2)",
    buggy: "v5.15",
    fixed: "v5.17",
    scenario: "release-large",
    command: "run",
    metric: "max_kernel_stretch_ns",
    shows: (m) => m.max_kernel_stretch_ns > 1_000_000,
    criterion: "max_kernel_stretch_ns > 1 ms (the release of a 230 MiB enclave in one stretch)",
    symptom:
      "sgx_encl_release EREMOVEs every page without a scheduling point: one stretch proportional to the enclave (soft lockup at 128 GB)",
    functions: ["sgx_encl_release"],
    note: "The soft-lockup warning itself needs a > 20 s stretch (~40M pages); the scenario shows the linear stretch on a small machine.",
  },
  {
    id: "B3",
    title: "x86/sgx: Free backing memory after faulting the enclave page",
    fix: "08999b2489b4 (5.17-rc8)",
    buggy: "v5.15",
    fixed: "v5.17",
    scenario: "backing-free",
    command: "run",
    metric: "backing_pages_end",
    shows: (m) => m.backing_pages_end >= 3072,
    criterion: "backing_pages_end >= 3072 (every page of the 1.5x EPC enclave still has backing)",
    symptom: "shmem backing of pages that were loaded back is never freed while the enclave runs",
    functions: ["__sgx_encl_eldu"],
    note: "Not a race: the change that fixed this leak created the PCMD races B4-B6.",
  },
  {
    id: "B4",
    title: "x86/sgx: Mark PCMD page as dirty when modifying contents",
    fix: "May 2022 PCMD series (5.19-rc)",
    buggy: "v5.19-B4",
    fixed: "v5.19",
    scenario: "check-pcmd-dirty",
    command: "check",
    property: "invariant: resident_pcmd_zero",
    budget: 2000,
    symptom:
      "a zeroed PCMD entry comes back from swap after shmem drops the clean page: the PCMD page is never freed",
    functions: ["__sgx_encl_eldu", "shmem_reclaim_pass"],
    note: "v5.17 has it too (with B5 and B6). The consequence beyond the stale entry is not documented upstream.",
  },
  {
    id: "B5",
    title: "x86/sgx: Obtain backing storage page with enclave mutex held",
    fix: "0e4e729a830c (5.19-rc)",
    buggy: "v5.19-B5",
    fixed: "v5.19",
    scenario: "check-pcmd-truncate",
    command: "check",
    property: "invariant: evicted data is in the backing store",
    budget: 4000,
    symptom:
      "the reclaimer pins a PCMD page without encl->lock while a fault truncates it: the evicted page's PCMD is lost (a later ELDU faults with #GP, SIGBUS)",
    functions: [
      "sgx_reclaim_pages",
      "sgx_encl_alloc_backing",
      "__sgx_encl_eldu",
      "sgx_encl_truncate_backing_page",
    ],
  },
  {
    id: "B6",
    title: "x86/sgx: Fix race between reclaimer and page fault handler",
    fix: "af117837ceb9 (5.19-rc)",
    buggy: "v5.19-B6",
    fixed: "v5.19",
    scenario: "check-pcmd-truncate",
    command: "check",
    property: "invariant: evicted data is in the backing store",
    budget: 4000,
    symptom:
      "a fault truncates a PCMD page the reclaimer is about to write: the evicted page's PCMD is lost (a later ELDU faults with #GP, SIGBUS)",
    functions: ["sgx_reclaim_pages", "__sgx_encl_eldu", "sgx_encl_truncate_backing_page"],
  },
  {
    id: "B7",
    title: "x86/sgx: Ensure no data in PCMD page after truncate",
    fix: "e3a3bbe3e99d (tip, May 2022)",
    buggy: "v5.17",
    fixed: "v5.19",
    scenario: "check-pcmd-truncate",
    command: "check",
    property: "invariant: evicted data is in the backing store",
    budget: 4000,
    symptom:
      "without the check, a truncated PCMD page that still receives data goes unnoticed until ELDU fails",
    functions: ["sgx_reclaim_pages", "__sgx_encl_eldu", "sgx_encl_truncate_backing_page"],
    note: "Debug hardening, not a fix: its pr_warn cannot fire in the model (EWB writes under encl->lock), so it is shown by B6's race on the kernel without it.",
  },
  {
    id: "B8",
    title: "x86/sgx: Set active memcg prior to shmem allocation",
    fix: "0c9782e204d3 (2022)",
    buggy: "v5.17",
    fixed: "v5.19",
    scenario: "memcg-accounting",
    command: "run",
    metric: "backing_allocs_root",
    shows: (m) => m.backing_allocs_root > 0,
    criterion: "backing_allocs_root > 0 (backing pages of a process in a memcg charged to the root)",
    symptom: "backing pages allocated by ksgxd are charged to the root memcg, not the enclave owner's",
    functions: ["sgx_encl_alloc_backing", "sgx_encl_get_mem_cgroup"],
  },
];

export function findBug(id: string): Bug | undefined {
  return BUGS.find((b) => b.id.toLowerCase() === id.toLowerCase());
}

/** The catalogue row of `epcsim bugs --json` (the keys the issue asks for, then extras). */
export function bugRow(b: Bug): Record<string, unknown> {
  return {
    id: b.id,
    title: b.title,
    buggy: b.buggy,
    fixed: b.fixed,
    scenario: b.scenario,
    command: b.command,
    symptom: b.symptom,
    fix: b.fix,
    functions: b.functions,
    ...(b.command === "check" ? { property: b.property } : { metric: b.metric, criterion: b.criterion }),
    ...(b.note ? { note: b.note } : {}),
  };
}
