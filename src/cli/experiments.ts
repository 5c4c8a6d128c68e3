/** `epcsim experiments`: list the built-in experiments (the seed's questions). */
import type { Command } from "commander";

export function registerExperiments(program: Command): void {
  program
    .command("experiments")
    .description("list the built-in experiments (the seed's questions), each runnable in one command")
    .option("--json", "print a JSON array")
    .action(async (o: { json?: boolean }) => {
      const { commandOf, listExperiments } = await import("../experiment/builtin.ts");
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
      const rows = [
        ["", "command", "scenario", "what"],
        ...list.map((e, i) => [`${i + 1}.`, commandOf(e), e.scenario, e.description]),
      ];
      const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
      process.stdout.write(
        `${rows
          .map((r) =>
            r
              .map((x, c) => x.padEnd(w[c]!))
              .join("  ")
              .trimEnd(),
          )
          .join("\n")}\n`,
      );
    });
}
