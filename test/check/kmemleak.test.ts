/** kmemleak: where an EPC page was allocated is recorded while sites are captured (report replays). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { siteCapture } from "../../src/rt/site.ts";
import { kseq, machine } from "../helpers/model.ts";

test("an EPC page allocated during a report replay records who allocated it, not the allocator", () => {
  const m = machine(16);
  const quiet = kseq(m, () => m.fn.sgx_alloc_epc_page(m, -1, false));
  assert.equal(m.kmemleak_sites.has(quiet), false, "no record while sites are off (the search pays nothing)");
  siteCapture.on = true;
  try {
    const page = kseq(m, () => m.fn.sgx_alloc_epc_page(m, -1, false));
    const site = m.kmemleak_sites.get(page) ?? "";
    assert.match(site, /^sgx_alloc_epc_page \(main\.ts:\d+\)/);
    assert.doesNotMatch(site, /freeListTakeFirst|__sgx_alloc_epc_page/);
  } finally {
    siteCapture.on = false;
  }
});
