/**
 * Race step-through of a counterexample: paste a replay token (from check, a hunt, a mutant kill)
 * or find a catalogued race; the steps as per-thread columns, step forward and back, the op with
 * its kernel function and model source beside it, the locks each thread holds, and the EPC pages
 * the step changed.
 */
import { useEffect, useState } from "preact/hooks";
import { api, type RaceView } from "../api.ts";

export function Race() {
  const [token, setToken] = useState("");
  const [v, setV] = useState<RaceView | null>(null);
  const [i, setI] = useState(0);
  const [src, setSrc] = useState<{ name: string; path: string; lines: string[] } | null>(null);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  async function load(tok: string) {
    setError("");
    setBusy(true);
    try {
      const view = await api<RaceView>("replay", { method: "POST", body: { token: tok } });
      setV(view);
      setI(view.races[0]?.preempted.step ?? 0);
    } catch (e) {
      setError(String((e as Error).message));
    } finally {
      setBusy(false);
    }
  }
  async function example() {
    setBusy(true);
    setError("");
    try {
      const r = await api<{ token: string | null }>("check", {
        method: "POST",
        body: { scenario: "check-pcmd-truncate", kernel: "v5.19-B6" },
      });
      if (!r.token) throw new Error("no race found");
      setToken(r.token);
      await load(r.token);
    } catch (e) {
      setError(String((e as Error).message));
      setBusy(false);
    }
  }

  // A token handed over in the URL (#/race?token=...): a hunt's finding, a mutant kill.
  useEffect(() => {
    const q = new URLSearchParams(location.hash.split("?")[1] ?? "");
    const t = q.get("token");
    if (t) {
      setToken(t);
      void load(t);
    }
  }, []);

  const step = v?.steps[i];
  // The innermost model frame of the step's site: "fn (file.ts:123) < ..."
  const site = /^(\S+) \(([\w.-]+\.ts):(\d+)\)/.exec(step?.site ?? "");
  useEffect(() => {
    if (!site) return;
    const name = site[2]!;
    if (src?.name === name) return;
    api<{ path: string; text: string }>(`source?name=${encodeURIComponent(name)}`).then(
      (s) => setSrc({ name, path: s.path, lines: s.text.split("\n") }),
      () => setSrc(null),
    );
  }, [site?.[2]]);
  useEffect(() => {
    document.getElementById("source-line")?.scrollIntoView({ block: "center" });
  }, [i, src]);

  const inRace = new Set<number>();
  for (const r of v?.races ?? [])
    for (let s = r.preempted.step; s <= (r.resumed ?? r.ranLast).step; s++) inRace.add(s);
  const line = site ? Number(site[3]) : -1;
  return (
    <div>
      <p>
        <textarea
          id="token"
          rows={3}
          cols={100}
          placeholder="a replay token (epcsim1....)"
          value={token}
          onInput={(e) => setToken((e.target as HTMLTextAreaElement).value)}
        />
        <br />
        <button type="button" id="load-token" disabled={busy} onClick={() => load(token)}>
          Step through
        </button>
        <button type="button" id="example-race" disabled={busy} onClick={example}>
          Find the B6 PCMD race (check-pcmd-truncate on v5.19-B6)
        </button>
      </p>
      {error && <p class="error">{error}</p>}
      {v && step && (
        <>
          <h2 id="failure">
            BUG: {v.failure.property}{" "}
            <span class="muted">
              ({v.scenario}, kernel {v.kernel})
            </span>
          </h2>
          <p>{v.failure.detail}</p>
          <p>
            <button type="button" id="step-back" disabled={i === 0} onClick={() => setI(i - 1)}>
              Back
            </button>
            <button
              type="button"
              id="step-next"
              disabled={i >= v.steps.length - 1}
              onClick={() => setI(i + 1)}
            >
              Next
            </button>
            <input
              id="step-slider"
              type="range"
              min={0}
              max={v.steps.length - 1}
              value={i}
              onInput={(e) => setI(Number((e.target as HTMLInputElement).value))}
            />{" "}
            <span id="step-now">
              step {step.step} of {v.steps.length - 1}
            </span>
          </p>
          <div class="split">
            <div>
              <p>
                <strong id="step-op">{step.op}</strong> in {step.thread}
                <br />
                <span class="muted" id="step-site">
                  {step.site || "?"}
                </span>
              </p>
              <p>Locks held after this step:</p>
              <ul id="locks">
                {v.actors.map((a, k) => (
                  <li key={a}>
                    {a}: {v.held[i]![k]!.join(", ") || "none"}
                  </li>
                ))}
              </ul>
              <p>EPC pages this step changed:</p>
              <ul id="changes" class="changed">
                {v.changes[i]!.length === 0 && <li class="muted">none</li>}
                {v.changes[i]!.map((c) => (
                  <li key={c.page}>
                    page {c.page}: {c.before} → <strong>{c.after}</strong>
                  </li>
                ))}
              </ul>
            </div>
            <div class="source" id="source">
              {src?.lines.slice(Math.max(0, line - 15), line + 15).map((l, k) => {
                const n = Math.max(0, line - 15) + k + 1;
                return (
                  <div key={n} id={n === line ? "source-line" : undefined} class={n === line ? "hl" : ""}>
                    {String(n).padStart(5)} {l}
                  </div>
                );
              })}
            </div>
          </div>
          <table class="cols" id="columns">
            <thead>
              <tr>
                <th>step</th>
                {v.actors.map((a) => (
                  <th key={a}>{a}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {v.steps.map((s, k) => (
                <tr
                  key={k}
                  class={[
                    k === i ? "current" : "",
                    k > i ? "future" : "",
                    inRace.has(s.step) ? "race" : "",
                  ].join(" ")}
                  onClick={() => setI(k)}
                >
                  <td>{s.step}</td>
                  {v.actors.map((a) => (
                    <td key={a}>{a === s.thread ? s.op : ""}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
