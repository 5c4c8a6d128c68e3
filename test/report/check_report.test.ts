/** `epcsim check --report` and `replay --report`: the counterexample as a self-contained HTML page. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "parse5";

const BIN = join(import.meta.dirname, "../../bin/epcsim.js");
const dir = mkdtempSync(join(tmpdir(), "epcsim-bughtml-"));
const epcsim = (...a: string[]) => spawnSync(process.execPath, [BIN, ...a], { encoding: "utf8" });

type Node = {
  nodeName: string;
  attrs?: { name: string; value: string }[];
  childNodes?: Node[];
  value?: string;
};
function all(n: Node, pred: (n: Node) => boolean, out: Node[] = []): Node[] {
  if (pred(n)) out.push(n);
  for (const c of n.childNodes ?? []) all(c, pred, out);
  return out;
}
const attr = (n: Node, k: string) => n.attrs?.find((a) => a.name === k)?.value;

test("check --report writes the counterexample: per-thread columns, race window, failing step, kernel functions, a slider", () => {
  const file = join(dir, "bug.html");
  const r = epcsim("check", "check-eaug-vs-eaug", "--report", file, "--json");
  assert.equal(r.status, 1, r.stderr);
  const j = JSON.parse(r.stdout);
  const html = readFileSync(file, "utf8");
  const doc = parse(html) as unknown as Node;
  const rows = all(doc, (n) => n.nodeName === "tr" && (attr(n, "id") ?? "").startsWith("s"));
  // One row per op the text report shows.
  const shown = Number(/(\d+) ops shown/.exec(j.report)![1]);
  assert.equal(rows.length, shown);
  assert.ok(rows.length > 10);
  const heads = all(doc, (n) => n.nodeName === "th").map((n) => n.childNodes?.[0]?.value);
  assert.deepEqual(heads.slice(0, 3), ["step", "eaccept0", "eaccept1"]);
  assert.ok(
    rows.some((n) => (attr(n, "class") ?? "").includes("race")),
    "a race window is highlighted",
  );
  assert.equal(rows.filter((n) => (attr(n, "class") ?? "").includes("fail")).length, 1);
  assert.match(html, /sgx_encl_eaug_page\(\) in arch\/x86\/kernel\/cpu\/sgx\/encl\.c/);
  assert.match(html, /<input type="range" id="slider"/);
  assert.match(html, new RegExp(`epcsim replay ${j.replay_token.slice(0, 40)}`));
  // Self-contained: nothing fetched.
  assert.equal(
    all(doc, (n) => attr(n, "src") !== undefined || (n.nodeName === "link" && !!attr(n, "href"))).length,
    0,
  );
});

test("replay --report writes the same page from a token; a clean check writes none", () => {
  const found = JSON.parse(epcsim("check", "check-eaug-vs-eaug", "--json").stdout);
  const file = join(dir, "replayed.html");
  const r = epcsim("replay", found.replay_token, "--report", file);
  assert.equal(r.status, 1, r.stderr);
  assert.match(readFileSync(file, "utf8"), /<h1>BUG: WARN sigbus in check-eaug-vs-eaug<\/h1>/);
  const none = join(dir, "none.html");
  const c = epcsim("check", "check-fault-vs-fault", "--budget", "50", "--report", none);
  assert.equal(c.status, 0, c.stderr);
  assert.match(c.stderr, /no counterexample/);
  assert.equal(existsSync(none), false);
});
