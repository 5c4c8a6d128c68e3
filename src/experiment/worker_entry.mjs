// Entry of a run-pool worker thread (ab, sweep): the built dist/run-worker.js or the TypeScript
// worker (rt/worker_import.mjs says which and why).
import { importWorker } from "../rt/worker_import.mjs";

const worker = await importWorker(
  new URL("../../dist/run-worker.js", import.meta.url),
  new URL("./worker.ts", import.meta.url),
);
export default worker.default;
