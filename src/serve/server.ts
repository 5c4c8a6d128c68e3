/**
 * `epcsim serve`: an HTTP server on the loopback interface for the web UI: /api/* (api.ts) and the
 * UI's built assets (static_files.ts), nothing else. Bodies are JSON and at most 2 MB.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { api, HttpError } from "./api.ts";
import { Jobs } from "./jobs.ts";
import { staticFile } from "./static_files.ts";

export interface ServeOptions {
  host: string;
  port: number;
  dbPath: string;
  /** The built UI (dist-ui/). */
  uiDir: string;
  /** The Redis server whose hunts the results view lists (`--backend`). */
  huntsUrl?: string;
}

const MAX_BODY = 2 * 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, "request body too large");
    chunks.push(c as Buffer);
  }
  if (!size) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "the request body is not JSON");
  }
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  download?: string,
): void {
  res.writeHead(status, {
    "content-type": type,
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    ...(download ? { "content-disposition": `attachment; filename="${download}"` } : {}),
  });
  res.end(body);
}

export interface Running {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function serve(o: ServeOptions): Promise<Running> {
  const jobs = new Jobs();
  const ctx = { dbPath: o.dbPath, jobs, huntsUrl: o.huntsUrl };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    try {
      if (url.pathname === "/api" || url.pathname.startsWith("/api/")) {
        const body = req.method === "POST" ? await readBody(req) : undefined;
        const r = await api(ctx, req.method ?? "GET", url.pathname, url.searchParams, body);
        const text = typeof r.body === "string" || Buffer.isBuffer(r.body) ? r.body : JSON.stringify(r.body);
        send(res, r.status, r.type ?? "application/json; charset=utf-8", text, r.download);
        return;
      }
      if (req.method !== "GET" && req.method !== "HEAD") throw new HttpError(405, "method not allowed");
      // The raw path, so a traversal (`/../x`, `/%2e%2e/x`) is refused, not normalized away.
      const raw = (req.url ?? "/").split("?")[0]!;
      const f = staticFile(o.uiDir, raw);
      if (f.status === 200) send(res, 200, f.type, f.body);
      else if (f.status === 404 && raw === "/")
        send(
          res,
          404,
          "text/plain; charset=utf-8",
          "the web UI is not built: run `make ui` (the API is at /api/)\n",
        );
      else send(res, f.status, "text/plain; charset=utf-8", `${f.message}\n`);
    } catch (e) {
      const status = e instanceof HttpError ? e.status : 500;
      const message = e instanceof Error ? e.message : String(e);
      send(res, status, "application/json; charset=utf-8", JSON.stringify({ error: message }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : o.port;
  const host = o.host.includes(":") ? `[${o.host}]` : o.host;
  return {
    server,
    url: `http://${host}:${port}/`,
    close: async () => {
      await jobs.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
