// IndexedDB persistence (fake-indexeddb in Node) and its store connection: runs newest first per model, scans
// and search checkpoints saved as they happen, a "reload" (a new store on the same database) offers to restore
// them once the same model is loaded, the saved search resumes through runSearch({ resume: true }) with its
// checkpoint, and the LLM API key is written nowhere.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { createStore, entries } from 'idb-keyval';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { newSearchState } from '../core/search/search.ts';
import type { SearchState } from '../core/search/search-types.ts';
import type { ModelSummary, PruneOutcome, SearchJobRequest, SearchOutcome } from '../worker/api.ts';
import type { StudioClient } from '../worker/client.ts';
import { connectPersistence } from './persist-sync.ts';
import { idbPersistence, MAX_RUNS, RECORD_VERSION, runRecordOf, type SearchRecord } from './persistence.ts';
import { DEFAULT_SEARCH } from './search-settings.ts';
import { createStudioStore } from './studio-store.ts';

const FP = 'aa11'.repeat(16);
const OTHER = 'bb22'.repeat(16);
const KEY = 'sk-secret-never-stored-42';
const adapter = { vendor: 'google', architecture: 'swiftshader', description: '', isFallback: true, maxBindingBytes: 2 ** 30, maxBufferBytes: 2 ** 30 };

function outcome(sparsity: number, ppl: number, fingerprint = FP): PruneOutcome {
  return {
    pruneId: `run-${sparsity}`,
    request: { metric: 'wanda', sparsity, allocation: 'uniform' },
    result: { allocation: Array(5).fill(sparsity), achievedSparsity: Array(5).fill(sparsity), seconds: 0.1 },
    ppl, nll: Math.log(ppl), densePpl: 4, tokens: 508, windows: 4, seqLen: 128,
    calibration: { source: 'evaluation-text', textHash: 't', offsetTokens: 512, windows: 4, seqLen: 128 },
    modelHash: fingerprint, textHash: 't', seconds: 1, evalSeconds: 0.5,
  };
}

const evaluation = (generation: number, fitness: number) =>
  ({ generation, operator: 'ga-init-uniform' as const, parents: [], rates: [0.3, 0.3, 0.3, 0.3, 0.3], fitness, seconds: 1, cached: false });

/** A search that checkpoints after two evaluations and is then cancelled (a reload stops it the same way). */
function interruptedSearch(requests: SearchJobRequest[]): StudioClient['search'] {
  return async (req, _opts, onEvent) => {
    requests.push(req);
    const state: SearchState = newSearchState({ numLayers: 5, target: 0.3, pMax: 0.6, population: 3, generations: 1, crossovers: 1, mutations: 1 });
    state.protocol = { modelHash: FP, method: 'structured wanda-sp', textHash: 't', calibHash: 't', seqLen: 128, windows: 4, calibWindows: 4, calibOffset: 512 };
    onEvent?.({ kind: 'started', config: state.config, densePpl: 4, total: 5 });
    for (const [i, f] of [20, 18].entries()) {
      state.history.push(evaluation(0, f));
      onEvent?.({ kind: 'evaluation', id: i, evaluation: state.history[i], done: i + 1, total: 5 });
      onEvent?.({ kind: 'checkpoint', state: structuredClone(state) });
    }
    throw Object.assign(new Error('search cancelled'), { code: 'Cancelled' });
  };
}

function client(fingerprint: string, over: Partial<StudioClient> = {}): StudioClient {
  return {
    init: async () => adapter,
    loadModel: async () => ({ name: 'stories260K', layers: 5, heads: 8, kvHeads: 4, maxPositions: 512, fingerprint } as ModelSummary),
    prune: async (req: { sparsity: number }) => outcome(req.sparsity, 10 + req.sparsity * 10, fingerprint),
    scan: async (_r: unknown, _o: unknown, onCell?: (c: { layer: number; level: number; ppl: number; delta: number }, d: number, t: number) => void) => {
      const cells = [{ layer: 0, level: 0.5, ppl: 5, delta: 1 }, { layer: 1, level: 0.5, ppl: 6, delta: 2 }];
      cells.forEach((c, i) => onCell?.(c, i + 1, 2));
      return { densePpl: 4, cells, windows: 4, seqLen: 128 };
    },
    cancel: async () => {},
    watchDevice: async () => {},
    dispose: () => {},
    ...over,
  } as unknown as StudioClient;
}

async function page(c: StudioClient) {
  const store = createStudioStore(c, { hasWebGpu: true, now: () => 0 });
  let t = 1000;
  const sync = connectPersistence(store, idbPersistence(), { now: () => ++t });
  await store.getState().init();
  return { store, sync };
}

async function load(store: Awaited<ReturnType<typeof page>>['store']) {
  await store.getState().loadModelFiles([new File(['{}'], 'config.json')]);
  store.getState().setTextFile(new File(['Once upon a time'], 'text.txt'));
  store.getState().setSettings({ seqLen: 128, maxWindows: 4 });
}

beforeEach(() => { globalThis.indexedDB = new IDBFactory(); }); // a fresh database per test

