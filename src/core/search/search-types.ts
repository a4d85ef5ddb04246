// What a Self-Pruner search is asked to do, what it records, and the JSON state it resumes from
// (docs/algorithms.md §13, "Self-Pruner evolutionary search").

export interface SearchConfig {
  numLayers: number;
  /** beta: the mean per-layer pruning rate every vector must have. */
  target: number;
  /** Upper bound of every rate. */
  pMax: number;
  population: number;
  generations: number;
  crossovers: number;
  mutations: number;
  seed: number;
  operator: 'ga' | 'llm';
  /** Tournament size of the built-in parent selection. */
  tournament: number;
  /** Standard deviation of the built-in Gaussian mutation. */
  sigma: number;
}

export const SEARCH_DEFAULTS = {
  population: 30, generations: 20, crossovers: 10, mutations: 10, seed: 0, operator: 'ga', tournament: 3, sigma: 0.05,
} as const satisfies Partial<SearchConfig>;

/** The operator that produced an individual; `ga-*` are the built-in ones, `llm-*` replies of the optimizer LLM. */
export type OperatorName =
  | 'ga-init-uniform' | 'ga-init-owl' | 'ga-init-sensitivity' | 'ga-init-dirichlet' | 'ga-crossover-blend'
  | 'ga-crossover-one-point' | 'ga-mutation' | 'llm-init' | 'llm-crossover' | 'llm-mutation';

/** One evaluated (or cache-answered) individual; its index in `history` is its id. */
export interface Evaluation {
  generation: number;
  operator: OperatorName;
  /** Ids of the parents (empty for the initial population). */
  parents: number[];
  rates: number[];
  /** Perplexity, or the zero-shot error when the protocol says so (lower is better). */
  fitness: number;
  /** Wall time of the evaluation in seconds (0 when the cache answered). */
  seconds: number;
  /** The fitness came from the cache: an earlier individual prunes to the same model. */
  cached: boolean;
  /** Why an LLM step fell back to the built-in operator (this child is then a built-in one). */
  fallback?: string;
}

/** A child proposed but not yet evaluated: kept in the state so a resumed run evaluates exactly these. */
export interface PendingChild {
  operator: OperatorName;
  parents: number[];
  rates: number[];
  fallback?: string;
}

export interface GenerationSummary {
  generation: number;
  best: number;
  mean: number;
  /** Evaluations that ran the pruned model (cache hits excluded). */
  evaluations: number;
}

/** How fitness is measured; a state is only resumed under the same protocol. */
export interface SearchProtocol {
  modelHash: string;
  /** e.g. "structured wanda-sp" or "unstructured wanda". */
  method: string;
  textHash: string;
  calibHash: string;
  seqLen: number;
  windows: number;
  calibWindows: number;
  calibOffset: number;
  /** A fitness other than perplexity on the windows (fitness-objective.ts objectiveProtocol); absent: perplexity. */
  fitness?: string;
}

export interface SearchState {
  version: 1;
  config: SearchConfig;
  protocol?: SearchProtocol;
  /** Generator state after the last completed proposal step. */
  rng: number[];
  /** Generation whose children are pending or next to be proposed (0 = the initial population). */
  generation: number;
  /** Ids (into history) of the current population, best first. */
  population: number[];
  history: Evaluation[];
  /** Children of `generation` still to evaluate, or null when the next step is to propose. */
  pending: PendingChild[] | null;
  summaries: GenerationSummary[];
  /** LLM steps that fell back to the built-in operator, by step. */
  llmFallbacks: Record<string, number>;
  done: boolean;
}
