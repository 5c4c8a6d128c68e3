// Entry of a checker worker thread (check --workers): the built dist/check-worker.js or the
// TypeScript worker (rt/worker_import.mjs says which and why).
import { importWorker } from "../rt/worker_import.mjs";

await importWorker(
  new URL("../../dist/check-worker.js", import.meta.url),
  new URL("./worker.ts", import.meta.url),
);
