/**
 * Installing admitted patches in the thread that runs a job: each is written to a private directory
 * named by its hash and the kernel is registered under the submitter's name, so results, reports and
 * replay tokens name the same kernel wherever the job ran.
 *
 * A patch travels as one file. Its import of epcsim's patch API (`epcsim/patch`, or a relative path
 * to src/patch.ts as in examples/) is bound to this worker's own epcsim; other imports must resolve
 * on the worker as they are.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, extname, join } from "node:path";
import { srcUrl } from "../../paths.ts";
import { loadKernelFrom } from "../../scenario/patches.ts";

const PATCH_API = srcUrl("patch.ts").href;

/** The patch's source with its import of the patch API pointing at this installation. */
export function bindPatchApi(source: string): string {
  return source.replace(
    /(\bfrom\s*["'])((?:[^"']*\/)?src\/patch(?:\.ts)?|epcsim\/patch)(["'])/g,
    (_m, pre: string, _spec: string, post: string) => `${pre}${PATCH_API}${post}`,
  );
}

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
    // .mts: outside a package that says "type": "module", a .ts file would load as CommonJS.
    const file = join(dir, `${basename(p.path, extname(p.path))}.mts`);
    writeFileSync(file, bindPatchApi(p.content));
    return file;
  });
  await loadKernelFrom(
    kernel,
    local,
    patches.map((p) => ({ path: p.path, sha: p.sha })),
  );
}
