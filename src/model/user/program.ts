/**
 * A process's program: build its enclaves, start its enclave threads, wait for them, exit.
 * This is the application side of a scenario (the SGX SDK's enclave loader plus the app's threads).
 */
import type { ModelGen, SpawnOp } from "../../rt/ops.ts";
import { signal_pending } from "../kernel/lib/sched.ts";
import type { Machine } from "../machine.ts";
import { type AccessPattern, makePattern, type PatternSpec } from "./access.ts";
import { EnclaveThread, enclave_thread_main } from "./enclave_thread.ts";
import {
  build_enclave,
  type EnclaveBuildSpec,
  enclaveBase,
  exit_process,
  fork,
  join_threads,
  type Process,
} from "./process.ts";
import { run_script, type ScriptStep } from "./script.ts";

export interface ThreadProgram {
  /** Index into the process's enclaves. */
  enclave: number;
  pattern: PatternSpec;
  writeRatio: number;
  touches: number;
  budget: number;
  /** Page range [first, end) of the enclave. */
  range: [number, number];
  ocallEvery: number;
  cpu: number;
  touchNs?: number;
  /** Stream number of the thread's workload randomness. */
  stream: number;
}

export interface ProcessProgram {
  enclaves: { spec: EnclaveBuildSpec; ordinal: number }[];
  threads: ThreadProgram[];
  /** Children forked after the build (their mms join the enclaves' mm_lists); they exit first. */
  forks: number;
  /** Steps the main thread runs after starting the threads (selftest flows, SGX2, a guest's EPC). */
  script?: ScriptStep[];
  exit: boolean;
  /** Seed of the workload's randomness (patterns). */
  seed: number;
}

/** The pattern of one thread over its range. */
export function threadPattern(t: ThreadProgram, seed: number): AccessPattern {
  const [lo, hi] = t.range;
  return makePattern(t.pattern, lo, hi - lo, t.writeRatio, t.touches, seed, t.stream);
}

/** The main thread of a process. */
export function* process_main(m: Machine, proc: Process, prog: ProcessProgram): ModelGen {
  for (const e of prog.enclaves) {
    const r = yield* build_enclave(m, proc, e.spec, enclaveBase(e.ordinal));
    if (typeof r === "number") {
      proc.buildError = r;
      yield* m.mark("build_failed", r);
      if (prog.exit) yield* exit_process(m, proc);
      return;
    }
  }
  if (signal_pending(m)) {
    // Killed while building (between two ioctls): the process exits without running.
    proc.failed = true;
    if (prog.exit) yield* exit_process(m, proc);
    return;
  }
  const children: Process[] = [];
  for (let i = 0; i < prog.forks; i++) children.push(yield* fork(m, proc, `${proc.name}-child${i}`));
  yield* m.mark("build_done", proc.enclaves.length);
  let n = 0;
  for (const t of prog.threads) {
    const ue = proc.enclaves[t.enclave]!;
    const th = new EnclaveThread(proc, ue, threadPattern(t, prog.seed), t.budget, t.ocallEvery);
    const task = m.newTask(`${proc.name}/t${n++}`, 0, proc.mm);
    proc.live++;
    const op: SpawnOp = {
      kind: "spawn",
      thread: { task, body: () => enclave_thread_main(m, th), kind: "user", cpu: t.cpu, touchNs: t.touchNs },
    };
    yield op;
  }
  if (prog.script) yield* run_script(m, proc, prog.script);
  yield* join_threads(m, proc);
  if (signal_pending(m)) proc.failed = true;
  if (prog.exit) {
    for (const c of children) yield* exit_process(m, c);
    yield* exit_process(m, proc);
  }
}