describe('IndexedDB persistence', () => {
  it('keeps runs per model, newest first, a repeat replacing the older record, at most MAX_RUNS', async () => {
    const db = idbPersistence();
    await db.addRun(runRecordOf(outcome(0.3, 12), 'Wanda · UNIFORM', 1));
    await db.addRun(runRecordOf(outcome(0.5, 20), 'Wanda · UNIFORM', 2));
    const runs = await db.addRun(runRecordOf(outcome(0.3, 12), 'Wanda · UNIFORM', 3));
    expect(runs.map((r) => [r.outcome.request.sparsity, r.savedAt])).toEqual([[0.3, 3], [0.5, 2]]);
    expect((await db.load(OTHER)).runs).toEqual([]);
    await db.addRun(runRecordOf(outcome(0.3, 12, OTHER), 'Wanda · UNIFORM', 4));
    expect((await db.load(FP)).runs).toHaveLength(2);
    for (let i = 0; i < MAX_RUNS + 5; i++) await db.addRun(runRecordOf(outcome(i / 1000, 10), 'Magnitude · OWL', 10 + i));
    const all = (await db.load(FP)).runs;
    expect(all).toHaveLength(MAX_RUNS);
    expect(all[0].savedAt).toBe(10 + MAX_RUNS + 4);
    await db.forget(FP);
    expect(await db.load(FP)).toEqual({ runs: [], scan: null, search: null, moduleScan: null });
    expect((await db.load(OTHER)).runs).toHaveLength(1);
  });

  it('ignores records of another format version', async () => {
    const db = idbPersistence();
    const search = { version: RECORD_VERSION + 1, fingerprint: FP } as unknown as SearchRecord;
    await db.saveSearch(search);
    expect((await db.load(FP)).search).toBeNull();
  });

  it('saves runs, the scan and search checkpoints as they happen; a reload offers them for the same model only', async () => {
    const requests: SearchJobRequest[] = [];
    const first = await page(client(FP, { search: interruptedSearch(requests) }));
    await load(first.store);
    const st = first.store.getState();
    st.setLlmKey(KEY);
    st.setSearchSettings({ population: 3, generations: 1, crossovers: 1, mutations: 1, operator: 'llm', llmModel: 'qwen' });
    await st.commitSparsity(0.3);
    await first.store.getState().commitSparsity(0.5);
    first.store.getState().setScanSettings({ levelsText: '0.5' });
    await first.store.getState().runScan();
    await first.store.getState().runSearch();
    expect(first.store.getState().search.status).toBe('cancelled');
    await first.sync.flush();
    await vi.waitFor(() => expect(first.store.getState().history.runs).toHaveLength(2));
    expect(first.store.getState().history.runs.map((r) => r.outcome.request.sparsity)).toEqual([0.5, 0.3]);

    // Nothing anywhere in the database holds the key.
    const everything = JSON.stringify(await entries(createStore('prunelab', 'saved-work')));
    expect(everything).toContain('qwen');
    expect(everything).not.toContain(KEY);

    // Another model: nothing offered.
    const other = await page(client(OTHER));
    await load(other.store);
    await new Promise((r) => setTimeout(r, 30));
    expect(other.store.getState().history.offer).toBeNull();

    // "Reload": a new store on the same database, the same model.
    const resumed: SearchJobRequest[] = [];
    const second = await page(client(FP, { search: async (req) => {
      resumed.push(req);
      const state = { ...req.resume!, done: true };
      const count = { basis: 'removable weights' as const, total: 206080, requested: 61824, methodRounding: 59200, removed: 61824 };
      return { state, best: { rates: [0.3, 0.3, 0.3, 0.3, 0.3], fitness: 18, operator: 'ga-mutation', generation: 1, count },
        uniform: { rates: [0.3, 0.3, 0.3, 0.3, 0.3], fitness: 20, count }, densePpl: 4, seconds: 1 } as SearchOutcome;
    } }));
    expect(second.store.getState().search.settings).toEqual(DEFAULT_SEARCH);
    await load(second.store);
    await vi.waitFor(() => expect(second.store.getState().history.offer).not.toBeNull());
    const offer = second.store.getState().history.offer!;
    expect(offer.runs?.map((r) => r.outcome.request.sparsity)).toEqual([0.5, 0.3]);
    expect(offer.scan?.cells).toHaveLength(2);
    expect(offer.scan?.complete).toBe(true);
    expect(offer.search?.state.history).toHaveLength(2);
    expect(offer.search?.settings.llmModel).toBe('qwen');

    second.store.getState().restoreRuns();
    let s = second.store.getState();
    expect(s.prune.outcome?.request.sparsity).toBe(0.5);
    expect(s.prune.sparsity).toBe(0.5);
    expect(s.prune.points.map((p) => [p.sparsity, p.ppl])).toEqual([[0, 4], [0.3, 13], [0.5, 15]]);
    second.store.getState().restoreScan();
    expect(second.store.getState().scan.cells).toHaveLength(2);
    expect(second.store.getState().scan.status).toBe('done');

    await second.store.getState().resumeSavedSearch();
    expect(resumed).toHaveLength(1);
    expect(resumed[0].resume?.history.map((e) => e.fitness)).toEqual([20, 18]);
    expect(resumed[0].population).toBe(3);
    expect(resumed[0].llm?.apiKey).toBeUndefined(); // the key was never saved, so the resumed run has none
    s = second.store.getState();
    expect(s.search.status).toBe('done');
    expect(s.history.offer).toBeNull();
    await second.sync.flush();
    // The finished run replaced the checkpoint: nothing left to resume after another reload.
    expect((await idbPersistence().load(FP)).search?.state.done).toBe(true);
    // A restored result is not saved again as a new run.
    expect((await idbPersistence().load(FP)).runs).toHaveLength(2);
  });

  it('says so when IndexedDB is unavailable, and the studio still works', async () => {
    const broken = { ...idbPersistence(), load: async () => { throw new Error('The user denied permission'); },
      addRun: async () => { throw new Error('QuotaExceededError'); } };
    const store = createStudioStore(client(FP), { hasWebGpu: true, now: () => 0 });
    connectPersistence(store, broken);
    await store.getState().init();
    await load(store);
    await store.getState().commitSparsity(0.3);
    await vi.waitFor(() => expect(store.getState().history.error).toMatch(/Saved runs are unavailable in this browser/));
    expect(store.getState().prune.outcome?.ppl).toBe(13);
  });
});
