/** epcsim's web UI: four views behind hash routes (#/results, #/timeline, #/race, #/editor). */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import "./style.css";
import { Editor } from "./views/Editor.tsx";
import { Race } from "./views/Race.tsx";
import { Results } from "./views/Results.tsx";
import { TimelineView } from "./views/Timeline.tsx";

const VIEWS = {
  results: { title: "Results", view: Results },
  timeline: { title: "Run timeline", view: TimelineView },
  race: { title: "Race step-through", view: Race },
  editor: { title: "Scenario editor", view: Editor },
} as const;
type Name = keyof typeof VIEWS;

function route(): Name {
  const h = location.hash.replace(/^#\/?/, "").split("?")[0] as Name;
  return h in VIEWS ? h : "results";
}

function App() {
  const [name, setName] = useState<Name>(route());
  useEffect(() => {
    const on = () => setName(route());
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  const View = VIEWS[name].view;
  return (
    <>
      <nav>
        <strong>epcsim</strong>
        {(Object.keys(VIEWS) as Name[]).map((n) => (
          <a key={n} href={`#/${n}`} class={n === name ? "active" : ""} data-view={n}>
            {VIEWS[n].title}
          </a>
        ))}
      </nav>
      <main data-view={name}>
        <View />
      </main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
