// The Hub slice against a fake worker client: a Hub load sets model.hubId and the download's rate/ETA, a
// cancelled download restores the model that was loaded, the base URL is remembered and the token is not,
// WikiText from a dataset and pasted text become the evaluation text.
import { describe, expect, it } from 'vitest';
import type { HubDownloadReport, HubModelJob, HubProgress, HubTextJob, ModelSummary } from '../worker/api.ts';
import type { StudioClient } from '../worker/client.ts';
import { StudioError } from '../worker/error-info.ts';
import { downloadView, PASTED_TEXT_NAME, type Preferences } from './hub-slice.ts';
import { createStudioStore } from './studio-store.ts';

const adapter = { vendor: 'google', architecture: 'swiftshader', description: '', isFallback: true, maxBindingBytes: 2 ** 30, maxBufferBytes: 2 ** 30 };
const summary: ModelSummary = {
  name: 'llama model', format: 'hf-safetensors', architecture: 'llama', parameters: 260_000, layers: 5, hidden: 64,
  intermediate: 172, heads: 8, kvHeads: 4, headDim: 8, vocab: 512, maxPositions: 512, dtype: 'F32',
  fingerprint: 'abcdef0123456789', files: ['config.json', 'model.safetensors'], loadSeconds: 0.1,
};
const report = (over: Partial<HubDownloadReport> = {}): HubDownloadReport => ({
  base: 'http://127.0.0.1:9', id: 'karpathy/stories260K', revision: 'main', label: 'karpathy/stories260K',
  files: [{ name: 'model.safetensors', bytes: 1000, fromCache: false }], bytes: 1000, downloadedBytes: 1000, seconds: 1, fromCache: false, ...over,
});

function memoryPrefs(): Preferences & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => { data.set(k, v); } };
}

function fakeClient(over: Partial<StudioClient>): StudioClient {
  return {
    init: async () => adapter,
    loadModel: async () => summary,
    perplexity: async () => { throw new Error('unused'); },
    generate: async () => { throw new Error('unused'); },
    prune: async () => { throw new Error('unused'); },
    scan: async () => { throw new Error('unused'); },
    search: async () => { throw new Error('unused'); },
    cancel: async () => {},
    loadHubModel: async () => { throw new Error('unused'); },
    fetchHubText: async () => { throw new Error('unused'); },
    fetchHubDataFile: async () => { throw new Error('unused'); },
    cancelDownloads: async () => {},
    hubCache: async () => ({ files: 0, bytes: 0 }),
    exportModel: async () => { throw new Error('unused'); }, watchDevice: async () => {}, reloadModel: async () => { throw new Error('unused'); }, loseDeviceForTest: async () => {},
    allocations: async () => { throw new Error('unused'); },
    zeroShot: async () => { throw new Error('unused'); },
    dispose: () => {},
    ...over,
  };
}

