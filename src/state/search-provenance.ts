// What a slider run made from the search's best vector ("Apply on the slider") keeps of that search: which fitness
// chose the vector (perplexity, or the zero-shot error on named tasks), and the best's and the uniform baseline's
// values of it. The run's own perplexity is measured as every slider run's is; this says what the search minimised.
import { objectiveTasksOf, type FitnessKind } from '../core/search/fitness-objective.ts';
import type { SearchState } from '../core/search/search-types.ts';
import type { PruneOutcome } from '../worker/api.ts';
import type { StudioState } from './studio-store.ts';

export interface RunSearchProvenance {
  fitness: FitnessKind;
  /** The zero-shot fitness's tasks: name, data SHA-256, first-N limit (null: every document). */
  tasks?: Array<{ name: string; sha256: string; limit: number | null }>;
  /** The best vector's fitness (the applied one). */
  best: number;
  /** The uniform baseline's fitness at the best's parameter count, when the run finished. */
  uniform?: number;
}

const sameRates = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** The search behind `o` when it pruned with the shown search's best vector, else null. `checkpoint`: the search's
 * last state (its protocol names the zero-shot tasks). */
export function searchProvenanceOf(s: StudioState, o: PruneOutcome, checkpoint: SearchState | null): RunSearchProvenance | null {
  const best = s.search.best;
  const applied = o.request.allocation;
  if (!best || !Array.isArray(applied) || s.prune.explicitOrigin !== 'evolved' || !sameRates(applied, best.rates)) return null;
  const tasks = s.search.ranFitness === 'zeroshot' ? objectiveTasksOf(checkpoint?.protocol?.fitness) : null;
  return {
    fitness: s.search.ranFitness, ...(tasks ? { tasks } : {}), best: best.fitness,
    ...(s.search.uniformFitness !== null ? { uniform: s.search.uniformFitness } : {}),
  };
}

/** "perplexity" or "zero-shot error (hellaswag, arc_easy; first 6 documents)": what the search minimised. */
export function fitnessName(p: Pick<RunSearchProvenance, 'fitness' | 'tasks'>): string {
  if (p.fitness === 'ppl') return 'perplexity';
  const limit = p.tasks?.[0]?.limit ?? null;
  return `zero-shot error${p.tasks ? ` (${p.tasks.map((t) => t.name).join(', ')}${limit !== null ? `; first ${limit} documents` : ''})` : ''}`;
}
