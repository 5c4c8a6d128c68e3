/**
 * Patches travel with jobs as their content and hash, never as a path: a worker on another machine
 * has no access to the submitter's files. A worker runs a patch only when started with
 * `--allow-patches` (a patch is code), and only if its content matches the hash it came with.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { UnrecoverableError } from "bullmq";
import { splitKernel } from "../../scenario/patches.ts";
import type { PatchCopy } from "./install.ts";

/** A patch as a job carries it: the submitter's path (part of the kernel's name), hash, content. */
export type ShippedPatch = PatchCopy;

export function patchSha(content: string | Buffer): string {
  return createHash("sha256").update(content).digest("hex").slice(0, 16);
}

/** The patch files of a kernel name, read for shipping. */
export function shipPatches(kernel: string): ShippedPatch[] {
  return splitKernel(kernel).patches.map((path) => {
    const buf = readFileSync(path);
    return { path, sha: patchSha(buf), content: buf.toString("utf8") };
  });
}

/** On a worker, before running a job: refuse patches unless allowed, and verify each one's hash. */
export function admitPatches(patches: readonly ShippedPatch[], allow: boolean): void {
  if (patches.length === 0) return;
  if (!allow)
    throw new UnrecoverableError(
      `the job carries a patch (${patches.map((p) => basename(p.path)).join(", ")}); this worker was not started with --allow-patches`,
    );
  for (const p of patches)
    if (patchSha(p.content) !== p.sha)
      throw new UnrecoverableError(`patch ${basename(p.path)}: content does not match its hash ${p.sha}`);
}
