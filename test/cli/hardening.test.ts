/**
 * Bad input, as a hostile user gives it (issue 11): every case is a usage error (exit 2) with a
 * message naming the place, never a stack trace, never a kernel bug (exit 1), never a hang, and no
 * output file is touched when the command is refused.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { deflateRawSync } from "node:zlib";

const BIN = join(import.meta.dirname, "../../bin/epcsim.js");
const dir = mkdtempSync(join(tmpdir(), "epcsim-hostile-"));
const base = join(dir, "base.yaml");
writeFileSync(
  base,
  `name: t
machine: { cpus: 2, epc: 64 }
run: { duration: 5ms }
processes:
  - name: p
    enclaves: [{ name: e, pages: 32 }]
    threads: [{ enclave: e, pattern: { kind: uniform } }]
`,
);

function epcsim(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 60_000, cwd: dir });
  return { code: r.status, err: r.stderr, out: r.stdout };
}

function refused(args: string[], message: RegExp): void {
  const r = epcsim(...args);
  const what = `epcsim ${args.join(" ")}\n${r.err}`;
  assert.equal(r.code, 2, what);
  assert.match(r.err, message, what);
  assert.doesNotMatch(r.err, /\n\s+at .*:\d+:\d+/, `a stack trace: ${what}`);
}

test("unbounded work and memory are refused at load, with the field's place", () => {
  refused(["run", base, "--set", "run.sample=0"], /run\.sample: the sampling period must be at least 1us/);
  refused(
    ["run", base, "--set", "run.sample=1us", "--set", "run.duration=10s"],
    /run\.sample: 10000000 samples/,
  );
  refused(["run", base, "--set", "run.duration=2000000s"], /run\.duration: the run simulates at most 1 hour/);
  refused(
    ["run", base, "--set", "processes.0.threads.0.count=1000000"],
    /base\.yaml:\d+:\d+ processes: 1000000 enclave threads/,
  );
  refused(["run", base, "--set", "processes.0.count=1000000"], /1000000 processes/);
  refused(["run", base, "--set", "processes.0.enclaves.0.pages=512TiB"], /an enclave has at most/);
  refused(["run", base, "--set", "processes.0.enclaves.0.tcs=1000000"], /TCS pages: at most/);
  refused(["ab", "seed-batching", "--reps", "1", "--workers", "1000", "--no-db"], /--workers 1000: at most/);
});

test("scenarios that could not run are refused instead of ending with nothing done", () => {
  refused(
    ["run", base, "--set", "processes.0.threads.0.cpu=99"],
    /threads\.0\.cpu: CPU 99: the machine has 2 CPUs/,
  );
  refused(["run", base, "--set", "machine.epc=1"], /machine\.epc: 1 EPC pages: an enclave needs at least/);
  refused(["run", base, "--set", "processes.0.enclaves.0.size=4KiB"], /do not fit in an ELRANGE/);
  refused(
    ["run", base, "--set", "processes.0.threads.0.range=[10,5]"],
    /threads\.0\.range: \[10,5\]: the first page must come before the end/,
  );
  refused(["run", base, "--set", "costs.nope=5"], /costs\.nope: unknown cost "nope"/);
  refused(["check", "check-eaug-vs-eaug", "--kernel", "v5.15"], /predates SGX2/);
});

test("a check scenario's mistakes are usage errors at load, not kernel bugs", () => {
  const f = join(dir, "chk.yaml");
  writeFileSync(
    f,
    `name: c
kind: check
machine: { cpus: 3, epc: 16 }
check:
  enclaves:
    - { name: e, pages: 2 }
    - { name: e, pages: 2 }
  actors:
    - { kind: access, enclave: e, pages: [5] }
    - { kind: add_pages, enclave: e, pages: 1 }
    - { kind: eaccept, enclave: f, pages: [1] }
`,
  );
  const r = epcsim("check", f);
  assert.equal(r.code, 2, r.err);
  for (const m of [
    /chk\.yaml:7:\d+ check\.enclaves\.1\.name: a second enclave named "e"/,
    /check\.actors\.0\.pages: page 5 is outside enclave "e"/,
    /check\.actors\.1\.enclave: ADD_PAGES needs an enclave that is not initialized/,
    /check\.actors\.2\.kind: eaccept needs machine\.sgx2: true/,
    /check\.actors\.2\.enclave: no enclave "f"/,
  ])
    assert.match(r.err, m);
});

test("files: a directory, an alias bomb, a prototype key, unwritable outputs (checked before any run)", () => {
  refused(["run", dir], /a directory, not a scenario file/);
  const bomb = join(dir, "bomb.yaml");
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (const [p, q] of [
    ["a", "b"],
    ["b", "c"],
    ["c", "d"],
    ["d", "e"],
    ["e", "f"],
    ["f", "g"],
  ])
    lines.push(`${q}: &${q} [${Array(9).fill(`*${p}`).join(",")}]`);
  writeFileSync(bomb, `${lines.join("\n")}\nname: x\n`);
  refused(["run", bomb], /bomb\.yaml:1:1 scenario: Excessive alias count/);
  refused(["run", base, "--set", "__proto__.x=1"], /is not a scenario field/);
  refused(["run", base, "--trace", dir], /--trace .*: not a regular file/);
  refused(
    ["run", base, "--trace", "/proc/x/r.json"],
    /--trace \/proc\/x\/r\.json: cannot create its directory/,
  );
  refused(
    ["ab", "seed-batching", "--reps", "1", "--no-db", "--report", dir],
    /--report .*: not a regular file/,
  );
  refused(["results", "export", "--db", join(dir, "r.db"), "--out", dir], /--out .*: not a regular file/);
});

test("replay tokens are validated before anything in them is used", () => {
  const enc = (json: string) => `epcsim1.${deflateRawSync(Buffer.from(json)).toString("base64url")}`;
  refused(["replay", enc("null")], /damaged \(not an object\)/);
  refused(["replay", enc(`{"deep":${"[".repeat(20_000)}1${"]".repeat(20_000)}}`)], /damaged/);
  const found = epcsim("check", "check-eaug-vs-eaug", "--json");
  assert.equal(found.code, 1, found.err);
  const token = JSON.parse(found.out).replay_token as string;
  refused(["replay", `${token}AAAA`], /damaged \(trailing or altered characters\)/);
  refused(["replay", `${token}!!`], /damaged/);
  // A token made with --kernel replays against the same scenario named with --scenario.
  const k = epcsim("check", "check-remove-vs-fault-sigbus", "--kernel", "mainline", "--json");
  assert.equal(k.code, 1, k.err);
  const r = epcsim("replay", JSON.parse(k.out).replay_token, "--scenario", "check-remove-vs-fault-sigbus");
  assert.equal(r.code, 1, r.err);
  assert.match(
    r.out,
    /^BUG: (invariant: no stale PTE|WARN sigbus) in check-remove-vs-fault-sigbus \(kernel mainline\)/,
  );
});

test("a patch whose file changed since the token was made is refused before it is imported", () => {
  const patch = join(dir, "p.ts");
  const marker = join(dir, "imported");
  writeFileSync(
    patch,
    `import { writeFileSync } from "node:fs";\nimport { definePatch } from "epcsim/patch";\nexport default definePatch({ name: "p", constants: { SGX_NR_TO_SCAN: 1 } });\n`,
  );
  const found = epcsim("check", "check-eaug-vs-eaug", "--patch", patch, "--json");
  assert.equal(found.code, 1, found.err);
  const token = JSON.parse(found.out).replay_token as string;
  // The edit: a comment, and an import-time side effect that must never run.
  writeFileSync(
    patch,
    `import { writeFileSync } from "node:fs";\nimport { definePatch } from "epcsim/patch";\nwriteFileSync(${JSON.stringify(marker)}, "x");\n// edited\nexport default definePatch({ name: "p", constants: { SGX_NR_TO_SCAN: 1 } });\n`,
  );
  refused(["replay", token], /changed since the token was made/);
  assert.equal(existsSync(marker), false, "the edited patch was imported");
});

test("patch constants out of range and overrides that are not generators are refused", () => {
  const bad = join(dir, "bad.ts");
  writeFileSync(
    bad,
    `import { definePatch } from "epcsim/patch";\nexport default definePatch({ name: "b", constants: { SGX_NR_TO_SCAN: -5 } });\n`,
  );
  refused(["check", "check-fault-vs-fault", "--patch", bad], /constants\.SGX_NR_TO_SCAN: -5 is out of range/);
  writeFileSync(
    bad,
    `import { definePatch } from "epcsim/patch";\nexport default definePatch({ name: "b", overrides: { sgx_reclaim_pages: () => 1 } });\n`,
  );
  refused(
    ["check", "check-fault-vs-fault", "--patch", bad],
    /overrides\.sgx_reclaim_pages: .*generator function/,
  );
});

test("a patch that loops without yielding is a soft lockup naming its line, in check and in run (no hang)", () => {
  const loop = join(dir, "spin.ts");
  writeFileSync(
    loop,
    `import { definePatch, type Machine, type ModelGen } from "epcsim/patch";

export default definePatch({
  name: "spins",
  overrides: {
    *sgx_reclaim_pages(m: Machine): ModelGen {
      let n = 0;
      while (m.sgx) {
        n++;
      }
      return n;
    },
  },
});
`,
  );
  const c = epcsim("check", "check-two-reclaimers", "--patch", loop, "--budget", "5s");
  assert.equal(c.code, 1, c.err);
  assert.match(c.out, /^BUG: soft lockup in check-two-reclaimers/);
  assert.match(c.out, /without reaching a scheduling point: sgx_reclaim_pages \(spin\.ts:8\)/);
  const r = epcsim("run", "seed-batching", "--patch", loop, "--set", "run.duration=20ms");
  assert.match(r.out, /ended: kernel_bug/);
  assert.match(r.out, /soft lockup: .*sgx_reclaim_pages \(spin\.ts:8\)/);
});

test("results databases: someone else's SQLite file, a damaged file, a damaged row are refused with a message", async () => {
  const Database = (await import("better-sqlite3")).default;
  const other = join(dir, "other.db");
  const o = new Database(other);
  o.exec("CREATE TABLE users (id INTEGER)");
  o.close();
  refused(["results", "list", "--db", other], /not an epcsim results database \(it has tables users\)/);
  const junk = join(dir, "junk.db");
  writeFileSync(junk, Buffer.alloc(4096, 7));
  refused(["results", "list", "--db", junk], /--db .*junk\.db/);
  // A real results database with one run whose stored JSON was damaged.
  const db = join(dir, "r.db");
  const ok = epcsim(
    "sweep",
    base,
    "--grid",
    "reclaimer.batch=1,2",
    "--reps",
    "1",
    "--workers",
    "0",
    "--db",
    db,
  );
  assert.equal(ok.code, 0, ok.err);
  const d = new Database(db);
  d.exec("UPDATE runs SET result_json = '{'");
  d.close();
  refused(
    ["results", "export", "--db", db, "--out", join(dir, "x.csv")],
    /damaged: run \d+'s result is not valid JSON/,
  );
  refused(["check", "check-fault-vs-fault", "--seed", "99999999999999999999"], /--seed .*at most 15 digits/);
});

test("a patch that yields something that is not an op is a usage error in check and run (no hang)", () => {
  const bad = join(dir, "badop.ts");
  writeFileSync(
    bad,
    `import { definePatch, type Machine, type ModelGen } from "epcsim/patch";
export default definePatch({
  name: "badop",
  overrides: {
    *sgx_reclaim_pages(_m: Machine): ModelGen {
      yield { kind: "bogus" } as never;
    },
  },
});
`,
  );
  refused(
    ["check", "check-two-reclaimers", "--patch", bad, "--budget", "100"],
    /yielded \{"kind":"bogus"\}, which is not an op/,
  );
  refused(
    ["run", "seed-batching", "--patch", bad, "--set", "run.duration=5ms"],
    /yielded \{"kind":"bogus"\}, which is not an op/,
  );
});
