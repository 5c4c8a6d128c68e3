/**
 * Where epcsim's sources are, whether this code runs from them (tsx) or from the build in dist/
 * (scripts/build.mjs bundles src/cli/main.ts there; every module then shares dist's import.meta.url).
 * Scenario files, the model's sources (hashed into versions), worker entry points and the patch API
 * are found from here, never from the checkout's absolute path at build time.
 */
import { basename, dirname, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** Is this code running from the build in dist/ (scripts/build.mjs), not from the sources? */
export const BUNDLED = basename(here) === "dist";

/** The patch API module as the running code sees it: dist/patch.js in the build, else src/patch.ts. */
export const PATCH_API_URL = BUNDLED
  ? pathToFileURL(resolve(here, "patch.js"))
  : pathToFileURL(resolve(here, "patch.ts"));

/** Absolute path of src/, with a trailing separator (for prefix tests on stack frames). */
export const SRC_DIR = `${BUNDLED ? resolve(here, "..", "src") : here}${sep}`;

/** A path under src/. */
export function srcPath(...parts: string[]): string {
  return resolve(SRC_DIR, ...parts);
}

/** A file URL under src/ (worker entry points, modules loaded at run time). */
export function srcUrl(...parts: string[]): URL {
  return pathToFileURL(srcPath(...parts));
}
