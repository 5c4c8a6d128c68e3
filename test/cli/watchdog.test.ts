/**
 * The soft-lockup watchdog for model code of any origin (rt/watchdog.ts): a step that never yields
 * its next op ends the command with the function and line that loops, exit 1, in the main thread
 * and in worker threads, and a budgeted check stops at its budget. The fixture patch lives in the
 * checkout's tree, so its loop is not instrumented (the loop guard does not see it): only the wall
 * clock can.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const BIN = join(import.meta.dirname, "../../bin/epcsim.js");
const SPIN = join(import.meta.dirname, "../fixtures/patches/spins-without-yield.ts");
const dir = mkdtempSync(join(tmpdir(), "epcsim-watchdog-"));
const scenario = join(dir, "small.yaml");
// Oversubscribed: the reclaimer runs (and the patched sgx_reclaim_pages spins) within a few ms.
writeFileSync(
  scenario,
  `name: small
machine: { cpus: 2, epc: 1MiB }
run: { duration: 5ms, measure_from: start }
processes:
  - name: p
    enclaves: [{ name: e, pages: 400, tcs: 1 }]
    threads: [{ enclave: e, pattern: { kind: uniform } }]
`,
);

function epcsim(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    timeout: 120_000,
    cwd: dir,
    env: { ...process.env, ...env },
  });
  return { code: r.status, signal: r.signal, err: r.stderr };
}

const LOOP_SITE = /at sgx_reclaim_pages \(test\/fixtures\/patches\/spins-without-yield\.ts:11\)/;

test("run: a model step that never yields ends with a soft-lockup report naming its line, exit 1", () => {
  const r = epcsim({ EPCSIM_WATCHDOG: "1" }, "run", scenario, "--patch", SPIN);
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /watchdog: BUG: soft lockup - the main thread ran [\d.]+ s inside one step/);
  assert.match(r.err, LOOP_SITE);
  assert.match(r.err, /at ksgxd \(src\/model\/kernel\/sgx\/main\.ts:\d+\)/);
});

test("ab: the same hang inside a worker thread of the run pool is found and named", () => {
  const r = epcsim(
    { EPCSIM_WATCHDOG: "1" },
    "ab",
    scenario,
    "--a",
    "kernel=mainline",
    "--b",
    `kernel=mainline+${SPIN}`,
    "--reps",
    "2",
    "--workers",
    "1",
    "--db",
    join(dir, "ab.db"),
  );
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /soft lockup - worker thread \d+ ran/);
  assert.match(r.err, LOOP_SITE);
});

test("check --budget: a hang stops at the budget, before the watchdog's own limit", () => {
  const r = epcsim(
    { EPCSIM_WATCHDOG: "100" },
    "check",
    "check-fault-vs-reclaim",
    "--patch",
    SPIN,
    "--budget",
    "1s",
  );
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /ran [\d.]+ s \(past the check's --budget\)/);
  assert.match(r.err, LOOP_SITE);
});

test("EPCSIM_WATCHDOG=0 turns it off (the command is then stopped from outside)", () => {
  const r = spawnSync(process.execPath, [BIN, "run", scenario, "--patch", SPIN], {
    encoding: "utf8",
    timeout: 4_000,
    cwd: dir,
    env: { ...process.env, EPCSIM_WATCHDOG: "0" },
  });
  assert.equal(r.signal, "SIGTERM", "still running after 4 s: nothing stopped it");
  assert.doesNotMatch(r.stderr, /soft lockup/);
});

test("a worker terminated in the middle of a step is no hang: its frozen slot is retired", () => {
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "../fixtures/watchdog/retire.mts")],
    { encoding: "utf8", timeout: 60_000, env: { ...process.env, EPCSIM_WATCHDOG: "1" } },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^alive$/m);
  assert.doesNotMatch(r.stderr, /soft lockup/);
});
