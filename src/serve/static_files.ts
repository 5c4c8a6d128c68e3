/**
 * The web UI's built assets (dist-ui/, made by `make ui`), served read-only. A request path never
 * reaches the filesystem unchecked: it is decoded once, must be a plain relative path of known
 * characters without `..` segments, and must resolve inside the asset directory.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join, resolve, sep } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".map": "application/json",
  ".ico": "image/x-icon",
};

export type StaticResult =
  | { status: 200; type: string; body: Buffer }
  | { status: 400 | 404; message: string };

/** The asset file for URL path `urlPath` under `root`, or why not. */
export function staticFile(root: string, urlPath: string): StaticResult {
  let path: string;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return { status: 400, message: "malformed path" };
  }
  if (path === "/" || path === "") path = "/index.html";
  // Only plain paths: no parent segments, no backslashes or NULs, no second decoding.
  if (!/^\/[A-Za-z0-9._\-/]*$/.test(path) || path.split("/").some((s) => s === ".." || s === "."))
    return { status: 400, message: "refused path" };
  const base = resolve(root);
  const file = resolve(join(base, path));
  if (!file.startsWith(base + sep)) return { status: 400, message: "refused path" };
  if (!existsSync(file) || !statSync(file).isFile()) return { status: 404, message: "not found" };
  return { status: 200, type: TYPES[extname(file)] ?? "application/octet-stream", body: readFileSync(file) };
}
