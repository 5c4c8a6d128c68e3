/** Scenario editor: validation as you type (the CLI's errors, with positions), then run it on the timeline. */
import { useEffect, useRef, useState } from "preact/hooks";
import { api, pending, type ValidationError } from "../api.ts";

export function Editor() {
  const [names, setNames] = useState<{ name: string; kind: string }[]>([]);
  const [text, setText] = useState("");
  const [errors, setErrors] = useState<ValidationError[]>([]);
  const [ok, setOk] = useState<string>("");
  const timer = useRef<number>(0);
  useEffect(() => {
    api<{ name: string; kind: string }[]>("scenarios").then(setNames);
    api<{ text: string }>("scenarios/seed-batching").then((s) => setText(s.text));
  }, []);
  useEffect(() => {
    clearTimeout(timer.current);
    timer.current = window.setTimeout(() => {
      api<{ ok: boolean; kind?: string; errors: ValidationError[] }>("validate", {
        method: "POST",
        body: { text },
      }).then((r) => {
        setErrors(r.errors);
        setOk(r.ok ? `valid ${r.kind} scenario` : "");
      });
    }, 250);
  }, [text]);
  const bad = new Set(errors.map((e) => e.line));
  const lines = text.split("\n");
  const run = () => {
    pending.text = text;
    location.hash = "#/timeline";
  };
  return (
    <div>
      <p>
        <select
          id="load-scenario"
          onChange={(e) =>
            api<{ text: string }>(`scenarios/${(e.target as HTMLSelectElement).value}`).then((s) =>
              setText(s.text),
            )
          }
        >
          {names
            .filter((n) => n.kind === "run")
            .map((n) => (
              <option key={n.name} value={n.name} selected={n.name === "seed-batching"}>
                {n.name}
              </option>
            ))}
        </select>{" "}
        <button type="button" id="run-scenario" disabled={errors.length > 0} onClick={run}>
          Run on the timeline
        </button>
        <span id="validity" class={errors.length ? "error" : "muted"}>
          {errors.length ? `${errors.length} error(s)` : ok}
        </span>
      </p>
      <div class="editor">
        <div class="gutter">
          {lines.map((_, i) => (
            <div
              key={i}
              class={`lineno${bad.has(i + 1) ? " bad" : ""}`}
              style="font: 0.85em ui-monospace, monospace; line-height: 1.2"
            >
              {i + 1}
            </div>
          ))}
        </div>
        <textarea
          id="scenario-text"
          spellcheck={false}
          style="line-height: 1.2"
          value={text}
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
        />
        <ul id="errors" class="error">
          {errors.map((e) => (
            <li key={e.text} data-line={e.line} data-col={e.col}>
              {e.line}:{e.col} {e.message}
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
