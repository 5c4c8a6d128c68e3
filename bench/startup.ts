/**
 * Start-up time of the command line (issue 12; target: first output within 300 ms). Prints, never
 * asserts. Each case is a fresh process; the first run of a case is "cold" (file cache permitting),
 * the median of the others "warm". The tsx case is what `epcsim` costs when dist/ is stale.
 *   node --import tsx bench/startup.ts        (run `make build` first)
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const BIN = join(root, "bin/epcsim.js");
if (!existsSync(join(root, "dist/main.js")))
  console.log("dist/main.js is missing: run `make build` (the bundle cases fall back to tsx)");

/** Label, arguments, and the exit code the command ends with (a check that finds its bug: 1). */
const CASES: [string, string[], number?][] = [
  ["node -e 0 (reference)", ["-e", "0"]],
  ["epcsim --help", [BIN, "--help"]],
  ["epcsim run --help", [BIN, "run", "--help"]],
  ["epcsim check --help", [BIN, "check", "--help"]],
  ["epcsim kernels", [BIN, "kernels"]],
  // Goal 0.5 s: find, minimize and report a catalogued race, end to end.
  [
    "epcsim check check-pcmd-truncate --kernel v5.19-B6",
    [BIN, "check", "check-pcmd-truncate", "--kernel", "v5.19-B6"],
    1,
  ],
  ["tsx src/cli/main.ts --help (stale dist)", ["--import", "tsx", join(root, "src/cli/main.ts"), "--help"]],
];

function ms(args: string[], code = 0): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: "ignore" });
  if (r.status !== code) throw new Error(`${args.join(" ")} exited ${r.status}`);
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
for (const [label, args, code] of CASES) {
  const cold = ms(args, code);
  const warm = median(Array.from({ length: 7 }, () => ms(args, code)));
  console.log(
    `${label.padEnd(52)} cold ${cold.toFixed(0).padStart(5)} ms   warm median ${warm.toFixed(0).padStart(5)} ms`,
  );
}
