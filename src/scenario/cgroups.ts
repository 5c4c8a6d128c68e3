/**
 * Scenario syntax for cgroups: the cgroup v2 tree with its misc (sgx_epc) and memory limits, which
 * process runs in which cgroup, timed administrator actions (limit writes, swapoff, kills), and the
 * EPC cgroup selftest's steps. docs/cgroups.md describes the format.
 *
 * Sizes may be expressions of `capacity` (misc.capacity of sgx_epc: the EPC in bytes), as the
 * selftest derives its limits: `capacity / 512`, `4 * capacity / 512`, `capacity - 2 * (4 * capacity / 512)`.
 */

import { z } from "zod";
import { MISC_MAX, type misc_cg, misc_cg_create } from "../model/kernel/cgroup/misc.ts";
import type { mem_cgroup } from "../model/kernel/lib/memcg.ts";
import type { Machine } from "../model/machine.ts";
import {
  type AdminAction,
  cgroup_events_main,
  type SelftestStep,
  type StepExpect,
  type StepResult,
  selftest_main,
  type TimedAction,
} from "../model/user/cgroup_script.ts";
import type { Process } from "../model/user/process.ts";
import type { ProcessProgram } from "../model/user/program.ts";
import type { ThreadSpec } from "../rt/ops.ts";
import { LIMITS } from "./limits.ts";
import type { ProcessSpec, Scenario } from "./schema.ts";
import { parseBytes, parseDuration } from "./units.ts";

/* ---- size expressions ---------------------------------------------------------------------- */

/** A parsed size expression: evaluates to bytes given the capacity (Infinity for "max"). */
export type SizeExpr = (capacity: number) => number;

/**
 * Parse a size: a number (bytes), a size with a unit ("8MiB", "16 pages"), "max", or an integer
 * expression with + - * / and parentheses over sizes and `capacity` (division rounds down, as the
 * selftest's shell arithmetic does). Returns the evaluator or an error message.
 */
export function parseSizeExpr(v: number | string): SizeExpr | string {
  if (typeof v === "number") return () => v;
  const s = v.trim();
  if (s === "max") return () => MISC_MAX;
  const toks = s.match(/\s*([0-9]*\.?[0-9]+\s*(?:pages?|[kmgt]?i?b)?|capacity|[-+*/()])/gi);
  if (!toks || toks.join("").replace(/\s/g, "") !== s.replace(/\s/g, ""))
    return `expected a size ("8MiB", "16 pages", bytes), "max", or an expression of capacity such as "4 * capacity / 512", got "${v}"`;
  const t = toks.map((x) => x.trim());
  let i = 0;
  const fail = (msg: string): never => {
    throw new Error(msg);
  };
  const primary = (): SizeExpr => {
    const x = t[i++];
    if (x === undefined) return fail("the expression ends early");
    if (x === "(") {
      const e = sum();
      if (t[i++] !== ")") fail('a "(" is not closed');
      return e;
    }
    if (x === "-") {
      const e = primary();
      return (c) => -e(c);
    }
    if (x.toLowerCase() === "capacity") return (c) => c;
    const b = /^[0-9.]+$/.test(x) ? Number(x) : parseBytes(x);
    if (typeof b === "string" || Number.isNaN(b)) return fail(`"${x}" is not a size`);
    return () => b;
  };
  const product = (): SizeExpr => {
    let l = primary();
    while (t[i] === "*" || t[i] === "/") {
      const op = t[i++];
      const a = l;
      const r = primary();
      l = op === "*" ? (c) => a(c) * r(c) : (c) => Math.floor(a(c) / r(c));
    }
    return l;
  };
  const sum = (): SizeExpr => {
    let l = product();
    while (t[i] === "+" || t[i] === "-") {
      const op = t[i++];
      const a = l;
      const r = product();
      l = op === "+" ? (c) => a(c) + r(c) : (c) => a(c) - r(c);
    }
    return l;
  };
  try {
    const e = sum();
    if (i !== t.length) return `unexpected "${t[i]}" in "${v}"`;
    return e;
  } catch (err) {
    return `${(err as Error).message} in "${v}"`;
  }
}

