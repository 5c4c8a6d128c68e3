/**
 * kfree() as KASAN sees it: the memory of a freed object is poisoned, so a later access to any lock,
 * wait queue, SRCU struct, kref or other shared location embedded in it is a use-after-free, and
 * freeing it again is a double-free. The model keeps objects (the garbage collector would hide a
 * use after free), so kfree records the ids of the locations the object holds; the checker looks
 * up every op's location there (src/check/kasan.ts).
 */
import type { Located } from "../../../rt/ops.ts";

/** Locations of freed objects: location id -> what was freed ("struct sgx_encl e"). */
export type FreedLocations = Map<number, string>;

function isLocated(v: unknown): v is Located {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as Located).id === "number" &&
    typeof (v as Located).cls === "string"
  );
}

/** The locations embedded in `obj`: its own Located fields (one level down, as a struct embeds them). */
function embedded(obj: object): Located[] {
  return Object.values(obj).filter(isLocated);
}

/**
 * kfree(obj): poison the object's embedded locations. Returns false (and frees nothing) when the
 * object was freed already: the caller reports the double free.
 */
export function kasan_kfree(freed: FreedLocations, obj: object, what: string): boolean {
  const locs = embedded(obj);
  if (locs.some((l) => freed.has(l.id))) return false;
  for (const l of locs) freed.set(l.id, what);
  return true;
}
