/**
 * Snapshots and canonical hashes of model state.
 *
 * A Machine (with the user-space objects around it) is a graph of plain objects, class instances,
 * arrays, typed arrays and Maps, with no closures in its state. Between executions of the checker it
 * holds no running generator either, so it can be deep-copied: the checker builds the set-up state
 * once (enclaves built, pages evicted) and starts every execution from a copy of it.
 *
 * The canonical hash walks the same graph in a fixed order and numbers shared objects by first
 * visit, so two states hash the same exactly when they are isomorphic as graphs.
 */

/** Deep copy preserving prototypes, sharing, cycles; functions are shared, not copied. */
export function cloneDeep<T>(root: T): T {
  const seen = new Map<object, unknown>();
  const copy = (v: unknown): unknown => {
    if (v === null || typeof v !== "object") return v;
    const done = seen.get(v);
    if (done !== undefined) return done;
    if (ArrayBuffer.isView(v)) {
      const c = (v as unknown as Float64Array).slice();
      seen.set(v, c);
      return c;
    }
    if (Array.isArray(v)) {
      const c: unknown[] = new Array(v.length);
      seen.set(v, c);
      for (let i = 0; i < v.length; i++) c[i] = copy(v[i]);
      return c;
    }
    if (v instanceof Map) {
      const c = new Map();
      seen.set(v, c);
      for (const [k, x] of v) c.set(copy(k), copy(x));
      return c;
    }
    if (v instanceof Set) {
      const c = new Set();
      seen.set(v, c);
      for (const x of v) c.add(copy(x));
      return c;
    }
    const c = Object.create(Object.getPrototypeOf(v)) as Record<string, unknown>;
    seen.set(v, c);
    const src = v as Record<string, unknown>;
    for (const k of Object.keys(src)) c[k] = copy(src[k]);
    return c;
  };
  return copy(root) as T;
}

const TYPED = 0;
const ARRAY = 1;
const MAP = 2;
const SET = 3;
const OBJECT = 4;

/**
 * A snapshot that restores in place: it remembers every object reachable from the root and the
 * values of its fields (typed arrays by content). Restoring writes those values back into the same
 * objects, so nothing is allocated, objects keep their shapes, and whatever an execution created
 * becomes unreachable again. Used by the checker to start every execution from the set-up state.
 */
export class Snapshot {
  private readonly objs: object[] = [];
  private readonly kinds: number[] = [];
  private readonly keys: (string[] | null)[] = [];
  private readonly data: unknown[] = [];
  /** Per OBJECT entry: a function that writes its remembered fields back (restorerFor). */
  private readonly writers: (Restorer | null)[] = [];

  constructor(root: object) {
    const seen = new Set<object>();
    const visit = (v: unknown): void => {
      if (v === null || typeof v !== "object" || seen.has(v)) return;
      seen.add(v);
      if (ArrayBuffer.isView(v)) {
        this.add(v, TYPED, null, (v as unknown as Float64Array).slice());
        return;
      }
      if (Array.isArray(v)) {
        this.add(v, ARRAY, null, v.slice());
        for (const x of v) visit(x);
        return;
      }
      if (v instanceof Map) {
        const entries = [...v.entries()];
        this.add(v, MAP, null, entries);
        for (const [k, x] of entries) {
          visit(k);
          visit(x);
        }
        return;
      }
      if (v instanceof Set) {
        const vals = [...v];
        this.add(v, SET, null, vals);
        for (const x of vals) visit(x);
        return;
      }
      const o = v as Record<string, unknown>;
      const ks = Object.keys(o);
      this.add(
        v,
        OBJECT,
        ks,
        ks.map((k) => o[k]),
      );
      for (const k of ks) visit(o[k]);
    };
    visit(root);
  }

  private add(o: object, kind: number, keys: string[] | null, data: unknown): void {
    this.objs.push(o);
    this.kinds.push(kind);
    this.keys.push(keys);
    this.data.push(data);
    this.writers.push(keys ? restorerFor(keys) : null);
  }

  /** Put every remembered object back into its remembered state. */
  restore(): void {
    const n = this.objs.length;
    for (let i = 0; i < n; i++) {
      const o = this.objs[i]!;
      switch (this.kinds[i]) {
        case TYPED:
          (o as Float64Array).set(this.data[i] as Float64Array);
          break;
        case ARRAY: {
          const a = o as unknown[];
          const d = this.data[i] as unknown[];
          a.length = d.length;
          for (let j = 0; j < d.length; j++) a[j] = d[j];
          break;
        }
        case MAP: {
          const m = o as Map<unknown, unknown>;
          m.clear();
          for (const [k, v] of this.data[i] as [unknown, unknown][]) m.set(k, v);
          break;
        }
        case SET: {
          const st = o as Set<unknown>;
          st.clear();
          for (const v of this.data[i] as unknown[]) st.add(v);
          break;
        }
        default:
          this.writers[i]!(o as Record<string, unknown>, this.data[i] as unknown[]);
      }
    }
  }
}

