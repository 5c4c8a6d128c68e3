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
  /** What to print as observed (default: "metric = value"). */
  observe?: (m: Metrics) => string;
  /** The test in words (for `epcsim bugs` and the docs). */
  criterion: string;
}

export type Bug = CheckBug | RunBug;

export const BUGS: Bug[] = [
  {
    id: "B0",
    title: "x86/sgx: Maintain encl->refcount for each encl->mm_list entry",
    fix: "2ade0d60939b (after v5.11-rc7, in v5.11)",
    buggy: "v38",
    fixed: "v5.11",
    scenario: "check-close-vs-mm-exit",
    command: "check",
    property: "KASAN: use-after-free",
    budget: 2000,
    symptom:
      "the last close of the enclave file frees the enclave while an exiting mm's MMU notifier release still uses it (the fix's log: WARNING in cleanup_srcu_struct)",
    functions: ["sgx_mmu_notifier_release", "sgx_release"],
    note: "Not in kernel.md's catalogue; added from the fix's posting (Feb 2021). KASAN reports the notifier's synchronize_srcu() on the freed encl->srcu.",
  },
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
  {
    id: "B9",
    title: "x86/sgx: Handle VA page allocation failure for EAUG on PF.",
    fix: "Sep 2022, between v6.0-rc1 and v6.0",
    buggy: "v6.0-rc1",
    fixed: "v6.0",
    scenario: "check-eaug-va-busy",
    command: "check",
    property: "WARN sigbus",
    budget: 300,
    symptom: "an EAUG fault that finds no free EPC page for a new VA page returns SIGBUS instead of retrying",
    functions: ["sgx_encl_eaug_page", "sgx_encl_grow"],
  },
  {
    id: "B10",
    title: "x86/sgx: Resolves SECS reclaim vs. page fault for EAUG race",
    fix: "c6c2adcba50c (~v6.6-rc4)",
    buggy: "v6.1",
    fixed: "v6.6",
    scenario: "check-eaug-vs-secs-reclaim",
    command: "check",
    property: "BUG",
    budget: 2000,
    symptom:
      "BUG: kernel NULL pointer dereference in sgx_encl_eaug_page: the reclaimer evicted the last child and then the SECS",
    functions: ["sgx_encl_eaug_page", "sgx_reclaimer_write"],
    note: "Model enclave threads do not run on a TCS (DEVIATIONS K7), so the eviction can simply precede the fault; in the kernel the TCS is the last child, evicted while its thread is in the fault handler.",
  },
  {
    id: "B11a",
    title: "x86/sgx: Resolve EAUG race where losing thread returns SIGBUS",
    fix: "Kuvaiskii, 'Fix two data races in EAUG/EREMOVE flows' v6 (Sep 2024, not merged)",
    buggy: "mainline",
    fixed: "kuvaiskii-v6",
    scenario: "check-eaug-vs-eaug",
    command: "check",
    property: "WARN sigbus",
    budget: 2000,
    symptom:
      "two threads fault on the same absent page; the loser of xa_insert() gets SIGBUS for a page that exists",
    functions: ["sgx_encl_eaug_page"],
  },
  {
    id: "B11b",
    title: "x86/sgx: Resolve EREMOVE page vs EAUG page data race",
    fix: "Kuvaiskii, 'Fix two data races in EAUG/EREMOVE flows' v6 (Sep 2024, not merged)",
    buggy: "mainline",
    fixed: "kuvaiskii-v6",
    scenario: "check-remove-vs-fault",
    command: "check",
    property: "invariant: no stale PTE",
    budget: 2000,
    symptom:
      "a fault maps a page while REMOVE_PAGES has dropped encl->lock to zap it: a PTE to a removed page, the page is unusable forever",
    functions: ["sgx_encl_remove_pages", "sgx_vma_fault"],
    note: "The scenario tolerates SIGBUS: a fault that raced the erase gets one on both kernels (check-remove-vs-fault-sigbus).",
  },
  {
    id: "B11c",
    title: "x86/sgx: Split SGX_ENCL_PAGE_BEING_RECLAIMED into two flags",
    fix: "Kuvaiskii, 'Fix two data races in EAUG/EREMOVE flows' v6 (Sep 2024, not merged)",
    buggy: "mainline",
    fixed: "kuvaiskii-v6",
    scenario: "check-remove-vs-fault",
    command: "check",
    property: "invariant: no stale PTE",
    budget: 2000,
    symptom: "no BUSY state for an entry being removed or retyped: the precondition of B11b",
    functions: ["sgx_encl_remove_pages"],
    note: "Not a bug of its own: the flag split B11b's fix needs (BUSY for loaders, PCMD_BUSY for PCMD truncation); reproduced by B11b's race.",
  },
  {
    id: "B12",
    title: "x86/sgx: Free up EPC pages directly to support large page ranges",
    fix: "a0506b3b0636 (v6.0, inside the SGX2 series)",
    buggy: "v6.0-B12",
    fixed: "v6.0",
    scenario: "oversubscribed-remove",
    command: "run",
    metric: "ioctl_eagain",
    shows: (m) => m.ioctl_eagain > 0,
    criterion: "ioctl_eagain > 0 (MODIFY_TYPES/REMOVE_PAGES stop early with EAGAIN and must be called again)",
    symptom:
      "SGX2 ioctls over large ranges of an oversubscribed enclave stop with EAGAIN while they wait for ksgxd to free pages",
    functions: ["sgx_enclave_modify_types", "sgx_encl_remove_pages", "sgx_reclaim_direct"],
  },
  {
    id: "B13",
    title: "EPC cgroup series v14 -> v16: a busy top-level cgroup could starve reclaim of descendants",
    fix: "v16 of 'Add Cgroup support for SGX EPC memory' (round-robin next_cg cursor; series not merged)",
    buggy: "cgroup-v15",
    fixed: "cgroup-v16",
    scenario: "cgroup-starve",
    command: "run",
    metric: "cgroups",
    shows: (m) =>
      (m.cgroups?.["busy/cold"]?.reclaimed_pages ?? -1) === 0 && (m.cgroups?.busy?.reclaimed_pages ?? 0) > 0,
    criterion:
      'cgroups["busy/cold"].reclaimed_pages = 0 while busy reclaims its own pages (the cold child is never scanned)',
    symptom:
      "reclaim for a parent's subtree scans only the parent's own LRU: the child's cold pages stay, the parent evicts its working set",
    observe: (m) =>
      `reclaimed_pages: busy ${m.cgroups?.busy?.reclaimed_pages}, busy/cold ${m.cgroups?.["busy/cold"]?.reclaimed_pages}`,
    functions: ["sgx_cgroup_reclaim_pages"],
    note: "B13 lists several fixes across the series; this is the one about reclaim behaviour. v3's NULL pointer is B10; the misc-core overflow, ->free and init-failure fixes are in code the model does not include (DEVIATIONS C-section).",
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