/**
 * A size field: validated here, kept as written (a validated scenario is plain data: it is hashed
 * for caches and sent to worker threads), evaluated with sizeOf() when the machine is known.
 */
const sizeExpr = z.union([z.number().nonnegative(), z.string()]).superRefine((v, ctx) => {
  const r = parseSizeExpr(v);
  if (typeof r === "string") ctx.addIssue({ code: "custom", message: r });
});

/** The bytes a validated size field stands for. */
export function sizeOf(v: number | string, capacity: number): number {
  const r = parseSizeExpr(v);
  if (typeof r === "string") throw new Error(r);
  return r(capacity);
}

const duration = z.union([z.number().nonnegative(), z.string()]).transform((v, ctx) => {
  const r = parseDuration(v);
  if (typeof r === "string") {
    ctx.addIssue({ code: "custom", message: r });
    return z.NEVER;
  }
  return r;
});

/** A time, or [min, max]: a random time in between (the seed decides). */
const when = z.union(
  [
    duration,
    z
      .tuple([duration, duration])
      .refine(([a, b]) => a <= b, "a time range [min, max] needs min <= max")
      .transform((v): [number, number] => [v[0], v[1]]),
  ],
  { error: 'expected a time since the start such as "5ms", or a range [min, max]' },
);

const cgroupPath = z
  .string()
  .regex(
    /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/,
    'a cgroup path such as "tenants/t0" below the root (letters, digits, "_" and "-")',
  );

/* ---- schemas --------------------------------------------------------------------------------- */

/** One cgroup of the tree: its files. */
export const cgroupSchema = z
  .object({
    /** misc.max of sgx_epc (bytes, a size, "max" or an expression of capacity). */
    misc_max: sizeExpr.optional(),
    /** memory.max: the limit of the memory cgroup the cgroup's processes' backing store is charged to. */
    memory_max: sizeExpr.optional(),
    /** memory.swap.max: false = no swap (a charge over memory.max then OOM-kills). */
    swap: z.boolean().optional(),
  })
  .strict();

/** The tree: cgroup paths below the root (parents are created as needed) to their files. */
export const cgroupsSchema = z.record(z.string(), cgroupSchema).superRefine((rec, ctx) => {
  for (const key of Object.keys(rec)) {
    const r = cgroupPath.safeParse(key);
    if (!r.success) ctx.addIssue({ code: "custom", path: [key], message: r.error.issues[0]!.message });
  }
});

/** Writes to one cgroup's files. */
const writeSchema = cgroupSchema.extend({ cgroup: cgroupPath }).strict();

/** A timed administrator action: exactly one of set, swap, kill. */
export const eventSchema = z
  .object({
    at: when,
    set: writeSchema.optional(),
    /** swapoff -a (false) / swapon -a (true). */
    swap: z.boolean().optional(),
    /** kill -9 a process, or one of a list chosen at random (names as `epcsim run` shows them). */
    kill: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  })
  .strict()
  .refine(
    (e) => [e.set, e.swap, e.kill].filter((x) => x !== undefined).length === 1,
    "an event does exactly one thing: set, swap or kill",
  );

export const EXPECTS = [
  "fail",
  "all fail",
  "at least one succeeds",
  "at least one fails",
  "all succeed",
  "all others succeed",
] as const;

