// Entry of a checker worker thread (check --workers). When the command line runs from its build
// (bin/epcsim.js sets EPCSIM_BUILT, and worker threads copy the environment), the worker loads the
// built dist/check-worker.js and starts in about 0.1 s; otherwise (tests, a stale build) it
// registers the tsx loader, which worker threads do not inherit, and imports the TypeScript worker
// (each such worker compiles the sources again: 1-2 s).
if (process.env.EPCSIM_BUILT === "1") {
  await import("../../dist/check-worker.js");
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("./worker.ts");
}
