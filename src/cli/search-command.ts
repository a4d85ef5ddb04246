// prunelab search: the Self-Pruner evolutionary search over per-layer pruning rates on the GPU, with the built-in
// operators or an OpenAI-compatible LLM as the optimizer. Progress per generation on stderr; --state FILE keeps
// the run's state after every evaluation and resumes from it; Ctrl-C stops after the running evaluation.
// --fitness ppl (default) or zeroshot (the zero-shot error on --tasks); with --tasks, the dense model and the
// best vector's pruned model are evaluated on the tasks as prune --tasks does.
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { BadRequest, Cancelled, PrunelabError } from '../core/errors.ts';
import { windowsPerplexity } from '../core/engine/perplexity.ts';
import { evalWindows, sha256Hex, tokenizeForEval } from '../core/engine/windows.ts';
import { Pruner } from '../core/prune/pruner.ts';
import { STRUCTURED_METRICS, type StructuredMetric } from '../core/prune/structured-selection.ts';
import type { Optimizer } from '../core/search/operators.ts';
import { gaOptimizer } from '../core/search/ga-operators.ts';
import { maxStructuredRate, owlShape, PruningFitness, uniformAtBestCount, type CountedResult, type PruningMethod } from '../core/search/pruning-fitness.ts';
import { removedShare } from '../core/prune/allocation-counts.ts';
import { bestOf, newSearchState, operatorCounts, runSearch } from '../core/search/search.ts';
import type { SearchProtocol, SearchState } from '../core/search/search-types.ts';
import { describeModel, sensitivityFromScan } from '../core/search/model-description.ts';
import { optionalInt, requireString, type CliValues } from './args.ts';
import { openSession } from './session.ts';
import { llmOptimizerFromCli } from './llm-options.ts';
import { readTextFlag } from './data-files.ts';
import { optionalTaskFlags } from './task-data-args.ts';
import { runZeroShot } from './eval-command.ts';
import { formatZeroShotComparison, zeroShotComparisonJson } from './zero-shot-table.ts';
import { describeObjective, objectiveProtocol, parseFitnessKind, zeroShotError, type FitnessObjective } from '../core/search/fitness-objective.ts';
import type { TaskData } from '../core/zeroshot/task-data.ts';

const readText = (path: string) => readFile(path, 'utf8').catch(() => { throw new BadRequest(`cannot read text file ${path}`); });

function parseMethod(values: CliValues): PruningMethod {
  const structured = values.structured as string | undefined;
  const method = values.method as string | undefined;
  if (structured !== undefined && method !== undefined) throw new BadRequest('give --structured or --method, not both');
  if (method !== undefined) {
    if (method !== 'magnitude' && method !== 'wanda' && method !== 'sparsegpt') {
      throw new BadRequest(`unknown --method "${method}" (expected magnitude, wanda or sparsegpt)`);
    }
    return { metric: method };
  }
  const s = structured ?? 'wanda-sp'; // the paper's default
  if (!STRUCTURED_METRICS.includes(s as StructuredMetric)) {
    throw new BadRequest(`unknown --structured "${s}" (expected ${STRUCTURED_METRICS.join(', ')})`);
  }
  return { metric: 'wanda', structured: s as StructuredMetric };
}

function parseNumber(values: CliValues, name: string, fallback?: number): number {
  const raw = values[name];
  if (raw === undefined) {
    if (fallback === undefined) throw new BadRequest(`--${name} is required`);
    return fallback;
  }
  const v = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(v)) throw new BadRequest(`--${name} must be a number (got "${String(raw)}")`);
  return v;
}

async function saveState(path: string, state: SearchState): Promise<void> {
  await writeFile(`${path}.tmp`, JSON.stringify(state));
  await rename(`${path}.tmp`, path); // never leaves a half-written state behind
}

async function loadState(path: string, protocol: SearchProtocol): Promise<SearchState> {
  let state: SearchState;
  try { state = JSON.parse(await readFile(path, 'utf8')) as SearchState; } catch (e) {
    throw new BadRequest(`--state ${path} is not a Prunelab search state (${(e as Error).message})`);
  }
  if (state?.version !== 1 || !state.config || !Array.isArray(state.history)) throw new BadRequest(`--state ${path} is not a Prunelab search state`);
  const saved = (state.protocol ?? {}) as unknown as Record<string, unknown>;
  const now = protocol as unknown as Record<string, unknown>;
  // Both sides' keys: a state made with a zero-shot fitness must not resume as a perplexity run, or back.
  for (const k of new Set([...Object.keys(now), ...Object.keys(saved)])) {
    const had = saved[k], v = now[k];
    const show = (x: unknown) => (x === undefined ? '(none)' : String(x));
    if (had !== v) throw new BadRequest(`--state ${path} was made with ${k} = ${show(had)}, this run has ${show(v)}: resume with the same model, texts and options`);
  }
  return state;
}

