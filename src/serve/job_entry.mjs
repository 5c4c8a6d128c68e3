// Entry of a `epcsim serve` run job's worker thread: worker threads do not inherit the tsx loader,
// so it is registered here before the TypeScript job is imported (as the run pool's workers do).
import { register } from "tsx/esm/api";

register();
await import("./job_worker.ts");
