// Prompts of the LLM optimizer (docs/algorithms.md §13): each step describes the model, the target and the
// constraints, shows what the search knows (sensitivity scan, population with fitness) and asks for JSON only in
// the format the strict parser in llm-reply.ts accepts.
import type { Scored, SearchContext } from './operators.ts';
import { REPLY_SCHEMAS } from './llm-reply.ts';
import { PERPLEXITY_OBJECTIVE, type ObjectiveDescription } from './fitness-objective.ts';

type PromptContext = Pick<SearchContext, 'config' | 'model' | 'shapes' | 'objective'>;

export function systemPrompt(objective: ObjectiveDescription = PERPLEXITY_OBJECTIVE): string {
  return [
    'You are the optimizer of an evolutionary search over layer-wise pruning rates of a language model (Self-Pruner).',
    'An individual is a vector of per-layer pruning rates: entry l is the fraction of layer l that is removed.',
    `Its fitness is ${objective.definition}: lower is better.`,
    'Layers whose removal hurts more should be pruned less, and the others more, so that the mean stays on target.',
    'Answer every request with JSON only, in exactly the format asked for, with no other text.',
  ].join(' ');
}

export const SYSTEM_PROMPT = systemPrompt();
const objectiveName = (ctx: PromptContext) => (ctx.objective ?? PERPLEXITY_OBJECTIVE).name;

const rates = (v: number[]) => `[${v.map((x) => x.toFixed(3)).join(', ')}]`;
const fitness = (f: number) => (f >= 1e6 ? `${f.toExponential(3)} (diverged)` : f.toFixed(3));
const count = (n: number) => n.toLocaleString('en-US');

function modelSection(ctx: PromptContext): string {
  const L = ctx.config.numLayers;
  const m = ctx.model;
  if (!m) return `Model: ${L} layers (no further description available).`;
  return [
    `Model: architecture ${m.architecture}, ${m.numLayers} layers, ${count(m.paramsPerLayer)} prunable parameters per layer, ` +
      `${count(m.totalParams)} parameters in total.`,
    `Pruning method: ${m.method}.`,
  ].join('\n');
}

function sensitivitySection(ctx: PromptContext): string | undefined {
  const s = ctx.shapes?.sensitivity;
  if (!s) return undefined;
  const lines = s.map((x, l) => `layer ${l}: +${x.toPrecision(4)}`);
  return ['Sensitivity scan (perplexity increase over the dense model when only that layer is pruned; ' +
    'a higher increase means a more sensitive layer that should be pruned less):', ...lines].join('\n');
}

function constraintSection(ctx: PromptContext): string {
  const { numLayers: L, target, pMax } = ctx.config;
  return [
    `Target: mean pruning rate beta = ${target}, maximum rate per layer p_max = ${pMax}.`,
    `Constraints on every vector: exactly ${L} entries (layer 0 first), each in [0, ${pMax}], mean exactly ${target}. ` +
      'The search clips and rescales any vector to these constraints, so stay inside them to keep your intent.',
  ].join('\n');
}

function populationSection(ctx: PromptContext, population: Scored[]): string {
  return [
    `Population (${population.length} individuals; fitness = ${objectiveName(ctx)}, lower is better):`,
    'index | fitness | rates',
    ...population.map((p, i) => `${i} | ${fitness(p.fitness)} | ${rates(p.rates)}`),
  ].join('\n');
}

const join = (parts: Array<string | undefined>) => parts.filter((p) => p !== undefined).join('\n\n');

export function initPrompt(ctx: PromptContext, count: number): string {
  const L = ctx.config.numLayers;
  return join([
    modelSection(ctx), sensitivitySection(ctx), constraintSection(ctx),
    `Propose the initial population: ${count} diverse vectors that you expect to give a low ${objectiveName(ctx)}, ` +
      'from close to uniform to strongly layer-dependent.',
    `Reply with JSON only: ${REPLY_SCHEMAS.init} with ${count} vectors of ${L} numbers each.`,
  ]);
}

export function selectionPrompt(ctx: PromptContext, population: Scored[], crossovers: number, mutations: number): string {
  const n = population.length;
  return join([
    modelSection(ctx), sensitivitySection(ctx), constraintSection(ctx), populationSection(ctx, population),
    `Select parents for the next generation: ${crossovers} pairs of population indices to combine by crossover and ` +
      `${mutations} population indices to mutate. Favour low fitness values but keep some diversity.`,
    `Reply with JSON only: ${REPLY_SCHEMAS.select} with exactly ${crossovers} pairs and ${mutations} indices to mutate, ` +
      `every index an integer in [0, ${n - 1}].`,
  ]);
}

/** Where an individual sits in the population table, when the table is known. */
const label = (p: Scored, population?: Scored[]) => {
  const i = population?.findIndex((q) => q.id === p.id) ?? -1;
  return `${i >= 0 ? `index ${i}, ` : ''}fitness ${fitness(p.fitness)}: ${rates(p.rates)}`;
};

export function crossoverPrompt(ctx: PromptContext, a: Scored, b: Scored, population?: Scored[]): string {
  return join([
    modelSection(ctx), sensitivitySection(ctx), constraintSection(ctx),
    population ? populationSection(ctx, population) : undefined,
    `Parent A (${label(a, population)})\nParent B (${label(b, population)})`,
    `Combine these two parents into one child vector that you expect to have a lower ${objectiveName(ctx)} than both.`,
    `Reply with JSON only: ${REPLY_SCHEMAS.rates} with ${ctx.config.numLayers} numbers.`,
  ]);
}

export function mutationPrompt(ctx: PromptContext, a: Scored, population?: Scored[]): string {
  return join([
    modelSection(ctx), sensitivitySection(ctx), constraintSection(ctx),
    population ? populationSection(ctx, population) : undefined,
    `Individual (${label(a, population)})`,
    `Change this vector to improve its fitness (a lower ${objectiveName(ctx)}): move pruning away from the layers where it ` +
      'hurts most towards the layers where it hurts least.',
    `Reply with JSON only: ${REPLY_SCHEMAS.rates} with ${ctx.config.numLayers} numbers.`,
  ]);
}
