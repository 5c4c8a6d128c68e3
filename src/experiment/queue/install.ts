/**
 * Installing admitted patches in the thread that runs a job: each is written to a private directory
 * named by its hash and the kernel is registered under the submitter's name, so results, reports and
 * replay tokens name the same kernel wherever the job ran.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { loadKernelFrom } from "../../scenario/patches.ts";

export interface PatchCopy {
  path: string;
  sha: string;
  content: string;
}

export async function installPatches(kernel: string, patches: readonly PatchCopy[]): Promise<void> {
  if (patches.length === 0) return;
  const local = patches.map((p) => {
    const dir = join(tmpdir(), "epcsim-patches", p.sha);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, basename(p.path));
    writeFileSync(file, p.content);
    return file;
  });
  await loadKernelFrom(
    kernel,
    local,
    patches.map((p) => ({ path: p.path, sha: p.sha })),
  );
}