/** A selftest step (see docs/cgroups.md); the process schema is the scenario's. */
export function makeStepSchema<P extends z.ZodTypeAny>(processSchema: P) {
  return z
    .object({
      name: z.string().min(1),
      /** Cgroup writes before the processes start. */
      set: z.array(writeSchema).default([]),
      /** swapoff -a (false) / swapon -a (true) before the processes start. */
      swap: z.boolean().optional(),
      /** Processes started together (each with its `cgroup`). */
      processes: z.array(processSchema).default([]),
      /** Time between two process starts (a shell starting background jobs one after the other). */
      start_interval: duration.default(0),
      /** Kill one of them at random after a random delay in [min, max] (from the last start). */
      kill_random_after: z
        .tuple([duration, duration])
        .refine(([a, b]) => a <= b, "a time range [min, max] needs min <= max")
        .optional(),
      /** Sleep after the processes exited, before the check. */
      wait: duration.default(0),
      expect: z.union([
        z.enum(EXPECTS),
        z.object({ misc_current: z.object({ cgroup: cgroupPath, equals: sizeExpr }).strict() }).strict(),
      ]),
    })
    .strict();
}

export type CgroupsSpec = z.output<typeof cgroupsSchema>;
export type EventSpec = z.output<typeof eventSchema>;
type WriteSpec = z.output<typeof writeSchema>;

/* ---- validation of references (positions come from the paths) ------------------------------- */

interface RefScenario {
  cgroups: CgroupsSpec;
  processes: { name: string; count: number; cgroup?: string }[];
  events: EventSpec[];
  steps?: {
    set: WriteSpec[];
    processes: { name: string; count: number; cgroup?: string }[];
    expect: unknown;
  }[];
  check?: { enclaves: { cgroup?: string }[] };
}

/** All cgroup paths of the tree, the implied parents included. */
export function cgroupPaths(spec: CgroupsSpec): Set<string> {
  const out = new Set<string>();
  for (const p of Object.keys(spec)) {
    const parts = p.split("/");
    for (let i = 1; i <= parts.length; i++) out.add(parts.slice(0, i).join("/"));
  }
  return out;
}

/** The name of copy `k` of a process (as processPrograms names them). */
function copyName(name: string, count: number, k: number): string {
  return count > 1 ? `${name}${k}` : name;
}

/** A process's cgroup for copy `k`: `{i}` stands for the copy number. */
export function cgroupOfCopy(cgroup: string, k: number): string {
  return cgroup.replaceAll("{i}", String(k));
}

/** Check that every cgroup and process a scenario names exists; report at the field's path. */
export function checkCgroupRefs(sc: RefScenario, ctx: z.RefinementCtx): void {
  const paths = cgroupPaths(sc.cgroups);
  const known = [...paths].join(", ") || "none: add a `cgroups` section";
  const need = (path: string, at: (string | number)[]) => {
    if (!paths.has(path))
      ctx.addIssue({
        code: "custom",
        path: at,
        message: `no cgroup "${path}" in \`cgroups\` (known: ${known})`,
      });
  };
  const procCgroups = (ps: RefScenario["processes"], at: (string | number)[]) =>
    ps.forEach((p, i) => {
      // A count past the limit is refused by the schema; its copies are not walked (1e307 of them).
      if (p.cgroup === undefined || !(p.count <= LIMITS.maxProcesses)) return;
      for (let k = 0; k < p.count; k++) need(cgroupOfCopy(p.cgroup, k), [...at, i, "cgroup"]);
    });
  procCgroups(sc.processes, ["processes"]);
  const names = new Set(
    sc.processes.flatMap((p) =>
      p.count <= LIMITS.maxProcesses
        ? Array.from({ length: p.count }, (_, k) => copyName(p.name, p.count, k))
        : [],
    ),
  );
  sc.events.forEach((e, i) => {
    if (e.set) need(e.set.cgroup, ["events", i, "set", "cgroup"]);
    const kills = e.kill === undefined ? [] : typeof e.kill === "string" ? [e.kill] : e.kill;
    for (const k of kills)
      if (!names.has(k))
        ctx.addIssue({
          code: "custom",
          path: ["events", i, "kill"],
          message: `no process "${k}" (processes: ${[...names].join(", ") || "none"})`,
        });
  });
  sc.steps?.forEach((s, i) => {
    s.set.forEach((w, j) => {
      need(w.cgroup, ["steps", i, "set", j, "cgroup"]);
    });
    procCgroups(s.processes, ["steps", i, "processes"]);
    const e = s.expect as { misc_current?: { cgroup: string } };
    if (typeof e === "object" && e.misc_current)
      need(e.misc_current.cgroup, ["steps", i, "expect", "misc_current", "cgroup"]);
  });
  sc.check?.enclaves.forEach((e, i) => {
    if (e.cgroup !== undefined) need(e.cgroup, ["check", "enclaves", i, "cgroup"]);
  });
}

