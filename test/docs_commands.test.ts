/**
 * Every epcsim command shown in README.md and docs/*.md runs: each is executed (in the doc's order,
 * in a scratch directory with its own results database) with a small budget where the doc's would
 * be long, and must end with the exit code its kind of command promises and no stack trace.
 * Templates are not run: lines with placeholders (`<id>`, `[--x]`, `...`) or a Redis host.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const ROOT = join(import.meta.dirname, "..");
const BIN = join(ROOT, "bin/epcsim.js");

/** Split a shell command line into words (quotes, no expansion); comments and pipes dropped. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur = "";
  let quote = "";
  let inWord = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = "";
      else cur += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === "#" && !inWord) break;
    else if (ch === "|") break;
    else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** The epcsim commands of a markdown file's code blocks, in order. */
function commands(file: string): string[] {
  const md = readFileSync(join(ROOT, file), "utf8");
  const out: string[] = [];
  for (const m of md.matchAll(/```(\w*)\n([\s\S]*?)```/g)) {
    if (m[1] && !["sh", "bash", "console", "shell", "text"].includes(m[1])) continue;
    for (const raw of m[2]!.split("\n")) {
      const line = raw.replace(/^\$\s*/, "").trim();
      if (/^(npx epcsim|epcsim)\s/.test(line)) out.push(line);
    }
  }
  return out;
}

const TEMPLATE = /<[a-z]|\[--|\.\.\.|queue-host|\\$/;

/** The command with a small budget: short runs, two replications, a few hundred executions. */
function small(words: string[]): string[] {
  const w = [...words];
  const cmd = w[0];
  const drop = (opt: string) => {
    const i = w.indexOf(opt);
    if (i >= 0) w.splice(i, 2);
  };
  if (cmd === "run" || cmd === "ab" || cmd === "sweep") {
    if (!w.some((x) => x.startsWith("run.duration="))) w.push("--set", "run.duration=2ms");
  }
  if (cmd === "ab" || cmd === "sweep") {
    drop("--reps");
    w.push("--reps", "2");
  }
  if (cmd === "check") {
    drop("--budget");
    w.push("--budget", "300");
  }
  if (cmd === "bugs" && w.includes("--verify")) w.push("B6");
  return w;
}

const files = ["README.md", ...readdirSync(join(ROOT, "docs")).map((f) => `docs/${f}`)].filter((f) =>
  f.endsWith(".md"),
);

for (const file of files) {
  const cmds = commands(file).filter((c) => !TEMPLATE.test(c));
  if (!cmds.length) continue;
  test(`every epcsim command in ${file} runs`, () => {
    const dir = mkdtempSync(join(tmpdir(), "epcsim-docs-"));
    try {
      // The user's own patch the docs call ./my-patch.ts.
      writeFileSync(
        join(dir, "my-patch.ts"),
        readFileSync(join(ROOT, "examples/patches/per-page-reclaim.ts"), "utf8").replace(
          /from "[./]*src\/patch\.ts"/,
          'from "epcsim/patch"',
        ),
      );
      for (const line of cmds) {
        const words = shellWords(line)
          .slice(line.startsWith("npx") ? 2 : 1)
          .map((x) =>
            x
              .replace(/^\.\/examples\//, `${ROOT}/examples/`)
              .replace(/^(kernel=.*\+)\.\/examples\//, `$1${ROOT}/examples/`),
          );
        const args = small(words);
        const r = spawnSync(process.execPath, [BIN, ...args], {
          cwd: dir,
          encoding: "utf8",
          timeout: 120_000,
        });
        const what = `${file}: epcsim ${args.join(" ")}\n${r.stdout}\n${r.stderr}`;
        assert.doesNotMatch(r.stderr, /\n\s+at .*\(.*:\d+:\d+\)/, `a stack trace: ${what}`);
        if (args[0] === "check" && args.includes("--all")) {
          // The suite: every row as the scenarios declare (a patch the docs show changes no verdict).
          assert.equal(r.status, 0, what);
          assert.match(r.stdout, /all \d+ scenarios match their expectations/, what);
        } else if (args[0] === "check") {
          // 1 with a report when the scenario's kernel has the bug the doc shows, 0 when clean.
          assert.ok(r.status === 0 || r.status === 1, what);
          assert.match(r.stdout, r.status === 1 ? /^BUG: / : /no bug found/, what);
        } else assert.equal(r.status, 0, what);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("the docs link only files that ship in the repository", () => {
  for (const file of [...files, "DEVIATIONS.md"]) {
    const md = readFileSync(join(ROOT, file), "utf8");
    for (const [, target] of md.matchAll(/\]\(([^)#\s]+)[^)]*\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue; // https:, mailto:
      const path = join(ROOT, file, "..", target!);
      assert.ok(path.startsWith(ROOT) && existsSync(path), `${file} links ${target}`);
    }
    assert.doesNotMatch(md, /\.\.\/shared\//, `${file} refers to ../shared`);
  }
});
