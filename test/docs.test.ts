/** The examples in the documentation are valid scenarios. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseScenarioText } from "../src/scenario/load.ts";

function yamlBlocks(file: string): string[] {
  const md = readFileSync(join(import.meta.dirname, "..", file), "utf8");
  return [...md.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

for (const file of ["README.md", "docs/scenarios.md", "docs/checker.md"]) {
  test(`every YAML example in ${file} is a valid scenario`, () => {
    const blocks = yamlBlocks(file);
    assert.ok(blocks.length > 0);
    for (const b of blocks) assert.doesNotThrow(() => parseScenarioText(b, file), b.slice(0, 40));
  });
}

test("every TypeScript example in the docs type-checks as a patch", async () => {
  const { readdirSync, readFileSync, writeFileSync, mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { typeCheckPatch } = await import("../src/scenario/patch_typecheck.ts");
  const root = join(import.meta.dirname, "..");
  const dir = mkdtempSync(join(tmpdir(), "epcsim-docts-"));
  let n = 0;
  for (const f of ["README.md", ...readdirSync(join(root, "docs")).map((d) => `docs/${d}`)].filter((f) =>
    f.endsWith(".md"),
  )) {
    const text = readFileSync(join(root, f), "utf8");
    for (const m of text.matchAll(/```ts\n([\s\S]*?)```/g)) {
      const file = join(dir, `example${n++}.ts`);
      // Examples inside the checkout import src/patch.ts by path; anywhere else it is "epcsim/patch".
      writeFileSync(file, m[1]!.replace(/from "[./]*src\/patch\.ts"/g, 'from "epcsim/patch"'));
      const diags = typeCheckPatch(file);
      assert.deepEqual(
        diags.map((d) => d.text),
        [],
        `${f}: example ${n}`,
      );
    }
  }
  assert.ok(n >= 2, `${n} TypeScript examples`);
});
