// The Self-Pruner search as the user sets it up in the studio, and its validation before anything is sent.
// Sizes default to the paper's (population 30, 10 crossovers + 10 mutations, 20 generations); the method and
// target follow the method panel until the user edits them (followedSettings), else structured Wanda-sp at 30%.
import type { SearchJobRequest } from '../worker/api.ts';
import { isHttpUrl } from '../core/search/llm-client.ts';
import type { FitnessKind } from '../core/search/fitness-objective.ts';
import type { ZeroShotJobRequest } from '../worker/api.ts';
import type { MethodSettings } from './prune-settings.ts';
export { plannedEvaluations as plannedEvaluationsOf } from '../core/search/search.ts';

export type SearchMethod = 'wanda-sp' | 'magnitude-sp' | 'flap' | 'wanda' | 'magnitude';

export interface SearchSettings {
  /** beta: mean per-layer pruning rate. */
  target: number;
  method: SearchMethod;
  population: number;
  generations: number;
  crossovers: number;
  mutations: number;
  seed: number;
  operator: 'ga' | 'llm';
  llmUrl: string;
  llmModel: string;
  llmTemperature: number;
  llmTimeoutSeconds: number;
  /** What the search minimises; absent (settings saved or linked before the option) means perplexity. */
  fitness?: FitnessKind;
}

export const DEFAULT_SEARCH: SearchSettings = {
  target: 0.3, method: 'wanda-sp', population: 30, generations: 20, crossovers: 10, mutations: 10, seed: 0,
  operator: 'ga', llmUrl: 'http://127.0.0.1:8080', llmModel: '', llmTemperature: 0.7, llmTimeoutSeconds: 120,
};

/** The paper's budget, and a quick one (minutes on a small model) to see the search work before the long run. */
export const PAPER_PRESET = { population: 30, generations: 20, crossovers: 10, mutations: 10 } as const;
export const QUICK_PRESET = { population: 8, generations: 3, crossovers: 4, mutations: 4 } as const;

/** The method panel's pruning as the search's: its score and pattern (SparseGPT searches with Wanda scores: the
 *  search prunes once per individual) and the slider's sparsity as the target when one is set. */
export function searchFromMethodPanel(m: MethodSettings, sparsity: number): Partial<SearchSettings> {
  const method: SearchMethod = m.nm === 'heads'
    ? (m.flap ? 'flap' : m.metric === 'magnitude' ? 'magnitude-sp' : 'wanda-sp')
    : m.metric === 'magnitude' ? 'magnitude' : 'wanda';
  return sparsity > 0 ? { method, target: sparsity } : { method };
}

/** The search's settings as shown and run: while it follows the method panel (the user has not edited the
 *  search's method or target), the method panel's score and pattern and the slider's sparsity replace them. */
export function followedSettings(settings: SearchSettings, follows: boolean, method: MethodSettings, sparsity: number): SearchSettings {
  return follows ? { ...settings, ...searchFromMethodPanel(method, sparsity) } : settings;
}

export const isStructured = (m: SearchMethod) => m === 'wanda-sp' || m === 'magnitude-sp' || m === 'flap';

/** The largest target the method allows on this model (structured: every kv-group keeps a query head). */
export function maxTarget(method: SearchMethod, heads: number, kvHeads: number): number {
  return isStructured(method) ? Math.min(0.8, (heads - kvHeads + 1) / heads - 1e-6) : 0.95;
}

export function searchSettingsProblem(s: SearchSettings, heads: number, kvHeads: number): string | null {
  const whole = (v: number, name: string, min: number) =>
    (Number.isInteger(v) && v >= min ? null : `${name} must be a whole number of at least ${min} (got ${Number.isNaN(v) ? 'nothing' : v})`);
  const pMax = maxTarget(s.method, heads, kvHeads);
  if (!(s.target > 0 && s.target <= pMax)) {
    return `target must be in (0, ${pMax.toFixed(3)}]${isStructured(s.method) ? ' (beyond it a kv-group would lose all its query heads)' : ''}`;
  }
  const problem = whole(s.population, 'population', 2) ?? whole(s.generations, 'generations', 0)
    ?? whole(s.crossovers, 'crossovers', 0) ?? whole(s.mutations, 'mutations', 0) ?? whole(s.seed, 'seed', 0);
  if (problem) return problem;
  if (s.operator === 'llm') {
    if (!isHttpUrl(s.llmUrl)) return `LLM endpoint "${s.llmUrl}" is not a URL (e.g. http://127.0.0.1:8080)`;
    if (!s.llmModel.trim()) return 'name the LLM model the endpoint should use';
    if (!(s.llmTemperature >= 0 && s.llmTemperature <= 2)) return 'LLM temperature must be between 0 and 2';
    if (!(s.llmTimeoutSeconds > 0)) return 'LLM timeout must be a positive number of seconds';
  }
  return null;
}

/** `zeroShot`: the Zero-shot panel's files and limit, sent only with the zero-shot fitness. */
export function toSearchRequest(s: SearchSettings, apiKey: string, zeroShot?: Omit<ZeroShotJobRequest, 'pruneId'>): SearchJobRequest {
  return {
    ...(s.fitness === 'zeroshot' ? { fitness: 'zeroshot' as const, zeroShot } : {}),
    target: s.target, structured: isStructured(s.method) ? (s.method as 'wanda-sp' | 'magnitude-sp' | 'flap') : undefined,
    metric: s.method === 'magnitude' ? 'magnitude' : 'wanda', population: s.population, generations: s.generations,
    crossovers: s.crossovers, mutations: s.mutations, seed: s.seed, operator: s.operator,
    llm: s.operator === 'llm' ? {
      baseURL: s.llmUrl.trim(), model: s.llmModel.trim(), temperature: s.llmTemperature,
      timeoutMs: s.llmTimeoutSeconds * 1000, apiKey: apiKey || undefined,
    } : undefined,
  };
}
