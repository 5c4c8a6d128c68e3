/**
 * Entry points of the build (dist/api.js) for benchmarks and the golden test: the simulator and the
 * checker as the command line runs them, with the model compiled to frames
 * (scripts/frames_transform.mjs). The golden test holds the build's results to the recorded ones,
 * as it holds the sources' (which tsx runs untransformed).
 */
export { runCheck } from "./check/checker.ts";
export { prepare } from "./check/engine.ts";
export { runCheckSession } from "./check/session.ts";
export { runScenario } from "./experiment/run.ts";
export { loadScenario } from "./scenario/load.ts";
