/**
 * Type-check a patch file against epcsim's kernel function table, as `tsc` would with the patch API
 * in scope: an override whose parameters or return type do not match the kernel function it
 * replaces (a string returned where a boolean is due) is an error a run would never report. Only
 * the patch's own diagnostics are returned; "epcsim/patch" resolves to this epcsim's src/patch.ts.
 */
import { dirname, join } from "node:path";
import ts from "typescript";
import { SRC_DIR, srcPath } from "../paths.ts";

export interface PatchDiagnostic {
  /** `file:line:col: message`, as the command line prints it. */
  text: string;
}

export function typeCheckPatch(file: string): PatchDiagnostic[] {
  const root = dirname(SRC_DIR.replace(/[\\/]$/, ""));
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ["node"],
    typeRoots: [join(root, "node_modules", "@types")],
    lib: ["lib.es2023.d.ts"],
    paths: { "epcsim/patch": [srcPath("patch.ts")], epcsim: [srcPath("patch.ts")] },
  };
  const program = ts.createProgram([file], options);
  const sf = program.getSourceFile(file);
  const diags = sf
    ? [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]
    : program.getOptionsDiagnostics();
  return diags.map((d) => {
    const msg = ts.flattenDiagnosticMessageText(d.messageText, "\n  ");
    if (!d.file || d.start === undefined) return { text: `${file}: ${msg}` };
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return { text: `${d.file.fileName}:${line + 1}:${character + 1}: ${msg}` };
  });
}
