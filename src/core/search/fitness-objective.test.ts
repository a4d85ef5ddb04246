// The search's fitness objective as data (fast tier): the zero-shot error's mean (acc_norm, acc where a task has none),
// the protocol record, the LLM prompts' wording per objective, and the typed error for an unknown fitness.
import { describe, expect, it } from 'vitest';
import { describeObjective, objectiveProtocol, objectiveTasksOf, parseFitnessKind, zeroShotError, type FitnessObjective } from './fitness-objective.ts';
import { crossoverPrompt, initPrompt, systemPrompt, SYSTEM_PROMPT } from './llm-prompts.ts';
import { newSearchState, runSearch } from './search.ts';
import { gaOptimizer } from './ga-operators.ts';
import type { Optimizer } from './operators.ts';
import { ZERO_SHOT_TASKS } from '../zeroshot/task-registry.ts';
import type { TaskData } from '../zeroshot/task-data.ts';

const m = (value: number) => ({ value, stderr: 0 });
const task = (name: 'hellaswag' | 'boolq', docs: number, limit: number | null): TaskData => ({
  task: ZERO_SHOT_TASKS[name], documents: new Array(docs).fill({ doc: {}, at: { file: 'f', index: 1, unit: 'line' } }),
  file: `${name}.jsonl`, sha256: `${name}-sha`, limit,
});

describe('search fitness objective', () => {
  it('zero-shot error = 1 - mean over tasks of acc_norm, acc where the task reports no acc_norm', () => {
    expect(zeroShotError({ tasks: [{ acc: m(0.5), accNorm: m(0.25) }, { acc: m(0.75), accNorm: null }] as never })).toBeCloseTo(1 - (0.25 + 0.75) / 2, 15);
    expect(zeroShotError({ tasks: [{ acc: m(0.3), accNorm: m(0.4) }] as never })).toBeCloseTo(0.6, 15);
    expect(() => zeroShotError({ tasks: [] })).toThrow(/at least one task/);
  });

  it('reads the tasks, hashes and limits back from a protocol record', () => {
    const t = (name: 'hellaswag' | 'boolq', limit: number | null) => ({ ...task(name, 4, limit), sha256: name === 'hellaswag' ? 'ab12' : 'cd34' });
    expect(objectiveTasksOf(objectiveProtocol({ kind: 'zeroshot', tasks: [t('hellaswag', 6), t('boolq', null)] })))
      .toEqual([{ name: 'hellaswag', sha256: 'ab12', limit: 6 }, { name: 'boolq', sha256: 'cd34', limit: null }]);
    expect(objectiveTasksOf(undefined)).toBeNull();
    expect(objectiveTasksOf('zeroshot 1-mean(acc_norm|acc): hellaswag')).toBeNull();
  });

  it('an unknown fitness is a BadRequest naming the choices', () => {
    expect(parseFitnessKind('ppl')).toBe('ppl');
    expect(parseFitnessKind('zeroshot')).toBe('zeroshot');
    expect(() => parseFitnessKind('accuracy')).toThrow(expect.objectContaining({ code: 'BadRequest', message: expect.stringMatching(/^unknown fitness "accuracy" \(expected ppl or zeroshot/) }));
  });

  it('perplexity keeps the protocol and prompts as they were; zero-shot names its tasks, hashes and limit', () => {
    const zs: FitnessObjective = { kind: 'zeroshot', tasks: [task('hellaswag', 8, 8), task('boolq', 3, null)] };
    expect(objectiveProtocol({ kind: 'ppl', windows: [[1, 2]] })).toBeUndefined();
    expect(objectiveProtocol(zs)).toBe('zeroshot 1-mean(acc_norm|acc): hellaswag hellaswag-sha limit 8, boolq boolq-sha');
    expect(systemPrompt()).toBe(SYSTEM_PROMPT);
    expect(SYSTEM_PROMPT).toContain('Its fitness is the perplexity of the model pruned with that vector: lower is better.');
    const objective = describeObjective(zs);
    expect(systemPrompt(objective)).toContain('Its fitness is the zero-shot error of the model pruned with that vector, 1 - the mean accuracy '
      + 'over the multiple-choice tasks hellaswag (8 documents, acc_norm), boolq (3 documents, acc): lower is better.');
    const config = newSearchState({ numLayers: 3, target: 0.3, pMax: 0.6 }).config;
    expect(initPrompt({ config }, 4)).toContain('that you expect to give a low perplexity');
    expect(initPrompt({ config, objective }, 4)).toContain('that you expect to give a low zero-shot error');
    const a = { id: 0, rates: [0.3, 0.3, 0.3], fitness: 0.71 }, b = { id: 1, rates: [0.2, 0.3, 0.4], fitness: 0.69 };
    const prompt = crossoverPrompt({ config, objective }, a, b, [a, b]);
    expect(prompt).toContain('fitness = zero-shot error, lower is better');
    expect(prompt).not.toMatch(/lower perplexity|fitness = perplexity/);
  });

  it('runSearch hands the objective to every optimizer step', async () => {
    const seen: unknown[] = [];
    const spy: Optimizer = {
      initialize: (ctx, n) => { seen.push(ctx.objective); return gaOptimizer.initialize(ctx, n); },
      select: (ctx, p, c, mu) => { seen.push(ctx.objective); return gaOptimizer.select(ctx, p, c, mu); },
      crossover: (ctx, a, b) => { seen.push(ctx.objective); return gaOptimizer.crossover(ctx, a, b); },
      mutate: (ctx, a) => { seen.push(ctx.objective); return gaOptimizer.mutate(ctx, a); },
    };
    const objective = describeObjective({ kind: 'zeroshot', tasks: [task('hellaswag', 2, 2)] });
    const state = newSearchState({ numLayers: 3, target: 0.3, pMax: 0.6, population: 3, generations: 1, crossovers: 1, mutations: 1 });
    await runSearch(state, { evaluate: async (r) => r[0] }, spy, { objective });
    expect(seen.length).toBe(4);
    expect(seen.every((o) => o === objective)).toBe(true);
  });
});
