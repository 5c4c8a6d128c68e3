/**
 * Run every built-in experiment (the seed's questions; `epcsim experiments` lists them) and write
 * each one's HTML report to out/<name>.html, recording the runs in epcsim-results.db (so a second
 * pass is served from the cache). Takes several minutes on 2 cores:
 *
 *   node --import tsx scripts/experiments.ts [name...]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { abSpecOf, listExperiments, sweepSpecOf } from "../src/experiment/builtin.ts";
import { runAB, runSweep } from "../src/experiment/execute.ts";
import { DEFAULT_DB, ResultsStore } from "../src/experiment/store.ts";
import { abReportHtml } from "../src/report/ab_report.ts";
import { sweepReportHtml } from "../src/report/sweep_report.ts";

const wanted = new Set(process.argv.slice(2));
const store = new ResultsStore(DEFAULT_DB);
mkdirSync("out", { recursive: true });
try {
  for (const e of listExperiments()) {
    if (wanted.size && !wanted.has(e.name)) continue;
    const onProgress = (done: number, total: number) =>
      process.stderr.write(`\r${e.name}: ${done}/${total} runs`);
    const meta = { description: `${e.description}. ${e.question}`, db: store.path };
    const file = `out/${e.name}.html`;
    if (e.kind === "ab") {
      const out = await runAB(abSpecOf(e), { store, onProgress });
      writeFileSync(file, abReportHtml(out.analysis, { ...meta, runs: out.runs }));
    } else {
      const out = await runSweep(sweepSpecOf(e), { store, onProgress });
      writeFileSync(file, sweepReportHtml(out.analysis, { ...meta, runs: out.runs }));
    }
    process.stderr.write(`\n${e.name}: report ${file}\n`);
  }
} finally {
  store.close();
}
