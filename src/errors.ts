/** A mistake in how epcsim was asked to do something (not a bug): printed as one line, exit code 2. */
export class UsageError extends Error {}
