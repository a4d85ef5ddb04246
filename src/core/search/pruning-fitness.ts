// Fitness of a per-layer rate vector on the GPU: prune the loaded model with it (structured Wanda-sp by default,
// or any unstructured metric) and return the objective's value (fitness-objective.ts: the perplexity on the
// evaluation windows, or the zero-shot error on the tasks; lower is better).
import type { Engine } from '../engine/engine.ts';
import { BadRequest } from '../errors.ts';
import { windowsPerplexity } from '../engine/perplexity.ts';
import { evaluateZeroShot } from '../zeroshot/evaluate-zero-shot.ts';
import { zeroShotError, type FitnessObjective } from './fitness-objective.ts';
import { mean, repairToMean } from '../prune/allocation.ts';
import type { Metric } from '../prune/prune-options.ts';
import type { Pruner } from '../prune/pruner.ts';
import type { StructuredMetric } from '../prune/structured-selection.ts';
import { structuredCounts, unstructuredCounts, type ParameterCount } from '../prune/allocation-counts.ts';
import type { ModelSpec } from '../model/spec.ts';
import { roundedKey, type FitnessEvaluator } from './search.ts';
import type { SearchConfig, SearchState } from './search-types.ts';

export interface PruningMethod {
  /** Structured: rates are the fraction of heads and of MLP channels removed per layer. */
  structured?: StructuredMetric;
  /** Unstructured: rates are the per-layer weight sparsities. */
  metric: Metric;
}

/**
 * Largest rate that keeps a query head in every kv-group under structured pruning (GQA), capped by `cap`.
 * floor(p * nH) heads go, and at most nH - nKv may: p < (nH - nKv + 1) / nH.
 */
export function maxStructuredRate(spec: ModelSpec, cap = 0.8): number {
  const { numHeads: nH, numKvHeads: nKv } = spec;
  return Math.min(cap, (nH - nKv + 1) / nH - 1e-6);
}

export class PruningFitness implements CountingFitness {
  /** Model evaluations actually run (cache hits never reach this class). */
  evaluations = 0;

  readonly objective: FitnessObjective;

  /** `objective`: the evaluation windows alone mean perplexity on them. */
  constructor(private readonly pruner: Pruner, private readonly method: PruningMethod, objective: number[][] | FitnessObjective) {
    this.objective = Array.isArray(objective) ? { kind: 'ppl', windows: objective } : objective;
    if (this.objective.kind === 'ppl' && this.objective.windows.length === 0) throw new BadRequest('the search needs at least one evaluation window');
    if (this.objective.kind === 'zeroshot' && this.objective.tasks.length === 0) throw new BadRequest('the zero-shot fitness needs at least one task');
  }

  private get engine(): Engine { return this.pruner.engine; }

  /** Structured vectors with the same removed counts (after the count repair) prune to the same model: key by them. */
  key(rates: number[]): string {
    if (!this.method.structured) return roundedKey(rates);
    return structuredCounts(this.engine.spec, rates).removals.map((r) => `${r.heads}/${r.channels}`).join(',');
  }

  /** Parameters a vector removes (docs/algorithms.md §7.2): from the shapes alone, except SparseGPT, which rounds
   * per column block on its own and is pruned to count. */
  async count(rates: number[], signal?: AbortSignal): Promise<ParameterCount> {
    if (this.method.structured) return structuredCounts(this.engine.spec, rates).count;
    if (this.method.metric !== 'sparsegpt') return unstructuredCounts(this.engine.spec, rates).count;
    return (await this.apply(rates, signal)).count!;
  }

  /** Prunes the engine's model with `rates` (from the dense weights); it stays pruned until the next call. */
  apply(rates: number[], signal?: AbortSignal) {
    return this.pruner.prune({
      metric: this.method.metric, structured: this.method.structured, allocation: rates, sparsity: mean(rates),
    }, { signal });
  }

  async evaluate(rates: number[], signal?: AbortSignal): Promise<number> {
    await this.apply(rates, signal);
    const o = this.objective;
    const value = o.kind === 'ppl' ? await windowsPerplexity(this.engine, o.windows, signal)
      : zeroShotError(await evaluateZeroShot(this.engine, o.tasks, { signal, encodeElsewhere: o.encodeElsewhere }));
    this.evaluations++;
    return value;
  }
}

/** OWL's allocation at the target, kept in [0, p_max]: one individual of the initial population (one dense
 * statistics pass for the outlier ratios). Leaves the pruner unstructured-pruned; the next evaluation re-prunes. */
export async function owlShape(pruner: Pruner, c: Pick<SearchConfig, 'target' | 'pMax'>, signal?: AbortSignal): Promise<number[]> {
  const owl = (await pruner.prune({ metric: 'wanda', allocation: 'owl', sparsity: c.target }, { signal })).allocation;
  return repairToMean(owl, c.target, 0, c.pMax);
}

/** A pruned model of the search's result: its rates, fitness (perplexity or zero-shot error, as the objective
 * says) and parameter count. */
export interface CountedResult { rates: number[]; fitness: number; count: ParameterCount }

/** A fitness that also keys and counts vectors (PruningFitness). */
export interface CountingFitness extends FitnessEvaluator {
  key(rates: number[]): string;
  count(rates: number[], signal?: AbortSignal): Promise<ParameterCount>;
}

/**
 * The fair baseline of a search's best vector: the uniform vector at the share of parameters the best one REALLY
 * removes (its count after the repair over the count's basis), so both remove the same count within one unit.
 * Its fitness comes from the history when an individual pruned to that model.
 */
export async function uniformAtBestCount(state: SearchState, fitness: CountingFitness, best: { rates: number[]; fitness: number },
  signal?: AbortSignal): Promise<{ best: CountedResult; uniform: CountedResult }> {
  const bestCount = await fitness.count(best.rates, signal);
  const uniform = new Array(state.config.numLayers).fill(bestCount.removed / bestCount.total);
  const key = fitness.key(uniform);
  const known = state.history.find((e) => fitness.key(e.rates) === key);
  const value = known ? known.fitness : await fitness.evaluate(uniform, signal);
  return {
    best: { rates: best.rates, fitness: best.fitness, count: bestCount },
    uniform: { rates: uniform, fitness: value, count: await fitness.count(uniform, signal) },
  };
}
