// The LLM optimizer against a real HTTP server on loopback that plays scripted replies: good JSON in three
// wrappings, every kind of bad reply (retried once with the error), two failures in a row (the GA's step, with
// the reason recorded), the API key kept out of every message, cancel during a hung request, and a whole search.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Cancelled } from '../../src/core/errors.ts';
import { gaOptimizer } from '../../src/core/search/ga-operators.ts';
import { chatCompletion, chatCompletionsURL, LlmError, type LlmEndpoint } from '../../src/core/search/llm-client.ts';
import { createLlmOptimizer, type LlmStepEvent } from '../../src/core/search/llm-optimizer.ts';
import type { Scored, SearchContext } from '../../src/core/search/operators.ts';
import { SearchRng } from '../../src/core/search/rng.ts';
import { newSearchState, operatorCounts, runSearch } from '../../src/core/search/search.ts';
import { startChatServer, type ChatServer, type ScriptedReply } from '../helpers/chat-server.ts';

const KEY = 'sk-test-7f3a9c1e5b2d';
const RATES_SCHEMA = '{"rates": [r_1, ..., r_L]}';
let server: ChatServer;
beforeAll(async () => { server = await startChatServer(); });
afterAll(async () => { await server.close(); });
beforeEach(() => server.reset());

const config = newSearchState({ numLayers: 5, target: 0.3, pMax: 0.6, population: 4, crossovers: 2, mutations: 2, operator: 'llm' }).config;
const ctx = (signal?: AbortSignal, extra: Partial<SearchContext> = {}): SearchContext => ({ config, rng: SearchRng.seeded(11), signal, ...extra });
const endpoint = (timeoutMs = 3000, baseURL = server.url): LlmEndpoint => ({ baseURL, model: 'test-model', temperature: 0.7, timeoutMs });
const content = (x: unknown): ScriptedReply => ({ content: JSON.stringify(x) });
const A: Scored = { id: 3, rates: [0.1, 0.2, 0.3, 0.4, 0.5], fitness: 12.5 };
const B: Scored = { id: 8, rates: [0.5, 0.4, 0.3, 0.2, 0.1], fitness: 14.25 };
const GOOD = [0.2, 0.25, 0.3, 0.35, 0.4];

function optimizer(timeoutMs = 3000, key: string | undefined = KEY) {
  const events: LlmStepEvent[] = [];
  return { opt: createLlmOptimizer(endpoint(timeoutMs), key, { onEvent: (e) => events.push(e) }), events };
}

describe('LLM optimizer: usable replies', () => {
  it('uses a bare JSON reply; sends model, temperature, the prompts and the key as a Bearer header', async () => {
    server.push(content({ rates: GOOD }));
    const { opt, events } = optimizer();
    expect(await opt.crossover(ctx(), A, B)).toEqual({ operator: 'llm-crossover', rates: GOOD });
    expect(events).toEqual([{ step: 'crossover', attempt: 1, ok: true }]);
    expect(server.requests).toHaveLength(1);
    const [req] = server.requests;
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.authorization).toBe(`Bearer ${KEY}`);
    expect(req.body.model).toBe('test-model');
    expect(req.body.temperature).toBe(0.7);
    expect(req.body.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(req.body.messages[0].content).toContain('Self-Pruner');
    const prompt = req.body.messages[1].content;
    expect(prompt).toContain('Parent A (fitness 12.500: [0.100, 0.200, 0.300, 0.400, 0.500])');
    expect(prompt).toContain('Parent B (fitness 14.250: [0.500, 0.400, 0.300, 0.200, 0.100])');
    expect(prompt).toContain('exactly 5 entries (layer 0 first), each in [0, 0.6], mean exactly 0.3');
    expect(prompt).toContain(`Reply with JSON only: ${RATES_SCHEMA} with 5 numbers.`);
    expect(prompt).not.toContain(KEY);
  });

  it('finds JSON in prose (mutation) and in a ```json fence (init)', async () => {
    server.push({ content: `Layer 4 looks robust, so I move pruning there:\n{"rates": ${JSON.stringify(GOOD)}}\nThis should help.` });
    const { opt } = optimizer();
    expect(await opt.mutate(ctx(), A)).toEqual({ operator: 'llm-mutation', rates: GOOD });

    const vectors = [GOOD, [0.3, 0.3, 0.3, 0.3, 0.3], [0.1, 0.2, 0.3, 0.4, 0.5]];
    server.push({ content: `Here are three:\n\`\`\`json\n${JSON.stringify({ vectors })}\n\`\`\`` });
    expect(await opt.initialize(ctx(), 3)).toEqual(vectors.map((rates) => ({ operator: 'llm-init', rates })));
  });

  it('uses the selection and shows the population as a table', async () => {
    server.push(content({ pairs: [[0, 1], [1, 0], [0, 0]], mutate: [1, 0, 1] }));
    const { opt } = optimizer();
    expect(await opt.select(ctx(), [A, B], 2, 2)).toEqual({ pairs: [[0, 1], [1, 0]], singles: [1, 0] });
    const prompt = server.requests[0].body.messages[1].content;
    expect(prompt).toContain('index | fitness | rates\n0 | 12.500 | [0.100, 0.200, 0.300, 0.400, 0.500]\n1 | 14.250 | [0.500, 0.400, 0.300, 0.200, 0.100]');
    expect(prompt).toContain('exactly 2 pairs and 2 indices to mutate, every index an integer in [0, 1]');
    // The children's prompts see the population (the search puts it on the context) and where the parents sit in it.
    server.push(content({ rates: GOOD }));
    await opt.mutate({ ...ctx(), population: [A, B] }, B);
    expect(server.requests[1].body.messages[1].content).toContain('Individual (index 1, fitness 14.250: [0.500, 0.400');
  });
});

