/**
 * Mutation testing figure (issue 10): the kill rate of the automatic mutants of a fixed set of
 * kernel functions (the reclaimer's core and the fault path), and of every function of the EPC
 * cgroup series' own file, each mutant with a 60 s budget.
 * Printed, never asserted. Goal: >= 90% of the mutants that are not equivalent-suspected killed.
 *   node --import tsx bench/mutate.ts
 */
import { cpus } from "node:os";
import { rates, ratesBy, runCampaign } from "../src/mutate/campaign.ts";
import { mutableFunctions, qualified } from "../src/mutate/generate.ts";

const FUNCTIONS = [
  "sgx_reclaim_pages",
  "sgx_reclaimer_block",
  "sgx_encl_ewb",
  "sgx_reclaimer_write",
  "sgx_vma_fault",
  "__sgx_encl_load_page",
  "sgx_encl_release",
];

/** The EPC cgroup series' own functions (src/model/kernel/variants/cgroup.ts), on cgroup-v16. */
const CGROUP_V16 = mutableFunctions()
  .filter((f) => f.variant === "cgroup-v16")
  .map((f) => qualified(f.fn, f.variant));

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

async function figure(label: string, functions: string[]): Promise<void> {
  const t0 = performance.now();
  const rows = await runCampaign({
    functions,
    schedules: 2000,
    timeMs: 60_000,
    seed: 1,
    workers: Math.max(1, cpus().length),
  });
  const wall = (performance.now() - t0) / 1000;
  const r = rates(rows);
  console.log(
    `mutate bench (${label}): ${functions.length} functions, ${r.total} mutants in ${wall.toFixed(1)} s (${cpus().length} workers)`,
  );
  console.log(
    `  killed ${r.killed}, survived ${r.survived}, not covered ${r.not_covered}, equivalent-suspected ${r.equivalent}`,
  );
  console.log(`  kill rate (of the non-equivalent): ${pct(r.kill_rate)} (goal >= 90%)`);
  for (const [op, x] of ratesBy(rows, (m) => m.operator))
    console.log(`  ${op.padEnd(18)} ${pct(x.kill_rate).padStart(7)} of ${x.total - x.equivalent}`);
  const slow = rows.filter((m) => m.status === "killed").map((m) => m.outcome!.kill_ms ?? 0);
  slow.sort((a, b) => a - b);
  if (slow.length)
    console.log(`  time to kill: median ${slow[Math.floor(slow.length / 2)]} ms, max ${slow.at(-1)} ms`);
  for (const m of rows.filter((x) => x.status === "survived" || x.status === "not-covered"))
    console.log(`  alive: ${m.name}  ${m.what}`);
}

await figure("mainline", FUNCTIONS);
await figure("cgroup-v16's own functions", CGROUP_V16);
