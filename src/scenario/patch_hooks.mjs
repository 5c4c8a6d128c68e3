// Module resolution hooks for user patches (registered with module.register by scenario/patches.ts).
// A patch anywhere on disk imports "epcsim/patch"; it resolves to the very module the running
// epcsim uses (src/patch.ts under tsx, dist/patch.js in the build), so the patch shares its model
// code, site capture and classes. A patch that imports src/patch.ts by path (the examples in this
// checkout do) is pointed at the same module when epcsim runs from the build.
let target = "";
let srcPatch = "";

export async function initialize(data) {
  target = data.target;
  srcPatch = data.srcPatch;
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
