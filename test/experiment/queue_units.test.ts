import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { UnrecoverableError } from "bullmq";
import { parseWallDuration } from "../../src/cli/hunt.ts";
import { BackendError, connectionOptions, parseBackend } from "../../src/experiment/queue/connection.ts";
import { huntId, signatureOf, sliceSeed } from "../../src/experiment/queue/hunt_store.ts";
import { bindPatchApi } from "../../src/experiment/queue/install.ts";
import { admitPatches, patchSha } from "../../src/experiment/queue/patches.ts";
import { fromWire, toWire } from "../../src/experiment/queue/wire.ts";

const BIN = join(import.meta.dirname, "../../bin/epcsim.js");

test("values cross the queue with infinities and NaN intact", () => {
  const v = {
    a: Number.POSITIVE_INFINITY,
    b: [1, Number.NEGATIVE_INFINITY, { c: Number.NaN }],
    d: "inf",
    e: null,
  };
  const back = fromWire<typeof v>(JSON.parse(JSON.stringify(toWire(v))));
  assert.deepEqual(back, v);
});

test("--backend accepts local and redis URLs and refuses anything else", () => {
  assert.deepEqual(parseBackend(undefined), { kind: "local" });
  assert.deepEqual(parseBackend("local"), { kind: "local" });
  assert.deepEqual(parseBackend("redis://127.0.0.1:6390/2"), {
    kind: "redis",
    url: "redis://127.0.0.1:6390/2",
  });
  assert.throws(() => parseBackend("http://x"), BackendError);
  assert.throws(() => parseBackend("redis://h/x"), /database number/);
  const c = connectionOptions("redis://u:p%40ss@h:7000/3") as Record<string, unknown>;
  assert.deepEqual([c.host, c.port, c.username, c.password, c.db], ["h", 7000, "u", "p@ss", 3]);
});

test("slice seeds depend only on the hunt seed and the slice number, and differ between slices", () => {
  assert.equal(sliceSeed(1, 5), sliceSeed(1, 5));
  const seeds = new Set(Array.from({ length: 1000 }, (_, i) => sliceSeed(1, i)));
  assert.equal(seeds.size, 1000);
  assert.notEqual(sliceSeed(1, 0), sliceSeed(2, 0));
});

test("a finding's signature is the property and the racing paths, in any order", () => {
  assert.equal(signatureOf({ property: "BUG", racing: ["reclaim", "access"] }), "BUG @ access, reclaim");
  assert.equal(
    signatureOf({ property: "BUG", racing: ["access", "reclaim"] }),
    signatureOf({ property: "BUG", racing: ["reclaim", "access"] }),
  );
});

test("the same hunt has the same id; another seed or scenario makes another hunt", () => {
  const spec = {
    scenarios: [{ name: "s", raw: { name: "s" }, kernel: "mainline", patches: [] }],
    seed: 1,
    strategies: ["random" as const, "pct" as const],
    sliceExecutions: 100,
    sliceMs: 1000,
  };
  assert.equal(huntId(spec), huntId({ ...spec }));
  assert.notEqual(huntId(spec), huntId({ ...spec, seed: 2 }));
  assert.notEqual(
    huntId(spec),
    huntId({ ...spec, scenarios: [{ ...spec.scenarios[0]!, raw: { name: "t" } }] }),
  );
});

test("a worker refuses a patch unless allowed, and a patch whose content does not match its hash", () => {
  const content = "export default {}";
  const p = { path: "/home/u/p.ts", sha: patchSha(content), content };
  assert.doesNotThrow(() => admitPatches([], false));
  assert.throws(
    () => admitPatches([p], false),
    (e) => e instanceof UnrecoverableError && /--allow-patches/.test(e.message),
  );
  assert.doesNotThrow(() => admitPatches([p], true));
  assert.throws(() => admitPatches([{ ...p, content: `${content};` }], true), /does not match its hash/);
});

test("a shipped patch's import of the patch API is bound to the worker's epcsim", () => {
  for (const spec of ["../../src/patch.ts", "epcsim/patch", "/a/b/src/patch.ts"]) {
    const out = bindPatchApi(`import { definePatch } from "${spec}";\nexport default 1;`);
    assert.match(out, /from "file:\/\/.*\/src\/patch\.ts"/, spec);
  }
  assert.equal(bindPatchApi('import x from "./helper.ts";'), 'import x from "./helper.ts";');
});

test("hunt durations take s, m, h and d", () => {
  assert.equal(parseWallDuration("90s", "--duration"), 90_000);
  assert.equal(parseWallDuration("3d", "--duration"), 3 * 86_400_000);
  assert.throws(() => parseWallDuration("3 days", "--duration"), /expected a duration/);
  assert.throws(() => parseWallDuration("0s", "--duration"), /expected a duration/);
});

test("queue commands given bad input exit 2 with a message, without a stack trace", () => {
  for (const args of [
    ["sweep", "seed-batching", "--grid", "reclaimer.batch=1,2", "--backend", "http://x"],
    [
      "sweep",
      "seed-batching",
      "--grid",
      "reclaimer.batch=1,2",
      "--backend",
      "redis://127.0.0.1:1",
      "--workers",
      "2",
    ],
    ["hunt", "check-pcmd-truncate"],
    ["hunt", "check-pcmd-truncate", "--backend", "local"],
    ["hunt", "seed-batching", "--backend", "redis://127.0.0.1:1"],
    ["hunt", "check-pcmd-truncate", "--backend", "redis://127.0.0.1:1", "--duration", "forever"],
    ["worker", "--redis", "nope"],
    ["worker", "--redis", "redis://127.0.0.1:1", "--concurrency", "0"],
  ]) {
    const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 20_000 });
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, /^epcsim: /m, args.join(" "));
    assert.doesNotMatch(r.stderr, /\n\s+at /, args.join(" "));
  }
});
