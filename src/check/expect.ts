/**
 * A check scenario's expectation (check.expect, check.expect_on) and whether a check result meets
 * it. `epcsim check --all` and the bug catalogue's consistency test read expectations here.
 */
import type { Expectation, Scenario } from "../scenario/schema.ts";
import type { CheckSummary } from "./session.ts";

export interface ExpectationFor {
  expect: Expectation;
  /** Where it comes from: the scenario's own kernel, an expect_on entry, or the default. */
  source: "scenario" | "expect_on" | "default";
}

/** The base variant of a kernel name ("mainline+/x/p.ts" -> "mainline"). */
function baseOf(kernel: string): string {
  return kernel.split("+")[0]!;
}

/**
 * The expectation of `sc` on `kernel` (patches on top keep their base's expectation: a patch that
 * changes a verdict is what the suite is for). A kernel the scenario names neither as its own nor
 * in expect_on gets the scenario's own expectation: what the kernel it was written for does.
 */
export function expectationFor(sc: Scenario, kernel: string, ownKernel: string): ExpectationFor {
  const chk = sc.check;
  if (!chk) throw new Error(`${sc.name} is not a check scenario`);
  const base = baseOf(kernel);
  const on = chk.expect_on[base];
  if (on && base !== baseOf(ownKernel)) return { expect: on, source: "expect_on" };
  if (chk.expect) return { expect: chk.expect, source: "scenario" };
  return { expect: "clean", source: "default" };
}

export function describeExpectation(e: Expectation): string {
  return e === "clean" ? "clean" : `found: ${[e.found].flat().join(" or ")}`;
}

/** What a check got, in the words of the suite table. */
export function describeResult(r: CheckSummary): string {
  switch (r.verdict) {
    case "found":
      return `found: ${r.property}`;
    case "exhausted":
      return "clean (exhausted)";
    case "budget":
      return `clean (budget: ${r.schedules} executions)`;
    default:
      return `NOT CLEAN: ${r.truncated} executions cut by the step bound`;
  }
}

/**
 * Does `r` meet `e`? "clean" is met by a search that found nothing and was not cut by the step
 * bound (exhausted or stopped by the budget: the table says which); a finding only by that property.
 */
export function meets(r: CheckSummary, e: Expectation): boolean {
  if (e === "clean") return !r.found && r.verdict !== "step_bound";
  return r.found && [e.found].flat().includes(r.property ?? "");
}
