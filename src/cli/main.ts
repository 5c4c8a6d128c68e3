/**
 * The epcsim command line. Exit codes: 0 ok; 1 a check found a bug or an A/B assertion failed;
 * 2 bad input or usage. With --json, stdout carries one JSON object and human text goes to stderr.
 */
import { Command, CommanderError } from "commander";
import { installBuiltStackTraces } from "../rt/built_stacks.ts";
import { enableWatchdog } from "../rt/watchdog.ts";
import { registerAb } from "./ab.ts";
import { registerBugs } from "./bugs.ts";
import { registerCheck } from "./check.ts";
import { EXIT_USAGE, reportUserError } from "./errors.ts";
import { registerExperiments } from "./experiments.ts";
import { registerHunt } from "./hunt.ts";
import { registerKernels } from "./kernels.ts";
import { registerMutate } from "./mutate.ts";
import { registerPatch } from "./patch.ts";
import { registerResults } from "./results.ts";
import { registerRun } from "./run.ts";
import { registerScenarios } from "./scenarios.ts";
import { registerServe } from "./serve.ts";
import { registerSweep } from "./sweep.ts";
import { registerWorker } from "./worker.ts";

installBuiltStackTraces();

// `epcsim ... | head` closes the pipe early: that is not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

const program = new Command();
program
  .name("epcsim")
  .description(
    "An executable model of the Linux SGX EPC page reclaimer: a timed simulator and an interleaving race checker over the same model code.",
  )
  .version("0.1.0")
  .showHelpAfterError("(run with --help for usage)")
  .option("-q, --quiet", "no progress output on stderr")
  .exitOverride();
/** Commands that run model code: the soft-lockup watchdog covers them (rt/watchdog.ts). */
const RUNS_MODEL = new Set([
  "run",
  "check",
  "replay",
  "ab",
  "sweep",
  "bugs",
  "worker",
  "hunt",
  "patch",
  "mutate",
  "experiments",
]);
program.hook("preAction", (_cmd, action) => {
  if (program.opts().quiet) process.env.EPCSIM_QUIET = "1";
  let top = action;
  while (top.parent && top.parent !== program) top = top.parent;
  if (RUNS_MODEL.has(top.name())) enableWatchdog();
});

registerRun(program);
registerCheck(program);
registerKernels(program);
registerScenarios(program);
registerAb(program);
registerSweep(program);
registerResults(program);
registerExperiments(program);
registerBugs(program);
registerWorker(program);
registerHunt(program);
registerPatch(program);
registerMutate(program);
registerServe(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // --help and --version end with exit code 0; usage mistakes with 2.
    process.exitCode = e.exitCode === 0 ? 0 : EXIT_USAGE;
  } else {
    process.exitCode = reportUserError(e);
  }
}
