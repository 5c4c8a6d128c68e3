/**
 * Counterexample minimization: shrink a failing schedule while it still fails with the same
 * property. The schedule is seen as blocks (maximal runs of one thread). Candidates drop an actor,
 * drop a block, or move a block next to the previous block of its thread (one preemption fewer);
 * each is replayed leniently (a thread that cannot run is skipped, and after the list ends the
 * execution continues without preemption). A candidate is kept if it still fails the same way and
 * is smaller: fewer preemptions first, then fewer steps, then fewer actors.
 */
import { type CheckModel, type ExecOptions, execute, type Outcome, ReplayPicker } from "./engine.ts";

export interface Candidate {
  schedule: number[];
  choices: number[];
  disabled: number[];
}

export interface Minimized extends Candidate {
  out: Outcome;
  stepsBefore: number;
  stepsAfter: number;
  preemptionsBefore: number;
  preemptionsAfter: number;
  actorsBefore: number;
  actorsAfter: number;
  replays: number;
}

function blocks(s: number[]): { tid: number; len: number }[] {
  const out: { tid: number; len: number }[] = [];
  for (const t of s) {
    const last = out.at(-1);
    if (last && last.tid === t) last.len++;
    else out.push({ tid: t, len: 1 });
  }
  return out;
}

function flatten(bs: { tid: number; len: number }[]): number[] {
  const out: number[] = [];
  for (const b of bs) for (let i = 0; i < b.len; i++) out.push(b.tid);
  return out;
}

/** Lexicographic size: preemptions, steps, actors. */
function smaller(a: Outcome, aActors: number, b: Outcome, bActors: number): boolean {
  if (a.preemptions !== b.preemptions) return a.preemptions < b.preemptions;
  if (a.schedule.length !== b.schedule.length) return a.schedule.length < b.schedule.length;
  return aActors < bActors;
}

export function minimize(
  model: CheckModel,
  failing: Candidate,
  property: string,
  opt: ExecOptions & { maxReplays?: number },
): Minimized {
  const maxReplays = opt.maxReplays ?? 2000;
  const nActors = model.chk.actors.length;
  let replays = 0;
  // The livelock's wait (see Failure.wait) as the failing schedule shows it; fixed after the first replay.
  let wait: string | undefined | null = null;
  const tryRun = (c: Candidate): Outcome | null => {
    if (replays >= maxReplays) return null;
    replays++;
    const { out } = execute(model, new ReplayPicker(c.schedule, c.choices, true), {
      ...opt,
      disabled: new Set(c.disabled),
    });
    if (out.failure?.property !== property) return null;
    return wait === null || out.failure.wait === wait ? out : null;
  };
  const first = tryRun(failing);
  if (!first) throw new Error(`the failing schedule does not reproduce "${property}" on replay`);
  wait = first.failure!.wait;
  let best: Candidate = { ...failing, schedule: first.schedule };
  let bestOut = first;
  const before = {
    steps: failing.schedule.length,
    preemptions: first.preemptions,
    actors: nActors - failing.disabled.length,
  };
  const accept = (c: Candidate, out: Outcome): boolean => {
    const cActors = nActors - c.disabled.length;
    if (!smaller(out, cActors, bestOut, nActors - best.disabled.length)) return false;
    best = { ...c, schedule: out.schedule };
    bestOut = out;
    return true;
  };

  // 1. Drop actors that the failure does not need.
  for (let a = 0; a < nActors; a++) {
    if (best.disabled.includes(a) || a === bestOut.failure!.tid) continue;
    const c = { ...best, disabled: [...best.disabled, a], schedule: best.schedule.filter((t) => t !== a) };
    const out = tryRun(c);
    if (out) accept(c, out);
  }

  // 2. Drop blocks and merge blocks of the same thread, until nothing helps.
  for (let changed = true; changed && replays < maxReplays; ) {
    changed = false;
    let bs = blocks(best.schedule);
    for (let j = bs.length - 1; j >= 0 && replays < maxReplays; j--) {
      const c = { ...best, schedule: flatten(bs.filter((_, k) => k !== j)) };
      const out = tryRun(c);
      if (out && accept(c, out)) {
        changed = true;
        bs = blocks(best.schedule);
        j = Math.min(j, bs.length);
      }
    }
    for (let j = bs.length - 1; j > 0 && replays < maxReplays; j--) {
      const tid = bs[j]!.tid;
      let i = j - 1;
      while (i >= 0 && bs[i]!.tid !== tid) i--;
      if (i < 0) continue;
      // Move block j right after block i: the thread runs on instead of being preempted.
      const moved = [...bs.slice(0, i + 1), bs[j]!, ...bs.slice(i + 1, j), ...bs.slice(j + 1)];
      const c = { ...best, schedule: flatten(moved) };
      const out = tryRun(c);
      if (out && accept(c, out)) {
        changed = true;
        bs = blocks(best.schedule);
        j = Math.min(j, bs.length);
      }
    }
  }
  return {
    ...best,
    out: bestOut,
    stepsBefore: before.steps,
    stepsAfter: bestOut.schedule.length,
    preemptionsBefore: before.preemptions,
    preemptionsAfter: bestOut.preemptions,
    actorsBefore: before.actors,
    actorsAfter: nActors - best.disabled.length,
    replays,
  };
}
