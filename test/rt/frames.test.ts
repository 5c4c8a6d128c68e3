/**
 * The frames transform (scripts/frames_transform.mjs, src/rt/frames.ts): every generator function of
 * test/fixtures/frames/cases.ts, compiled as the build compiles the model, yields and returns what
 * the same function yields and returns as written, for the same values sent in; exceptions carry the
 * frames V8's stack no longer shows, as do sites read from the stack; a try around a yield is
 * refused at build time.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { pathToFileURL } from "node:url";
import { build, type PluginBuild } from "esbuild";
// @ts-expect-error: a plain JavaScript build script
import { framesPlugin, framesTransform } from "../../scripts/frames_transform.mjs";
import { FRAME_CHAINS, FRAMES_GENERATOR, Frame } from "../../src/rt/frames.ts";
import { siteCapture } from "../../src/rt/site.ts";
import * as native from "../fixtures/frames/cases.ts";

const FIXTURE = join(import.meta.dirname, "../fixtures/frames/cases.ts");
const dir = mkdtempSync(join(tmpdir(), "epcsim-frames-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The fixture compiled to frames, bundled with the runtime it imports. Where sources are (paths.ts)
 * and the site capture (site.ts) stay this process's: the bundle lives outside src/, and a copy of
 * paths.ts inside it would take the bundle's directory for src/.
 */
async function compiled(): Promise<typeof native> {
  const out = join(dir, "cases.mjs");
  await build({
    entryPoints: [FIXTURE],
    outfile: out,
    bundle: true,
    format: "esm",
    platform: "node",
    logLevel: "error",
    plugins: [
      framesPlugin(/[\\/]fixtures[\\/]frames[\\/]cases\.ts$/),
      {
        name: "ours",
        setup(b: PluginBuild) {
          b.onResolve({ filter: /[\\/](site|paths|frames)\.ts$/ }, (a) => ({
            path: pathToFileURL(join(a.resolveDir, a.path)).href,
            external: true,
          }));
        },
      },
    ],
  });
  return (await import(pathToFileURL(out).href)) as typeof native;
}
const framed = await compiled();

/** Drive a generator to its end: what it yields, what it returns (or throws), for sent values. */
function drive(g: Iterator<unknown, unknown, number>, send: (i: number) => number) {
  const yielded: unknown[] = [];
  let i = 0;
  try {
    let r = g.next(0);
    while (!r.done) {
      yielded.push(r.value);
      r = g.next(send(i++));
      if (i > 10_000) throw new Error("runaway");
    }
    return { yielded, returned: r.value };
  } catch (e) {
    return { yielded, threw: String(e) };
  }
}

const SENDS: [string, (i: number) => number][] = [
  ["ascending", (i) => i],
  ["mod 5", (i) => (i * 7) % 5],
  ["large", (i) => 1000 + i],
  ["fours", () => 4],
];

const CASES: [string, (m: typeof native) => Iterator<unknown, unknown, number>][] = [
  ["values in expressions", (m) => m.values_in_expressions()],
  ["loops", (m) => m.loops()],
  ["iteration", (m) => m.iteration()],
  ["switch 0", (m) => m.switches(0)],
  ["switch 7", (m) => m.switches(7)],
  ["methods and this", (m) => m.methods()],
  ["function table", (m) => m.through_table()],
  ["recursion", (m) => m.recursion()],
  ["factories", (m) => m.factories()],
  ["throws", (m) => m.throws(1)],
  ["no throw", (m) => m.throws(0)],
];

for (const [name, make] of CASES)
  test(`frames give what generators give: ${name}`, () => {
    for (const [how, send] of SENDS) {
      const want = drive(make(native), send);
      const got = drive(make(framed), send);
      assert.deepEqual(got, want, `${name}, sending ${how}`);
      assert.ok(want.yielded.length > 0, `${name}: the case yields`);
    }
  });

test("the compiled functions are frames, and patches.ts still sees generator functions", () => {
  assert.ok(framed.loops() instanceof Frame);
  assert.ok(FRAMES_GENERATOR in framed.loops);
  assert.ok(!(FRAMES_GENERATOR in native.loops));
  assert.equal(Object.prototype.toString.call(native.loops()), "[object Generator]");
  assert.ok(framed.table.first(1) instanceof Frame);
});

test("untransformed generators and frames delegate to each other both ways", () => {
  function* nativeCallee(): native.G<number> {
    const a = yield "native 1";
    // A frame inside untransformed code inside a frame.
    const b = yield* framed.switches(a);
    return a + String(b).length;
  }
  function* nativeCaller(): native.G {
    return yield* framed.interop(nativeCallee);
  }
  for (const [how, send] of SENDS) {
    const want = drive(
      native.interop(function* () {
        const a = yield "native 1";
        const b = yield* native.switches(a);
        return a + String(b).length;
      }),
      send,
    );
    assert.deepEqual(drive(framed.interop(nativeCallee), send), want, how);
    assert.deepEqual(drive(nativeCaller(), send), want, `${how}, called from a generator`);
  }
});

test("an exception ends every frame, and carries the frames V8's stack does not show", () => {
  const g = framed.throws(1);
  assert.equal(g.next(0).value, "before throw");
  let caught: unknown;
  try {
    g.next(0);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof RangeError);
  const chains = (caught as unknown as Record<symbol, string[][]>)[FRAME_CHAINS]!;
  assert.equal(chains.length, 1, "one drive");
  const src = readFileSync(FIXTURE, "utf8").split("\n");
  const line = (tag: string) => src.findIndex((l) => l.includes(tag)) + 1;
  // The thrower's own frame is on V8's stack; its callers are in the chain, innermost first.
  // Each followed by the `next` line V8 shows under a generator it resumed.
  assert.match(chains[0]![0]!, new RegExp(`at middle \\(.*cases\\.ts:${line("MIDDLE-LINE")}:\\d+\\)$`));
  assert.match(chains[0]![1]!, /at middle\.next \(<anonymous>\)$/);
  assert.match(
    chains[0]![2]!,
    new RegExp(`at Module\\.throws \\(.*cases\\.ts:${line("OUTER-LINE")}:\\d+\\)$`),
  );
  assert.equal(chains[0]!.length, 4);
  assert.deepEqual(g.next(0), { value: undefined, done: true }, "the thread is over");
});

test("return() closes a frame", () => {
  const g = framed.loops();
  g.next(0);
  assert.deepEqual(g.return?.(5), { value: 5, done: true });
  assert.deepEqual(g.next(0), { value: undefined, done: true });
});

test("V8's stack as site capture reads it names every caller of a running frame, as the sources'", () => {
  const { on, depth } = siteCapture;
  siteCapture.on = true;
  try {
    const want = native.sites().next(0).value;
    assert.match(String(want), /^where < site_middle < Module\.sites < /);
    assert.equal(framed.sites().next(0).value, want);
  } finally {
    siteCapture.on = on;
    siteCapture.depth = depth;
  }
});

test("a try around a yield is refused when the model is built", () => {
  const file = join(dir, "try.ts");
  assert.throws(
    () => framesTransform("export function* f() { try { yield 1; } finally { } }", file),
    /a try around a yield is not supported/,
  );
  // A try that holds no yield is fine.
  const ok = framesTransform("export function* f() { try { JSON.parse('1'); } catch {} yield 1; }", file);
  assert.match(ok, /__frames_regenerator\(\)\.w\(/);
});
