/** A user mistake in an experiment's parameters; the CLI prints it as `epcsim: ...` and exits 2. */
import { UsageError } from "../errors.ts";

export class ExperimentError extends UsageError {}
