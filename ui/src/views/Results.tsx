/** Results: experiments, runs and mutant outcomes of the results database; filter, compare two runs, export. */
import { useEffect, useState } from "preact/hooks";
import { api } from "../api.ts";

interface Experiment {
  id: number;
  kind: string;
  name: string;
  scenario_name: string;
  created_at: string;
  planned: number;
  stored: number;
}
interface Run {
  id: number;
  scenario: string;
  params: string[];
  seed: number;
  kernel: string;
  end: string;
  created_at: string;
}
interface Hunt {
  id: string;
  status: string;
  scenarios: string[];
  slices: number;
  executions: number;
  findings: number;
}
interface Finding {
  signature: string;
  property: string;
  racing: string[];
  token: string;
  count: number;
}
interface Compare {
  metrics: { metric: string; a: number | null; b: number | null }[];
}

export function Results() {
  const [experiments, setExperiments] = useState<Experiment[]>([]);
  const [runs, setRuns] = useState<Run[]>([]);
  const [mutants, setMutants] = useState<
    {
      name: string;
      outcome: { status: string; scenario?: string; property?: string; replay_token?: string | null };
    }[]
  >([]);
  const [filter, setFilter] = useState("");
  const [picked, setPicked] = useState<number[]>([]);
  const [cmp, setCmp] = useState<Compare | null>(null);
  const [error, setError] = useState("");
  const [report, setReport] = useState<number | null>(null);
  const [hunts, setHunts] = useState<{ backend: string | null; hunts: Hunt[] }>({ backend: null, hunts: [] });
  const [findings, setFindings] = useState<{ id: string; list: Finding[] } | null>(null);
  useEffect(() => {
    Promise.all([api<Experiment[]>("experiments"), api<Run[]>("runs"), api<typeof mutants>("mutants")])
      .then(([e, r, m]) => {
        setExperiments(e);
        setRuns(r);
        setMutants(m);
      })
      .catch((e) => setError(String(e)));
    api<typeof hunts>("hunts").then(setHunts, (e) => setError(String(e)));
  }, []);
  const showFindings = (id: string) =>
    api<Finding[]>(`hunts/${id}/findings`).then(
      (list) => setFindings({ id, list }),
      (e) => setError(String(e)),
    );
  useEffect(() => {
    if (picked.length !== 2) return setCmp(null);
    api<Compare>(`compare?a=${picked[0]}&b=${picked[1]}`).then(setCmp, (e) => setError(String(e)));
  }, [picked]);
  const f = filter.toLowerCase();
  const shown = runs.filter(
    (r) => !f || `${r.scenario} ${r.kernel} ${r.params.join(" ")}`.toLowerCase().includes(f),
  );
  const toggle = (id: number) =>
    setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p.slice(-1), id]));
  return (
    <div>
      {error && <p class="error">{error}</p>}
      <h2>Experiments ({experiments.length})</h2>
      <table id="experiments">
        <thead>
          <tr>
            <th>id</th>
            <th>kind</th>
            <th>name</th>
            <th>scenario</th>
            <th>runs</th>
            <th>created</th>
          </tr>
        </thead>
        <tbody>
          {experiments.map((e) => (
            <tr
              key={e.id}
              class={report === e.id ? "selected" : ""}
              onClick={() => setReport(e.id)}
              style="cursor: pointer"
            >
              <td>{e.id}</td>
              <td>{e.kind}</td>
              <td>{e.name}</td>
              <td>{e.scenario_name}</td>
              <td>
                {e.stored}/{e.planned}
              </td>
              <td>{e.created_at}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {report !== null && (
        <iframe
          id="report"
          title="experiment report"
          src={`/api/experiments/${report}/report.html`}
          style="width: 100%; height: 720px; border: 1px solid #ddd"
        />
      )}
      <p class="muted">Click an experiment to see its report (verdicts, intervals, charts).</p>
      <h2>Runs ({shown.length})</h2>
      <p>
        <input
          id="run-filter"
          placeholder="filter: scenario, kernel, parameter"
          value={filter}
          onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
        />{" "}
        <span class="muted">pick two runs to compare them</span>
      </p>
      <table id="runs">
        <thead>
          <tr>
            <th />
            <th>id</th>
            <th>scenario</th>
            <th>parameters</th>
            <th>kernel</th>
            <th>seed</th>
            <th>ended</th>
            <th>export</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => (
            <tr key={r.id} class={picked.includes(r.id) ? "selected" : ""}>
              <td>
                <input type="checkbox" checked={picked.includes(r.id)} onChange={() => toggle(r.id)} />
              </td>
              <td>{r.id}</td>
              <td>{r.scenario}</td>
              <td>{r.params.join(", ")}</td>
              <td>{r.kernel}</td>
              <td>{r.seed}</td>
              <td>{r.end}</td>
              <td>
                <a href={`/api/runs/${r.id}/export.csv`}>CSV</a>{" "}
                <a href={`/api/runs/${r.id}/export.json`}>JSON</a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {cmp && (
        <>
          <h2>
            Run {picked[0]} vs run {picked[1]}
          </h2>
          <table id="compare">
            <thead>
              <tr>
                <th>metric</th>
                <th>run {picked[0]}</th>
                <th>run {picked[1]}</th>
                <th>change</th>
              </tr>
            </thead>
            <tbody>
              {cmp.metrics.map((m) => (
                <tr key={m.metric}>
                  <td>{m.metric}</td>
                  <td>{m.a ?? "-"}</td>
                  <td>{m.b ?? "-"}</td>
                  <td>
                    {m.a && m.b !== null
                      ? `${(((m.b - m.a) / Math.abs(m.a)) * 100).toFixed(1)}%`
                      : m.a === m.b
                        ? "same"
                        : "-"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <h2>
        Hunts (
        {hunts.backend
          ? `${hunts.hunts.length} on ${hunts.backend}`
          : "start the server with --backend redis://host:port to list them"}
        )
      </h2>
      <table id="hunts">
        <tbody>
          {hunts.hunts.map((h) => (
            <tr key={h.id} onClick={() => showFindings(h.id)} style="cursor: pointer">
              <td>{h.id}</td>
              <td>{h.status}</td>
              <td>{h.scenarios.join(", ")}</td>
              <td>{h.executions} executions</td>
              <td>{h.findings} findings</td>
            </tr>
          ))}
        </tbody>
      </table>
      {findings && (
        <table id="findings">
          <tbody>
            {findings.list.map((f) => (
              <tr key={f.signature}>
                <td>{f.property}</td>
                <td>{f.racing.join(", ")}</td>
                <td>found {f.count}x</td>
                <td>
                  <a href={`#/race?token=${encodeURIComponent(f.token)}`}>step through</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Mutation campaigns ({mutants.length} mutants)</h2>
      <table id="mutants">
        <tbody>
          {mutants.slice(0, 200).map((m) => (
            <tr key={m.name}>
              <td>{m.name}</td>
              <td>{m.outcome.status}</td>
              <td>
                {m.outcome.status === "killed"
                  ? `${m.outcome.property ?? ""} (${m.outcome.scenario ?? ""})`
                  : ""}
              </td>
              <td>
                {m.outcome.replay_token && (
                  <a href={`#/race?token=${encodeURIComponent(m.outcome.replay_token)}`}>step through</a>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
