/** The server's JSON API (src/serve/api.ts). */
export async function api<T>(path: string, init?: { method?: string; body?: unknown }): Promise<T> {
  const r = await fetch(`/api/${path}`, {
    method: init?.method ?? "GET",
    headers: init?.body === undefined ? {} : { "content-type": "application/json" },
    body: init?.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const data = await r.json();
  if (!r.ok) throw new Error((data as { error?: string }).error ?? `HTTP ${r.status}`);
  return data as T;
}

export type { OpsWindow, Tiles, TimelineMeta } from "../../src/serve/api_types.ts";

export interface Step {
  step: number;
  thread: string;
  op: string;
  site: string;
}

export interface RaceView {
  scenario: string;
  kernel: string;
  failure: { property: string; detail: string; tid: number };
  actors: string[];
  steps: Step[];
  races: { preempted: Step; ranFirst: Step; ranLast: Step; resumed: Step | null }[];
  held: string[][][];
  changes: { page: number; before: string; after: string }[][];
  text: string;
}

export interface ValidationError {
  line: number;
  col: number;
  message: string;
  text: string;
}

/** A scenario handed from the editor to the timeline view. */
export const pending: { text: string | null } = { text: null };

/** Nanoseconds for people, as the command line writes them. */
export { fmtNs } from "../../src/scenario/units.ts";
