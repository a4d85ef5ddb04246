// The Self-Pruner evolutionary loop (docs/algorithms.md §13): initial population, then per generation parent selection,
// crossovers and mutations, repair to mean = target, deduplication through the fitness cache, elitist survivors.
// All progress lives in a JSON-serializable SearchState: children are proposed (consuming the generator and any
// LLM calls) and stored as pending before they are evaluated, so a run cancelled anywhere and resumed from its
// last checkpoint evaluates exactly what an uninterrupted run would have.
import { BadRequest, Cancelled } from '../errors.ts';
import { mean, repairToMean } from '../prune/allocation.ts';
import type { KnownShapes, ModelDescription, Optimizer, Proposal, Scored, SearchContext } from './operators.ts';
import { SearchRng } from './rng.ts';
import type { ObjectiveDescription } from './fitness-objective.ts';
import { quote } from '../quote.ts';
import {
  SEARCH_DEFAULTS, type Evaluation, type GenerationSummary, type PendingChild, type SearchConfig, type SearchState,
} from './search-types.ts';

export interface FitnessEvaluator {
  /** Fitness of the model pruned with `rates` (perplexity on the evaluation slice, or another objective): lower is better. */
  evaluate(rates: number[], signal?: AbortSignal): Promise<number>;
  /** Vectors with equal keys prune to the same model (default: the vector rounded to 4 decimals). */
  key?(rates: number[]): string;
}

export interface SearchHooks {
  signal?: AbortSignal;
  model?: ModelDescription;
  shapes?: KnownShapes;
  /** What the evaluator's fitness measures, for the optimizer (absent: perplexity). */
  objective?: ObjectiveDescription;
  onEvaluation?(e: Evaluation, id: number, state: SearchState): void;
  onGeneration?(s: GenerationSummary, state: SearchState): void;
  /** Called whenever the state changed in a way worth saving (after proposals and after every evaluation). */
  onCheckpoint?(state: SearchState): void | Promise<void>;
}

/** Upper bound of the evaluations a run makes (cache hits make it fewer). */
export const plannedEvaluations = (c: Pick<SearchConfig, 'population' | 'generations' | 'crossovers' | 'mutations'>) =>
  c.population + c.generations * (c.crossovers + c.mutations);

export const roundedKey = (rates: number[]) => rates.map((x) => x.toFixed(4)).join(',');

export function validateSearchConfig(c: SearchConfig): void {
  const int = (name: keyof SearchConfig, min: number) => {
    const v = c[name] as number;
    if (!Number.isInteger(v) || v < min) throw new BadRequest(`search ${name} must be an integer >= ${min} (got ${v})`);
  };
  int('numLayers', 1); int('population', 2); int('generations', 0); int('crossovers', 0); int('mutations', 0); int('tournament', 1);
  if (!(c.pMax > 0 && c.pMax < 1)) throw new BadRequest(`p_max ${c.pMax} is outside (0, 1)`);
  if (!(c.target >= 0 && c.target <= c.pMax)) throw new BadRequest(`target ${c.target} is outside [0, p_max = ${c.pMax}]`);
  if (!(c.sigma >= 0)) throw new BadRequest(`mutation sigma ${c.sigma} must be >= 0`);
}

export function newSearchState(config: Partial<SearchConfig> & Pick<SearchConfig, 'numLayers' | 'target' | 'pMax'>): SearchState {
  const given = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined));
  const full: SearchConfig = { ...SEARCH_DEFAULTS, ...given } as SearchConfig;
  validateSearchConfig(full);
  return {
    version: 1, config: full, rng: SearchRng.seeded(full.seed).state(), generation: 0, population: [], history: [],
    pending: null, summaries: [], llmFallbacks: {}, done: false,
  };
}

/** Clip to [0, p_max] and shift to mean = target; throws on NaN or a wrong length (operators must not send those). */
export function repairRates(rates: number[], c: SearchConfig): number[] {
  if (rates.length !== c.numLayers || rates.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
    throw new BadRequest(`a proposed vector is not ${c.numLayers} finite numbers: ${quote(rates)}`);
  }
  return repairToMean(rates, c.target, 0, c.pMax);
}

const stepOf = (op: string) => (op.includes('init') ? 'init' : op.includes('crossover') ? 'crossover' : 'mutation');

function toPending(p: Proposal, parents: number[], c: SearchConfig): PendingChild {
  return { operator: p.operator, parents, rates: repairRates(p.rates, c), ...(p.fallback ? { fallback: p.fallback } : {}) };
}

