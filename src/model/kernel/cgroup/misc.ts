/**
 * kernel/cgroup/misc.c: the misc cgroup controller, as far as the SGX EPC resource uses it.
 *
 * A misc cgroup v2 hierarchy where each cgroup has, per resource type, a usage (an atomic counter),
 * a max (misc.max), an event count (misc.events "max": charges refused at this level or below) and
 * a peak. Charging walks from the cgroup up to the root adding the amount at every level and fails,
 * undoing what it added, as soon as one level would go over its max or over the resource's
 * capacity. The model has one resource type, `sgx_epc`; values are bytes, as in the kernel files.
 *
 * Kernel: kernel/cgroup/misc.c (~v6.10, with misc_res_ops as the EPC cgroup series v16 adds them).
 * Model: cgroups are created from the scenario; a check actor may remove one (cgroup_rmdir). The
 * css reference count is a plain counter (the kernel's percpu_ref): the base reference, one per
 * sgx_get_current_cg() until its sgx_put_cg(), one per cursor hand-out; the last put frees the
 * cgroup in a worker, as css_free_rwork_fn does. See DEVIATIONS.md (C1, C2).
 */
import type { AtomicOp, ModelGen, SpawnOp } from "../../../rt/ops.ts";
import { withSite } from "../../../rt/site.ts";
import type { Machine } from "../../machine.ts";
import { atomic_long_t } from "../lib/atomic.ts";
import { EBUSY, EINVAL } from "../lib/errno.ts";
import { PF_KTHREAD } from "../lib/sched.ts";

/** The misc resource types the model knows (misc_res_type). */
export const MISC_CG_RES_SGX_EPC = "sgx_epc";

/** "max" in misc.max: no limit. */
export const MISC_MAX = Number.POSITIVE_INFINITY;

/** struct misc_res_ops: callbacks a resource registers (the series adds alloc/free; the early one max_write). */
export interface misc_res_ops {
  alloc?: (m: Machine, cg: misc_cg) => number;
  free?: (m: Machine, cg: misc_cg) => ModelGen;
  /** Early EPC cgroup series only: misc.max was written (reclaim down to the new max). */
  max_write?: (m: Machine, cg: misc_cg) => ModelGen;
}

/** struct misc_res: one resource of one cgroup. */
export class misc_res {
  /** misc.max in bytes (MISC_MAX: "max"). */
  max = MISC_MAX;
  /** misc.current in bytes. */
  readonly usage: atomic_long_t;
  /** misc.peak (the watermark). */
  watermark = 0;
  /** misc.events "max": charges that failed at this cgroup or a descendant (hierarchical). */
  events = 0;
  /** misc.events.local "max": charges of this very cgroup that failed (at any level). */
  events_local = 0;
  /** The resource owner's per-cgroup data (struct sgx_cgroup for sgx_epc). */
  priv: unknown = null;
  /**
   * Model: misc.max was written below the usage or the peak at that moment. The controller does
   * not reclaim or refuse such a write, so usage (and the peak) may legitimately stay above max.
   */
  max_written_below_usage = false;
  constructor(id: number, cgName: string) {
    this.usage = new atomic_long_t(id, `misc_res(${cgName})->usage`, 0);
  }
}

/** struct misc_cg: a cgroup of the misc controller. */
export class misc_cg {
  readonly children: misc_cg[] = [];
  /** css.refcnt: the base reference (dropped by rmdir) and every css_get(). */
  refcnt = 1;
  /** The css is online (not removed by rmdir yet). */
  online = true;
  /** css_free ran: the memory is gone (KASAN watches res.usage and the css). */
  freed = false;
  /** The css reference count as a location: its kill and puts are atomics other CPUs order against. */
  readonly css: AtomicOp;
  /** res[MISC_CG_RES_SGX_EPC]: the only resource modeled. */
  readonly res: misc_res;
  constructor(
    /** Index in MiscCgroups.all (what epc_page->sgx_cg stores). */
    readonly id: number,
    /** Path below the cgroup root ("" for the root, "a/b" for a child of a). */
    readonly name: string,
    readonly parent: misc_cg | null,
    resId: number,
    cssId: number,
  ) {
    this.res = new misc_res(resId, name || "/");
    this.css = {
      kind: "atomic",
      loc: { id: cssId, cls: `css(${name || "/"}).refcnt` },
      what: "css refcnt",
      write: true,
    };
  }
}

/** The controller's globals: the root cgroup, misc_res_capacity[] and misc_res_ops[] for sgx_epc. */
export class MiscCgroups {
  readonly root: misc_cg;
  /** Every cgroup, by id (pre-order of creation: a parent always comes before its children). */
  readonly all: misc_cg[] = [];
  /** misc_res_capacity[sgx_epc] in bytes; 0 means the resource is not registered (misc.capacity absent). */
  capacity = 0;
  ops: misc_res_ops | null = null;
  /** The EPC cgroup driver's statics (sgx_cg_root, sgx_cg_wq), set by sgx_cgroup_init. */
  epc: unknown = null;
  /** Model: the cgroup each process was placed in, by mm id (see task_misc_cg). */
  readonly mm_cg = new Map<number, number>();
  constructor(ids: () => number) {
    this.root = new misc_cg(0, "", null, ids(), ids());
    this.all.push(this.root);
  }
  /** The cgroup at `path` ("" or "/" is the root). */
  lookup(path: string): misc_cg | undefined {
    const p = path.replace(/^\/+|\/+$/g, "");
    return this.all.find((c) => c.name === p);
  }
}