describe('LLM optimizer: a bad first reply is retried with its error', () => {
  const cases: Array<[string, ScriptedReply, string, boolean]> = [
    ['malformed JSON', { content: '{"rates": [0.1, 0.2,' }, 'malformed JSON (', true],
    ['a wrong vector length', content({ rates: [0.1, 0.2, 0.3, 0.4] }), 'rates has 4 entries, expected 5', true],
    ['out-of-range values', content({ rates: [0.1, 0.2, 1.5, 0.3, -0.2] }),
      'rates[2] is 1.5, not below 1 (every entry must be in [0, 1)); rates[4] is -0.2, below 0', true],
    ['NaN in the text', { content: '{"rates": [0.1, NaN, 0.3, 0.3, 0.3]}' }, 'the JSON contains NaN, which is not a number', true],
    ['HTTP 500', { status: 500, body: '{"error":"model overloaded"}' }, 'HTTP 500 from URL: {"error":"model overloaded"}', false],
    ['a refusal', { refusal: 'I cannot help with that' }, 'refused: I cannot help with that', false],
    ['a non-JSON body', { raw: 'not json at all' }, 'reply from URL is not JSON: not json at all', false],
    ['a hang past the timeout', { hang: true }, 'timed out after 300 ms', false],
  ];
  it.each(cases)('%s', async (_name, bad, expected, echoed) => {
    const error = expected.replace('URL', `${server.url}/v1/chat/completions`);
    server.push(bad, content({ rates: GOOD }));
    const { opt, events } = optimizer(300);
    expect(await opt.mutate(ctx(), A)).toEqual({ operator: 'llm-mutation', rates: GOOD });
    expect(server.requests).toHaveLength(2);
    const retry = server.requests[1].body.messages;
    // The conversation goes on: the unusable reply (when there was one), then the error and the schema again.
    expect(retry.map((m) => m.role)).toEqual(echoed ? ['system', 'user', 'assistant', 'user'] : ['system', 'user', 'user']);
    if (echoed) expect(retry[2].content).toBe((bad as { content: string }).content);
    const last = retry[retry.length - 1].content;
    expect(last.startsWith('Your reply could not be used: ')).toBe(true);
    expect(last).toContain(error);
    expect(last.endsWith(`Reply with JSON only: ${RATES_SCHEMA}`)).toBe(true);
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ step: 'mutation', attempt: 1, ok: false });
    expect(events[0].error).toContain(error);
    expect(events[1]).toEqual({ step: 'mutation', attempt: 2, ok: true });
  });
});