/* ---- building ----------------------------------------------------------------------------------- */

/** The cgroups of a machine by path, with the memcg of each (named by its path). */
export class CgroupTree {
  readonly byPath = new Map<string, misc_cg>();
  constructor(
    readonly m: Machine,
    /** misc.capacity of sgx_epc as the scenario's expressions see it: the EPC in bytes. */
    readonly capacity: number,
  ) {}
  cg(path: string): misc_cg {
    const c = this.byPath.get(path);
    if (!c) throw new Error(`no cgroup ${path}`);
    return c;
  }
  memcg(path: string): mem_cgroup {
    return this.m.memcg(path);
  }
  /** A write spec resolved against the tree. */
  write(w: WriteSpec): AdminAction {
    return {
      kind: "write",
      w: {
        cgroup: this.cg(w.cgroup),
        memcg: this.memcg(w.cgroup),
        misc_max: w.misc_max === undefined ? undefined : sizeOf(w.misc_max, this.capacity),
        memory_max: w.memory_max === undefined ? undefined : sizeOf(w.memory_max, this.capacity),
        swap: w.swap,
      },
    };
  }
}

/**
 * Create the scenario's cgroup tree on a machine (mkdir, then the limit files): misc cgroups in
 * path order (a parent before its children) and a memory cgroup per path.
 */
export function setupCgroups(m: Machine, spec: CgroupsSpec, epcPages: number): CgroupTree {
  const tree = new CgroupTree(m, epcPages * 4096);
  // In the order the scenario lists them, each parent made before its first child.
  const mkdir = (path: string): void => {
    if (tree.byPath.has(path)) return;
    const i = path.lastIndexOf("/");
    if (i >= 0) mkdir(path.slice(0, i));
    const parent = i < 0 ? m.misc.root : tree.cg(path.slice(0, i));
    tree.byPath.set(path, misc_cg_create(m, parent, path.slice(i + 1)));
    tree.memcg(path);
  };
  for (const path of Object.keys(spec)) mkdir(path);
  for (const [path, files] of Object.entries(spec)) {
    const cg = tree.cg(path);
    if (files.misc_max !== undefined) cg.res.max = sizeOf(files.misc_max, tree.capacity);
    const memcg = tree.memcg(path);
    if (files.memory_max !== undefined)
      memcg.max = Math.floor(sizeOf(files.memory_max, tree.capacity) / 4096);
    if (files.swap !== undefined) memcg.swap = files.swap;
  }
  return tree;
}

/** The scenario's events as timed actions. */
export function compileEvents(tree: CgroupTree, events: EventSpec[]): TimedAction[] {
  return events.map((e) => ({
    at: e.at,
    action:
      e.set !== undefined
        ? tree.write(e.set)
        : e.swap !== undefined
          ? { kind: "swap", on: e.swap }
          : { kind: "kill", procs: typeof e.kill === "string" ? [e.kill] : e.kill! },
  }));
}

/** A step's expectation resolved against the tree. */
export function compileExpect(
  tree: CgroupTree,
  e: (typeof EXPECTS)[number] | { misc_current: { cgroup: string; equals: number | string } },
): StepExpect {
  if (typeof e === "string") return { kind: e };
  return {
    kind: "misc_current",
    cgroup: tree.cg(e.misc_current.cgroup),
    equals: sizeOf(e.misc_current.equals, tree.capacity),
  };
}