describe('hub slice', () => {
  it('loads a Hub model: progress with rate and ETA, then model.hubId, the report, the base URL remembered', async () => {
    let t = 0;
    const prefs = memoryPrefs();
    const jobs: HubModelJob[] = [];
    const views: unknown[] = [];
    const store = createStudioStore(fakeClient({
      loadHubModel: async (job, onDownload, onProgress) => {
        jobs.push(job);
        t = 2000;
        onDownload?.({ file: 'model.safetensors', loaded: 600, total: 1000, downloaded: 500, filesDone: 3, files: 4 });
        views.push(store.getState().hub.download);
        expect(store.getState().model.progress).toEqual({ fraction: 0.6, label: 'Downloading model.safetensors' });
        onProgress?.(0.5, 'Uploading weights to the GPU');
        expect(store.getState().hub.download).toBeNull();
        return { summary: { ...summary, name: 'karpathy/stories260K@v1' }, download: report({ revision: 'v1', label: 'karpathy/stories260K@v1' }) };
      },
    }), { hasWebGpu: true, now: () => t, preferences: prefs });
    await store.getState().init();
    store.getState().setHubSettings({ base: 'http://127.0.0.1:9' });
    store.getState().setHubToken('hf_secret');
    await store.getState().loadHubModel(' https://huggingface.co/karpathy/stories260K/tree/v1 ');

    expect(jobs).toEqual([{ base: 'http://127.0.0.1:9', id: 'karpathy/stories260K', revision: 'v1', token: 'hf_secret', useCache: true }]);
    // 500 network bytes in 2 s = 250 B/s; 400 bytes left = 1.6 s.
    expect(views[0]).toMatchObject({ rate: 250, etaSeconds: 1.6, loaded: 600, total: 1000 });
    expect(store.getState().model).toMatchObject({
      status: 'ready', hubId: 'karpathy/stories260K', hubRevision: 'v1', sourceLabel: 'karpathy/stories260K@v1', error: null,
    });
    expect(store.getState().hub.lastLoad?.revision).toBe('v1');
    expect([...prefs.data.values()]).toEqual(['http://127.0.0.1:9']);
    expect(JSON.stringify([...prefs.data])).not.toContain('hf_secret');
    // A fresh store starts from the remembered base URL (not the default).
    const again = createStudioStore(fakeClient({}), { hasWebGpu: true, preferences: prefs });
    expect(again.getState().hub.settings.base).toBe('http://127.0.0.1:9');
    expect(again.getState().hub.token).toBe('');

    // Dropped files clear the Hub id.
    await store.getState().loadModelFiles([new File(['{}'], 'config.json')], 'local');
    expect(store.getState().model).toMatchObject({ status: 'ready', hubId: null, hubRevision: null, sourceLabel: 'local' });
  });

  it('shows a Hub error with its code; a cancelled download gives back the model that was loaded', async () => {
    let fail: StudioError = new StudioError('HubNotFound', 'no model "nobody/nothing" at revision "main" on http://x');
    const store = createStudioStore(fakeClient({ loadHubModel: async () => { throw fail; } }), { hasWebGpu: true, preferences: memoryPrefs() });
    await store.getState().init();
    await store.getState().loadHubModel('nobody/nothing');
    expect(store.getState().model).toMatchObject({ status: 'error', hubId: null, error: { code: 'HubNotFound' } });
    expect(store.getState().model.error?.message).toContain('nobody/nothing');

    // Cancelled after a failure: back to no model, without the old error.
    fail = new StudioError('Cancelled', 'download cancelled');
    await store.getState().loadHubModel('karpathy/stories260K');
    expect(store.getState().model).toMatchObject({ status: 'empty', error: null, summary: null, sourceLabel: null });

    await store.getState().loadModelFiles([new File(['{}'], 'config.json')], 'local');
    const before = store.getState().model;
    await store.getState().loadHubModel('karpathy/stories260K');
    expect(store.getState().model).toBe(before);
    expect(store.getState().hub.download).toBeNull();
  });

  it('WikiText-2 from the dataset repo becomes the evaluation text; pasted text too', async () => {
    const jobs: HubTextJob[] = [];
    const text = 'The text as fetched\n = Robert Boulter = \n';
    const store = createStudioStore(fakeClient({
      fetchHubText: async (job, onDownload) => {
        jobs.push(job);
        onDownload?.({ file: job.file, loaded: 10, total: 20, downloaded: 10, filesDone: 0, files: 1 });
        expect(store.getState().hub.text.status).toBe('downloading');
        return { text, name: 'wiki.test.raw', url: 'http://x/datasets/a/b/resolve/main/wiki.test.raw.gz', label: 'a/b', fileBytes: 20, gzip: true, fromCache: false, downloadedBytes: 20, seconds: 0.1 };
      },
    }), { hasWebGpu: true, preferences: memoryPrefs() });
    await store.getState().loadHubText();
    expect(jobs[0]).toMatchObject({ dataset: 'ikawrakow/validation-datasets-for-llama.cpp', file: 'wiki.test.raw.gz', revision: 'main', useCache: true });
    expect(jobs[0].token).toBeUndefined();
    const s = store.getState();
    expect(s.text.name).toBe('wiki.test.raw');
    expect(await s.text.file!.text()).toBe(text);
    expect(s.hub.text).toMatchObject({ status: 'done', result: { label: 'a/b', gzip: true }, error: null });
    expect(s.hub.text.file).toBe(s.text.file);

    store.getState().usePastedText('   ');
    expect(store.getState().text.name).toBe('wiki.test.raw'); // blank paste ignored
    store.getState().usePastedText('Once upon a time');
    expect(store.getState().text.name).toBe(PASTED_TEXT_NAME);
    expect(await store.getState().text.file!.text()).toBe('Once upon a time');
    expect(store.getState().hub.text.result).toBeNull();
  });

  it('a failed text download keeps the current text and shows the code', async () => {
    const store = createStudioStore(fakeClient({
      fetchHubText: async () => { throw new StudioError('HubNotFound', '"a/b" at revision "main" has no file x.txt'); },
    }), { hasWebGpu: true, preferences: memoryPrefs() });
    store.getState().usePastedText('kept');
    await store.getState().loadHubText();
    expect(store.getState().hub.text).toMatchObject({ status: 'error', error: { code: 'HubNotFound' } });
    expect(store.getState().text.name).toBe(PASTED_TEXT_NAME);
  });

  it('cancel stops only its own kind of download; a cancelled text is not an error', async () => {
    const kinds: (string | undefined)[] = [];
    let release: (() => void) | null = null;
    const store = createStudioStore(fakeClient({
      cancelDownloads: async (kind) => { kinds.push(kind); release?.(); },
      fetchHubText: () => new Promise((_, reject) => { release = () => reject(new StudioError('Cancelled', 'download cancelled')); }),
    }), { hasWebGpu: true, preferences: memoryPrefs() });
    const text = store.getState().loadHubText();
    expect(store.getState().hub.text.status).toBe('downloading');
    await store.getState().cancelHubText();
    await text;
    expect(store.getState().hub.text).toMatchObject({ status: 'cancelled', error: null });
    await store.getState().cancelHubDownload();
    expect(kinds).toEqual(['text', 'model']);
  });

  it('clears the cache and refreshes its numbers', async () => {
    const calls: string[] = [];
    let files = 4;
    const store = createStudioStore(fakeClient({
      hubCache: async (action) => { calls.push(action); if (action === 'clear') files = 0; return { files, bytes: files * 100 }; },
    }), { hasWebGpu: true, preferences: memoryPrefs() });
    await store.getState().refreshHubCache();
    expect(store.getState().hub.cache).toEqual({ files: 4, bytes: 400 });
    await store.getState().clearHubCache();
    expect(calls).toEqual(['stats', 'clear', 'stats']);
    expect(store.getState().hub.cache).toEqual({ files: 0, bytes: 0 });
  });

  it('rate and ETA: unknown before bytes arrive, zero when done', () => {
    const p: HubProgress = { file: 'f', loaded: 0, total: 100, downloaded: 0, filesDone: 0, files: 1 };
    expect(downloadView(p, 1)).toMatchObject({ rate: null, etaSeconds: null });
    expect(downloadView({ ...p, loaded: 100, downloaded: 0 }, 1)).toMatchObject({ rate: null, etaSeconds: 0 });
    expect(downloadView({ ...p, loaded: 50, downloaded: 50 }, 2)).toMatchObject({ rate: 25, etaSeconds: 2 });
  });
});
