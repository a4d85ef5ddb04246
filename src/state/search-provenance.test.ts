// The run history says which fitness a search minimised (fake worker, fake-indexeddb): applying a zero-shot-fitness
// search's best vector saves a run that names the zero-shot error with its tasks, data hashes and limit and the best
// and uniform errors (never as perplexity: the run's perplexity is its own slider evaluation), a perplexity search's
// says perplexity, a plain slider run says nothing; run records saved before the field (version 1 without it) still
// load; the search outcome's values are `fitness`, not `ppl`.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { createStore, set } from 'idb-keyval';
import { beforeEach, describe, expect, it } from 'vitest';
import { newSearchState } from '../core/search/search.ts';
import type { PruneRequest } from '../core/prune/prune-options.ts';
import type { ModelSummary, PruneOutcome, SearchJobRequest, SearchOutcome } from '../worker/api.ts';
import type { StudioClient } from '../worker/client.ts';
import { connectPersistence } from './persist-sync.ts';
import { idbPersistence, runRecordOf, type RunRecord } from './persistence.ts';
import { fitnessName } from './search-provenance.ts';
import { createStudioStore } from './studio-store.ts';

const FP = 'ee55'.repeat(16);
const HS = 'ab'.repeat(32), ARC = 'cd'.repeat(32);
const BEST = [0.2, 0.3, 0.3, 0.3, 0.4];
const adapter = { vendor: 'google', architecture: 'swiftshader', description: '', isFallback: true, maxBindingBytes: 2 ** 30, maxBufferBytes: 2 ** 30 };
const count = { basis: 'linear weights' as const, total: 1000, requested: 300, methodRounding: 300, removed: 300 };

function outcome(req: PruneRequest): PruneOutcome {
  return {
    pruneId: `run-${JSON.stringify(req.allocation)}`, request: req,
    result: { allocation: Array.isArray(req.allocation) ? req.allocation : Array(5).fill(req.sparsity), achievedSparsity: Array(5).fill(req.sparsity), seconds: 0.1 },
    ppl: 11.5, nll: Math.log(11.5), densePpl: 4, tokens: 508, windows: 4, seqLen: 128,
    calibration: { source: 'evaluation-text', textHash: 't', offsetTokens: 512, windows: 4, seqLen: 128 },
    modelHash: FP, textHash: 't', seconds: 1, evalSeconds: 0.5,
  };
}

/** A finished search with the given fitness: best error 0.55 (or perplexity 15), uniform 0.6 (or 20). */
function search(zeroShot: boolean): StudioClient['search'] {
  return async (req: SearchJobRequest, _opts, onEvent) => {
    const state = newSearchState({ numLayers: 5, target: 0.3, pMax: 0.6, population: 2, generations: 0 });
    state.protocol = { modelHash: FP, method: 'unstructured wanda', textHash: 't', calibHash: 't', seqLen: 128, windows: 4, calibWindows: 4, calibOffset: 512,
      ...(zeroShot ? { fitness: `zeroshot 1-mean(acc_norm|acc): hellaswag ${HS} limit 6, arc_easy ${ARC} limit 6` } : {}) };
    const value = zeroShot ? 0.55 : 15;
    state.history.push({ generation: 0, operator: 'ga-init-owl', parents: [], rates: BEST, fitness: value, seconds: 1, cached: false });
    state.done = true;
    onEvent?.({ kind: 'checkpoint', state });
    return { state, fitness: req.fitness ?? 'ppl', best: { rates: BEST, fitness: value, operator: 'ga-init-owl', generation: 0, count },
      uniform: { rates: Array(5).fill(0.3), fitness: zeroShot ? 0.6 : 20, count }, densePpl: 4, seconds: 1,
      ...(zeroShot ? { denseFitness: 0.5 } : {}) } satisfies SearchOutcome;
  };
}

function client(zeroShot: boolean): StudioClient {
  return {
    init: async () => adapter,
    loadModel: async () => ({ name: 'stories260K', layers: 5, heads: 8, kvHeads: 4, maxPositions: 512, fingerprint: FP } as ModelSummary),
    prune: async (req: PruneRequest) => outcome(req),
    search: search(zeroShot),
    cancel: async () => {},
    watchDevice: async () => {},
    dispose: () => {},
  } as unknown as StudioClient;
}

