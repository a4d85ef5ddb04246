// Opening a share link against a store with a scripted worker: the settings are applied at once; a bad link
// changes nothing and says why; another model's fingerprint warns and runs nothing; the link's model + text run
// the link's sparsity once; the hash follows the settings (debounced, replaceState) and never holds the API key.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ModelSummary, PruneOutcome } from '../worker/api.ts';
import type { StudioClient } from '../worker/client.ts';
import { DEFAULT_SEARCH } from './search-settings.ts';
import { decodeConfig, hashOf, payloadFromHash, type SharedConfig } from './share-codec.ts';
import { connectShareLink, type BrowserLocation } from './share-sync.ts';
import { missingFitnessFiles } from './search-slice.ts';
import { configOf } from './share-slice.ts';
import { createStudioStore, type StudioStore } from './studio-store.ts';

const FP = 'aa11'.repeat(16);
const OTHER = 'bb22'.repeat(16);
const adapter = { vendor: 'google', architecture: 'swiftshader', description: '', isFallback: true, maxBindingBytes: 2 ** 30, maxBufferBytes: 2 ** 30 };
const summaryOf = (fingerprint: string) => ({ name: 'llama model', layers: 5, heads: 8, kvHeads: 4, maxPositions: 512, fingerprint } as ModelSummary);

function outcome(sparsity: number): PruneOutcome {
  return {
    pruneId: `run-${sparsity}`,
    request: { metric: 'wanda', sparsity, allocation: 'uniform' },
    result: { allocation: Array(5).fill(sparsity), achievedSparsity: Array(5).fill(sparsity), seconds: 0.1 },
    ppl: 10 + sparsity, nll: 2, densePpl: 4, tokens: 508, windows: 4, seqLen: 128,
    calibration: { source: 'evaluation-text', textHash: 't', offsetTokens: 512, windows: 4, seqLen: 128 },
    modelHash: FP, textHash: 't', seconds: 1, evalSeconds: 0.5,
  };
}

function setUp(fingerprint = FP) {
  const pruned: number[] = [];
  const allocations: unknown[] = [];
  const client = {
    init: async () => adapter,
    loadModel: async () => summaryOf(fingerprint),
    prune: async (req: { sparsity: number; allocation: unknown }) => {
      pruned.push(req.sparsity);
      allocations.push(req.allocation);
      return outcome(req.sparsity);
    },
    cancel: async () => {},
    watchDevice: async () => {},
    dispose: () => {},
  } as unknown as StudioClient;
  const store = createStudioStore(client, { hasWebGpu: true, now: () => 0 });
  return { store, pruned, allocations };
}

function fakeWindow(hash: string) {
  const listeners = new Set<() => void>();
  const writes: string[] = [];
  const win: BrowserLocation & { navigate(h: string): void } = {
    location: { hash },
    history: { state: null, replaceState: (_d, _u, url) => { writes.push(url!); win.location = { hash: url! }; } },
    addEventListener: (_t, l) => listeners.add(l),
    removeEventListener: (_t, l) => listeners.delete(l),
    navigate(h) { win.location = { hash: h }; for (const l of listeners) l(); },
  };
  return { win, writes };
}

const link = (over: Partial<SharedConfig> = {}): SharedConfig => ({
  v: 1, ppl: { seqLen: 128, maxWindows: 4 }, method: { metric: 'magnitude', allocation: 'owl', nm: 'off', calibWindows: 2 },
  sparsity: 0.3, scan: { levelsText: '0.3, 0.8', windows: 2 },
  search: { ...DEFAULT_SEARCH, population: 3, generations: 1, crossovers: 1, mutations: 1, seed: 7 },
  model: { fingerprint: FP, name: 'stories260K' }, text: { name: 'text.txt', hash: 'cc33'.repeat(16) },
  ...over,
});

const TEXT = new File(['Once upon a time'], 'text.txt');
const hashFile = async () => 'cc33'.repeat(16);

async function loadModelAndText(store: StudioStore, text = TEXT) {
  await store.getState().init();
  await store.getState().loadModelFiles([new File(['{}'], 'config.json')], 'stories260K'); // the dropped folder's name
  store.getState().setTextFile(text);
  await vi.waitFor(() => expect(store.getState().share.textHash?.file).toBe(text));
}

afterEach(() => { vi.useRealTimers(); });

