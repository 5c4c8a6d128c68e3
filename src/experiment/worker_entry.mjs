// Entry of a run-pool worker thread. When the command line runs from its build (bin/epcsim.js
// sets EPCSIM_BUILT, and worker threads copy the environment), the worker loads the built
// dist/run-worker.js: no TypeScript to compile, so a cold worker starts in about 0.1 s. Otherwise
// (tests, a stale build) worker threads do not inherit the tsx loader that bin/epcsim.js
// registers, so it is registered here before the TypeScript worker is imported (a second
// registration, when the parent ran under `node --import tsx`, is harmless).
let worker;
if (process.env.EPCSIM_BUILT === "1") {
  worker = await import("../../dist/run-worker.js");
} else {
  const { register } = await import("tsx/esm/api");
  register();
  worker = await import("./worker.ts");
}
export default worker.default;
