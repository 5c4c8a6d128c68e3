/** Tiny hand-written check models for tests of the checker itself. */
import type { CheckModel, CustomActor } from "../../src/check/engine.ts";
import { type World, WorldBase } from "../../src/check/world.ts";
import type { Machine } from "../../src/model/machine.ts";
import type { ModelGen } from "../../src/rt/ops.ts";
import { parseScenarioText } from "../../src/scenario/load.ts";
import { machine } from "./model.ts";

/** A check model over an empty machine; `state` lives in the world, so every execution gets a fresh copy. */
export function model<S extends Record<string, unknown>>(
  state: (m: Machine) => S,
  // biome-ignore lint/suspicious/noExplicitAny: test bodies yield ops of any kind
  actors: (names: string[]) => { name: string; body: (m: Machine, s: S) => Generator<any, unknown, any> }[],
  property?: (s: S) => string | null,
): CheckModel {
  const m = machine(16, { cpus: 4 });
  const sc = parseScenarioText(
    "name: prim\nkind: check\ncheck:\n  enclaves: [{name: e, pages: 1}]\n  actors: [{kind: reclaim}]\n",
    "prim.yaml",
  ).scenario;
  const world: World = { m, procs: new Map(), encls: new Map(), children: [], extra: state(m) };
  const custom: CustomActor[] = actors([]).map((a) => ({
    name: a.name,
    body: (w) => a.body(w.m, w.extra as S),
  }));
  return {
    sc,
    chk: sc.check!,
    base: new WorldBase(world),
    custom,
    property: property && ((w) => property(w.extra as S)),
  };
}

/** A shared cell: reads and writes are ops, so the checker can interleave between them. */
export class Cell {
  v = 0;
  constructor(readonly loc: { id: number; cls: string }) {}
}

export function* read(c: Cell): ModelGen<number> {
  yield { kind: "read", loc: c.loc, sub: -1, what: "cell" };
  return c.v;
}

export function* write(c: Cell, v: number): ModelGen {
  yield { kind: "write", loc: c.loc, sub: -1, what: "cell" };
  c.v = v;
}

export const cell = (m: Machine) => new Cell({ id: m.newId(), cls: "cell" });
