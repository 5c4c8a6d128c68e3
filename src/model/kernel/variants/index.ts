/**
 * All kernel variants: importing this module registers every built-in one.
 */
import { mainline } from "../sgx/index.ts";
import { registerHistory } from "./history.ts";
import { registerVariant } from "./registry.ts";

registerVariant({
  name: "mainline",
  description: "Linux ~v6.16/v6.17 as in the reference: global LRU, one ksgxd, 2022 PCMD fixes, SECS reload",
  overrides: {},
});

registerHistory(mainline);

import "./mutants.ts";
import "./cgroup.ts";
import "./cgroup_v15.ts";
import "./cgroup_mutants.ts";
import "./cgroup_oom.ts";
import "./isgx.ts";

export {
  capabilities,
  getVariant,
  registerVariant,
  type Variant,
  variantFns,
  variantNames,
  variants,
} from "./registry.ts";