type Restorer = (o: Record<string, unknown>, d: unknown[]) => void;

/**
 * A function that stores d[0], d[1], ... into the fields `keys` of an object, one named store per
 * field, shared by every object with that field list (mostly the instances of one class). A loop
 * of `o[keys[j]] = d[j]` over ~240 objects of ~20 shapes is a megamorphic keyed store per field;
 * named stores each see one shape: restoring the checker's world between executions took ~25 us
 * of ~250 us.
 */
const restorers = new Map<string, Restorer>();
function restorerFor(keys: string[]): Restorer {
  const sig = JSON.stringify(keys);
  let f = restorers.get(sig);
  if (!f) {
    const body = keys.map((k, j) => `o[${JSON.stringify(k)}] = d[${j}];`).join("\n");
    f = new Function("o", "d", body) as Restorer;
    restorers.set(sig, f);
  }
  return f;
}

const scratch = new Float64Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

const STRINGS = new Map<string, [number, number]>();

/** The two lanes a string hashes to (cached: mostly property names, met once per object). */
function stringLanes(s: string): [number, number] {
  let lanes = STRINGS.get(s);
  if (lanes === undefined) {
    let a = 0x9747b28c;
    let b = 0x85ebca6b;
    for (let i = 0; i < s.length; i++) {
      a = Math.imul(a ^ s.charCodeAt(i), 0x01000193);
      b = Math.imul(b ^ s.charCodeAt(i), 0x5bd1e995) ^ (a >>> 11);
    }
    lanes = [a ^ s.length, b];
    if (STRINGS.size > 100_000) STRINGS.clear();
    STRINGS.set(s, lanes);
  }
  return lanes;
}

/** A 53-bit hash accumulator (two 32-bit FNV-1a-like lanes). */
export class Hasher {
  a = 0x811c9dc5;
  b = 0x01000193;
  num(x: number): void {
    let lo: number;
    let hi: number;
    if (Number.isInteger(x) && Math.abs(x) < 2 ** 31) {
      lo = x | 0;
      hi = 0x5bd1e995;
    } else {
      scratch[0] = x;
      lo = scratchBits[0]!;
      hi = scratchBits[1]!;
    }
    this.a = Math.imul(this.a ^ lo, 0x01000193) ^ (hi >>> 7);
    this.b = Math.imul(this.b ^ hi, 0x5bd1e995) ^ (lo >>> 13);
  }
  /** Strings (mostly property names, hashed once per object) go in as one cached pair of lanes. */
  str(s: string): void {
    const lanes = stringLanes(s);
    this.lanes(lanes[0], lanes[1]);
  }
  /** A string's lanes (stringLanes), as `str` mixes them in. */
  lanes(la: number, lb: number): void {
    this.a = Math.imul(this.a ^ la, 0x01000193) ^ (lb >>> 7);
    this.b = Math.imul(this.b ^ lb, 0x5bd1e995) ^ (la >>> 13);
  }
  value(): number {
    return (this.a >>> 0) * 2 ** 21 + ((this.b >>> 0) & 0x1fffff);
  }
}

/** Hashes a subtree its own way (the symmetry reduction's per-page tables); `visit` hashes generically. */
export type HashHook = (o: never, h: Hasher, visit: (v: unknown) => void) => void;

export interface HashOptions {
  /** Properties that are not part of the state (caches, logs). */
  skip?: ReadonlySet<string>;
  /** Per-class hashing: objects whose constructor is a key are hashed by its hook. */
  hooks?: ReadonlyMap<unknown, HashHook>;
  /**
   * When set, every class instance must have a hook or a constructor in this set, else the walk
   * throws NotCanonical: a hash that relabels some values must not meet a class it has not vetted.
   */
  vetted?: ReadonlySet<unknown>;
}

/** The state holds an object the canonical hash does not know how to relabel. */
export class NotCanonical extends Error {}

const PLAIN = new Set<unknown>([Object, Array, Map, Set, undefined]);

/**
 * What hashing does with a property name under a skip set: null to leave it out, else its lanes.
 * One lookup per field instead of two (the skip set, then the lane cache): the strategies hash
 * every state with the same skip set, so the table is kept per set.
 */
const keyTables = new WeakMap<ReadonlySet<string>, Map<string, [number, number] | null>>();
function keyTable(skip: ReadonlySet<string>): Map<string, [number, number] | null> {
  let t = keyTables.get(skip);
  if (!t) keyTables.set(skip, (t = new Map()));
  return t;
}

