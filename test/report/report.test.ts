/** Reports are valid, self-contained HTML with the expected charts. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type DefaultTreeAdapterTypes, parse } from "parse5";
import { runAB, runSweep } from "../../src/experiment/execute.ts";
import { abReportHtml } from "../../src/report/ab_report.ts";
import { sweepReportHtml } from "../../src/report/sweep_report.ts";

const TINY = ["machine.epc=512", "run.duration=2ms", "run.warmup=0"];

type Node = DefaultTreeAdapterTypes.Node;
type Element = DefaultTreeAdapterTypes.Element;

interface Parsed {
  errors: string[];
  elements: Element[];
}

/** Parse with the WHATWG algorithm; every parse error (misnested tags, bad attributes, ...) is kept. */
function parseHtml(html: string): Parsed {
  const errors: string[] = [];
  const doc = parse(html, { onParseError: (e) => errors.push(`${e.code} at ${e.startLine}:${e.startCol}`) });
  const elements: Element[] = [];
  const walk = (n: Node) => {
    if ("tagName" in n) elements.push(n);
    const kids = "childNodes" in n ? n.childNodes : [];
    for (const k of kids) walk(k);
    if (n.nodeName === "template") walk((n as DefaultTreeAdapterTypes.Template).content);
  };
  walk(doc);
  return { errors, elements };
}

const attr = (e: Element, name: string) => e.attrs.find((a) => a.name === name)?.value;

