/** User mistakes end the CLI with a clear message and exit code 2, never a stack trace. */
import { UsageError } from "../errors.ts";
import { ScenarioError } from "../scenario/load.ts";

export { UsageError };

export const EXIT_OK = 0;
export const EXIT_FOUND = 1;
export const EXIT_USAGE = 2;

/** Print a user error and return its exit code; rethrow anything else (a bug in epcsim). */
export function reportUserError(e: unknown): number {
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