describe('share link in the store', () => {
  it('applies every setting of a link at once and keeps it as the page’s link', () => {
    const { store } = setUp();
    const { win } = fakeWindow(hashOf(link()));
    connectShareLink(store, win, { hashFile });
    const s = store.getState();
    expect(s.ppl.settings).toEqual({ seqLen: 128, maxWindows: 4 });
    expect(s.prune.method).toEqual({ metric: 'magnitude', allocation: 'owl', nm: 'off', calibWindows: 2 });
    expect(s.prune.sparsity).toBe(0.3);
    expect(s.scan.settings).toEqual({ levelsText: '0.3, 0.8', windows: 2 });
    expect(s.search.settings.seed).toBe(7);
    expect(s.share.link?.model?.fingerprint).toBe(FP);
    expect(s.share.pending).toBe(0.3);
    expect(s.share.linkError).toBeNull();
  });

  it('a link with the zero-shot fitness sets it and names the task files to pick; an older link means perplexity', async () => {
    const { store } = setUp();
    const hash = 'ef56'.repeat(16);
    const { win } = fakeWindow(hashOf(link({ search: { ...link().search, fitness: 'zeroshot' }, zeroShot: { tasks: [{ name: 'hellaswag', hash }], limit: 6 } })));
    connectShareLink(store, win, { hashFile });
    let s = store.getState();
    expect(s.search.settings.fitness).toBe('zeroshot');
    expect(s.zeroShot.settings).toEqual({ tasks: ['hellaswag'], limit: 6 });
    expect(missingFitnessFiles(s)).toBe(`The zero-shot fitness needs these task files, picked in the Zero-shot panel: hellaswag (SHA-256 ${hash.slice(0, 12)}…).`);
    const back = decodeConfig(payloadFromHash(hashOf(configOf(s)))!);
    expect(back.ok && back.config.search.fitness).toBe('zeroshot');
    win.navigate(hashOf(link()));
    s = store.getState();
    expect(s.search.settings.fitness).toBeUndefined();
    expect(missingFitnessFiles(s)).toBeNull();
    const plain = decodeConfig(payloadFromHash(hashOf(configOf(s)))!);
    expect(plain.ok && 'fitness' in plain.config.search).toBe(false);
  });

  it('a malformed link changes nothing and says why', () => {
    const { store } = setUp();
    store.getState().setSettings({ seqLen: 64 });
    const payload = payloadFromHash(hashOf(link()))!;
    const { win, writes } = fakeWindow(`#c=${payload.slice(0, payload.length - 8)}`);
    connectShareLink(store, win, { hashFile });
    const s = store.getState();
    expect(s.share.linkError?.reason).toBe('damaged');
    expect(s.share.linkError?.message).toMatch(/This link is damaged/);
    expect(s.ppl.settings.seqLen).toBe(64);
    expect(s.share.link).toBeNull();
    expect(writes).toEqual([]); // the bad link stays in the address bar until a setting changes
  });

  it('the link’s model + text run its sparsity once, like the slider’s commit', async () => {
    const { store, pruned } = setUp(FP);
    connectShareLink(store, fakeWindow(hashOf(link())).win, { hashFile });
    await loadModelAndText(store);
    await vi.waitFor(() => expect(store.getState().prune.status).toBe('done'));
    expect(pruned).toEqual([0.3]);
    expect(store.getState().share.modelCheck).toEqual({ status: 'match', link: FP, loaded: FP });
    expect(store.getState().share.pending).toBeNull();
    expect(store.getState().prune.outcome?.request.sparsity).toBe(0.3);
    // Loading the text again does not run it again.
    store.getState().setTextFile(new File(['Once upon a time'], 'text.txt'));
    await new Promise((r) => setTimeout(r, 20));
    expect(pruned).toEqual([0.3]);
  });

  it('a link with a per-layer vector (the search’s best) applies that vector, and shares it back', async () => {
    const { store, allocations } = setUp(FP);
    const vector = [0.1, 0.2, 0.3, 0.4, 0.5];
    connectShareLink(store, fakeWindow(hashOf(link({ sparsity: 0.3, vector, method: { metric: 'wanda', allocation: 'uniform', nm: 'heads', calibWindows: 4 } }))).win, { hashFile });
    expect(store.getState().currentConfig()?.vector).toEqual(vector); // carried while the model is not loaded yet
    await loadModelAndText(store);
    await vi.waitFor(() => expect(store.getState().prune.status).toBe('done'));
    expect(allocations).toEqual([vector]);
    expect(store.getState().prune.explicit).toEqual(vector);
    expect(store.getState().prune.method.nm).toBe('heads');
    const share = store.getState().shareLink('http://127.0.0.1:4173/');
    const back = share.ok ? decodeConfig(payloadFromHash(new URL(share.url).hash)!) : null;
    expect(back?.ok && back.config.vector).toEqual(vector);
  });

  it('another model warns with both fingerprints, applies the settings and runs nothing', async () => {
    const { store, pruned } = setUp(OTHER);
    connectShareLink(store, fakeWindow(hashOf(link())).win, { hashFile });
    await loadModelAndText(store);
    await new Promise((r) => setTimeout(r, 20));
    const s = store.getState();
    expect(s.share.modelCheck).toEqual({ status: 'mismatch', link: FP, loaded: OTHER });
    expect(pruned).toEqual([]);
    expect(s.prune.sparsity).toBe(0.3); // the slider shows the link's value
    expect(s.ppl.settings.seqLen).toBe(128);
  });

  it('a link without a fingerprint runs once the model and text are loaded', async () => {
    const { store, pruned } = setUp(OTHER);
    const { model: _m, text: _t, ...bare } = link();
    connectShareLink(store, fakeWindow(hashOf(bare)).win, { hashFile });
    await loadModelAndText(store);
    await vi.waitFor(() => expect(pruned).toEqual([0.3]));
    expect(store.getState().share.modelCheck).toEqual({ status: 'unknown' });
  });

  it('keeps the hash in step with the settings through replaceState, debounced, without the API key', async () => {
    vi.useFakeTimers();
    const { store } = setUp();
    const { win, writes } = fakeWindow('');
    connectShareLink(store, win, { hashFile, debounceMs: 300 });
    expect(writes).toEqual([]);
    store.getState().setSettings({ seqLen: 100 });
    store.getState().setSettings({ seqLen: 128 });
    store.getState().setSearchSettings({ operator: 'llm', llmModel: 'qwen' });
    store.getState().setLlmKey('sk-never-in-a-link');
    vi.advanceTimersByTime(299);
    expect(writes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(writes).toHaveLength(1);
    const decoded = decodeConfig(payloadFromHash(writes[0])!);
    expect(decoded.ok && decoded.config.ppl.seqLen).toBe(128);
    expect(decoded.ok && decoded.config.search.llmModel).toBe('qwen');
    expect(JSON.stringify(decoded)).not.toContain('sk-never');
    // An empty field keeps the last good hash.
    store.getState().setSettings({ seqLen: Number.NaN });
    vi.advanceTimersByTime(500);
    expect(writes).toHaveLength(1);
    const share = store.getState().shareLink('http://127.0.0.1:4173/');
    expect(share.ok).toBe(false);
    expect(!share.ok && share.message).toMatch(/sequence length/);
  });

  it('a reload of this tab’s own hash brings the settings back quietly: no notice, nothing re-runs', async () => {
    const { store, pruned } = setUp(FP);
    const own = hashOf(link());
    const stored = new Map([['prunelab:own-hash', own]]);
    const { win } = fakeWindow(own);
    win.sessionStorage = { getItem: (k) => stored.get(k) ?? null, setItem: (k, v) => { stored.set(k, v); } };
    connectShareLink(store, win, { hashFile });
    expect(store.getState().share.linkIsOwn).toBe(true);
    expect(store.getState().share.pending).toBeNull();
    expect(store.getState().ppl.settings.seqLen).toBe(128);
    await loadModelAndText(store);
    await new Promise((r) => setTimeout(r, 20));
    expect(pruned).toEqual([]);
    // The same hash in another tab (nothing stored) is a shared link.
    const other = setUp(FP);
    connectShareLink(other.store, fakeWindow(own).win, { hashFile });
    expect(other.store.getState().share.linkIsOwn).toBe(false);
    expect(other.store.getState().share.pending).toBe(0.3);
  });

  it('remembers the hash it writes as this tab’s own', async () => {
    vi.useFakeTimers();
    const { store } = setUp();
    const stored = new Map<string, string>();
    const { win, writes } = fakeWindow('');
    win.sessionStorage = { getItem: (k) => stored.get(k) ?? null, setItem: (k, v) => { stored.set(k, v); } };
    connectShareLink(store, win, { hashFile, debounceMs: 10 });
    store.getState().setSettings({ seqLen: 64 });
    vi.advanceTimersByTime(10);
    expect(stored.get('prunelab:own-hash')).toBe(writes[0]);
  });

  it('a link pasted into the address bar later is opened too', () => {
    const { store } = setUp();
    const { win } = fakeWindow('');
    connectShareLink(store, win, { hashFile });
    win.navigate(hashOf(link({ sparsity: 0.5, ppl: { seqLen: 64, maxWindows: 2 } })));
    expect(store.getState().ppl.settings).toEqual({ seqLen: 64, maxWindows: 2 });
    expect(store.getState().prune.sparsity).toBe(0.5);
    win.navigate('#c=%%%');
    expect(store.getState().share.linkError?.message).toMatch(/damaged/);
    expect(store.getState().ppl.settings.seqLen).toBe(64);
  });

  it('the shared URL carries the loaded model and text fingerprints', async () => {
    const { store } = setUp();
    connectShareLink(store, fakeWindow('').win, { hashFile });
    await loadModelAndText(store);
    const share = store.getState().shareLink('http://127.0.0.1:4173/?q#x');
    expect(share.ok).toBe(true);
    if (!share.ok) return;
    expect(share.url.startsWith('http://127.0.0.1:4173/?q#c=')).toBe(true);
    const decoded = decodeConfig(payloadFromHash(new URL(share.url).hash)!);
    expect(decoded.ok && decoded.config.model).toEqual({ fingerprint: FP, name: 'stories260K' });
    expect(decoded.ok && decoded.config.text).toEqual({ name: 'text.txt', hash: 'cc33'.repeat(16) });
    // A model from the Hub: its id (and a revision other than main) goes with the fingerprint.
    store.setState((s) => ({ model: { ...s.model, hubId: 'karpathy/stories260K', hubRevision: 'v2' } }));
    const hub = store.getState().shareLink('http://127.0.0.1:4173/');
    const fromHub = hub.ok ? decodeConfig(payloadFromHash(new URL(hub.url).hash)!) : null;
    expect(fromHub?.ok && fromHub.config.model?.hubId).toBe('karpathy/stories260K@v2');
  });
});
