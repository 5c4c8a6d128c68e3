// Worker thread entry: load the TypeScript sources through tsx, then run the checker worker.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