/** misc_cg_root. */
export function misc_cg_root(m: Machine): misc_cg {
  return m.misc.root;
}

/** parent_misc / misc_cg_parent. */
export function misc_cg_parent(cg: misc_cg): misc_cg | null {
  return cg.parent;
}

/**
 * css_next_descendant_pre: the next cgroup after `pos` in a pre-order walk of the subtree of
 * `root` (children in creation order), or null when the walk is over.
 */
export function css_next_descendant_pre(pos: misc_cg | null, root: misc_cg): misc_cg | null {
  if (!pos) return root;
  if (pos.children.length) return pos.children[0]!;
  for (let p: misc_cg = pos; p !== root; p = p.parent!) {
    const sib = p.parent!.children;
    const i = sib.indexOf(p);
    if (i + 1 < sib.length) return sib[i + 1]!;
  }
  return null;
}

/** css_for_each_descendant_pre as a list (the root first). */
export function descendants_pre(root: misc_cg): misc_cg[] {
  const out: misc_cg[] = [];
  for (let p = css_next_descendant_pre(null, root); p; p = css_next_descendant_pre(p, root)) out.push(p);
  return out;
}

/** Is `cg` `root` or below it? */
export function misc_cg_in_subtree(cg: misc_cg, root: misc_cg): boolean {
  for (let p: misc_cg | null = cg; p; p = p.parent) if (p === root) return true;
  return false;
}

/**
 * Create a cgroup below `parent` (mkdir). The registered resource's alloc callback runs for it.
 * Model: done at setup, from the scenario's cgroup tree; the callback's failure is not modeled.
 */
export function misc_cg_create(m: Machine, parent: misc_cg, name: string): misc_cg {
  const path = parent.name ? `${parent.name}/${name}` : name;
  const cg = new misc_cg(m.misc.all.length, path, parent, m.newId(), m.newId());
  m.misc.all.push(cg);
  parent.children.push(cg);
  m.misc.ops?.alloc?.(m, cg);
  return cg;
}

/** misc_cg_set_capacity. */
export function misc_cg_set_capacity(m: Machine, capacity: number): void {
  m.misc.capacity = capacity;
}

/** misc_cg_set_ops. */
export function misc_cg_set_ops(m: Machine, ops: misc_res_ops): void {
  m.misc.ops = ops;
}

/**
 * misc_cg_try_charge - charge `amount` bytes to `cg` and every ancestor; on the first level that
 * would exceed its max (or the capacity) undo the levels already charged, count the event at that
 * level and above (and locally at `cg`), and return -EBUSY.
 * Kernel: kernel/cgroup/misc.c. Context: any; each level is one atomic64_add_return.
 */
export function* misc_cg_try_charge(m: Machine, cg: misc_cg, amount: number): ModelGen<number> {
  const capacity = m.misc.capacity;
  if (!capacity) return -EINVAL;
  if (!amount) return 0;
  let i: misc_cg | null = cg;
  for (; i; i = i.parent) {
    const res = i.res;
    if (m.interleaveAll) yield withSite(res.usage.wr); // atomic64_add_return
    res.usage.v += amount;
    const new_usage = res.usage.v;
    // RACE: max is read with READ_ONCE; a concurrent misc.max write is seen now or on the next charge.
    if (new_usage > res.max || new_usage > capacity) break;
    if (new_usage > res.watermark) res.watermark = new_usage;
  }
  if (!i) return 0;
  // err_charge: the event counts at the level that refused and at every level above it.
  for (let j: misc_cg | null = i; j; j = j.parent) j.res.events++;
  cg.res.events_local++;
  for (let j: misc_cg | null = cg; j !== i; j = j!.parent) yield* misc_cg_cancel_charge(m, j!, amount);
  yield* misc_cg_cancel_charge(m, i, amount);
  return -EBUSY;
}

/** misc_cg_cancel_charge: undo one level's charge; WARN if the usage went negative. */
function* misc_cg_cancel_charge(m: Machine, cg: misc_cg, amount: number): ModelGen {
  if (m.interleaveAll) yield withSite(cg.res.usage.wr); // atomic64_add_negative
  cg.res.usage.v -= amount;
  if (cg.res.usage.v < 0)
    m.warn(
      "misc_uncharge_negative",
      `misc cgroup resource ${MISC_CG_RES_SGX_EPC} became less than 0 in ${cg.name || "/"}`,
    );
}

/**
 * misc_cg_uncharge - give back `amount` bytes at `cg` and every ancestor.
 * Kernel: kernel/cgroup/misc.c. Context: any.
 */
export function* misc_cg_uncharge(m: Machine, cg: misc_cg, amount: number): ModelGen {
  for (let i: misc_cg | null = cg; i; i = i.parent) yield* misc_cg_cancel_charge(m, i, amount);
}