/* ---- placing processes, starting the administrator and the selftest script -------------------- */

/** The tree of a machine whose cgroups setupCgroups created (cgroup names are their paths). */
export function cgroupTree(m: Machine, epcPages: number): CgroupTree {
  const tree = new CgroupTree(m, epcPages * 4096);
  for (const cg of m.misc.all) if (cg.name) tree.byPath.set(cg.name, cg);
  return tree;
}

/** The cgroup of every process copy of a process list, by process name (as processPrograms names them). */
export function processCgroups(
  procs: { name: string; count: number; cgroup?: string }[],
): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of procs)
    for (let k = 0; k < p.count; k++)
      if (p.cgroup !== undefined) out.set(copyName(p.name, p.count, k), cgroupOfCopy(p.cgroup, k));
  return out;
}

/**
 * Place a process in a cgroup: its tasks are charged to the cgroup's misc controller, and, unless
 * the process names a memcg of its own, its backing store to the cgroup's memory cgroup.
 */
export function attachCgroup(
  m: Machine,
  mm: { id: number; memcg: unknown },
  path: string | undefined,
  ownMemcg: string | undefined,
): void {
  if (path === undefined) return;
  const cg = m.misc.lookup(path);
  if (!cg) throw new Error(`no cgroup ${path}`);
  m.misc.mm_cg.set(mm.id, cg.id);
  if (ownMemcg === undefined) mm.memcg = m.memcg(path);
}

/** The selftest's steps resolved against the tree (processes compiled to programs). */
function compileSteps(
  tree: CgroupTree,
  steps: NonNullable<Scenario["steps"]>,
  programsOf: (procs: ProcessSpec[]) => { name: string; memcg?: string; prog: ProcessProgram }[],
): SelftestStep[] {
  return steps.map((st) => {
    const cgOf = processCgroups(st.processes);
    const before: AdminAction[] = st.set.map((w) => tree.write(w));
    if (st.swap !== undefined) before.push({ kind: "swap", on: st.swap });
    return {
      name: st.name,
      before,
      processes: programsOf(st.processes).map(({ name, memcg, prog }) => {
        const path = cgOf.get(name);
        return {
          name,
          cgroup: path === undefined ? tree.m.misc.root : tree.cg(path),
          memcg: memcg !== undefined ? tree.m.memcg(memcg) : path !== undefined ? tree.memcg(path) : null,
          prog,
        };
      }),
      start_interval: st.start_interval,
      kill_random_after: st.kill_random_after ? [st.kill_random_after[0], st.kill_random_after[1]] : null,
      wait: st.wait,
      expect: compileExpect(tree, st.expect),
    };
  });
}

/**
 * Start the threads a scenario's cgroup sections need: the administrator (`events`; a kernel-side
 * helper that does not keep the run alive) and the selftest script (`steps`; a user thread: the
 * run ends when it does). Returns the list the script fills with step results (null: no steps).
 */
export function startCgroupThreads(
  m: Machine,
  sc: Scenario,
  epcPages: number,
  procs: ReadonlyMap<string, Process>,
  spawn: (t: ThreadSpec) => void,
  programsOf: (procs: ProcessSpec[]) => { name: string; memcg?: string; prog: ProcessProgram }[],
): StepResult[] | null {
  const tree = cgroupTree(m, epcPages);
  if (sc.events.length) {
    const events = compileEvents(tree, sc.events);
    const task = m.newTask("cgroup-admin", 0x00200000, null);
    spawn({ task, body: () => cgroup_events_main(m, events, procs), kind: "kthread", cpu: -1 });
  }
  if (!sc.steps) return null;
  const steps = compileSteps(tree, sc.steps, programsOf);
  const results: StepResult[] = [];
  const task = m.newTask("run_epc_cg_selftests.sh", 0, null);
  spawn({ task, body: () => selftest_main(m, steps, results), kind: "user", cpu: -1 });
  return results;
}
