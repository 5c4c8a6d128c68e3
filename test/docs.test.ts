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