export async function runSearchCommand(values: CliValues): Promise<number> {
  const modelPath = requireString(values, 'model');
  const method = parseMethod(values);
  const target = parseNumber(values, 'target');
  const seqLen = optionalInt(values, 'seq-len', 256)!;
  const windows = optionalInt(values, 'windows', 4)!;
  const calibWindows = optionalInt(values, 'calib-windows', 4)!;
  const calibOffset = optionalInt(values, 'calib-offset', 0)!;
  const statePath = values.state as string | undefined;
  const { text, source: textSource } = await readTextFlag(requireString(values, 'text'));
  const { text: calibText, source: calibSource } = await readTextFlag(requireString(values, 'calib'));
  const tasks = await optionalTaskFlags(values);
  const fitnessKind = parseFitnessKind((values.fitness as string | undefined) ?? 'ppl');
  if (fitnessKind === 'zeroshot' && !tasks) throw new BadRequest('--fitness zeroshot needs --tasks and --data (the tasks whose mean acc_norm is the fitness)');
  const scan = values.scan === undefined ? undefined : await readText(values.scan as string);
  const operator = (values.operator as string | undefined) ?? 'ga';
  if (operator !== 'ga' && operator !== 'llm') throw new BadRequest(`--operator must be ga or llm (got "${operator}")`);
  const llm = operator === 'llm' ? await llmOptimizerFromCli(values) : undefined;
  const { gpu, engine } = await openSession(modelPath, values.variant as string | undefined);
  const ctrl = new AbortController();
  const onSigint = () => { process.stderr.write('\nstopping after the running evaluation...\n'); ctrl.abort(); };
  process.once('SIGINT', onSigint);
  try {
    const spec = engine.spec;
    const pMax = parseNumber(values, 'p-max', method.structured ? maxStructuredRate(spec) : 0.95);
    const protocol: SearchProtocol = {
      modelHash: engine.model.fingerprint, method: method.structured ? `structured ${method.structured}` : `unstructured ${method.metric}`,
      textHash: await sha256Hex(text), calibHash: await sha256Hex(calibText), seqLen, windows, calibWindows, calibOffset,
      ...(fitnessKind === 'zeroshot' ? { fitness: objectiveProtocol({ kind: 'zeroshot', tasks: tasks! }) } : {}),
    };
    const state = statePath && existsSync(statePath) ? await loadState(statePath, protocol) : {
      ...newSearchState({
        numLayers: spec.numLayers, target, pMax, seed: optionalInt(values, 'seed', 0),
        population: optionalInt(values, 'population'), generations: optionalInt(values, 'generations'),
        crossovers: optionalInt(values, 'crossovers'), mutations: optionalInt(values, 'mutations'), operator,
        ...(values.sigma === undefined ? {} : { sigma: parseNumber(values, 'sigma') }),
      }),
      protocol,
    };
    if (state.history.length) process.stderr.write(`resuming ${statePath}: generation ${state.generation}, ${state.history.length} individuals\n`);
    // Tokenizing a whole text takes seconds: once per distinct text.
    const textIds = tokenizeForEval(engine.model.tokenizer, text);
    const calibIds = calibText === text ? textIds : tokenizeForEval(engine.model.tokenizer, calibText);
    const evalSlice = evalWindows(textIds, seqLen, windows);
    const pruner = await Pruner.create(engine, evalWindows(calibIds.slice(calibOffset), seqLen, calibWindows));
    try {
      const densePpl = await windowsPerplexity(engine, evalSlice);
      const denseZeroShot = tasks && await runZeroShot(engine, tasks, ctrl.signal);
      const shapes = {
        owl: await owlShape(pruner, state.config),
        sensitivity: scan === undefined ? undefined : sensitivityFromScan(scan, spec.numLayers, state.config.target),
      };
      const objective: FitnessObjective = fitnessKind === 'ppl' ? { kind: 'ppl', windows: evalSlice } : { kind: 'zeroshot', tasks: tasks! };
      const fitness = new PruningFitness(pruner, method, objective);
      const optimizer: Optimizer = llm ?? gaOptimizer;
      const t0 = performance.now();
      let genStart = performance.now();
      await runSearch(state, fitness, optimizer, {
        signal: ctrl.signal, shapes, model: describeModel(engine.model, protocol.method), objective: describeObjective(objective),
        onCheckpoint: statePath ? (s) => saveState(statePath, s) : undefined,
        onGeneration: (g, s) => {
          const best = bestOf(s);
          process.stderr.write(`generation ${g.generation}/${s.config.generations}: best ${g.best.toFixed(4)} mean ${g.mean.toFixed(4)} `
            + `(${g.evaluations} evaluations, ${((performance.now() - genStart) / 1000).toFixed(1)} s) `
            + `best rates [${best.rates.map((x) => x.toFixed(3)).join(', ')}]\n`);
          genStart = performance.now();
        },
      });
      const best = bestOf(state);
      // The uniform baseline removes as many parameters as the best vector really does (docs/algorithms.md §7.2).
      const fair = await uniformAtBestCount(state, fitness, best);
      // Perplexity on the windows of a vector: its fitness under --fitness ppl, else measured once here. The best
      // vector's model is pruned last, for its zero-shot evaluation.
      const pplOf = async (r: CountedResult) => (objective.kind === 'ppl' ? r.fitness
        : (await fitness.apply(r.rates, ctrl.signal), await windowsPerplexity(engine, evalSlice, ctrl.signal)));
      const uniformPpl = await pplOf(fair.uniform);
      const bestPpl = await pplOf(fair.best);
      if (tasks && objective.kind === 'ppl') await fitness.apply(best.rates, ctrl.signal);
      const prunedZeroShot = tasks && await runZeroShot(engine, tasks, ctrl.signal);
      const shares = (r: CountedResult) => ({ count: r.count, requestedShare: state.config.target, achievedShare: removedShare(r.count) });
      const report = {
        fitness: fitnessKind,
        best: { rates: best.rates, ppl: bestPpl, fitness: best.fitness, operator: best.operator, generation: best.generation, ...shares(fair.best) },
        uniform: { rate: fair.uniform.rates[0], ppl: uniformPpl, fitness: fair.uniform.fitness, ...shares(fair.uniform) },
        uniformPpl, densePpl, ratio: bestPpl / uniformPpl,
        ...(fitnessKind === 'zeroshot' ? { denseFitness: zeroShotError(denseZeroShot!) } : {}),
        generations: state.summaries, operatorCounts: operatorCounts(state),
        evaluations: state.history.filter((e) => !e.cached).length, cacheHits: state.history.filter((e) => e.cached).length,
        config: state.config, protocol, textSource, calibSource, seconds: (performance.now() - t0) / 1000, adapter: engine.gpu.adapter.description,
        ...(denseZeroShot ? { zeroShot: zeroShotComparisonJson(denseZeroShot, prunedZeroShot!) } : {}),
      };
      if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else {
        const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
        if (fitnessKind === 'zeroshot') {
          process.stdout.write(`best zero-shot error ${best.fitness.toFixed(4)} (uniform ${fair.uniform.fitness.toFixed(4)}, dense ${report.denseFitness!.toFixed(4)}; `
            + `1 - mean acc_norm, acc where a task has none, over ${tasks!.map((t) => t.task.name).join(', ')})\n`);
        }
        process.stdout.write(`best perplexity ${bestPpl.toFixed(4)} (uniform ${uniformPpl.toFixed(4)}, dense ${densePpl.toFixed(4)}, `
          + `ratio ${report.ratio.toFixed(3)})\nbest rates: ${best.rates.map((x) => x.toFixed(4)).join(' ')}\n`
          + `${fair.best.count.basis} removed: requested ${pct(state.config.target)}, best ${pct(report.best.achievedShare)} `
          + `(${fair.best.count.removed}), uniform ${pct(report.uniform.achievedShare)} (${fair.uniform.count.removed})\n`);
        if (denseZeroShot) process.stdout.write(`${formatZeroShotComparison(denseZeroShot, prunedZeroShot!)}\n`);
      }
      return 0;
    } catch (e) {
      if (e instanceof Cancelled && statePath) {
        throw new PrunelabError('Cancelled', `search stopped; its state is in ${statePath}: run the same command again to resume`);
      }
      throw e;
    } finally { pruner.destroy(); }
  } finally {
    process.off('SIGINT', onSigint);
    engine.destroy();
    gpu.destroy();
  }
}
