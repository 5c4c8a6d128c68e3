/**
 * The build runs the model compiled to frames (scripts/frames_transform.mjs); what a user reads must
 * be what the sources give: a catalogued bug's report (op sites, racing functions, replay token) and
 * a trace of kernel functions whose window opens mid-run (threads that started as frames, before
 * site capture was on). Each is run by the built command line and by the sources through tsx.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";

const root = join(import.meta.dirname, "../..");
const BUILT = join(root, "dist/main.js");
/** tsx's loader by its URL: the commands run in a scratch directory, where "tsx" would not resolve. */
const TSX = import.meta.resolve("tsx");
const dir = mkdtempSync(join(tmpdir(), "epcsim-frames-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function epcsim(how: "build" | "sources", ...args: string[]) {
  const argv = how === "build" ? [BUILT, ...args] : ["--import", TSX, join(root, "src/cli/main.ts"), ...args];
  const r = spawnSync(process.execPath, argv, {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, EPCSIM_BUILT: how === "build" ? "1" : "" },
  });
  // Wall-clock figures differ run to run.
  return { code: r.status, out: r.stdout.replace(/\d+(\.\d+)? ?m?s\b/g, "<t>"), err: r.stderr };
}

test("the build's report of a catalogued race is the sources' report", () => {
  assert.ok(existsSync(BUILT), "dist/main.js is missing: `make build`");
  const args = ["check", "check-pcmd-truncate", "--kernel", "v5.19-B6", "-q"];
  const built = epcsim("build", ...args);
  const sources = epcsim("sources", ...args);
  assert.equal(built.code, 1, built.err);
  assert.match(built.out, /at sgx_reclaim_pages \(main\.ts:\d+\) < reclaim_actor \(actors\.ts:\d+\)/);
  assert.equal(built.out, sources.out);
});

test("a functions trace whose window opens mid-run is the same from the build", () => {
  const trace = (how: "build" | "sources") => {
    const file = join(dir, `${how}.json`);
    const r = epcsim(
      how,
      "run",
      "seed-batching",
      "--set",
      "run.duration=12ms",
      "--trace",
      file,
      "--trace-window",
      "10ms..11ms",
      "--trace-detail",
      "functions",
      "-q",
    );
    assert.equal(r.code, 0, r.err);
    return readFileSync(file, "utf8");
  };
  const built = trace("build");
  // ksgxd and the enclave threads started long before the window: their outer functions are there.
  assert.match(built, /"name":"ksgxd"/);
  assert.equal(built, trace("sources"));
});
