// The studio's Self-Pruner search job: the perplexity panel's evaluation windows are the fitness slice, the
// calibration windows those of the pruning panel (so `prunelab search` with the same options reproduces it).
import { BadRequest } from '../core/errors.ts';
import { gaOptimizer } from '../core/search/ga-operators.ts';
import { createLlmOptimizer } from '../core/search/llm-optimizer.ts';
import { describeModel } from '../core/search/model-description.ts';
import { maxStructuredRate, owlShape, PruningFitness, uniformAtBestCount } from '../core/search/pruning-fitness.ts';
import { bestOf, newSearchState, plannedEvaluations, runSearch } from '../core/search/search.ts';
import type { SearchState } from '../core/search/search-types.ts';
import { describeObjective, objectiveProtocol, zeroShotError, type FitnessObjective } from '../core/search/fitness-objective.ts';
import { evaluateZeroShot } from '../core/zeroshot/evaluate-zero-shot.ts';
import type { PruneJobOptions, SearchEvent, SearchJobRequest, SearchOutcome } from './api.ts';
import type { PruneSession } from './prune-session.ts';
import { rememberingEncode } from './tokenizer-worker-client.ts';
import { readTaskFiles } from './zero-shot-job.ts';


export async function searchJob(session: PruneSession, req: SearchJobRequest, opts: PruneJobOptions, signal: AbortSignal,
  onEvent: (e: SearchEvent) => void): Promise<SearchOutcome> {
  const start = performance.now();
  const { engine } = session;
  const spec = engine.spec;
  const method = req.structured ? `structured ${req.structured}` : `unstructured ${req.metric}`;
  const state: SearchState = req.resume ?? newSearchState({
    numLayers: spec.numLayers, target: req.target, pMax: req.structured ? maxStructuredRate(spec) : 0.95,
    population: req.population, generations: req.generations, crossovers: req.crossovers, mutations: req.mutations,
    seed: req.seed, operator: req.operator,
  });
  if (state.config.numLayers !== spec.numLayers) {
    throw new BadRequest(`the run to resume has ${state.config.numLayers} layers but the loaded model has ${spec.numLayers}`);
  }
  const { text, evaluation, calibration, spec: calibSpec } = await session.windows(opts, signal);
  const fitnessKind = req.fitness ?? 'ppl';
  if (fitnessKind === 'zeroshot' && !req.zeroShot) throw new BadRequest('the zero-shot fitness needs the Zero-shot panel\'s tasks and files');
  // The files are read and checked before any GPU work, as the Zero-shot panel's job does.
  // Documents are encoded where cancel can stop it, once for the whole search (tokenizer-worker-client.ts).
  const encodeElsewhere = session.tokenizerWorker && rememberingEncode(session.tokenizerWorker);
  const objective: FitnessObjective = fitnessKind === 'ppl' ? { kind: 'ppl', windows: evaluation }
    : { kind: 'zeroshot', tasks: await readTaskFiles(req.zeroShot!), encodeElsewhere };
  const fitnessProtocol = objectiveProtocol(objective);
  // Key order as the CLI's (search-command.ts), so a state resumes in either.
  const protocol = {
    modelHash: engine.model.fingerprint, method, textHash: text.hash, calibHash: calibSpec.textHash,
    seqLen: opts.seqLen, windows: evaluation.length, calibWindows: calibration.length, calibOffset: calibSpec.offsetTokens,
    ...(fitnessProtocol !== undefined ? { fitness: fitnessProtocol } : {}),
  };
  if (req.resume?.protocol && JSON.stringify(req.resume.protocol) !== JSON.stringify(protocol)) {
    throw new BadRequest('the run to resume was made with another model, text, method, windows or fitness: load those to resume it');
  }
  state.protocol = protocol;
  const densePpl = (await session.dense(text, evaluation, signal)).ppl;
  // The dense model's zero-shot error: what the zero-shot fitness's best and uniform are read against (as the CLI's).
  let denseFitness: number | undefined;
  if (objective.kind === 'zeroshot') {
    session.makeDense();
    denseFitness = zeroShotError(await evaluateZeroShot(engine, objective.tasks, { signal, encodeElsewhere }));
  }
  const pruner = await session.pruner(calibration, calibSpec);
  const total = plannedEvaluations(state.config);
  onEvent({ kind: 'started', config: state.config, densePpl, total });
  const owl = await owlShape(pruner, state.config, signal);
  const fitness = new PruningFitness(pruner, { metric: req.metric, structured: req.structured }, objective);
  const optimizer = req.operator === 'llm' && req.llm
    ? createLlmOptimizer(req.llm, req.llm.apiKey, {
      onEvent: (e) => { if (!e.ok) onEvent({ kind: 'llm', message: `${e.step} attempt ${e.attempt}: ${e.error}` }); },
    })
    : gaOptimizer;
  await runSearch(state, fitness, optimizer, {
    signal, model: describeModel(engine.model, method), objective: describeObjective(objective),
    shapes: {
      owl,
      sensitivity: req.sensitivity?.length === spec.numLayers ? req.sensitivity : undefined,
    },
    onEvaluation: (evaluation, id) => onEvent({ kind: 'evaluation', id, evaluation, done: id + 1, total }),
    onGeneration: (summary, s) => { const b = bestOf(s); onEvent({ kind: 'generation', summary, best: { rates: b.rates, fitness: b.fitness } }); },
    onCheckpoint: (s) => onEvent({ kind: 'checkpoint', state: s }),
  });
  const best = bestOf(state);
  // The uniform baseline removes as many parameters as the best vector really does (docs/algorithms.md §7.2).
  const fair = await uniformAtBestCount(state, fitness, best, signal);
  return {
    state, fitness: fitnessKind, best: { rates: best.rates, fitness: best.fitness, operator: best.operator, generation: best.generation, count: fair.best.count },
    uniform: fair.uniform, densePpl, ...(denseFitness !== undefined ? { denseFitness } : {}), seconds: (performance.now() - start) / 1000,
  };
}
