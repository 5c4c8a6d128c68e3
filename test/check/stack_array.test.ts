/**
 * Fixed-size kernel stack arrays (src/model/kernel/lib/stack_array.ts): sgx_reclaim_pages()'s
 * `chunk[SGX_NR_TO_SCAN]` and `backing[SGX_NR_TO_SCAN]` overflow as KASAN reports it, so an
 * off-by-one on the isolation loop is a bug, not one more page per round.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { STACK_OUT_OF_BOUNDS, StackArray } from "../../src/model/kernel/lib/stack_array.ts";
import { KernelBug, type Machine } from "../../src/model/machine.ts";

/** The part of a Machine the array uses: bug() throws as the machine's does. */
const fakeMachine = {
  bug(msg: string): never {
    throw new KernelBug(msg, 0);
  },
} as unknown as Machine;

test("a stack array takes its declared number of elements and no more", () => {
  const a = new StackArray<number>(fakeMachine, "sgx_reclaim_pages", "chunk[SGX_NR_TO_SCAN]", 2);
  a.push(7);
  a.push(9);
  a.set(1, -1);
  assert.deepEqual([a.length, a.at(0), a.at(1)], [2, 7, -1]);
  assert.throws(
    () => a.push(3),
    new RegExp(`${STACK_OUT_OF_BOUNDS} in sgx_reclaim_pages: write of element 2 of chunk`),
  );
  assert.throws(() => a.at(2), /read of element 2/);
});

for (const [kernel, mutant] of [
  ["mainline", "mutant/auto/sgx_reclaim_pages/off-by-one/0"],
  ["cgroup-v16", "mutant/auto/cgroup-v16:sgx_reclaim_pages/off-by-one/0"],
] as const)
  test(`isolating one page more than SGX_NR_TO_SCAN overflows chunk[] (${kernel})`, async () => {
    const { loadKernel } = await import("../../src/scenario/patches.ts");
    const { loadScenario } = await import("../../src/scenario/load.ts");
    const { runCheckSession } = await import("../../src/check/session.ts");
    for (const [k, want] of [
      [kernel, false],
      [mutant, true],
    ] as const) {
      await loadKernel(k);
      // 4 pages on the list, 2 per round: the mutant isolates a third.
      const { scenario: sc, raw } = loadScenario("check-release-vs-reclaim", [`kernel=${k}`]);
      const r = await runCheckSession({ sc, raw, seed: 1, schedules: 500, timeMs: 60_000 });
      assert.equal(r.found, want, r.report ?? `${k}: not found`);
      if (want) {
        assert.equal(r.property, STACK_OUT_OF_BOUNDS);
        assert.match(r.detail ?? "", /write of element 2 of chunk\[SGX_NR_TO_SCAN\], an array of 2/);
      }
    }
  });
