// The four steps an optimizer performs in the Self-Pruner search. The built-in GA implements them with the
// seeded generator; the LLM optimizer asks a chat model and falls back to the GA step by step.
import type { SearchRng } from './rng.ts';
import type { OperatorName, SearchConfig } from './search-types.ts';
import type { ObjectiveDescription } from './fitness-objective.ts';

/** What the optimizer may know about the model (the LLM prompts describe it). */
export interface ModelDescription {
  architecture: string;
  numLayers: number;
  /** Prunable parameters per layer (attention + MLP linear maps). */
  paramsPerLayer: number;
  totalParams: number;
  /** How a vector is applied, e.g. "structured wanda-sp: fraction of heads and MLP channels removed per layer". */
  method: string;
}

/** Per-layer rate vectors with mean = target that seed the initial population when known. */
export interface KnownShapes {
  /** OWL's allocation at the target (more outliers, less pruning). */
  owl?: number[];
  /** Perplexity increase when only that layer is pruned (the sensitivity scan, at a level near the target). */
  sensitivity?: number[];
}

export interface SearchContext {
  config: SearchConfig;
  rng: SearchRng;
  model?: ModelDescription;
  shapes?: KnownShapes;
  /** What fitness measures (absent: perplexity). */
  objective?: ObjectiveDescription;
  /** The current population (set for selection, crossover and mutation; the LLM prompts show it). */
  population?: Scored[];
  signal?: AbortSignal;
}

/** An individual of the current population as the operators see it. */
export interface Scored { id: number; rates: number[]; fitness: number }

/** A proposed child before repair (the search clips and shifts every child to mean = target). */
export interface Proposal {
  operator: OperatorName;
  rates: number[];
  /** Set when an LLM step fell back to the built-in operator: why. */
  fallback?: string;
}

export interface Selection {
  /** Index pairs into the population for the crossovers. */
  pairs: Array<[number, number]>;
  /** Indices into the population for the mutations. */
  singles: number[];
  fallback?: string;
}

export interface Optimizer {
  initialize(ctx: SearchContext, count: number): Promise<Proposal[]>;
  select(ctx: SearchContext, population: Scored[], crossovers: number, mutations: number): Promise<Selection>;
  crossover(ctx: SearchContext, a: Scored, b: Scored): Promise<Proposal>;
  mutate(ctx: SearchContext, a: Scored): Promise<Proposal>;
}
