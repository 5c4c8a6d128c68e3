// How a worker thread's entry loads its module. When the command line runs from its build
// (bin/epcsim.js sets EPCSIM_BUILT, and worker threads copy the environment), the worker loads the
// built module in dist/: no TypeScript to compile, so a cold worker starts in about 0.1 s.
// Otherwise (tests, a stale build) it registers the tsx loader, which worker threads do not
// inherit from the thread that started them (a second registration, when the parent ran under
// `node --import tsx`, is harmless), and imports the TypeScript module: 1-2 s of compiling.

/** Import `built` (a URL in dist/) or, from the sources, `source` (a URL of a .ts module). */
export async function importWorker(built, source) {
  if (process.env.EPCSIM_BUILT === "1") return import(built.href);
  const { register } = await import("tsx/esm/api");
  register();
  return import(source.href);
}