async function propose(state: SearchState, ctx: SearchContext, optimizer: Optimizer): Promise<PendingChild[]> {
  const c = state.config;
  if (state.generation === 0) return (await optimizer.initialize(ctx, c.population)).map((p) => toPending(p, [], c));
  const pop: Scored[] = state.population.map((id) => ({ id, rates: state.history[id].rates, fitness: state.history[id].fitness }));
  ctx.population = pop;
  const sel = await optimizer.select(ctx, pop, c.crossovers, c.mutations);
  if (sel.fallback) state.llmFallbacks.select = (state.llmFallbacks.select ?? 0) + 1;
  const children: PendingChild[] = [];
  for (const [i, j] of sel.pairs) children.push(toPending(await optimizer.crossover(ctx, pop[i], pop[j]), [pop[i].id, pop[j].id], c));
  for (const i of sel.singles) children.push(toPending(await optimizer.mutate(ctx, pop[i]), [pop[i].id], c));
  return children;
}

/** Runs (or resumes) the search to its last generation. Throws Cancelled on abort; `state` then holds all progress. */
export async function runSearch(state: SearchState, evaluator: FitnessEvaluator, optimizer: Optimizer,
  hooks: SearchHooks = {}): Promise<SearchState> {
  const c = state.config;
  validateSearchConfig(c);
  const keyOf = (r: number[]) => (evaluator.key ? evaluator.key(r) : roundedKey(r));
  const cache = new Map<string, number>();
  state.history.forEach((e, id) => { if (!cache.has(keyOf(e.rates))) cache.set(keyOf(e.rates), id); });
  const check = () => { if (hooks.signal?.aborted) throw new Cancelled('search'); };

  while (!state.done) {
    if (state.pending === null) {
      check();
      const rng = SearchRng.fromState(state.rng);
      const ctx: SearchContext = { config: c, rng, model: hooks.model, shapes: hooks.shapes, objective: hooks.objective, signal: hooks.signal };
      state.pending = await propose(state, ctx, optimizer);
      state.rng = rng.state();
      for (const p of state.pending) if (p.fallback) state.llmFallbacks[stepOf(p.operator)] = (state.llmFallbacks[stepOf(p.operator)] ?? 0) + 1;
      await hooks.onCheckpoint?.(state);
    }
    const firstChild = state.history.length - (state.history.filter((e) => e.generation === state.generation).length);
    while (state.pending.length > 0) {
      check();
      const child = state.pending[0];
      const key = keyOf(child.rates);
      const hit = cache.get(key);
      const t0 = performance.now();
      let fitness = hit !== undefined ? state.history[hit].fitness : await evaluator.evaluate(child.rates, hooks.signal);
      if (!Number.isFinite(fitness)) fitness = Number.MAX_VALUE; // diverged: worst, but JSON-safe
      const e: Evaluation = {
        generation: state.generation, operator: child.operator, parents: child.parents, rates: child.rates, fitness,
        seconds: hit !== undefined ? 0 : (performance.now() - t0) / 1000, cached: hit !== undefined,
        ...(child.fallback ? { fallback: child.fallback } : {}),
      };
      const id = state.history.push(e) - 1;
      if (hit === undefined) cache.set(key, id);
      state.pending.shift();
      hooks.onEvaluation?.(e, id, state);
      await hooks.onCheckpoint?.(state);
    }
    // Elitist survivors: the best `population` of parents + children, one per pruned model (key), ties by age.
    const candidates = [...state.population];
    for (let id = firstChild; id < state.history.length; id++) candidates.push(id);
    const seen = new Set<string>();
    const unique = candidates.filter((id) => { const k = keyOf(state.history[id].rates); return seen.has(k) ? false : (seen.add(k), true); });
    unique.sort((a, b) => state.history[a].fitness - state.history[b].fitness || a - b);
    state.population = unique.slice(0, c.population);
    const fit = state.population.map((id) => state.history[id].fitness);
    const summary: GenerationSummary = {
      generation: state.generation, best: fit[0], mean: mean(fit),
      evaluations: state.history.filter((e) => e.generation === state.generation && !e.cached).length,
    };
    state.summaries.push(summary);
    state.pending = null;
    state.generation++;
    state.done = state.generation > c.generations;
    hooks.onGeneration?.(summary, state);
    await hooks.onCheckpoint?.(state);
  }
  return state;
}

/** The best individual found so far. */
export function bestOf(state: SearchState): Evaluation & { id: number } {
  const id = state.population[0] ?? state.history.reduce((b, e, i) => (e.fitness < state.history[b].fitness ? i : b), 0);
  return { ...state.history[id], id };
}

/** How many children each operator produced, and how many LLM steps fell back. */
export function operatorCounts(state: SearchState): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of state.history) counts[e.operator] = (counts[e.operator] ?? 0) + 1;
  for (const [step, n] of Object.entries(state.llmFallbacks)) counts[`fallback:${step}`] = n;
  return counts;
}