describe('LLM optimizer: two failures fall back to the GA step', () => {
  it('crossover: HTTP 500 then a timeout give the GA child and both reasons', async () => {
    server.push({ status: 500, body: 'boom' }, { hang: true });
    const { opt } = optimizer(300);
    const c = ctx();
    const t0 = performance.now();
    const p = await opt.crossover(c, A, B);
    expect(performance.now() - t0).toBeLessThan(2000);
    const g = ctx();
    const expected = await gaOptimizer.crossover(g, A, B);
    expect(p).toEqual({ ...expected, fallback: `llm crossover: HTTP 500 from ${server.url}/v1/chat/completions: boom; retry: timed out after 300 ms` });
    expect(p.operator).toMatch(/^ga-crossover-(blend|one-point)$/);
    expect(c.rng.state()).toEqual(g.rng.state()); // the fallback drew what the GA draws
  });

  it('mutation, selection and init fall back after garbage twice', async () => {
    const { opt, events } = optimizer();
    server.push({ content: 'no idea' }, { content: '{"rates": [1, 1, 1, 1, 1]}' });
    const m = await opt.mutate(ctx(), A);
    expect(m).toEqual({ ...(await gaOptimizer.mutate(ctx(), A)), fallback: expect.any(String) });
    expect(m.fallback?.startsWith('llm mutation: the reply contains no JSON object; retry: rates[0] is 1, not below 1 (every entry')).toBe(true);
    expect(m.fallback).toContain('; rates[2] is 1, not below 1');
    expect(m.fallback).not.toContain('rates[3]'); // three problems at most
    expect(m.operator).toBe('ga-mutation');

    server.push(content({ pairs: [[0, 2]], mutate: [0, 1] }), content({ pairs: [[0, 1]], mutate: [0] }));
    const s = await opt.select(ctx(), [A, B], 2, 2);
    expect(s).toEqual({ ...(await gaOptimizer.select(ctx(), [A, B], 2, 2)),
      fallback: 'llm select: pairs has 1 entry, expected at least 2; pairs[0][1] is 2, expected an index in [0, 1]; ' +
        'retry: pairs has 1 entry, expected at least 2; mutate has 1 entry, expected at least 2' });

    server.push({ refusal: 'no' }, { refusal: 'still no' });
    const init = await opt.initialize(ctx(), 3);
    expect(init).toEqual((await gaOptimizer.initialize(ctx(), 3)).map((p) => ({ ...p, fallback: 'llm init: refused: no; retry: refused: still no' })));
    expect(init.map((p) => p.operator)).toEqual(['ga-init-uniform', 'ga-init-dirichlet', 'ga-init-dirichlet']);
    expect(events.map((e) => `${e.step}${e.attempt}${e.ok ? '+' : '-'}`)).toEqual(['mutation1-', 'mutation2-', 'select1-', 'select2-', 'init1-', 'init2-']);
  });

  it('init: fewer vectors than asked are topped up with the GA shapes, marked as fallback', async () => {
    const sensitivity = [4, 1, 0.5, 0.5, 2];
    const model = { architecture: 'llama', numLayers: 5, paramsPerLayer: 1_234_567, totalParams: 7_000_000, method: 'structured wanda-sp' };
    server.push(content({ vectors: [GOOD, [0.3, 0.3, 0.3, 0.3, 0.9]] }));
    const { opt } = optimizer();
    const init = await opt.initialize(ctx(undefined, { shapes: { sensitivity }, model }), 4);
    const fallback = 'llm init: the reply had 2 of 4 vectors; the rest are built-in';
    const ga = await gaOptimizer.initialize(ctx(undefined, { shapes: { sensitivity } }), 2);
    expect(init).toEqual([
      { operator: 'llm-init', rates: GOOD }, { operator: 'llm-init', rates: [0.3, 0.3, 0.3, 0.3, 0.9] },
      { ...ga[0], fallback }, { ...ga[1], fallback },
    ]);
    expect(init.map((p) => p.operator)).toEqual(['llm-init', 'llm-init', 'ga-init-uniform', 'ga-init-sensitivity']);
    const prompt = server.requests[0].body.messages[1].content;
    expect(prompt).toContain('Model: architecture llama, 5 layers, 1,234,567 prunable parameters per layer, 7,000,000 parameters in total.');
    expect(prompt).toContain('layer 0: +4.000\nlayer 1: +1.000');
    expect(prompt).toContain('{"vectors": [[r_1, ..., r_L], ...]} with 4 vectors of 5 numbers each');
  });

  it('an unreachable endpoint falls back too', async () => {
    const opt = createLlmOptimizer(endpoint(2000, 'http://127.0.0.1:1'), KEY);
    const p = await opt.mutate(ctx(), A);
    expect(p.operator).toBe('ga-mutation');
    expect(p.fallback).toMatch(/^llm mutation: request to http:\/\/127\.0\.0\.1:1\/v1\/chat\/completions failed: .*; retry: request to/);
  });
});

