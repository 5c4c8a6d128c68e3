/**
 * The end-of-run scan of a timed run, as a kernel with CONFIG_DEBUG_KMEMLEAK and the model's
 * invariants would see it once the workload is gone. After the result is taken (nothing measured
 * moves), a run stopped at its time limit has every process killed (kill -9); then the kernel is
 * let finish what the processes left behind (exit paths, an asynchronous mmput, work items:
 * Simulator.drain), and the checker's quiescent checks run on the final state: kmemleak (EPC pages,
 * VA pages, sgx_encl_mm, xarray nodes, encl pages, backing page references, css references),
 * teardown (every enclave released, every EPC and backing page back) and the list and accounting
 * invariants. A finding is a dmesg entry of the run.
 */
import { checkInvariants } from "../check/invariants.ts";
import type { World } from "../check/world.ts";
import type { DmesgEntry } from "../model/machine.ts";
import { send_sigkill } from "../model/user/process.ts";
import type { Built } from "../scenario/build.ts";

/** Simulated time the kernel gets to finish an exited workload's asynchronous teardown. */
const DRAIN_NS = 1e9;

/** What the scan found: null when clean, else the dmesg entry it added. */
export function endOfRunScan(built: Built, end: string): DmesgEntry | null {
  const m = built.m;
  // A run stopped at its time limit: every process is killed (kill -9) and exits as the kernel
  // makes it, so what the workload leaves behind can be scanned too.
  if (end === "time_limit") {
    for (const p of built.processes) if (!p.exited) send_sigkill(m, p);
  } else if (end !== "workload_done") return null;
  const quiet = built.sim.drain(DRAIN_NS);
  let entry: DmesgEntry | null = null;
  if (!quiet) {
    // A bug found while draining was reported by the simulator itself (a dmesg entry of its own).
    if (m.dmesg.some((d) => d.level === "bug")) return null;
    entry = {
      level: "warn",
      tag: "teardown_incomplete",
      msg: `kernel work still running ${DRAIN_NS / 1e6} ms after the workload ended (every process exited or was killed)`,
      pid: 0,
      comm: "kmemleak",
    };
  } else {
    const world: World = {
      m,
      procs: new Map(built.processes.map((p) => [p.name, p])),
      encls: new Map(),
      children: [],
    };
    const bad = checkInvariants(world, true);
    if (!bad) return null;
    entry = {
      level: "warn",
      tag: bad.property ? "kmemleak" : "invariant",
      msg: bad.property
        ? `kmemleak: 1 new suspected memory leak: ${bad.detail}`
        : `invariant "${bad.name}" broken: ${bad.detail}`,
      pid: 0,
      comm: "kmemleak",
    };
  }
  m.dmesg.push(entry);
  return entry;
}
