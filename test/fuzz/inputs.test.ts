/**
 * Property-based fuzzing of what users hand epcsim (issue 11): scenario documents, patch modules,
 * replay tokens and command lines. Every case must end with a result or a user error with a message
 * (ScenarioError, TokenError, UsageError; exit 2 on the command line), never another exception or a
 * stack trace. `make test` runs a fixed seed and FUZZ_RUNS cases per property (default 2000 in
 * process, 40 command lines); `make fuzz` runs 100,000.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { deflateRawSync } from "node:zlib";
import fc from "fast-check";
import { parse } from "yaml";
import { execute, prepare } from "../../src/check/engine.ts";
import { preflightToken } from "../../src/check/session.ts";
import { RandomPicker } from "../../src/check/strategies.ts";
import { decodeToken, TokenError } from "../../src/check/token.ts";
import { UsageError } from "../../src/errors.ts";
import { parseScenarioText, ScenarioError } from "../../src/scenario/load.ts";
import { validatePatch } from "../../src/scenario/patches.ts";

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261207);
const ROOT = join(import.meta.dirname, "../..");
const BUILTINS = readdirSync(join(ROOT, "scenarios"))
  .filter((f) => f.endsWith(".yaml"))
  .sort()
  .map((f) => parse(readFileSync(join(ROOT, "scenarios", f), "utf8")) as Record<string, unknown>);

const isUserError = (e: unknown) =>
  e instanceof ScenarioError || e instanceof TokenError || e instanceof UsageError;

/** Paths to every value of a document (for replacing one). */
function paths(
  v: unknown,
  at: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  out.push(at);
  if (v && typeof v === "object")
    for (const [k, x] of Object.entries(v)) paths(x, [...at, Array.isArray(v) ? Number(k) : k], out);
  return out;
}

