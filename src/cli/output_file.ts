/**
 * Output files (--report, --trace, --csv, --junit, exports): checked for writability before any work
 * starts, so that a mistake costs nothing, and written atomically (a temporary file beside the
 * target, then rename), so that a reader never sees half a file and a failed write leaves the old one.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { UsageError } from "./errors.ts";

function tempBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdir never returns for some paths (under /proc,
 * where creating a directory fails with ENOENT forever).
 */
function mkdirs(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent === dir) return;
  mkdirs(parent);
  mkdirSync(dir);
}

/** Refuse (exit 2) an output path that cannot be written: a directory, a missing or read-only directory. */
export function checkWritable(path: string, flag: string): void {
  try {
    mkdirs(dirname(resolve(path)));
  } catch (e) {
    throw new UsageError(
      `${flag} ${path}: cannot create its directory (${(e as NodeJS.ErrnoException).code ?? e})`,
    );
  }
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(path);
  } catch {
    st = undefined;
  }
  if (st && !st.isFile()) throw new UsageError(`${flag} ${path}: not a regular file`);
  const tmp = tempBeside(path);
  try {
    closeSync(openSync(tmp, "w"));
    unlinkSync(tmp);
  } catch (e) {
    throw new UsageError(`${flag} ${path}: cannot write there (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
}

/** Write `data` to `path` atomically (creating its directory); a failure (disk full, ...) is a usage error naming the flag. */
export function writeFileAtomic(path: string, data: string | Uint8Array, flag: string): void {
  const tmp = tempBeside(path);
  try {
    mkdirs(dirname(resolve(path)));
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {}
    throw new UsageError(`${flag} ${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
}
