// The search slice with a scripted worker: streamed individuals and generations, the final outcome, settings
// validation before anything is sent, cancel -> resume with the last checkpoint, and the LLM key kept apart.
import { describe, expect, it } from 'vitest';
import type { AdapterSummary } from '../core/gpu/device.ts';
import { newSearchState } from '../core/search/search.ts';
import type { SearchState } from '../core/search/search-types.ts';
import type { ModelSummary, SearchJobRequest, SearchOutcome } from '../worker/api.ts';
import type { StudioClient } from '../worker/client.ts';
import { StudioError } from '../worker/error-info.ts';
import { createStudioStore } from './studio-store.ts';
import { missingFitnessFiles, shownSearchSettings } from './search-slice.ts';
import { zeroShotOfCheckpoint } from './zero-shot-link.ts';
import { toSearchRequest, DEFAULT_SEARCH } from './search-settings.ts';

const adapter: AdapterSummary = { vendor: 'google', architecture: 'swiftshader', description: '', isFallback: true, maxBindingBytes: 2 ** 30, maxBufferBytes: 2 ** 30 };
const summary: ModelSummary = {
  name: 'model', format: 'hf-safetensors', architecture: 'llama', parameters: 260_000, layers: 5, hidden: 64,
  intermediate: 172, heads: 8, kvHeads: 4, headDim: 8, vocab: 512, maxPositions: 512, dtype: 'F32',
  fingerprint: 'abcdef0123456789', files: ['config.json', 'model.safetensors'], loadSeconds: 0.1,
};

function fakeClient(search: StudioClient['search']): StudioClient {
  return {
    init: async () => adapter, loadModel: async () => summary,
    perplexity: async () => { throw new Error('unused'); }, generate: async () => { throw new Error('unused'); },
    prune: async () => { throw new Error('unused'); }, scan: async () => { throw new Error('unused'); },
    search, cancel: async () => {}, dispose: () => {},
    loadHubModel: async () => { throw new Error('unused'); }, fetchHubText: async () => { throw new Error('unused'); }, fetchHubDataFile: async () => { throw new Error('unused'); },
    cancelDownloads: async () => {}, hubCache: async () => ({ files: 0, bytes: 0 }),
    exportModel: async () => { throw new Error('unused'); }, watchDevice: async () => {}, reloadModel: async () => { throw new Error('unused'); }, loseDeviceForTest: async () => {},
    allocations: async () => { throw new Error('unused'); },
    zeroShot: async () => { throw new Error('unused'); },
  };
}

async function readyStore(client: StudioClient) {
  const store = createStudioStore(client, { hasWebGpu: true, now: () => 0 });
  await store.getState().init();
  await store.getState().loadModelFiles([new File(['{}'], 'config.json')]);
  store.getState().setTextFile(new File(['Once upon a time'], 'text.txt'));
  store.getState().setSettings({ seqLen: 128, maxWindows: 4 });
  store.getState().setSearchSettings({ population: 2, generations: 1, crossovers: 1, mutations: 0 });
  return store;
}

const bestCount = { basis: 'removable weights' as const, total: 206080, requested: 61824, methodRounding: 59200, removed: 61824 };
const uniformCount = { ...bestCount, methodRounding: 59200, removed: 61824 };
const config = () => newSearchState({ numLayers: 5, target: 0.3, pMax: 0.6, population: 2, generations: 1, crossovers: 1, mutations: 0 }).config;
const evaluation = (generation: number, fitness: number) =>
  ({ generation, operator: 'ga-init-uniform' as const, parents: [], rates: [0.3, 0.3, 0.3, 0.3, 0.3], fitness, seconds: 1, cached: false });

const HELLASWAG = [0, 1].map((i) => JSON.stringify({
  activity_label: 'Story', ctx_a: `Tom ran ${i} times.`, ctx_b: 'then he', ctx: `Tom ran ${i} times. Then he`,
  endings: ['fell.', 'sat.', 'ate.', 'slept.'], label: String(i),
})).join('\n');

