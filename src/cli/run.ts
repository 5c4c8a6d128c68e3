/** `epcsim run`: one timed simulation of a scenario. */
import type { Command } from "commander";
import type { LoadedScenario } from "../scenario/load.ts";
import { UsageError } from "./errors.ts";
import { formatRun } from "./format.ts";
import { checkWritable } from "./output_file.ts";
import { Progress } from "./progress.ts";
import { parseTraceOptions } from "./trace_options.ts";

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

/**
 * Load a scenario with `--kernel` and `--patch` applied (as a `kernel=` override) and make sure the
 * kernel variant, patches included, is registered.
 */
export async function loadScenarioWithKernel(
  arg: string,
  sets: string[],
  kernel: string | undefined,
  patches: string[],
): Promise<LoadedScenario> {
  // Loaded on use: `epcsim --help` must not pay for the scenario schema and the model.
  const { loadScenario } = await import("../scenario/load.ts");
  const { kernelMismatch, kernelName, knobOverrides, loadKernel, splitKernel } = await import(
    "../scenario/patches.ts"
  );
  // The scenario's own kernel, when the command line replaces or patches it.
  const own = kernel || patches.length ? loadScenario(arg, sets).scenario.kernel : undefined;
  let all = kernel ? [...sets, `kernel=${kernel}`] : sets;
  if (patches.length) {
    const { base: b, patches: p0 } = splitKernel(kernel ?? own!);
    all = [...sets, `kernel=${kernelName(b, [...p0, ...patches])}`];
  }
  const loaded = loadScenario(arg, all);
  await loadKernel(loaded.scenario.kernel);
  if (own) await loadKernel(own);
  const mismatch = kernelMismatch(loaded.scenario, own);
  if (mismatch) throw new UsageError(`${arg}: ${mismatch}`);
  for (const w of knobOverrides(loaded.scenario.kernel, loaded.scenario.reclaimer))
    process.stderr.write(`warning: ${w}\n`);
  return loaded;
}

export function parseSeed(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(Number(v)))
    throw new UsageError(`--seed ${v}: expected an integer of at most 15 digits`);
  return Number(v);
}

export function registerRun(program: Command): void {
  program
    .command("run")
    .description("run a scenario on the timed simulator and print its metrics")
    .argument("<scenario>", "a scenario file (YAML or JSON) or the name of a built-in scenario")
    .option(
      "--set <key=value>",
      "override a scenario field, e.g. reclaimer.batch=1 (repeatable)",
      collect,
      [],
    )
    .option("--seed <n>", "seed (default: the scenario's)")
    .option("--json", "print the result as one JSON object on stdout")
    .option(
      "--trace <file>",
      "write a Perfetto trace of the run (Chrome trace-event JSON; gzip'd when the name ends in .gz)",
    )
    .option(
      "--trace-window <from..to>",
      "trace only this span of simulated time from the start of the run (e.g. 95ms..100ms)",
    )
    .option(
      "--trace-detail <level>",
      "ops (every op on its task's track), functions (kernel functions as nested spans, slower), summary (CPU tracks, IPIs, counters)",
      "ops",
    )
    .option("--kernel <variant>", "kernel variant (see `epcsim kernels`)")
    .option(
      "--patch <file>",
      "apply a TypeScript patch module on top of the variant (repeatable; docs/patches.md)",
      collect,
      [],
    )
    .action(
      async (
        arg: string,
        o: {
          set: string[];
          seed?: string;
          json?: boolean;
          trace?: string;
          traceWindow?: string;
          traceDetail: string;
          kernel?: string;
          patch: string[];
        },
      ) => {
        const trace = o.trace ? parseTraceOptions(o.traceWindow, o.traceDetail) : undefined;
        if (o.trace) checkWritable(o.trace, "--trace");
        else if (o.traceWindow) throw new UsageError("--trace-window needs --trace <file>");
        const { scenario } = await loadScenarioWithKernel(arg, o.set, o.kernel, o.patch);
        const { runScenario } = await import("../experiment/run.ts");
        const progress = new Progress(`run ${scenario.name}`);
        const out = runScenario(scenario, {
          seed: parseSeed(o.seed),
          trace,
          onProgress: (f) => progress.update(f),
        });
        progress.done();
        if (o.trace && out.trace) {
          const { writeChromeTrace } = await import("../report/chrome_trace.ts");
          let bytes: number;
          try {
            bytes = await writeChromeTrace(out.trace, o.trace);
          } catch (e) {
            throw new UsageError(
              `--trace ${o.trace}: cannot write it (${(e as NodeJS.ErrnoException).code ?? e})`,
            );
          }
          process.stderr.write(
            `trace: ${out.trace.events.length} events (${(bytes / 1e6).toFixed(1)} MB) written to ${o.trace}; open it in https://ui.perfetto.dev\n`,
          );
        }
        if (o.json) process.stdout.write(`${JSON.stringify(out.result)}\n`);
        else process.stdout.write(`${formatRun(out.result)}\n`);
      },
    );
}
