// Entry of a `epcsim serve` run job's worker thread: the built dist/serve-job.js or the TypeScript
// job (rt/worker_import.mjs says which and why).
import { importWorker } from "../rt/worker_import.mjs";

await importWorker(
  new URL("../../dist/serve-job.js", import.meta.url),
  new URL("./job_worker.ts", import.meta.url),
);
