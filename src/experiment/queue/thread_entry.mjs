// Entry of an `epcsim worker` thread. Worker threads do not inherit the tsx loader that
// bin/epcsim.js registers, so register it here before importing the TypeScript module.
import { register } from "tsx/esm/api";

register();
const thread = await import("./thread.ts");
export default thread.default;
