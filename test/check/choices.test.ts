/**
 * Data choices (`choose` ops) are explored by every strategy: the systematic ones branch on every
 * value of the op's domain, so "exhausted" covers them; a domain they cannot cover is not called
 * exhausted.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type CheckOptions, runCheck, STRATEGIES } from "../../src/check/checker.ts";
import type { CheckModel } from "../../src/check/engine.ts";
import { MAX_CHOICE_DOMAIN } from "../../src/check/strategies.ts";
import { cell, model, read, write } from "../helpers/checkmodel.ts";

/** Thread a picks a value in [0, n) and stores it; thread b runs beside it. Fails when a stored `bad`. */
function choiceModel(n: number, bad: number): CheckModel {
  return model(
    (m) => ({ c: cell(m), d: cell(m) }),
    () => [
      {
        name: "a",
        *body(_m, s) {
          const v: number = yield { kind: "choose", n, why: "test value" };
          yield* write(s.c, v);
        },
      },
      {
        name: "b",
        *body(_m, s) {
          const x: number = yield* read(s.c);
          yield* write(s.d, x + 1);
        },
      },
    ],
    (s) => (s.c.v === bad ? `a chose ${bad}` : null),
  );
}

function opts(strategy: CheckOptions["strategy"]): CheckOptions {
  return {
    strategy,
    schedules: 2000,
    timeMs: 60_000,
    seed: 1,
    maxSteps: 100,
    everyStep: false,
    preemptionBound: 2,
    pctDepth: 2,
  };
}

for (const strategy of STRATEGIES) {
  test(`${strategy} finds a bug that needs value 1 of a two-valued choice`, () => {
    const r = runCheck(choiceModel(2, 1), opts(strategy));
    assert.ok(r.found, `${strategy} did not find it in ${r.schedules} executions`);
    assert.equal(r.found.out.failure?.detail, "a chose 1");
    assert.deepEqual(r.found.out.choices, [1]);
  });
}

for (const strategy of ["dfs", "dpor", "sdfs", "bfs"] as const) {
  test(`${strategy} reaches the last value of a choice and says exhausted only after every value`, () => {
    const found = runCheck(choiceModel(5, 4), opts(strategy));
    assert.ok(found.found, `${strategy} missed value 4`);
    const clean = runCheck(choiceModel(5, 99), opts(strategy));
    assert.equal(clean.found, null);
    assert.ok(clean.exhausted, `${strategy} should exhaust a 5-valued choice`);
    assert.ok(clean.schedules >= 5, `${strategy} ran ${clean.schedules} executions for 5 values`);
  });

  test(`${strategy} does not call a search exhausted when a choice's domain was too large to cover`, () => {
    const r = runCheck(choiceModel(MAX_CHOICE_DOMAIN + 1, -1), opts(strategy));
    assert.equal(r.found, null);
    assert.equal(r.exhausted, false);
    assert.equal(r.choicesCut, true);
  });
}
