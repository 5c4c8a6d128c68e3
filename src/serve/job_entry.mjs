// Entry of a `epcsim serve` run job's worker thread: from the build when the server runs from it
// (EPCSIM_BUILT, see experiment/worker_entry.mjs), else through the tsx loader, which worker
// threads do not inherit.
if (process.env.EPCSIM_BUILT === "1") {
  await import("../../dist/serve-job.js");
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("./job_worker.ts");
}
