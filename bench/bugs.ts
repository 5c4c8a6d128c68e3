/**
 * Time to find each catalogued bug on the kernel that had it (print, never assert): concurrency
 * bugs with the scenario's default strategy and a 60 s budget (the target on one core),
 * accounting and liveness bugs as one timed run.
 *   node --import tsx bench/bugs.ts [B5 ...]
 */
import { BUGS } from "../src/bugs/catalogue.ts";
import { reproduce } from "../src/bugs/reproduce.ts";
import "../src/model/kernel/variants/index.ts";

const only = process.argv.slice(2);
console.log(`node ${process.version}`);
console.log("bug  kernel      found  executions  wall ms  observed");
for (const bug of BUGS) {
  if (only.length && !only.includes(bug.id)) continue;
  // A generous execution cap: the wall-clock budget of the scenario (60 s) ends the search first.
  const r = reproduce(bug, bug.buggy, { schedules: 10_000_000 });
  console.log(
    `${bug.id.padEnd(4)} ${bug.buggy.padEnd(11)} ${(r.shows ? "yes" : "NO").padEnd(6)} ${String(r.executions).padStart(10)} ${String(r.elapsed_ms).padStart(8)}  ${r.observed.slice(0, 80)}`,
  );
}