describe('LLM client: key, URL, cancel', () => {
  it('never puts the API key into an error, a fallback reason or an event, even when the server echoes it', async () => {
    server.push({ status: 401, body: `invalid key ${KEY}` }, { refusal: `I will not use ${KEY}` });
    const { opt, events } = optimizer();
    const p = await opt.crossover(ctx(), A, B);
    expect(server.requests.map((r) => r.authorization)).toEqual([`Bearer ${KEY}`, `Bearer ${KEY}`]);
    expect(p.fallback).toBe(`llm crossover: HTTP 401 from ${server.url}/v1/chat/completions: invalid key ***; retry: refused: I will not use ***`);
    expect(JSON.stringify(events)).not.toContain(KEY);
    // The retry message itself must not hand the key to the LLM either.
    expect(JSON.stringify(server.requests.map((r) => r.body))).not.toContain(KEY);

    server.push({ status: 500, body: `echo Authorization: Bearer ${KEY}` });
    const err = await chatCompletion(endpoint(), KEY, [{ role: 'user', content: 'hi' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmError);
    const e = err as LlmError;
    expect(e.code).toBe('LlmError');
    expect(e.message).toBe(`HTTP 500 from ${server.url}/v1/chat/completions: echo Authorization: Bearer ***`);
    for (const text of [e.message, String(e.stack), JSON.stringify(e), JSON.stringify(Object.entries(e))]) expect(text).not.toContain(KEY);
  });

  it('sends no Authorization header without a key; tolerates "/", "/v1" and "/v1/" base URLs', async () => {
    expect(chatCompletionsURL('http://h:1')).toBe('http://h:1/v1/chat/completions');
    expect(chatCompletionsURL('http://h:1/')).toBe('http://h:1/v1/chat/completions');
    expect(chatCompletionsURL('http://h:1/v1')).toBe('http://h:1/v1/chat/completions');
    expect(chatCompletionsURL('https://h/api/v1/')).toBe('https://h/api/v1/chat/completions');
    expect(chatCompletionsURL('http://h/v1/chat/completions')).toBe('http://h/v1/chat/completions');
    server.push({ content: 'a' }, { content: 'b' });
    expect(await chatCompletion(endpoint(3000, `${server.url}/v1/`), undefined, [{ role: 'user', content: 'x' }])).toBe('a');
    expect(await chatCompletion(endpoint(3000, `${server.url}/`), '', [{ role: 'user', content: 'x' }])).toBe('b');
    expect(server.requests.map((r) => r.authorization)).toEqual([undefined, undefined]);
    expect(server.requests.map((r) => r.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions']);
  });

  it('a reply without content is an error', async () => {
    server.push({ raw: JSON.stringify({ choices: [] }) }, { raw: JSON.stringify({ choices: [{ message: { content: null } }] }) });
    for (let i = 0; i < 2; i++) {
      await expect(chatCompletion(endpoint(), KEY, [{ role: 'user', content: 'x' }])).rejects.toThrow('reply has no choices[0].message.content');
    }
  });

  it('aborting the search during a hung request throws Cancelled at once, without a retry or fallback', async () => {
    server.push({ hang: true }, content({ rates: GOOD }));
    const { opt, events } = optimizer(10_000);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const t0 = performance.now();
    const err = await opt.crossover(ctx(ac.signal), A, B).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Cancelled);
    expect(err).not.toBeInstanceOf(LlmError);
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(server.requests).toHaveLength(1);
    expect(events).toEqual([]);
    // Already aborted: nothing is sent.
    await expect(opt.select(ctx(ac.signal), [A, B], 1, 1)).rejects.toBeInstanceOf(Cancelled);
    await expect(chatCompletion(endpoint(), KEY, [], ac.signal)).rejects.toBeInstanceOf(Cancelled);
    expect(server.requests).toHaveLength(1);
  });
});

describe('LLM optimizer in a whole search', () => {
  it('runs to the end with good and bad replies mixed; every vector is repaired; fallbacks are counted', async () => {
    const c = [0.1, 0.2, 0.3, 0.4, 0.5];
    const evaluator = { evaluate: async (r: number[]) => 1 + r.reduce((s, x, i) => s + (x - c[i]) ** 2, 0) };
    const v = (...x: number[]) => content({ rates: x });
    server.push(
      // generation 0: 4 of 6 vectors (one above p_max: repaired), the rest from the GA
      content({ vectors: [[0.1, 0.2, 0.3, 0.4, 0.5], [0.35, 0.3, 0.3, 0.3, 0.25], [0.2, 0.2, 0.3, 0.4, 0.4], [0.0, 0.1, 0.3, 0.5, 0.9]] }),
      // generation 1: selection retried, crossover 2 and mutation 2 fall back
      content({ pairs: [[0, 1], [0, 9]], mutate: [0, 1] }), content({ pairs: [[0, 1], [2, 3], [4, 5]], mutate: [0, 1, 2] }),
      { content: 'Blend: {"rates": [0.12, 0.22, 0.3, 0.38, 0.48]}' },
      { status: 500, body: 'overloaded' }, { status: 500, body: 'overloaded' },
      { content: '```json\n{"rates": [0.1, 0.2, 0.32, 0.38, 0.5]}\n```' },
      { content: '{"rates": [NaN, 0.2, 0.3, 0.4, 0.5]}' }, { refusal: 'I cannot' },
      // generation 2
      content({ pairs: [[0, 2], [1, 3]], mutate: [0, 4] }),
      v(0.1, 0.2, 0.3, 0.4), v(0.11, 0.21, 0.3, 0.39, 0.49),
      v(0.09, 0.2, 0.3, 0.41, 0.5),
      v(0.1, 0.19, 0.31, 0.4, 0.5),
      { raw: 'not json at all' }, v(0.1, 0.2, 0.29, 0.4, 0.51),
    );
    const state = newSearchState({ numLayers: 5, target: 0.3, pMax: 0.6, population: 6, generations: 2, crossovers: 2, mutations: 2, operator: 'llm' });
    const model = { architecture: 'llama', numLayers: 5, paramsPerLayer: 1000, totalParams: 6000, method: 'synthetic' };
    await runSearch(state, evaluator, createLlmOptimizer(endpoint(2000), KEY), { model, shapes: { sensitivity: [5, 1, 1, 1, 3] } });

    expect(state.done).toBe(true);
    expect(server.remaining()).toBe(0);
    expect(server.requests).toHaveLength(16);
    expect(state.history).toHaveLength(6 + 4 + 4);
    for (const e of state.history) {
      expect(Math.abs(e.rates.reduce((a, b) => a + b, 0) / 5 - 0.3)).toBeLessThan(1e-9);
      for (const x of e.rates) { expect(x).toBeGreaterThanOrEqual(0); expect(x).toBeLessThanOrEqual(0.6); }
    }
    const counts = operatorCounts(state);
    const gaCrossovers = (counts['ga-crossover-blend'] ?? 0) + (counts['ga-crossover-one-point'] ?? 0);
    expect({ ...counts, 'ga-crossover-blend': undefined, 'ga-crossover-one-point': undefined }).toEqual({
      'llm-init': 4, 'ga-init-uniform': 1, 'ga-init-sensitivity': 1, 'llm-crossover': 3, 'llm-mutation': 3, 'ga-mutation': 1,
      'fallback:init': 2, 'fallback:crossover': 1, 'fallback:mutation': 1,
      'ga-crossover-blend': undefined, 'ga-crossover-one-point': undefined,
    });
    expect(gaCrossovers).toBe(1);
    expect(state.history.filter((e) => e.fallback).map((e) => e.fallback)).toEqual([
      'llm init: the reply had 4 of 6 vectors; the rest are built-in', 'llm init: the reply had 4 of 6 vectors; the rest are built-in',
      `llm crossover: HTTP 500 from ${server.url}/v1/chat/completions: overloaded; retry: HTTP 500 from ${server.url}/v1/chat/completions: overloaded`,
      'llm mutation: the JSON contains NaN, which is not a number: every entry must be a finite number in [0, 1); retry: refused: I cannot',
    ]);
    // The LLM's exact crossover child is already on the target, so the repair leaves it as sent.
    expect(state.history[6].rates.map((x) => +x.toFixed(12))).toEqual([0.12, 0.22, 0.3, 0.38, 0.48]);
    // The generation-1 selection's retry carried the index error.
    expect(server.requests[2].body.messages.at(-1)?.content).toContain('pairs[1][1] is 9, expected an index in [0, 5]');
    expect(state.summaries.map((s) => s.generation)).toEqual([0, 1, 2]);
    expect(state.summaries[2].best).toBeLessThanOrEqual(state.summaries[0].best);
    expect(JSON.stringify(state)).not.toContain(KEY);
  });
});
