/** `epcsim kernels`: list the kernel variants (and, apart, the mutants the checker's tests use). */
import type { Command } from "commander";
import { table } from "./format.ts";

export function registerKernels(program: Command): void {
  program
    .command("kernels")
    .description("list the kernel variants usable with --kernel (versions, historical bugs, mutants)")
    .option("--json", "print a JSON array of {name, description, mutant}")
    .action(async (o: { json?: boolean }) => {
      const { variants } = await import("../model/kernel/variants/index.ts");
      const list = variants()
        .filter((v) => !v.name.includes("+"))
        .map((v) => ({ name: v.name, description: v.description, mutant: Boolean(v.mutant) }));
      if (o.json) {
        process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        return;
      }
      const real = list.filter((v) => !v.mutant);
      const mutants = list.filter((v) => v.mutant);
      process.stdout.write(
        `${table(
          real.map((v) => [v.name, v.description]),
          true,
        )}\n`,
      );
      process.stdout.write(
        `\nmutants (a kernel with a guard removed, for the checker's mutant tests; see their descriptions):\n`,
      );
      process.stdout.write(
        `${table(
          mutants.map((v) => [v.name, v.description]),
          true,
        )}\n`,
      );
    });
}