/**
 * misc_cg_max_write - an administrator writes `sgx_epc <bytes|max>` to misc.max. The controller
 * only stores the value (usage may stay above it); the early EPC cgroup series had a max_write
 * callback that reclaims down to the new max.
 * Kernel: kernel/cgroup/misc.c (max_write callback: EPC cgroup series v2..v5).
 */
export function* misc_cg_max_write(m: Machine, cg: misc_cg, max: number): ModelGen {
  if (m.interleaveAll) yield m.sharedWrite(cg.res.usage, "WRITE_ONCE(misc max)");
  if (max < Math.max(cg.res.usage.v, cg.res.watermark)) cg.res.max_written_below_usage = true;
  cg.res.max = max;
  const cb = m.misc.ops?.max_write;
  if (cb) yield* cb(m, cg);
}

/** misc.current of `cg` in bytes (misc_cg_res_total_usage for the root). */
export function misc_cg_current(cg: misc_cg): number {
  return cg.res.usage.v;
}

/** css_get: one more reference on a cgroup whose css is known to be alive. */
export function css_get(m: Machine, cg: misc_cg): void {
  if (cg.freed) m.bug(`KASAN: use-after-free of struct misc_cg ${cg.name || "/"} (css_get)`);
  if (cg.refcnt <= 0) m.warn("css_get", `css_get on ${cg.name || "/"} with refcnt ${cg.refcnt}`);
  cg.refcnt++;
}

/** css_tryget: a reference unless the css was released (its count reached zero). */
export function css_tryget(m: Machine, cg: misc_cg): boolean {
  if (cg.freed) m.bug(`KASAN: use-after-free of struct misc_cg ${cg.name || "/"} (css_tryget)`);
  if (cg.refcnt <= 0) return false;
  cg.refcnt++;
  return true;
}

/**
 * css_put: drop a reference; the last one (only possible once rmdir dropped the base reference)
 * frees the cgroup in a worker, as css_release / css_free_rwork_fn do after an RCU grace period.
 */
export function* css_put(m: Machine, cg: misc_cg): ModelGen {
  if (m.interleaveAll) yield withSite(cg.css);
  if (cg.refcnt <= 0) m.warn("css_put", `css_put on ${cg.name || "/"} with refcnt ${cg.refcnt} (underflow)`);
  if (--cg.refcnt !== 0) return;
  const task = m.newTask("kworker/css_free", PF_KTHREAD, null);
  yield withSite<SpawnOp>({
    kind: "spawn",
    thread: { task, body: () => misc_cg_free(m, cg), kind: "kthread", cpu: -1 },
  });
}

/** misc_cg_free (css_free): the resource's free callback, then the cgroup leaves the tree and is freed. */
function* misc_cg_free(m: Machine, cg: misc_cg): ModelGen {
  if (m.misc.ops?.free) yield* m.misc.ops.free(m, cg);
  const siblings = cg.parent?.children;
  if (siblings) siblings.splice(siblings.indexOf(cg), 1);
  m.kfree(cg.res, `struct misc_cg ${cg.name}`);
  m.kfree({ css: cg.css.loc }, `struct misc_cg ${cg.name}`);
  cg.freed = true;
}

/** Does a live task belong to `cg` (cgroup.procs not empty)? */
function populated(m: Machine, cg: misc_cg): boolean {
  return m.tasks.some((t) => t.mm !== null && !t.mm.dead && task_misc_cg(m, t) === cg);
}

/**
 * cgroup_rmdir: remove an empty cgroup (-EBUSY while it has children or live tasks): its css goes
 * offline and the base reference is dropped; pages still charged to it keep it until they are freed.
 */
export function* cgroup_rmdir(m: Machine, cg: misc_cg): ModelGen<number> {
  if (!cg.parent || !cg.online) return -EINVAL;
  if (cg.children.length || populated(m, cg)) return -EBUSY;
  // kill_css(): percpu_ref_kill of the css.
  if (m.interleaveAll) yield withSite(cg.css);
  cg.online = false;
  yield* css_put(m, cg);
  return 0;
}

/** The misc cgroup of the current task (get_current_misc_cg), see sgx_get_current_cg. */
export function get_current_misc_cg(m: Machine): misc_cg {
  return task_misc_cg(m, m.current);
}

/**
 * The misc cgroup a task belongs to. A task records its cgroup (task_struct.misc_cg, set when its
 * process was placed in a cgroup); tasks created later in the process find it through their mm.
 * Kernel threads are in the root.
 */
export function task_misc_cg(m: Machine, task: { misc_cg: unknown; mm: { id: number } | null }): misc_cg {
  const own = task.misc_cg as misc_cg | null;
  if (own) return own;
  if (task.mm) {
    const id = m.misc.mm_cg.get(task.mm.id);
    if (id !== undefined) return m.misc.all[id]!;
  }
  return m.misc.root;
}

/** Place a process (its mm, and the task that runs it) in `cg`: the tasks it creates follow. */
export function cgroup_attach(m: Machine, mm: { id: number }, cg: misc_cg): void {
  m.misc.mm_cg.set(mm.id, cg.id);
}
