/**
 * The change proposed in the v38 review, as a patch: reclaim one page per round. Mainline's
 * sgx_reclaim_pages isolates up to SGX_NR_TO_SCAN pages; per-page reclaim is that constant set to
 * one, so this patch only changes the constant.
 *
 *   npx epcsim ab seed-batching --a kernel=mainline --b kernel=mainline+./examples/patches/per-page-reclaim.ts
 *   npx epcsim run seed-batching --patch ./examples/patches/per-page-reclaim.ts
 */
import { definePatch } from "../../src/patch.ts";

export default definePatch({
  name: "per-page-reclaim",
  description: "sgx_reclaim_pages takes one page per round instead of a batch of 16",
  constants: { SGX_NR_TO_SCAN: 1 },
});
