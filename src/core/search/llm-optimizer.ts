// The LLM optimizer of the Self-Pruner search: each step asks an OpenAI-compatible chat model, parses the reply
// strictly, asks once more with the error when that fails, and then falls back to the built-in GA step, recording
// why on the proposal. Only a cancelled search (ctx.signal) escapes as an exception; an endpoint that is down,
// slow, refusing or talking nonsense degrades the search to the GA but never stops it.
import { Cancelled } from '../errors.ts';
import { gaOptimizer } from './ga-operators.ts';
import { chatCompletion, type ChatMessage, type LlmEndpoint } from './llm-client.ts';
import { crossoverPrompt, initPrompt, mutationPrompt, selectionPrompt, systemPrompt } from './llm-prompts.ts';
import { parseInitReply, parseRatesReply, parseSelectionReply, REPLY_SCHEMAS, type Parsed } from './llm-reply.ts';
import type { Optimizer, Proposal, SearchContext, Selection } from './operators.ts';

export type LlmStep = 'init' | 'select' | 'crossover' | 'mutation';

/** One request of one step (attempt 1, or 2 = the retry), and whether its reply was usable. */
export interface LlmStepEvent { step: LlmStep; attempt: number; ok: boolean; error?: string }

export interface LlmOptimizerOptions {
  onEvent?(e: LlmStepEvent): void;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; reason: string };

const clip = (s: string, n = 200) => (s.length > n ? `${s.slice(0, n)}...` : s);

export function createLlmOptimizer(endpoint: LlmEndpoint, apiKey: string | undefined, opts: LlmOptimizerOptions = {}): Optimizer {
  const emit = (e: LlmStepEvent) => {
    try { opts.onEvent?.(e); } catch { /* an observer's bug must not change the search */ }
  };
  const scrub = (s: string) => (apiKey ? s.split(apiKey).join('***') : s);

  /** Ask, parse, retry once with the error; the reason names both failures when neither reply was usable. */
  async function ask<T>(ctx: SearchContext, step: LlmStep, prompt: string, schema: string,
    parse: (text: string) => Parsed<T>): Promise<Outcome<T>> {
    const messages: ChatMessage[] = [{ role: 'system', content: systemPrompt(ctx.objective) }, { role: 'user', content: prompt }];
    const errors: string[] = [];
    for (let attempt = 1; attempt <= 2; attempt++) {
      if (ctx.signal?.aborted) throw new Cancelled('search');
      let text: string | undefined;
      let error: string;
      try {
        text = await chatCompletion(endpoint, apiKey, messages, ctx.signal);
        const parsed = parse(text);
        if (parsed.ok) {
          emit({ step, attempt, ok: true });
          return parsed;
        }
        error = parsed.error;
      } catch (e) {
        if (e instanceof Cancelled || ctx.signal?.aborted) throw new Cancelled('search');
        error = e instanceof Error ? e.message : String(e); // LlmError, or anything unforeseen: both fall back
      }
      error = clip(scrub(error));
      errors.push(error);
      emit({ step, attempt, ok: false, error });
      if (text !== undefined) messages.push({ role: 'assistant', content: text });
      messages.push({ role: 'user', content: `Your reply could not be used: ${error}. Reply with JSON only: ${schema}` });
    }
    return { ok: false, reason: `llm ${step}: ${errors[0]}; retry: ${errors[1]}` };
  }

  const L = (ctx: SearchContext) => ctx.config.numLayers;

  return {
    async initialize(ctx, count) {
      const r = await ask(ctx, 'init', initPrompt(ctx, count), REPLY_SCHEMAS.init, (t) => parseInitReply(t, L(ctx), count));
      if (!r.ok) return (await gaOptimizer.initialize(ctx, count)).map((p) => ({ ...p, fallback: r.reason }));
      const out: Proposal[] = r.value.map((rates) => ({ operator: 'llm-init', rates }));
      if (out.length < count) {
        // The GA's first proposals are the uniform / OWL / sensitivity shapes: the best fillers there are.
        const fallback = `llm init: the reply had ${out.length} of ${count} vectors; the rest are built-in`;
        const fill = await gaOptimizer.initialize(ctx, count - out.length);
        out.push(...fill.map((p) => ({ ...p, fallback })));
      }
      return out;
    },

    async select(ctx, population, crossovers, mutations): Promise<Selection> {
      const r = await ask(ctx, 'select', selectionPrompt(ctx, population, crossovers, mutations), REPLY_SCHEMAS.select,
        (t) => parseSelectionReply(t, population.length, crossovers, mutations));
      if (!r.ok) return { ...(await gaOptimizer.select(ctx, population, crossovers, mutations)), fallback: r.reason };
      return { pairs: r.value.pairs, singles: r.value.mutate };
    },

    async crossover(ctx, a, b) {
      const r = await ask(ctx, 'crossover', crossoverPrompt(ctx, a, b, ctx.population), REPLY_SCHEMAS.rates,
        (t) => parseRatesReply(t, L(ctx)));
      if (!r.ok) return { ...(await gaOptimizer.crossover(ctx, a, b)), fallback: r.reason };
      return { operator: 'llm-crossover', rates: r.value };
    },

    async mutate(ctx, a) {
      const r = await ask(ctx, 'mutation', mutationPrompt(ctx, a, ctx.population), REPLY_SCHEMAS.rates,
        (t) => parseRatesReply(t, L(ctx)));
      if (!r.ok) return { ...(await gaOptimizer.mutate(ctx, a)), fallback: r.reason };
      return { operator: 'llm-mutation', rates: r.value };
    },
  };
}
