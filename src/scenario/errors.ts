/** A user mistake in a scenario or an override; printed as one line, exit code 2. */
export class ScenarioError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join("\n"));
  }
}
