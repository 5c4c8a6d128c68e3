/**
 * What the simulator must do around an executed op, by its kind, as bits of one integer: the hot
 * loop dispatches on the kind string once per op (opClass) and then tests bits, instead of passing
 * the op through a switch per question. OC_STRETCH, OC_USER and OC_EXCL are the answers themselves.
 * The other bits are filters: the exact answer still comes from the function named beside them, so
 * such a bit may be set for a kind that turns out not to need the work. test/sim/op_class.test.ts
 * checks every kind against those functions and the answers against the lists they stand for.
 */
import type { OpKind } from "../rt/ops.ts";

/** May be disabled: rt/thread.ts isEnabled / waitLoc. */
export const OC_WAITS = 1;
/** An exclusive acquisition: isExclusiveAcquire. */
export const OC_EXCL = 2;
/** May release or signal a location: releaseLoc. */
export const OC_RELEASES = 4;
/** A scheduling point: where a running thread's kernel stretch ends (cond_resched, a preemption
 * point, a page fault, a syscall, and every op that runs in user or enclave mode). */
export const OC_STRETCH = 8;
/** Runs in user or enclave mode, where the timer tick can always preempt (EENTER .. EEXIT, AEX). */
export const OC_USER = 16;
/** May cost time: Simulator.cost. */
export const OC_COST = 32;
/** The driver answers or acts before the step: choose, preempt_point, msleep, cond_resched, spawn. */
export const OC_DRIVER = 64;
/** Counted by MetricsCollector.executed beyond model_ops. */
export const OC_METRICS = 128;
/** Looked at after the step by kind: encls (a SECS EWB), mark (build_done), ipi (AEX victims). */
export const OC_SPECIAL = 256;

/** The bits of `kind`; the cases are in the order of their frequency in the built-in scenarios. */
export function opClass(kind: OpKind): number {
  switch (kind) {
    case "work":
      return OC_COST;
    case "spin_lock":
    case "mutex_lock":
    case "down_write":
      return OC_WAITS | OC_EXCL | OC_METRICS;
    case "spin_unlock":
    case "mutex_unlock":
    case "up_read":
    case "up_write":
      return OC_RELEASES | OC_METRICS;
    case "atomic":
      return OC_RELEASES;
    case "enclave_run":
      return OC_STRETCH | OC_USER | OC_COST | OC_METRICS;
    case "preempt_point":
      return OC_STRETCH | OC_DRIVER;
    case "encls":
      return OC_COST | OC_METRICS | OC_SPECIAL;
    case "down_read":
      return OC_WAITS | OC_METRICS;
    case "cond_resched":
      return OC_STRETCH | OC_DRIVER;
    case "aex":
      return OC_STRETCH | OC_USER | OC_COST | OC_METRICS;
    case "eresume":
      return OC_STRETCH | OC_USER;
    case "page_fault":
      return OC_STRETCH | OC_METRICS;
    case "mark":
      return OC_METRICS | OC_SPECIAL;
    case "wake_up":
      return OC_RELEASES;
    case "ipi":
      return OC_COST | OC_METRICS | OC_SPECIAL;
    case "sleep":
    case "srcu_sync":
      return OC_WAITS;
    case "syscall":
      return OC_STRETCH | OC_COST;
    case "eenter":
    case "eexit":
      return OC_STRETCH | OC_USER | OC_COST;
    case "spawn":
    case "choose":
    case "msleep":
      return OC_DRIVER;
    case "sigbus":
    case "sigsegv":
    case "epcm_fault":
      return OC_METRICS;
    case "read":
    case "write":
    case "spin_wait":
      return 0;
    default:
      // Not an op kind (stepThread refuses those): every bit, so nothing is skipped.
      return 0x1ff;
  }
}