function charts(p: Parsed): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of p.elements) {
    const k = e.tagName === "figure" ? attr(e, "data-chart") : undefined;
    if (k) m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

function captions(p: Parsed): string[] {
  return p.elements
    .filter((e) => e.tagName === "figcaption")
    .map((e) => e.childNodes.map((c) => ("value" in c ? c.value : "")).join(""));
}

function assertSelfContained(html: string, p: Parsed): void {
  assert.deepEqual(p.errors, [], "the HTML parses without errors");
  assert.ok(html.startsWith("<!DOCTYPE html>"));
  assert.equal(p.elements.filter((e) => e.tagName === "script").length, 0, "no scripts");
  for (const e of p.elements) {
    for (const a of ["src", "href"]) {
      const v = attr(e, a);
      assert.ok(v === undefined || !/^(https?:)?\/\//.test(v), `no external ${a}: ${v}`);
    }
    assert.notEqual(e.tagName, "link", "no linked stylesheets");
  }
  for (const f of p.elements.filter((e) => e.tagName === "figure")) {
    const svgs = f.childNodes.filter((c) => c.nodeName === "svg").length;
    // Relative changes: a row (an SVG) per metric, each on its own scale; "0 in both": no chart.
    if (attr(f, "data-chart") === "ab-change") assert.ok(svgs >= 1, "relative changes have a row per metric");
    else if (f.childNodes.some((c) => "tagName" in c && attr(c as Element, "class") === "zero"))
      assert.equal(svgs, 0);
    else assert.equal(svgs, 1, "each chart is one inline SVG");
  }
}

test("the A/B report is valid self-contained HTML with CI bars, the latency CDF and the timelines", async () => {
  const out = await runAB(
    {
      name: "report",
      scenario: "seed-batching",
      base: TINY,
      a: { label: "batch 16", params: ["reclaimer.batch=16"] },
      b: { label: "batch 1", params: ["reclaimer.batch=1"] },
      reps: 2,
      focus: ["ipi_rounds", "etrack", "fault_latency_ns.p99", "locks.sgx_reclaimer_lock.acquisitions"],
    },
    { workers: 0 },
  );
  const html = abReportHtml(out.analysis, { description: "a test", db: "x.db", runs: out.runs });
  const p = parseHtml(html);
  assertSelfContained(html, p);
  const c = charts(p);
  assert.equal(c.get("ab-bars"), 4, "one bar chart with intervals per focus metric");
  assert.equal(c.get("latency-cdf"), 1);
  assert.equal(c.get("timeline-free-pages"), 1);
  assert.equal(c.get("timeline-reclaim-rounds"), 1);
  assert.equal(c.get("ab-change"), 1);
  // 4 bar charts, the CDF, 2 timelines, and a relative-change row per focus metric A is not 0 in.
  const rows = [
    "ipi_rounds",
    "etrack",
    "fault_latency_ns.p99",
    "locks.sgx_reclaimer_lock.acquisitions",
  ].filter((n) => out.analysis.metrics[n]!.a_mean !== 0).length;
  assert.equal(p.elements.filter((e) => e.tagName === "svg").length, 7 + rows);
  const caps = captions(p);
  assert.ok(caps.includes("IPI rounds (EWB ladder) (mean per run, 95% CI)"));
  assert.ok(caps.includes("Fault latency CDF (quantiles averaged over 2 replications)"));
  // The curve is the replications' quantile functions averaged point by point.
  const qa = out.analysis.latency_quantiles.a;
  assert.equal(qa.length, 100);
  for (let i = 1; i < qa.length; i++) assert.ok(qa[i]! >= qa[i - 1]!, "a CDF never decreases");
  // Its 99% point is the mean of the runs' p99 (the same nearest-rank definition).
  const p99 = out.analysis.values["fault_latency_ns.p99"]!.a;
  assert.equal(qa[98], Math.round(p99.reduce((x, y) => x + y, 0) / p99.length));
  assert.ok(caps.includes("Free EPC pages (mean over 2 replications)"));
  assert.match(html, new RegExp(`seeds</dt><dd>${out.analysis.seeds.join(" ")}</dd>`));
});

test("a sweep report draws lines with CI bands for one key and heatmaps for two", async () => {
  const one = await runSweep(
    {
      name: "one-key",
      scenario: "seed-batching",
      base: TINY,
      grid: [{ key: "reclaimer.batch", values: ["1", "16"] }],
      reps: 2,
      focus: ["ipi_rounds", "fault_latency_ns.p99"],
    },
    { workers: 0 },
  );
  const h1 = sweepReportHtml(one.analysis);
  const p1 = parseHtml(h1);
  assertSelfContained(h1, p1);
  assert.equal(charts(p1).get("sweep-line"), 2);
  assert.equal(charts(p1).get("sweep-heatmap"), undefined);
  assert.ok(captions(p1).includes("IPI rounds (EWB ladder) by reclaimer.batch (mean, 95% CI band)"));

  const two = await runSweep(
    {
      name: "two-keys",
      scenario: "seed-batching",
      base: TINY,
      grid: [
        { key: "reclaimer.batch", values: ["1", "16"] },
        { key: "reclaimer.threads", values: ["1", "2"] },
      ],
      reps: 1,
      focus: ["ipi_rounds", "reclaim_rounds"],
    },
    { workers: 0 },
  );
  const h2 = sweepReportHtml(two.analysis);
  const p2 = parseHtml(h2);
  assertSelfContained(h2, p2);
  assert.equal(charts(p2).get("sweep-heatmap"), 2);
  assert.ok(captions(p2).includes("reclaim rounds: mean by reclaimer.batch and reclaimer.threads"));
});

test("charts: long A/B labels keep their end, relative changes are on per-metric scales", async () => {
  const { chartLabel, relativeChanges } = await import("../../src/report/charts.ts");
  const long = "A: /home/dev/linux/patches/0001-x86-sgx-reclaim-one-page-at-a-time.patch.ts";
  assert.equal(chartLabel(long, 24), "A: …e-at-a-time.patch.ts");
  assert.equal(chartLabel("B: batch 1"), "B: batch 1");
  const svgs = relativeChanges([
    { label: "enclave accesses/s", pct: -3.5, low: -4.1, high: -2.9 },
    { label: "IPI rounds", pct: 1260, low: 1180, high: 1340 },
  ]).match(/<svg[\s\S]*?<\/svg>/g)!;
  assert.equal(svgs.length, 2, "a row per metric");
  const ticks = (svg: string) =>
    [...svg.matchAll(/>([+-]?\d+(?:\.\d)?)%</g)].map((m) => Math.abs(Number(m[1]))).filter((v) => v > 0);
  // Each row's axis fits its own change: the small one is not squeezed by the large one.
  assert.ok(Math.max(...ticks(svgs[0]!)) < 10, `ticks of the -3.5% row: ${ticks(svgs[0]!)}`);
  assert.ok(Math.max(...ticks(svgs[1]!)) >= 500, `ticks of the +1260% row: ${ticks(svgs[1]!)}`);
  assert.match(svgs[0]!, />-3\.5%</);
  assert.match(svgs[1]!, />\+1260%</);
});

test("an A/B report shows metrics that are 0 on both sides as '0 in both', long labels shortened", async () => {
  const out = await runAB(
    {
      name: "zeros",
      scenario: "seed-batching",
      base: TINY,
      a: { label: "/home/dev/linux/patches/0001-x86-sgx-a-long-patch-name.ts", params: [] },
      b: { label: "batch 1", params: ["reclaimer.batch=1"] },
      reps: 2,
      focus: ["ipi_rounds", "data_errors"],
    },
    { workers: 0 },
  );
  const html = abReportHtml(out.analysis, {});
  assertSelfContained(html, parseHtml(html));
  assert.match(html, /data errors \(mean per run\)<\/figcaption><p class="zero">0 in both<\/p>/);
  // The bar chart's axis names A by the end of its path, not a label running off the chart.
  assert.match(html, />A: …[^<]*patch-name\.ts</);
  assert.doesNotMatch(html, /<text[^>]*>A: \/home\/dev/);
});
