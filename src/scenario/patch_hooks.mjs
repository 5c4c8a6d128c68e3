// Module resolution hooks for user patches (registered with module.register by scenario/patches.ts).
// A patch anywhere on disk imports "epcsim/patch"; it resolves to the very module the running
// epcsim uses (src/patch.ts under tsx, dist/patch.js in the build), so the patch shares its model
// code, site capture and classes. A patch that imports src/patch.ts by path (the examples in this
// checkout do) is pointed at the same module when epcsim runs from the build.
let target = "";
let srcPatch = "";
/** file: URL prefixes of epcsim's own code, which is never instrumented. */
let own = [];

export async function initialize(data) {
  target = data.target;
  srcPatch = data.srcPatch;
  own = data.own ?? [];
}

/**
 * Code epcsim did not write (a patch, an automatic mutant's copy) gets the soft-lockup watchdog:
 * each loop body starts with a tick (rt/loop_guard.ts), so a loop that never yields ends the run
 * with a report instead of hanging it. The inline source map's columns are shifted by what is
 * inserted, so stack traces and report sites still name the patch's own lines.
 */
export async function load(url, context, next) {
  const guarded =
    url.startsWith("file:") &&
    /\.ts(\?|$)/.test(url) &&
    !url.includes("/node_modules/") &&
    !own.some((p) => url.startsWith(p));
  if (!guarded) return next(url, context);
  // An ES module, as resolve() says (the TypeScript loader would take it for CommonJS outside a
  // "type": "module" package).
  const r = await next(url, { ...context, format: "module" });
  if (r.source == null) return r;
  return { ...r, source: await instrumentLoops(String(r.source), url) };
}

const TICK = 'globalThis[Symbol.for("epcsim.loopTick")]();';

/** Insert the tick at the top of every loop body, and move the inline source map's columns along. */
async function instrumentLoops(js, url) {
  const ts = (await import("typescript")).default;
  const sf = ts.createSourceFile(url, js, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const edits = [];
  const visit = (n) => {
    if (
      ts.isForStatement(n) ||
      ts.isForInStatement(n) ||
      ts.isForOfStatement(n) ||
      ts.isWhileStatement(n) ||
      ts.isDoStatement(n)
    ) {
      const b = n.statement;
      if (ts.isBlock(b)) edits.push({ at: b.getStart(sf) + 1, text: TICK });
      else {
        edits.push({ at: b.getStart(sf), text: `{${TICK}` });
        edits.push({ at: b.getEnd(), text: "}" });
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  if (!edits.length) return js;
  let out = js;
  for (const e of [...edits].sort((a, b) => b.at - a.at)) out = out.slice(0, e.at) + e.text + out.slice(e.at);
  return shiftSourceMap(
    out,
    edits.map((e) => ({ ...sf.getLineAndCharacterOfPosition(e.at), len: e.text.length })),
  );
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function decodeVlq(s) {
  const out = [];
  let v = 0;
  let shift = 0;
  for (const ch of s) {
    const d = B64.indexOf(ch);
    v += (d & 31) << shift;
    if (d & 32) shift += 5;
    else {
      out.push(v & 1 ? -(v >>> 1) : v >>> 1);
      v = 0;
      shift = 0;
    }
  }
  return out;
}

function encodeVlq(n) {
  let v = n < 0 ? (-n << 1) | 1 : n << 1;
  let s = "";
  do {
    let d = v & 31;
    v >>>= 5;
    if (v) d |= 32;
    s += B64[d];
  } while (v);
  return s;
}

/**
 * The inline source map with the generated columns of each line moved right by the text inserted
 * before them (`inserts`: line, character, length in the generated code before the insertions).
 */
function shiftSourceMap(js, inserts) {
  const m = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(js);
  if (!m) return js;
  const map = JSON.parse(Buffer.from(m[1], "base64").toString("utf8"));
  const lines = map.mappings.split(";").map((line) => {
    let col = 0;
    return line
      ? line.split(",").map((seg) => {
          const f = decodeVlq(seg);
          col += f[0];
          return [col, ...f.slice(1)];
        })
      : [];
  });
  lines.forEach((segs, li) => {
    const here = inserts.filter((i) => i.line === li);
    for (const s of segs) s[0] += here.filter((i) => i.character <= s[0]).reduce((n, i) => n + i.len, 0);
  });
  map.mappings = lines
    .map((segs) => {
      let prev = 0;
      return segs
        .map((s) => {
          const head = encodeVlq(s[0] - prev);
          prev = s[0];
          return head + s.slice(1).map(encodeVlq).join("");
        })
        .join(",");
    })
    .join(";");
  return (
    js.slice(0, m.index) +
    `//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString("base64")}`
  );
}
export async function resolve(specifier, context, next) {
  const wanted = specifier === "epcsim/patch" || specifier === "epcsim" ? target : specifier;
  // Resolved by the next hooks (tsx), which mark the modules they must compile.
  const r = await next(wanted, context);
  if (r.url === srcPatch && srcPatch !== target) return { ...r, url: target };
  // A patch is an ES module whatever directory it sits in (Node would take a .ts file outside a
  // "type": "module" package for CommonJS, which cannot import epcsim's modules).
  if (r.url.startsWith("file:") && r.url.endsWith(".ts") && !r.url.includes("/node_modules/"))
    return { ...r, format: "module" };
  return r;
}