/** What hashing does with an instance of a class: its hook, PLAIN_CLASS, or NOT_VETTED. */
const PLAIN_CLASS = 0;
const NOT_VETTED = 1;
type ClassPlan = HashHook | typeof PLAIN_CLASS | typeof NOT_VETTED;
/** Per hooks table (the symmetry reduction builds one per machine), with the vetted set it was
 * decided under: one lookup per object instead of three. */
const classTables = new WeakMap<object, { vetted: unknown; plans: Map<unknown, ClassPlan> }>();
function classTable(opt: HashOptions): Map<unknown, ClassPlan> {
  const owner = (opt.hooks ?? opt.vetted)!;
  let t = classTables.get(owner);
  if (!t || t.vetted !== opt.vetted) classTables.set(owner, (t = { vetted: opt.vetted, plans: new Map() }));
  return t.plans;
}

const NO_SKIP: ReadonlySet<string> = new Set();

/**
 * Canonical hash of a state graph; functions are ignored.
 */
export function hashDeep(
  root: unknown,
  skipOrOptions: ReadonlySet<string> | HashOptions = new Set(),
): number {
  const opt: HashOptions =
    skipOrOptions instanceof Set ? { skip: skipOrOptions } : (skipOrOptions as HashOptions);
  const skip = opt.skip ?? NO_SKIP;
  const keys = keyTable(skip);
  const hooks = opt.hooks;
  const vetted = opt.vetted;
  const classes = hooks || vetted ? classTable(opt) : null;
  const h = new Hasher();
  const ids = new Map<object, number>();
  const visit = (v: unknown): void => {
    switch (typeof v) {
      case "number":
        h.num(1);
        h.num(v);
        return;
      case "string":
        h.num(2);
        h.str(v);
        return;
      case "boolean":
        h.num(v ? 3 : 4);
        return;
      case "undefined":
        h.num(5);
        return;
      case "function":
        return;
      default:
        break;
    }
    if (v === null) {
      h.num(6);
      return;
    }
    const o = v as object;
    const id = ids.get(o);
    if (id !== undefined) {
      h.num(7);
      h.num(id);
      return;
    }
    ids.set(o, ids.size);
    if (ArrayBuffer.isView(o)) {
      const a = o as unknown as Float64Array;
      h.num(8);
      h.num(a.length);
      // By the entries that differ from the last: per-page tables, VA slots and xarray chunks are
      // mostly one fill value (0 or -1), used from the top.
      const fill = a.length ? a[a.length - 1]! : 0;
      h.num(fill);
      for (let i = 0; i < a.length - 1; i++) {
        const x = a[i]!;
        if (x !== fill) {
          h.num(i);
          h.num(x);
        }
      }
      h.num(-1);
      return;
    }
    if (Array.isArray(o)) {
      h.num(9);
      h.num(o.length);
      for (const x of o) visit(x);
      return;
    }
    if (o instanceof Map) {
      h.num(10);
      const keys = [...o.keys()].sort(cmpKeys);
      h.num(keys.length);
      for (const k of keys) {
        visit(k);
        visit(o.get(k));
      }
      return;
    }
    if (o instanceof Set) {
      h.num(11);
      const keys = [...o].sort(cmpKeys);
      for (const k of keys) visit(k);
      return;
    }
    if (classes) {
      const ctor = (o as { constructor?: unknown }).constructor;
      let plan = classes.get(ctor);
      if (plan === undefined) {
        const hook = hooks?.get(ctor);
        plan = hook ? hook : vetted && !PLAIN.has(ctor) && !vetted.has(ctor) ? NOT_VETTED : PLAIN_CLASS;
        classes.set(ctor, plan);
      }
      if (typeof plan === "function") {
        h.num(13);
        plan(o as never, h, visit);
        return;
      }
      if (plan === NOT_VETTED)
        throw new NotCanonical(`${(ctor as { name?: string })?.name ?? "an object"} is not vetted`);
    }
    h.num(12);
    const rec = o as Record<string, unknown>;
    // for-in, not Object.keys: V8 loads rec[k] through the shape's enum cache (a keyed load by
    // name on ~40 shapes is megamorphic) and allocates no key array. Model objects inherit no
    // enumerable properties, so both give the own keys in the same order.
    for (const k in rec) {
      let lanes = keys.get(k);
      if (lanes === undefined) keys.set(k, (lanes = skip.has(k) ? null : stringLanes(k)));
      if (lanes === null) continue;
      h.lanes(lanes[0], lanes[1]);
      visit(rec[k]);
    }
  };
  visit(root);
  return h.value();
}

function cmpKeys(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}
