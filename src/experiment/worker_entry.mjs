// Entry of a run-pool worker thread. Worker threads do not inherit the tsx loader that
// bin/epcsim.js registers, so register it here before importing the TypeScript worker (a second
// registration, when the parent ran under `node --import tsx`, is harmless).
import { register } from "tsx/esm/api";

register();
const worker = await import("./worker.ts");
export default worker.default;
