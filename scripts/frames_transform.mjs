// The frames transform: model generator functions compiled into resumable frames (src/rt/frames.ts
// says what a frame is and why). scripts/build.mjs runs it on every model source that has a
// generator function, before esbuild bundles it; the sources stay as they are, and tsx (tests,
// patches, mutants) runs them untransformed.
//
// esbuild strips the types; Babel lowers `for-of`, destructuring and block scopes where regenerator
// needs them, and regenerator compiles each generator function into a `switch` over its resume
// points. Its runtime helpers are replaced by src/rt/frames.ts.
//
// Reports read the model's call stack from V8 (src/rt/site.ts), which holds the running frame
// function (named `name$frame`) but not its callers: the transform records, for each frame
// function, its name, its file and the source position of each `yield*`, and the runtime gives
// the chain of frames in place of its own frames on the stack.
import { readFile } from "node:fs/promises";
import { dirname, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { types as t, transformSync } from "@babel/core";
import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";
import { transformSync as esbuildTransform } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const SRC = `${here}${sep}..${sep}src${sep}`;
const RUNTIME = `${SRC}rt${sep}frames.ts`;

/** Might a source have a generator function (a `function*` or a `*method(`)? A quick test on the
 * text (a comment could match: the transform then leaves the file as it was). */
export function hasGenerator(code) {
  return /\bfunction\s*\*|^\s*(?:static\s+|public\s+|private\s+|protected\s+)*\*\s*[\w$]+\s*\(/m.test(code);
}

/** The name V8 gives a function at this place (what its stack traces print), or null. */
function inferredName(path) {
  const node = path.node;
  if (node.id) return node.id.name;
  if ((t.isObjectMethod(node) || t.isClassMethod(node)) && !node.computed && t.isIdentifier(node.key))
    return node.key.name;
  const parent = path.parent;
  if (t.isVariableDeclarator(parent) && t.isIdentifier(parent.id)) return parent.id.name;
  if (t.isObjectProperty(parent) && !parent.computed && t.isIdentifier(parent.key)) return parent.key.name;
  if (t.isAssignmentExpression(parent) && t.isIdentifier(parent.left)) return parent.left.name;
  return null;
}

/**
 * What reports need of a frame function, which V8's stack cannot tell once its frames are off the
 * stack: the name V8 would print, the source file, and for each `yield*` (by the location it
 * resumes at) the source line and column of the call. Frames babel made for a loop body whose
 * closures capture the loop's variables (block scoping) are marked `inline`: in the sources that
 * body is part of the enclosing function's frame. Names the frame function `name$frame`, so that
 * V8's own frame of a running body carries the name too.
 */
function frameMeta(inner, filename, map) {
  let name = null;
  let marked = false;
  const at = [];
  inner.traverse({
    Function(p) {
      p.skip(); // another frame function
    },
    CallExpression(p) {
      const n = p.node;
      if (t.isIdentifier(n.callee, { name: "__frames_here" })) {
        marked = true;
        name = t.isStringLiteral(n.arguments[0]) ? n.arguments[0].value : null;
        p.parentPath.remove();
        return;
      }
      if (!t.isMemberExpression(n.callee) || !t.isIdentifier(n.callee.property, { name: "d" })) return;
      const [values, loc] = n.arguments;
      const call = t.isCallExpression(values) ? values.arguments[0] : null;
      const pos = call?.loc?.start;
      if (!pos || !t.isNumericLiteral(loc)) return;
      const o = map ? originalPositionFor(map, { line: pos.line, column: pos.column }) : pos;
      if (o.line == null) return;
      at.push(t.objectProperty(t.numericLiteral(loc.value), t.stringLiteral(`${o.line}:${o.column + 1}`)));
    },
  });
  // A loop body's frame has the enclosing function's name (its frame function is inside that one's).
  if (!marked) {
    const outer = inner.findParent((p) => p.isFunctionExpression() && p.node.id?.name.endsWith("$frame"));
    name = outer ? outer.node.id.name.slice(0, -"$frame".length) : null;
  }
  if (name !== null && t.isFunctionExpression(inner.node) && !inner.node.id)
    inner.node.id = t.identifier(`${name}$frame`);
  const file = relative(SRC, filename).split(sep).join("/");
  return t.objectExpression([
    t.objectProperty(t.identifier("name"), name === null ? t.nullLiteral() : t.stringLiteral(name)),
    t.objectProperty(t.identifier("file"), t.stringLiteral(file)),
    t.objectProperty(t.identifier("inline"), t.booleanLiteral(!marked)),
    t.objectProperty(t.identifier("at"), t.objectExpression(at)),
  ]);
}

/**
 * Is a frame's `w(...)` call in regenerator's container for a method (`return m(function _callee()
 * { return w(...) })()`)? The container's `this` is not the method's receiver.
 */
function isMethodContainer(wcall) {
  const fn = wcall.getFunctionParent();
  const mark = fn.parentPath;
  const invoked = mark?.parentPath;
  if (!mark?.isCallExpression() || !invoked?.isCallExpression() || !invoked.parentPath.isReturnStatement())
    return false;
  return invoked.getFunctionParent()?.isMethod() ?? false;
}

function babelPlugin() {
  return {
    name: "epcsim-frames",
    pre(file) {
      // Regenerator's helpers come from src/rt/frames.ts; any other helper stays inline.
      file.set("helperGenerator", (name) =>
        name === "regenerator" || name === "regeneratorValues" ? t.identifier(`__frames_${name}`) : undefined,
      );
    },
    visitor: {
      Program: {
        enter(program) {
          program.traverse({
            Function(path) {
              const node = path.node;
              if (!node.generator || node.async) return;
              if (t.isArrowFunctionExpression(node) || !t.isBlockStatement(node.body)) return;
              const name = inferredName(path);
              // Tells the exit which frame function this body became (removed there: babel may
              // have copied the function since, as block scoping does).
              const here = t.expressionStatement(
                t.callExpression(t.identifier("__frames_here"), [
                  name === null ? t.nullLiteral() : t.stringLiteral(name),
                ]),
              );
              node.body.body.unshift(here);
            },
          });
        },
        exit(program, state) {
          const metas = [];
          program.traverse(
            {
              CallExpression(path) {
                const { callee, arguments: args } = path.node;
                if (
                  !t.isMemberExpression(callee) ||
                  !t.isIdentifier(callee.property, { name: "w" }) ||
                  !t.isCallExpression(callee.object) ||
                  !t.isIdentifier(callee.object.callee, { name: "__frames_regenerator" })
                )
                  return;
                // A try around a yield would need regenerator's exception table, which frames lack.
                if (args.length > 3)
                  throw path.buildCodeFrameError("frames transform: a try around a yield is not supported");
                const meta = frameMeta(path.get("arguments.0"), state.file.opts.filename, this.map);
                const id = t.identifier(`__frames_meta_${metas.length}`);
                metas.push(t.variableDeclarator(id, meta));
                const isMethod = isMethodContainer(path);
                while (args.length < 2) args.push(t.identifier("undefined"));
                // The receiver, for reports (V8 prints it: `Object.x`, `Module.x`), which
                // regenerator passes only when the body reads `this`. A method's frame is made in
                // a container function of regenerator's, whose `this` is not the method's.
                if (args.length < 3) args.push(isMethod ? t.identifier("undefined") : t.thisExpression());
                while (args.length < 4) args.push(t.identifier("undefined"));
                args.push(t.cloneNode(id));
              },
            },
            { map: state.file.opts.inputSourceMap && new TraceMap(state.file.opts.inputSourceMap) },
          );
          // A source whose only "generators" were comment lines (hasGenerator is a quick test).
          if (metas.length === 0) return;
          program.unshiftContainer("body", t.variableDeclaration("const", metas));
          let rel = relative(dirname(state.filename), RUNTIME).split(sep).join("/");
          if (!rel.startsWith(".")) rel = `./${rel}`;
          program.unshiftContainer(
            "body",
            t.importDeclaration(
              ["__frames_regenerator", "__frames_regeneratorValues"].map((n) =>
                t.importSpecifier(t.identifier(n), t.identifier(n)),
              ),
              t.stringLiteral(rel),
            ),
          );
        },
      },
    },
  };
}

/**
 * The esbuild plugin that applies the transform to the sources whose path matches `filter` (the
 * build: the model's sources) and that have a generator function.
 */
export function framesPlugin(filter) {
  return {
    name: "frames",
    setup(b) {
      b.onLoad({ filter }, async (args) => {
        const code = await readFile(args.path, "utf8");
        if (!hasGenerator(code)) return undefined;
        return { contents: framesTransform(code, args.path), loader: "js" };
      });
    },
  };
}

/** Regenerator's "unknown Expression of type X": a yield inside an X, which it cannot split. */
function withClearErrors(filename, f) {
  try {
    return f();
  } catch (e) {
    const m = /unknown (Expression|Statement) of type "?(\w+)/.exec(e.message);
    if (!m) throw e;
    throw new Error(
      `frames transform: ${filename}: a yield inside a ${m[2]} is not supported; move the yield into a local first`,
    );
  }
}

/** The transformed module (JavaScript with an inline source map of the TypeScript source). */
export function framesTransform(code, filename) {
  // esbuild strips the types (as it does for every other source); its map leads back to the source.
  const js = esbuildTransform(code, {
    loader: "ts",
    sourcefile: filename,
    sourcemap: "external",
    format: "esm",
  });
  const out = withClearErrors(filename, () =>
    transformSync(js.code, {
      filename,
      inputSourceMap: JSON.parse(js.map),
      babelrc: false,
      configFile: false,
      sourceMaps: "inline",
      sourceFileName: filename,
      plugins: [
        babelPlugin,
        // Loose: no try/finally to call an iterator's return() when a loop breaks (model iterators
        // have nothing to clean up, and regenerator cannot put a try around a yield).
        ["@babel/plugin-transform-for-of", { loose: true }],
        "@babel/plugin-transform-destructuring",
        "@babel/plugin-transform-block-scoping",
        "@babel/plugin-transform-regenerator",
      ],
    }),
  );
  return out.code;
}
