import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { modelFrames } from "../../src/rt/site.ts";

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));

function stack(...frames: [fn: string, file: string][]): string {
  return ["Error", ...frames.map(([fn, file]) => `    at ${fn} (${file}:10:5)`)].join("\n");
}

test("report sites keep model and patch frames and drop the runtime, drivers and node, wherever the checkout is", () => {
  const frames = modelFrames(
    stack(
      ["step", `${SRC}rt/thread.ts`],
      ["Object.sgx_reclaimer_write", `${SRC}model/kernel/sgx/main.ts`],
      ["execute", `${SRC}check/engine.ts`],
      ["run", `${SRC}sim/simulator.ts`],
      // A user's patch that happens to live under a directory named check/ or sim/ is model code.
      ["my_reclaim", "/check/work/patches/fix.ts"],
      ["tick", "/home/u/sim/patch.ts"],
      ["processTicksAndRejections", "node:internal/process/task_queues"],
    ),
  );
  assert.deepEqual(
    frames.map((f) => f.fn),
    ["sgx_reclaimer_write", "my_reclaim", "tick"],
  );
});

test("report sites show a variant's versioned copy under the kernel's name", () => {
  const frames = modelFrames(
    stack(["Object.sgx_vma_fault_pre_v6_0", `${SRC}model/kernel/variants/history.ts`]),
  );
  assert.equal(frames[0]?.fn, "sgx_vma_fault");
});
