/**
 * A checker counterexample as one self-contained HTML file (`epcsim check --report`, `replay
 * --report`): the verdict, the race windows, and the schedule as per-thread columns with each
 * step's op, model function and source line and the kernel C function it stands for; the steps of a
 * race window are highlighted, the failing step marked, and a slider steps through the schedule.
 */
import { type BugReport, kernelFunction, type ReportStep } from "../check/report.ts";
import { esc, facts, page } from "./html.ts";

export interface CheckReportMeta {
  scenario: string;
  kernel: string;
  strategy?: string;
  executions?: number;
  replayToken: string;
}

export function checkReportHtml(r: BugReport, meta: CheckReportMeta): string {
  const threads = r.actors;
  const inRace = new Set<number>();
  for (const w of r.races) {
    const end = w.resumed ? w.resumed.step : w.ranLast.step;
    for (let s = w.preempted.step; s <= end; s++) inRace.add(s);
  }
  const failStep = r.steps.at(-1)?.step ?? -1;
  const col = (s: ReportStep) => threads.indexOf(s.thread);
  const rows = r.steps.map((s, i) => {
    const cells = threads.map((_, j) =>
      j === col(s)
        ? `<td class="op"><code>${esc(s.op)}</code><div class="site">${esc(s.site.split(" < ")[0] ?? "")}</div><div class="kfn">${esc(kernelFunction(s.site))}</div></td>`
        : "<td></td>",
    );
    const cls = [inRace.has(s.step) ? "race" : "", s.step === failStep ? "fail" : ""]
      .filter(Boolean)
      .join(" ");
    return `<tr id="s${i}" data-i="${i}"${cls ? ` class="${cls}"` : ""}><td class="num">${s.step}</td>${cells.join("")}</tr>`;
  });
  const windows = r.races.map(
    (w) =>
      `<li><b>${esc(w.preempted.thread)}</b> is preempted after step ${w.preempted.step} (<code>${esc(w.preempted.op)}</code> at ${esc(w.preempted.site)}); <b>${esc(w.ranFirst.thread)}</b> runs steps ${w.ranFirst.step}–${w.ranLast.step}${w.resumed ? `; ${esc(w.resumed.thread)} resumes at step ${w.resumed.step}` : ""}.</li>`,
  );
  const body = [
    `<h1>BUG: ${esc(r.failure.property)} in ${esc(meta.scenario)}</h1>`,
    `<p class="lead">${esc(r.failure.detail)}</p>`,
    facts([
      ["kernel", meta.kernel],
      ...(meta.strategy
        ? ([
            ["found by", `${meta.strategy}${meta.executions ? ` after ${meta.executions} executions` : ""}`],
          ] as [string, string][])
        : []),
      ["steps", String(r.steps.length)],
      ["racing paths", r.racing.join(", ") || "-"],
      ["kernel functions in the race", r.functions.join(", ") || "-"],
      ["replay", `epcsim replay ${meta.replayToken}`],
    ]),
    `<h2>Race windows</h2>`,
    windows.length
      ? `<ul>${windows.join("")}</ul>`
      : "<p>No race window: the failure needs no preemption, the threads run one after the other.</p>",
    `<h2>Schedule</h2>`,
    `<div class="stepper"><input type="range" id="slider" min="0" max="${Math.max(0, r.steps.length - 1)}" value="${Math.max(0, r.steps.length - 1)}"> <span id="where"></span></div>`,
    `<table class="schedule"><thead><tr><th>step</th>${threads.map((t) => `<th>${esc(t)}</th>`).join("")}</tr></thead><tbody>\n${rows.join("\n")}\n</tbody></table>`,
    `<h2>The report as text</h2><pre>${esc(r.text)}</pre>`,
  ].join("\n");
  return page(`epcsim: ${r.failure.property} in ${meta.scenario}`, body, { css: CSS, script: SCRIPT });
}

const CSS = `
table.schedule td { vertical-align: top; border-left: 1px solid #eee; min-width: 14em; }
table.schedule tr.race td { background: #fff6e0; }
table.schedule tr.fail td { background: #fde2e1; }
table.schedule tr.current td { outline: 2px solid #2c6fbb; }
table.schedule tr.future { opacity: 0.35; }
td.op code { font-size: 0.85em; }
td.op .site { font-size: 0.75em; color: #555; }
td.op .kfn { font-size: 0.72em; color: #888; }
.stepper { position: sticky; top: 0; background: #fff; padding: 0.4em 0; }
.stepper input { width: 60%; }
pre { font-size: 0.75em; overflow-x: auto; }
`;

// The step slider: rows after the current step fade out, the current one is outlined.
const SCRIPT = `
const slider = document.getElementById("slider");
const where = document.getElementById("where");
const rows = Array.from(document.querySelectorAll("table.schedule tbody tr"));
function show(i) {
  rows.forEach((r, k) => { r.classList.toggle("current", k === i); r.classList.toggle("future", k > i); });
  const cell = rows[i] && rows[i].querySelector("td.op");
  where.textContent = rows[i] ? "step " + rows[i].cells[0].textContent + ": " + (cell ? cell.textContent : "") : "";
}
slider.addEventListener("input", () => show(Number(slider.value)));
show(Number(slider.value));
`;
