/**
 * Record the results that speed work must not change (test/helpers/golden.ts): run on purpose,
 * when a commit changes results and says so.
 *   node --import tsx scripts/record-golden.ts
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { checkGolden, GOLDEN_FILE, runGolden } from "../test/helpers/golden.ts";

const golden = { runs: runGolden(), checks: checkGolden() };
writeFileSync(GOLDEN_FILE, `${JSON.stringify(golden, null, 2)}\n`);
// In the repository's format (biome formats JSON too), so a re-record diffs only what changed.
spawnSync("npx", ["biome", "format", "--write", GOLDEN_FILE], { stdio: "ignore" });
console.log(
  `recorded ${Object.keys(golden.runs).length} run results and ${Object.keys(golden.checks).length} check verdicts in ${GOLDEN_FILE}`,
);
