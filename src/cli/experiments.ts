/** `epcsim experiments`: list the built-in experiments (the seed's questions). */
import type { Command } from "commander";
import { commandOf, listExperiments } from "../experiment/builtin.ts";
import { table } from "./format.ts";

export function registerExperiments(program: Command): void {
  program
    .command("experiments")
    .description("list the built-in experiments (the seed's questions), each runnable in one command")
    .option("--json", "print a JSON array")
    .action((o: { json?: boolean }) => {
      const list = listExperiments();
      if (o.json) {
        process.stdout.write(
          `${JSON.stringify(
            list.map((e) => ({ ...e, command: commandOf(e) })),
            null,
            2,
          )}\n`,
        );
        return;
      }
      process.stdout.write(
        `${table([["command", "scenario", "reps", "what"], ...list.map((e) => [commandOf(e), e.scenario, String(e.reps), e.description])])}\n`,
      );
    });
}