async function studio(zeroShot: boolean) {
  const store = createStudioStore(client(zeroShot), { hasWebGpu: true, now: () => 0 });
  let t = 1000;
  const sync = connectPersistence(store, idbPersistence(), { now: () => ++t });
  await store.getState().init();
  await store.getState().loadModelFiles([new File(['{}'], 'config.json')]);
  store.getState().setTextFile(new File(['Once upon a time'], 'text.txt'));
  return { store, sync };
}

/** Runs the search (the fake ignores the settings' checks it needs no files for) and applies its best on the slider. */
async function searchAndApply(store: Awaited<ReturnType<typeof studio>>['store'], zeroShot: boolean) {
  if (zeroShot) {
    // The zero-shot fitness needs the panel's checked files; the fake worker does not read them.
    const doc = JSON.stringify({ activity_label: 'S', ctx_a: 'Tom ran.', ctx_b: 'then he', ctx: 'Tom ran. Then he', endings: ['a.', 'b.', 'c.', 'd.'], label: '0' });
    await store.getState().pickZeroShotFile('hellaswag', new File([doc], 'hs.jsonl'));
    store.getState().setSearchSettings({ fitness: 'zeroshot' });
  }
  await store.getState().runSearch();
  expect(store.getState().search.status).toBe('done');
  await store.getState().applyVector(store.getState().search.best!.rates, 'off', 'wanda', 'evolved');
}

beforeEach(() => { globalThis.indexedDB = new IDBFactory(); });

describe('run history: the fitness a search minimised', () => {
  it('a zero-shot search\'s applied best names the zero-shot error, its tasks and values; the slider\'s own perplexity stays', async () => {
    const { store, sync } = await studio(true);
    await searchAndApply(store, true);
    const s = store.getState().search;
    expect(s).toMatchObject({ ranFitness: 'zeroshot', best: { fitness: 0.55 }, uniformFitness: 0.6, denseFitness: 0.5, densePpl: 4 });
    expect(s).not.toHaveProperty('uniformPpl');
    await sync.flush();
    const [run] = store.getState().history.runs;
    expect(run.outcome.ppl).toBe(11.5);
    expect(run.search).toEqual({
      fitness: 'zeroshot', best: 0.55, uniform: 0.6,
      tasks: [{ name: 'hellaswag', sha256: HS, limit: 6 }, { name: 'arc_easy', sha256: ARC, limit: 6 }],
    });
    expect(fitnessName(run.search!)).toBe('zero-shot error (hellaswag, arc_easy; first 6 documents)');
    // Saved: a reload reads it back.
    expect((await idbPersistence().load(FP)).runs[0].search).toEqual(run.search);

    // A plain slider run after it is not the search's.
    await store.getState().commitSparsity(0.5);
    await sync.flush();
    expect(store.getState().history.runs[0].search).toBeUndefined();
    sync.disconnect();
  });

  it('a perplexity search\'s applied best says perplexity', async () => {
    const { store, sync } = await studio(false);
    await searchAndApply(store, false);
    await sync.flush();
    const [run] = store.getState().history.runs;
    expect(run.search).toEqual({ fitness: 'ppl', best: 15, uniform: 20 });
    expect(fitnessName(run.search!)).toBe('perplexity');
    sync.disconnect();
  });

  it('records saved before the field (version 1, no search) still load as they were', async () => {
    const old: RunRecord = runRecordOf(outcome({ metric: 'wanda', sparsity: 0.3, allocation: BEST }), 'Wanda · evolved', 5);
    expect(old).not.toHaveProperty('search');
    await set(`runs:${FP}`, [old], createStore('prunelab', 'saved-work'));
    const { store, sync } = await studio(false);
    await sync.flush();
    await new Promise((r) => setTimeout(r, 10));
    expect(store.getState().history.runs).toEqual([old]);
    sync.disconnect();
  });
});
