// Mutate worker thread entry: load the TypeScript sources through tsx (the mutants import them),
// then evaluate the mutants the coordinator sends.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
