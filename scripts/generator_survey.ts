/**
 * What a transform of the model's generator functions into resumable frames would have to handle
 * (docs/performance.md, "how threads become data"): counts, over src/model and the variants, of
 * generator functions and of the constructs that make such a transform hard. Prints a table; the
 * figures in docs/performance.md come from it.
 *   node --import tsx scripts/generator_survey.ts
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = fileURLToPath(new URL("..", import.meta.url));
const modelDir = join(root, "src", "model");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

type Counts = Record<string, number>;
/** Every row, in print order (a construct the model does not use prints 0). */
const total: Counts = Object.fromEntries(
  [
    "files with generators",
    "generator functions",
    "  of them methods (this)",
    "  of them function expressions (passed as values)",
    "generators that never yield (stubs)",
    "yield (ops)",
    "yield* (calls)",
    "  yield* of something other than a call",
    "yields whose value is used in an expression",
    "yields inside loops",
    "  inside for-of loops (the iterator must live in the frame)",
    "yields inside switch statements",
    "try statements around a yield",
    "  with finally",
    "closures inside generators",
  ].map((k) => [k, 0]),
);
const add = (k: string, n = 1) => {
  total[k] = (total[k] ?? 0) + n;
};

function isGenerator(n: ts.Node): n is ts.FunctionLikeDeclaration {
  return (
    (ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isMethodDeclaration(n)) &&
    n.asteriskToken !== undefined
  );
}

/** Does `n` (inside generator `g`, not inside a nested function) contain a yield? */
function hasYield(n: ts.Node): boolean {
  let found = false;
  const walk = (x: ts.Node): void => {
    if (found) return;
    if (ts.isYieldExpression(x)) found = true;
    else if (!ts.isFunctionLike(x)) ts.forEachChild(x, walk);
  };
  walk(n);
  return found;
}

/** Survey one generator's body: the constructs a frame transform has to turn into states. */
function survey(g: ts.FunctionLikeDeclaration): void {
  add("generator functions");
  if (ts.isMethodDeclaration(g)) add("  of them methods (this)");
  if (ts.isFunctionExpression(g)) add("  of them function expressions (passed as values)");
  let yields = 0;
  let delegations = 0;
  let inForOf = false;
  let inSwitch = false;
  const walk = (x: ts.Node, inLoop: boolean, inTry: boolean): void => {
    if (ts.isFunctionLike(x) && x !== g) {
      // A closure inside a generator: does it capture state across a yield (it may run later)?
      if (!isGenerator(x)) add("closures inside generators");
      return;
    }
    if (ts.isYieldExpression(x)) {
      if (x.asteriskToken) delegations++;
      else yields++;
      if (x.asteriskToken && x.expression && !ts.isCallExpression(x.expression))
        add("  yield* of something other than a call");
      if (inLoop) add("yields inside loops");
      if (inForOf) add("  inside for-of loops (the iterator must live in the frame)");
      if (inSwitch) add("yields inside switch statements");
      if (inTry) add("yields inside try blocks");
    }
    const loop =
      ts.isForStatement(x) ||
      ts.isForOfStatement(x) ||
      ts.isForInStatement(x) ||
      ts.isWhileStatement(x) ||
      ts.isDoStatement(x);
    if (ts.isTryStatement(x) && hasYield(x.tryBlock)) {
      add("try statements around a yield");
      if (x.finallyBlock) add("  with finally");
    }
    if (ts.isYieldExpression(x) && x.parent && !ts.isExpressionStatement(x.parent))
      add("yields whose value is used in an expression");
    const saved: [boolean, boolean] = [inForOf, inSwitch];
    if (ts.isForOfStatement(x)) inForOf = true;
    if (ts.isSwitchStatement(x)) inSwitch = true;
    ts.forEachChild(x, (c) =>
      walk(c, inLoop || (loop && hasYield(x)), inTry || (ts.isTryStatement(x) && c === x.tryBlock)),
    );
    [inForOf, inSwitch] = saved;
  };
  if (g.body) ts.forEachChild(g.body, (c) => walk(c, false, false));
  add("yield (ops)", yields);
  add("yield* (calls)", delegations);
  if (yields + delegations === 0) {
    add("generators that never yield (stubs)");
    if (process.env.SURVEY_VERBOSE)
      console.log(`  no yield: ${g.name?.getText() ?? "(anonymous)"} ${g.getSourceFile().fileName}`);
  }
}

for (const f of files(modelDir)) {
  const src = ts.createSourceFile(f, readFileSync(f, "utf8"), ts.ScriptTarget.ES2022, true);
  let inFile = 0;
  const visit = (n: ts.Node): void => {
    if (isGenerator(n)) {
      inFile++;
      survey(n);
    }
    ts.forEachChild(n, visit);
  };
  visit(src);
  if (inFile > 0) add("files with generators");
}

const width = Math.max(...Object.keys(total).map((k) => k.length));
for (const [k, v] of Object.entries(total)) console.log(`${k.padEnd(width)}  ${v}`);
