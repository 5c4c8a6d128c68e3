/**
 * The web UI's race step-through of a counterexample (a replay token from `check`, a hunt or a
 * mutant kill): the report's steps as per-thread columns, and for every step the locks each
 * thread holds after it and the EPC pages whose state it changed (flags, the list the page is on,
 * its EPCM entry), from a replay that looks at the machine between steps.
 */

import { cgroupLrus } from "../check/cgroup_invariants.ts";
import { type CheckModel, execute, ReplayPicker } from "../check/engine.ts";
import type { Execution } from "../check/execution.ts";
import { walk } from "../check/invariants.ts";
import type { BugReport } from "../check/report.ts";
import { replayToken } from "../check/session.ts";
import type { TokenData } from "../check/token.ts";
import { decodeToken } from "../check/token.ts";
import { SGX_EPC_PAGE_IS_FREE, SGX_EPC_PAGE_RECLAIMER_TRACKED } from "../model/kernel/sgx/sgx.ts";
import type { Machine } from "../model/machine.ts";
import { loadKernel } from "../scenario/patches.ts";

export interface RaceView {
  scenario: string;
  kernel: string;
  failure: BugReport["failure"];
  actors: string[];
  steps: BugReport["steps"];
  races: BugReport["races"];
  /** After each step: per actor, the locks it holds. */
  held: string[][][];
  /** Per step: the EPC pages it changed, before and after. */
  changes: { page: number; before: string; after: string }[][];
  text: string;
}

/** EPCM page types by number (SGX_PAGE_TYPE_*). */
const PAGE_TYPE_NAMES = ["SECS", "TCS", "REG", "VA", "TRIM"];

/** One EPC page as the step-through shows it: flags, list, EPCM entry. */
function pageStates(m: Machine): string[] {
  const P = m.pages;
  const on = new Map<number, string>();
  const heads = [m.sgx.sgx_active_page_list, ...cgroupLrus(m)];
  for (const node of m.sgx.sgx_numa_nodes)
    if (node) heads.push(node.free_page_list, node.sgx_poison_page_list);
  for (const head of heads) {
    // The invariants' walk; a corrupted list (a violation) shows its pages as on no list.
    const pages = walk(m, head, P.nr_pages);
    if (Array.isArray(pages)) for (const p of pages) on.set(p, head.cls);
  }
  const out: string[] = [];
  for (let p = 0; p < P.nr_pages; p++) {
    const f = P.flags.get(p);
    const flags = [
      f & SGX_EPC_PAGE_IS_FREE ? "IS_FREE" : "",
      f & SGX_EPC_PAGE_RECLAIMER_TRACKED ? "RECLAIMER_TRACKED" : "",
    ]
      .filter(Boolean)
      .join("|");
    const hw = m.hw;
    const epcm = hw.valid.get(p)
      ? `EPCM valid ${PAGE_TYPE_NAMES[hw.type.get(p)] ?? hw.type.get(p)}${hw.blocked.get(p) ? " BLOCKED" : ""}`
      : "EPCM invalid";
    out.push(`flags ${flags || "0"}; ${on.get(p) ?? "no list"}; ${epcm}`);
  }
  return out;
}

/** Locks each actor holds now, named as the report names them (`sgx_reclaimer_lock#5`). */
function heldBy(ex: Execution, names: ReadonlyMap<number, string>): string[][] {
  return ex.held.map((h) => [...h].map((id) => names.get(id) ?? `lock#${id}`));
}

function replaySteps(model: CheckModel, d: TokenData): { held: string[][][]; changes: RaceView["changes"] } {
  const held: string[][][] = [];
  const changes: RaceView["changes"] = [];
  let before: string[] | null = null;
  let ops = 0;
  const names = new Map<number, string>();
  const replay = new ReplayPicker(d.schedule, d.choices, false);
  const observe = (ex: Execution) => {
    // One entry per executed op (the report's rows), taken once the op has run.
    while (ops < ex.trace.length) {
      const lock = (ex.trace[ops]!.op as { lock?: { cls: string; id: number } }).lock;
      if (lock) names.set(lock.id, `${lock.cls}#${lock.id}`);
      const now = pageStates(ex.m);
      const diff: RaceView["changes"][number] = [];
      if (before)
        now.forEach((s, p) => {
          if (s !== before![p]) diff.push({ page: p, before: before![p]!, after: s });
        });
      before = now;
      held.push(heldBy(ex, names));
      changes.push(diff);
      ops++;
    }
  };
  const picker = {
    pick(ex: Execution, enabled: number[]) {
      if (before === null) before = pageStates(ex.m);
      observe(ex);
      return replay.pick(ex, enabled);
    },
    choose: (n: number) => replay.choose(n),
  };
  const { ex } = execute(model, picker, {
    maxSteps: d.schedule.length,
    everyStep: false,
    disabled: new Set(d.disabled),
  });
  observe(ex);
  return { held, changes };
}

export async function raceView(token: string): Promise<RaceView> {
  const d = decodeToken(token);
  await loadKernel(d.variant);
  const r = replayToken(token);
  const { held, changes } = replaySteps(r.model, r.token);
  return {
    scenario: d.scenarioName,
    kernel: d.variant,
    failure: r.report.failure,
    actors: r.report.actors,
    steps: r.report.steps,
    races: r.report.races,
    held: held.slice(0, r.report.steps.length),
    changes: changes.slice(0, r.report.steps.length),
    text: r.report.text,
  };
}
