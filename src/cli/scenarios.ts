/** `epcsim scenarios`: list the built-in scenarios. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { table } from "./format.ts";

export interface BuiltinInfo {
  name: string;
  kind: string;
  description: string;
}

/** The built-in scenarios with their kind and first line of description (yaml loaded on use). */
export async function listBuiltins(): Promise<BuiltinInfo[]> {
  const { BUILTIN_DIR, parseYaml: parse } = await import("../scenario/load.ts");
  return readdirSync(BUILTIN_DIR)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .sort()
    .map((f) => {
      const d = parse(readFileSync(join(BUILTIN_DIR, f), "utf8")) as {
        name?: string;
        kind?: string;
        description?: string;
      };
      return {
        name: f.replace(/\.(ya?ml|json)$/, ""),
        kind: d.kind ?? "run",
        description: (d.description ?? "").split("\n")[0]!.trim(),
      };
    });
}

export function registerScenarios(program: Command): void {
  program
    .command("scenarios")
    .description("list the built-in scenarios (usable by name wherever a scenario file is expected)")
    .option("--json", "print a JSON array")
    .action(async (o: { json?: boolean }) => {
      const list = await listBuiltins();
      if (o.json) {
        process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        `${table(
          list.map((b) => [b.name, b.kind, b.description]),
          true,
        )}\n`,
      );
    });
}
