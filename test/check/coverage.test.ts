/**
 * The built-in check scenarios cover every pair of kernel paths that share a lock or an EPC page:
 * for each pair, the listed scenario runs both paths and, in some execution, both really touch
 * common state: a lock, a wait queue or SRCU, a shared field or atomic (page flags, refcounts,
 * counters), or an EPC page under ENCLS (measured from the ops the model executed).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { execute, prepare } from "../../src/check/engine.ts";
import { loadScenario } from "../../src/scenario/load.ts";

/**
 * [path, path, scenario that interleaves them]; paths are check actor kinds. Not a pair: a fault
 * and the exit of a process. An exiting mm has no faulting threads left, and a fault in another mm
 * takes no enclave reference and walks no mm_list. check-fault-vs-release runs that case anyway.
 */
const PAIRS: [string, string, string][] = [
  ["access", "reclaim", "check-fault-vs-reclaim"],
  ["access", "access", "check-fault-vs-fault"],
  ["access", "ksgxd", "check-ksgxd-wakeup"],
  ["access", "remove_pages", "check-remove-vs-fault"],
  ["access", "eaccept", "check-eaug-vs-reclaim"],
  ["access", "shmem_reclaim", "check-pcmd-dirty"],
  ["access", "poison", "check-poison-vs-fault"],
  ["access", "add_pages", "check-add-pages-vs-fault"],
  ["access", "restrict_permissions", "check-restrict-vs-fault"],
  ["access", "fork_exit", "check-fork-exit-vs-fault"],
  ["access", "vepc", "check-vepc-vs-reclaim"],
  ["reclaim", "reclaim", "check-two-reclaimers"],
  ["reclaim", "exit", "check-release-vs-reclaim"],
  ["reclaim", "poison", "check-poison-vs-reclaim"],
  ["reclaim", "fork_exit", "check-fork-vs-reclaim"],
  ["reclaim", "eaccept", "check-eaug-vs-reclaim"],
  ["reclaim", "modify_types", "check-modify-types-vs-reclaim"],
  ["reclaim", "remove_pages", "check-remove-vs-reclaim"],
  ["reclaim", "shmem_reclaim", "check-shmem-vs-reclaim"],
  ["reclaim", "vepc", "check-vepc-vs-reclaim"],
  ["ksgxd", "add_pages", "check-add-pages-vs-reclaim"],
  ["ksgxd", "exit", "check-cgroup-exit"],
  ["eaccept", "eaccept", "check-eaug-vs-eaug"],
  ["poison", "exit", "check-poison-vs-release"],
  ["exit", "close", "check-close-vs-mm-exit"],
  ["ksgxd", "rmdir", "check-cgroup-rmdir"],
  ["exit", "rmdir", "check-cgroup-rmdir-charged"],
];

function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** What each actor touched over some random executions: shared locations, and EPC pages of ENCLS leaves. */
function touched(scenario: string, runs: number): { kind: string; locks: Set<number>; pages: Set<number> }[] {
  const model = prepare(loadScenario(scenario).scenario);
  const out = model.chk.actors.map((a) => ({
    kind: a.kind,
    locks: new Set<number>(),
    pages: new Set<number>(),
  }));
  for (let k = 0; k < runs; k++) {
    const rand = lcg(k + 1);
    const { ex } = execute(
      model,
      { pick: (_e, en) => en[Math.floor(rand() * en.length)]!, choose: (n) => Math.floor(rand() * n) },
      { maxSteps: 5000, everyStep: false },
    );
    const actorOf = (tid: number): number => {
      let a = tid;
      while ((ex.actors[a]?.parent ?? -1) >= 0) a = ex.actors[a]!.parent!;
      return a;
    };
    for (const s of ex.trace) {
      // A work item an actor spawned (the deferred release after exit) counts as that actor.
      const t = out[actorOf(s.tid)];
      if (!t) continue;
      const op = s.op;
      switch (op.kind) {
        case "spin_lock":
        case "mutex_lock":
        case "down_read":
        case "down_write":
          t.locks.add(op.lock.id);
          break;
        case "atomic":
        case "read":
        case "write":
          t.locks.add(op.loc.id);
          break;
        case "sleep":
        case "wake_up":
          t.locks.add(op.wq.id);
          break;
        case "srcu_sync":
          t.locks.add(op.srcu.id);
          break;
        case "encls":
          t.pages.add(op.page);
          break;
        default:
          break;
      }
    }
  }
  return out;
}

function shares(
  a: { locks: Set<number>; pages: Set<number> },
  b: { locks: Set<number>; pages: Set<number> },
) {
  return [...a.locks].some((l) => b.locks.has(l)) || [...a.pages].some((p) => b.pages.has(p));
}

for (const [x, y, scenario] of PAIRS) {
  test(`${x} vs ${y}: ${scenario} runs both and they share a lock or an EPC page`, () => {
    const actors = touched(scenario, 10);
    const xs = actors.filter((a) => a.kind === x);
    const ys = actors.filter((a) => a.kind === y);
    assert.ok(xs.length && ys.length, `${scenario} has no ${x} or no ${y} actor`);
    const ok = xs.some((a) => ys.some((b) => a !== b && shares(a, b)));
    assert.ok(ok, `${scenario}: the ${x} and ${y} actors never touched a common lock or page`);
  });
}

test("every actor kind a check scenario can have takes part in a covered pair", () => {
  const kinds = new Set(PAIRS.flat());
  for (const k of [
    "reclaim",
    "ksgxd",
    "access",
    "add_pages",
    "exit",
    "fork_exit",
    "close",
    "rmdir",
    "poison",
    "shmem_reclaim",
    "eaccept",
    "modify_types",
    "remove_pages",
    "restrict_permissions",
    "vepc",
  ])
    assert.ok(kinds.has(k), k);
});

test("the measure can say no: a child's fault and the parent's exit share nothing", () => {
  const actors = touched("check-fault-vs-release", 10);
  const [access, exit] = [actors.find((a) => a.kind === "access")!, actors.find((a) => a.kind === "exit")!];
  assert.equal(shares(access, exit), false);
});