function setAt(doc: unknown, at: (string | number)[], value: unknown): unknown {
  if (!at.length) return value;
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let o = copy;
  for (const k of at.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  o[at.at(-1)!] = value;
  return copy;
}

const hostileValue = fc.oneof(
  fc.constantFrom(
    0,
    -1,
    1,
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER,
    2 ** 53 + 1,
    0.5,
    "inf",
    "",
    "epc",
    "2x epc",
  ),
  fc.constantFrom("512TiB", "1ns", "0s", "1000000h", "__proto__", null, true, [], {}, [10, 5], [0, 1e9]),
  fc.integer({ min: -5, max: 100_000_000 }),
  fc.string({ maxLength: 12 }),
  fc.double({ noNaN: false }),
);

const mutatedScenario = fc
  .tuple(
    fc.nat({ max: BUILTINS.length - 1 }),
    fc.array(fc.tuple(fc.nat(), hostileValue), { minLength: 1, maxLength: 3 }),
  )
  .map(([i, edits]) => {
    let doc: unknown = BUILTINS[i]!;
    for (const [n, v] of edits) {
      const ps = paths(doc).filter((p) => p.length > 0);
      doc = setAt(doc, ps[n % ps.length]!, v);
    }
    return doc;
  });

test("scenario documents: loaded or refused with a message, and an accepted check scenario runs", () => {
  let accepted = 0;
  let ran = 0;
  fc.assert(
    fc.property(mutatedScenario, (doc) => {
      let sc: ReturnType<typeof parseScenarioText>["scenario"];
      try {
        sc = parseScenarioText(JSON.stringify(doc), "fuzz.yaml").scenario;
      } catch (e) {
        if (!(e instanceof ScenarioError)) throw e;
        assert.ok(e.lines.every((l) => l.length > 0 && !/\n\s+at /.test(l)));
        return;
      }
      accepted++;
      // A check scenario that loads builds and runs an execution (a few, cheaply) without a crash.
      if (sc.check && ran < 200) {
        ran++;
        try {
          const model = prepare(sc);
          execute(model, new RandomPicker(1), { maxSteps: 2000, everyStep: false });
        } catch (e) {
          if (!isUserError(e)) throw new Error(`${sc.name}: ${(e as Error).message}`);
        }
      }
    }),
    { numRuns: RUNS, seed: SEED },
  );
  assert.ok(accepted > 0, "no generated scenario was accepted: the generator is too hostile to test runs");
});

test("patch modules: validated or refused with a message naming the file", () => {
  const value = fc.oneof(
    hostileValue,
    fc.constant(() => 1),
    fc.constant(function* () {}),
  );
  const mod = fc.oneof(
    value,
    fc.record({
      default: fc.oneof(
        value,
        fc.record({
          name: fc.oneof(fc.string(), value),
          overrides: fc.dictionary(fc.constantFrom("sgx_reclaim_pages", "ksgxd", "nope", "__proto__"), value),
          constants: fc.dictionary(
            fc.constantFrom("SGX_NR_TO_SCAN", "nr_ksgxd", "XA_CHECK_SCHED", "bogus"),
            value,
          ),
        }),
      ),
    }),
  );
  fc.assert(
    fc.property(mod, (m) => {
      try {
        validatePatch("fuzz-patch.ts", m);
      } catch (e) {
        if (!(e instanceof ScenarioError)) throw e;
        assert.match(e.lines[0]!, /^fuzz-patch\.ts: /);
      }
    }),
    { numRuns: RUNS, seed: SEED },
  );
});

test("replay tokens: decoded and preflighted, or refused as damaged, never imported before checks", () => {
  const token = fc.oneof(
    fc.string().map((s) => `epcsim1.${s}`),
    fc.base64String().map((s) => `epcsim1.${s.replace(/\+/g, "-").replace(/\//g, "_").replace(/=/g, "")}`),
    fc
      .jsonValue()
      .map((v) => `epcsim1.${deflateRawSync(Buffer.from(JSON.stringify(v))).toString("base64url")}`),
    fc.string(),
  );
  fc.assert(
    fc.property(token, (t) => {
      try {
        preflightToken(decodeToken(t));
      } catch (e) {
        if (!(e instanceof TokenError)) throw e;
      }
    }),
    { numRuns: RUNS, seed: SEED },
  );
});

test("command lines: exit 0, 1 or 2, never a stack trace", () => {
  const BIN = join(ROOT, "bin/epcsim.js");
  const word = fc.oneof(
    // Commands that end fast with a small budget (ab, sweep and mutate run whole experiments).
    fc.constantFrom("run", "check", "replay", "results", "kernels", "scenarios", "patch"),
    fc.constantFrom(
      "--budget",
      "--seed",
      "--workers",
      "--set",
      "--kernel",
      "--json",
      "--report",
      "--all",
      "--strategy",
    ),
    fc.constantFrom(
      "0",
      "-1",
      "1e99",
      "99999999999999999999",
      "/",
      "/proc/x/y",
      "check-fault-vs-fault",
      "nope",
      "x=1",
      "__proto__.a=1",
    ),
    fc.string({ maxLength: 8 }),
  );
  fc.assert(
    fc.property(fc.array(word, { minLength: 1, maxLength: 5 }), (args) => {
      // Bounded: the budget keeps any check short, and nothing may run longer than 60 s.
      const r = spawnSync(process.execPath, [BIN, ...args, "--budget", "50"], {
        encoding: "utf8",
        timeout: 60_000,
      });
      assert.ok(
        [0, 1, 2].includes(r.status ?? -1),
        `epcsim ${args.join(" ")}: exit ${r.status}\n${r.stderr}`,
      );
      assert.doesNotMatch(
        r.stderr,
        /\n\s+at .*:\d+:\d+/,
        `epcsim ${args.join(" ")}: a stack trace\n${r.stderr}`,
      );
    }),
    { numRuns: Number(process.env.FUZZ_CLI_RUNS ?? 40), seed: SEED },
  );
});