describe('search slice', () => {
  it('the zero-shot fitness needs the Zero-shot panel\'s checked files, then sends them with its limit', async () => {
    const requests: SearchJobRequest[] = [];
    const store = await readyStore(fakeClient(async (req) => {
      requests.push(req);
      const state = { ...newSearchState({ numLayers: 5, target: 0.3, pMax: 0.6 }), history: [evaluation(0, 0.6)], done: true };
      return { state, best: { rates: [0.3, 0.3, 0.3, 0.3, 0.3], fitness: 0.6, operator: 'ga-init-uniform', generation: 0, count: uniformCount },
        uniform: { rates: [0.3, 0.3, 0.3, 0.3, 0.3], fitness: 0.7, count: uniformCount }, densePpl: 4, seconds: 1, fitness: req.fitness ?? 'ppl' };
    }));
    store.getState().setSearchSettings({ fitness: 'zeroshot' });
    await store.getState().runSearch();
    expect(store.getState().search.error?.message).toBe("The zero-shot fitness uses the Zero-shot panel's tasks: Pick at least one task.");
    store.getState().toggleZeroShotTask('hellaswag', true);
    await store.getState().runSearch();
    expect(store.getState().search.error?.message).toMatch(/Choose a data file for hellaswag\.$/);
    expect(requests).toEqual([]);
    const file = new File([HELLASWAG], 'hs.jsonl');
    await store.getState().pickZeroShotFile('hellaswag', file);
    store.getState().setZeroShotLimit(1);
    await store.getState().runSearch();
    expect(requests).toHaveLength(1);
    expect(requests[0].fitness).toBe('zeroshot');
    expect(requests[0].zeroShot).toEqual({ tasks: [{ task: 'hellaswag', file }], limit: 1 });
    expect(store.getState().search).toMatchObject({ status: 'done', ranFitness: 'zeroshot', uniformFitness: 0.7 });
    // Back to perplexity: neither the fitness nor the files are sent.
    store.getState().setSearchSettings({ fitness: 'ppl' });
    await store.getState().runSearch();
    expect(requests[1].fitness).toBeUndefined();
    expect(requests[1].zeroShot).toBeUndefined();
    expect(store.getState().search.ranFitness).toBe('ppl');
  });

  it('a restored checkpoint made with the zero-shot fitness shows zero-shot error', async () => {
    const store = await readyStore(fakeClient(async () => { throw new Error('unused'); }));
    const state: SearchState = { ...newSearchState({ numLayers: 5, target: 0.3, pMax: 0.6 }), history: [evaluation(0, 0.6)],
      protocol: { modelHash: 'm', method: 'structured wanda-sp', textHash: 't', calibHash: 't', seqLen: 64, windows: 2, calibWindows: 2, calibOffset: 0,
        fitness: 'zeroshot 1-mean(acc_norm|acc): hellaswag abc123 limit 6' } };
    store.getState().setSearchSettings({ fitness: 'zeroshot' });
    store.getState().restoreSearchCheckpoint(state);
    expect(store.getState().search.ranFitness).toBe('zeroshot');
    // Resuming names the run's file by task and hash, whatever is picked.
    const needs = 'The zero-shot fitness needs these task files, picked in the Zero-shot panel: hellaswag (SHA-256 abc123…).';
    expect(missingFitnessFiles(store.getState())).toBe(needs);
    await store.getState().pickZeroShotFile('hellaswag', new File([HELLASWAG], 'other.jsonl'));
    expect(missingFitnessFiles(store.getState())).toBe(needs);
    await store.getState().runSearch({ resume: true });
    expect(store.getState().search.error?.message).toBe(needs);
    store.getState().restoreSearchCheckpoint({ ...state, protocol: { ...state.protocol!, fitness: undefined } });
    expect(store.getState().search.ranFitness).toBe('ppl');
    // Resuming a saved run puts its tasks and limit in the Zero-shot panel (a perplexity run leaves the panel alone).
    const z = store.getState().zeroShot;
    expect(zeroShotOfCheckpoint(z, state).settings).toEqual({ tasks: ['hellaswag'], limit: 6 });
    expect(zeroShotOfCheckpoint(z, { ...state, protocol: { ...state.protocol!, fitness: undefined } })).toBe(z);
  });

  it('streams individuals and generations into the slice, then shows the outcome', async () => {
    const seen: Array<[number, number]> = [];
    let request: SearchJobRequest | undefined;
    const store = await readyStore(fakeClient(async (req, _opts, onEvent) => {
      request = req;
      onEvent?.({ kind: 'started', config: config(), densePpl: 4, total: 3 });
      onEvent?.({ kind: 'evaluation', id: 0, evaluation: evaluation(0, 20), done: 1, total: 3 });
      const s = store.getState().search;
      seen.push([s.points.length, s.done]);
      onEvent?.({ kind: 'evaluation', id: 1, evaluation: evaluation(0, 18), done: 2, total: 3 });
      onEvent?.({ kind: 'generation', summary: { generation: 0, best: 18, mean: 19, evaluations: 2 }, best: { rates: [0.3, 0.3, 0.3, 0.3, 0.3], fitness: 18 } });
      onEvent?.({ kind: 'llm', message: 'select attempt 1: HTTP 500' });
      const state = { ...newSearchState({ numLayers: 5, target: 0.3, pMax: 0.6 }), history: [evaluation(0, 20), evaluation(0, 18), evaluation(1, 15)], done: true };
      return { state, best: { rates: [0.2, 0.3, 0.3, 0.3, 0.4], fitness: 15, operator: 'ga-mutation', generation: 1, count: bestCount },
        uniform: { rates: [0.3, 0.3, 0.3, 0.3, 0.3], fitness: 20, count: uniformCount }, densePpl: 4, seconds: 3, fitness: 'ppl' } as SearchOutcome;
    }));
    await store.getState().runSearch();
    const s = store.getState().search;
    expect(seen).toEqual([[1, 1]]); // the first individual was on screen before the job ended
    // The method panel (Wanda on weights, slider at 0) chose the method; the target stays the default 30%.
    expect(request).toMatchObject({ structured: undefined, metric: 'wanda', target: 0.3, population: 2, generations: 1, operator: 'ga' });
    expect(request?.llm).toBeUndefined();
    expect(s.status).toBe('done');
    expect(s.points.map((p) => p.fitness)).toEqual([20, 18, 15]);
    expect(s.best?.fitness).toBe(15);
    expect(s.uniformFitness).toBe(20);
    expect(s.counts).toEqual({ best: bestCount, uniform: uniformCount, uniformRate: 0.3 });
    expect(s.densePpl).toBe(4);
    expect(s.llmNotes).toEqual(['select attempt 1: HTTP 500']);
    expect(s.resumable).toBe(false);
  });

  it('validates the settings before asking the worker', async () => {
    let asked = false;
    const store = await readyStore(fakeClient(async () => { asked = true; throw new Error('unused'); }));
    store.getState().setSearchSettings({ method: 'wanda-sp', target: 0.7 });
    await store.getState().runSearch();
    expect(store.getState().search.error?.message).toMatch(/^target must be in \(0, 0\.625\] \(beyond it a kv-group would lose/);
    store.getState().setSearchSettings({ target: 0.3, operator: 'llm', llmUrl: 'localhost:8080', llmModel: 'm' });
    await store.getState().runSearch();
    expect(store.getState().search.error?.message).toBe('LLM endpoint "localhost:8080" is not a URL (e.g. http://127.0.0.1:8080)');
    store.getState().setSearchSettings({ llmUrl: 'http://127.0.0.1:8080', llmModel: ' ' });
    await store.getState().runSearch();
    expect(store.getState().search.error?.message).toBe('name the LLM model the endpoint should use');
    store.getState().setSearchSettings({ operator: 'ga', population: 1 });
    await store.getState().runSearch();
    expect(store.getState().search.error?.message).toBe('population must be a whole number of at least 2 (got 1)');
    expect(asked).toBe(false);
  });

  it('a cancelled run is resumable and resumes from its last checkpoint', async () => {
    const checkpoint: SearchState = { ...newSearchState({ numLayers: 5, target: 0.3, pMax: 0.6 }), history: [evaluation(0, 20)] };
    const resumes: Array<SearchState | undefined> = [];
    const store = await readyStore(fakeClient(async (req, _opts, onEvent) => {
      resumes.push(req.resume);
      if (!req.resume) {
        onEvent?.({ kind: 'started', config: config(), densePpl: 4, total: 3 });
        onEvent?.({ kind: 'checkpoint', state: checkpoint });
        throw new StudioError('Cancelled', 'search cancelled');
      }
      return { state: { ...checkpoint, done: true }, best: { rates: [0.3, 0.3, 0.3, 0.3, 0.3], fitness: 20, operator: 'ga-init-uniform', generation: 0, count: uniformCount },
        uniform: { rates: [0.3, 0.3, 0.3, 0.3, 0.3], fitness: 20, count: uniformCount }, densePpl: 4, seconds: 1, fitness: 'ppl' };
    }));
    await store.getState().runSearch();
    expect(store.getState().search).toMatchObject({ status: 'cancelled', resumable: true, error: null });
    await store.getState().runSearch({ resume: true });
    expect(resumes).toEqual([undefined, checkpoint]);
    expect(store.getState().search.status).toBe('done');
  });

  it('the method and target follow the method panel until the user edits either; the button re-attaches them', async () => {
    const requests: SearchJobRequest[] = [];
    const store = await readyStore(fakeClient(async (req) => { requests.push(req); throw new StudioError('Cancelled', 'stop'); }));
    const shown = () => shownSearchSettings(store.getState());
    const slider = (sparsity: number) => store.setState((s) => ({ prune: { ...s.prune, sparsity } }));
    store.getState().setMethod({ nm: 'heads', flap: true });
    slider(0.4);
    expect(shown()).toMatchObject({ method: 'flap', target: 0.4, population: 2 });
    await store.getState().runSearch();
    expect(requests.at(-1)).toMatchObject({ structured: 'flap', target: 0.4 });
    store.getState().setSearchSettings({ population: 3 }); // sizes are not the method: still following
    store.getState().setMethod({ nm: 'off', flap: undefined, metric: 'magnitude' });
    expect(shown()).toMatchObject({ method: 'magnitude', target: 0.4, population: 3 });
    store.getState().setSearchSettings({ target: 0.25 }); // an edit keeps what was shown and stops following
    store.getState().setMethod({ nm: 'heads' });
    slider(0.5);
    expect(shown()).toMatchObject({ method: 'magnitude', target: 0.25 });
    expect(store.getState().search.followsMethodPanel).toBe(false);
    await store.getState().runSearch();
    expect(requests.at(-1)).toMatchObject({ structured: undefined, metric: 'magnitude', target: 0.25 });
    store.getState().followMethodPanel();
    expect(shown()).toMatchObject({ method: 'magnitude-sp', target: 0.5 });
  });

  it('the API key goes only into the LLM request, and only for the LLM operator', () => {
    expect(toSearchRequest(DEFAULT_SEARCH, 'sk-secret').llm).toBeUndefined();
    const req = toSearchRequest({ ...DEFAULT_SEARCH, operator: 'llm', llmModel: 'm' }, 'sk-secret');
    expect(req.llm).toEqual({ baseURL: 'http://127.0.0.1:8080', model: 'm', temperature: 0.7, timeoutMs: 120_000, apiKey: 'sk-secret' });
    expect(JSON.stringify({ ...req, llm: undefined })).not.toContain('sk-secret');
  });
});
