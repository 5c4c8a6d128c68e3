/** User mistakes end the CLI with a clear message and exit code 2, never a stack trace. */
import { fileURLToPath } from "node:url";
import { UsageError } from "../errors.ts";
import { SRC_DIR } from "../paths.ts";
import { ScenarioError } from "../scenario/errors.ts";

export { UsageError };

export const EXIT_OK = 0;
export const EXIT_FOUND = 1;
export const EXIT_USAGE = 2;

/** epcsim's own sources: an exception thrown anywhere else in model code came from a user's patch. */

/** The frame of a user's patch file where `e` was thrown, as file:line:col, or null. */
function patchFrame(e: Error): string | null {
  for (const line of (e.stack ?? "").split("\n").slice(1)) {
    const m = /\(?((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?$/.exec(line.trim());
    if (!m) continue;
    const file = m[1]!.startsWith("file://") ? fileURLToPath(m[1]!) : m[1]!;
    if (file.includes("/node_modules/")) continue;
    return file.startsWith(SRC_DIR) ? null : `${file}:${m[2]}:${m[3]}`;
  }
  return null;
}

/** Print a user error and return its exit code; rethrow anything else (a bug in epcsim). */
export function reportUserError(e: unknown): number {
  if (e instanceof Error && !(e instanceof ScenarioError) && !(e instanceof UsageError)) {
    const at = patchFrame(e);
    if (at) {
      process.stderr.write(`epcsim: ${at}: exception in patch code: ${e.name}: ${e.message}\n`);
      return EXIT_USAGE;
    }
  }
  if (e instanceof ScenarioError) {
    for (const l of e.lines) process.stderr.write(`epcsim: ${l}\n`);
    return EXIT_USAGE;
  }
  if (e instanceof UsageError) {
    process.stderr.write(`epcsim: ${e.message}\n`);
    return EXIT_USAGE;
  }
  throw e;
}
