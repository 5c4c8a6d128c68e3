/** A user mistake in an experiment's parameters; the CLI prints it as `epcsim: ...` and exits 2. */
export class ExperimentError extends Error {}
