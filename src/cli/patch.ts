/**
 * `epcsim patch check <file...>`: type-check patches against the kernel function table and say
 * what each one overrides, before anything runs it. Exit 2 when a patch has a type error or does
 * not load (a user mistake), 0 otherwise.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { EXIT_USAGE } from "./errors.ts";

export function registerPatch(program: Command): void {
  const patch = program
    .command("patch")
    .description("work with your own kernel patches (see docs/patches.md)");
  patch
    .command("check")
    .description("type-check patch files against the kernel function table and list what they override")
    .argument("<file...>", "patch modules (.ts or .mts)")
    .option("--json", "print a JSON array of {file, name, overrides, constants, errors}")
    .action(async (files: string[], o: { json?: boolean }) => {
      const { typeCheckPatch } = await import("../scenario/patch_typecheck.ts");
      const { importPatch } = await import("../scenario/patches.ts");
      const out: { file: string; name: string; overrides: string[]; constants: object; errors: string[] }[] =
        [];
      for (const f of files.map((x) => resolve(x))) {
        if (!o.json) process.stderr.write(`type-checking ${f} ...\n`);
        const errors = typeCheckPatch(f).map((d) => d.text);
        const entry = { file: f, name: "", overrides: [] as string[], constants: {}, errors };
        if (!errors.length) {
          const p = await importPatch(f);
          entry.name = p.name;
          entry.overrides = Object.keys(p.overrides ?? {});
          entry.constants = p.constants ?? {};
        }
        out.push(entry);
      }
      if (o.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      else
        for (const e of out) {
          if (e.errors.length) {
            process.stdout.write(`${e.errors.join("\n")}\n${e.file}: ${e.errors.length} type error(s)\n`);
            continue;
          }
          const consts = Object.entries(e.constants).map(([k, v]) => `${k}=${v}`);
          process.stdout.write(
            `${e.file}: patch "${e.name}" type-checks; overrides ${e.overrides.join(", ") || "nothing"}${consts.length ? `; constants ${consts.join(", ")}` : ""}\n`,
          );
        }
      if (out.some((e) => e.errors.length)) process.exitCode = EXIT_USAGE;
    });
}
