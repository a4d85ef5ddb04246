// The export and device-loss slices against a fake worker: the export refuses what the core refuses (compact
// without structured pruning), names its file after model + method + sparsity + format, reports
// byte progress with an ETA and can be cancelled; a lost device disables GPU work but keeps model, runs and
// settings, and "reload" starts a device, reloads the same model and re-applies the slider's sparsity.
import { describe, expect, it } from 'vitest';
import type { DeviceLostInfo, ExportJobOutcome, ExportJobRequest, ModelSummary, PruneOutcome } from '../worker/api.ts';
import type { StudioClient } from '../worker/client.ts';
import { StudioError } from '../worker/error-info.ts';
import { exportName } from './export-slice.ts';
import { createStudioStore, isGpuBusy } from './studio-store.ts';

const adapter = { vendor: 'google', architecture: 'swiftshader', description: '', isFallback: true, maxBindingBytes: 2 ** 30, maxBufferBytes: 2 ** 30 };
const summary = { name: 'llama model', layers: 5, heads: 8, kvHeads: 4, maxPositions: 512, fingerprint: 'fp1' } as ModelSummary;

function outcome(sparsity: number, ppl: number, structured = false): PruneOutcome {
  return {
    pruneId: `run-${sparsity}`,
    request: { metric: 'wanda', sparsity, allocation: 'uniform', ...(structured ? { structured: 'wanda-sp' as const } : {}) },
    result: { allocation: Array(5).fill(sparsity), achievedSparsity: Array(5).fill(sparsity), seconds: 0.1 },
    ppl, nll: Math.log(ppl), densePpl: 4, tokens: 508, windows: 4, seqLen: 128,
    calibration: { source: 'evaluation-text', textHash: 't', offsetTokens: 512, windows: 4, seqLen: 128 },
    modelHash: 'fp1', textHash: 't', seconds: 1, evalSeconds: 0.5,
  };
}

const exported = (req: ExportJobRequest): ExportJobOutcome => ({
  summary: { format: 'masked', variant: 'masked', dtype: 'F32', fingerprint: 'x', loaders: [], notes: [], files: [], parameters: 1, zeroed: 0, seconds: 1 } as unknown as ExportJobOutcome['summary'],
  files: [{ name: 'model.safetensors', bytes: 1000 }], location: `${req.name}.zip`, blob: new Blob(['zip']), reapplied: false,
  sourceWeightBytes: 1200, ppl: 12, densePpl: 4, seconds: 1,
});

interface Fake extends StudioClient { lose(info: DeviceLostInfo): void; calls: string[] }

function fakeClient(over: Partial<StudioClient> = {}): Fake {
  const calls: string[] = [];
  let onLost: ((info: DeviceLostInfo) => void) | null = null;
  return {
    calls,
    lose: (info) => onLost?.(info),
    init: async () => { calls.push('init'); return adapter; },
    loadModel: async () => summary,
    perplexity: async () => { throw new Error('unused'); },
    generate: async () => { throw new Error('unused'); },
    prune: async (req) => { calls.push(`prune ${req.sparsity}`); return outcome(req.sparsity, 10 + req.sparsity, req.structured !== undefined); },
    scan: async () => { throw new Error('unused'); },
    search: async () => { throw new Error('unused'); },
    cancel: async () => { calls.push('cancel'); },
    loadHubModel: async () => { throw new Error('unused'); },
    fetchHubText: async () => { throw new Error('unused'); },
    fetchHubDataFile: async () => { throw new Error('unused'); },
    cancelDownloads: async () => {},
    hubCache: async () => ({ files: 0, bytes: 0 }),
    exportModel: async (req) => exported(req),
    watchDevice: async (cb) => { onLost = cb; },
    reloadModel: async (onProgress) => { calls.push('reloadModel'); onProgress?.(0.5, 'Uploading weights to the GPU'); return { ...summary }; },
    loseDeviceForTest: async () => {},
    allocations: async () => { throw new Error('unused'); },
    zeroShot: async () => { throw new Error('unused'); },
    dispose: () => {},
    ...over,
  };
}

async function readyStore(client: StudioClient, now?: () => number) {
  const store = createStudioStore(client, { hasWebGpu: true, now: now ?? (() => 0), preferences: null });
  await store.getState().init();
  await store.getState().loadModelFiles([new File(['{}'], 'config.json')], 'stories260K');
  store.getState().setTextFile(new File(['Once upon a time'], 'text.txt'));
  store.getState().setSettings({ seqLen: 128, maxWindows: 4 });
  return store;
}

const lostInfo: DeviceLostInfo = { code: 'DeviceLost', reason: 'destroyed', message: 'The GPU device was lost (destroyed): gone. Reload the model to continue.' };

describe('export slice', () => {
  it('needs a finished prune; compact needs structured pruning (the core\'s wording)', async () => {
    const store = await readyStore(fakeClient());
    expect(await store.getState().runExport({ kind: 'zip' })).toBeNull();
    expect(store.getState().exportJob.error?.message).toMatch(/Prune the model first/);
    await store.getState().commitSparsity(0.5);
    store.getState().setExportFormat('compact');
    expect(await store.getState().runExport({ kind: 'zip' })).toBeNull();
    expect(store.getState().exportJob.error?.message).toMatch(/^compact needs structured pruning \(pattern: heads \+ channels\).*use masked$/);
  });

  it('names the export, reports bytes with an ETA, and ends with the zip', async () => {
    let t = 0;
    const asked: ExportJobRequest[] = [];
    const seen: Array<number | null> = [];
    const client = fakeClient({
      exportModel: async (req, onProgress) => {
        asked.push(req);
        t = 1000; onProgress?.({ phase: 'writing', file: 'model.safetensors', bytes: 250, totalBytes: 1000 });
        seen.push(store.getState().exportJob.etaSeconds);
        expect(isGpuBusy(store.getState())).toBe(true);
        t = 2000; onProgress?.({ phase: 'writing', file: 'model.safetensors', bytes: 500, totalBytes: 1000 });
        seen.push(store.getState().exportJob.etaSeconds);
        return exported(req);
      },
    });
    const store = await readyStore(client, () => t);
    store.getState().setMethod({ nm: 'heads' });
    await store.getState().commitSparsity(0.3);
    store.getState().setExportFormat('compact');
    const result = await store.getState().runExport({ kind: 'zip' });
    expect(asked).toEqual([{ pruneId: 'run-0.3', format: 'compact', delivery: { kind: 'zip' }, name: 'stories260K-wanda-sp-30pct-compact' }]);
    expect(seen).toEqual([3, 2]); // 1 s for 25 % -> 3 s left; 2 s for 50 % -> 2 s left
    expect(result?.blob).toBeInstanceOf(Blob);
    expect(store.getState().exportJob).toMatchObject({ status: 'done', delivery: 'zip', result: { location: 'stories260K-wanda-sp-30pct-compact.zip' } });
    store.getState().forgetStaleExport(); // still the shown run: kept
    expect(store.getState().exportJob.status).toBe('done');
    await store.getState().commitSparsity(0.5);
    store.getState().forgetStaleExport(); // a newer run: the export (and its zip) go
    expect(store.getState().exportJob).toMatchObject({ status: 'idle', result: null, format: 'compact' });
  });

  it('a cancelled export ends as cancelled, not as an error', async () => {
    const store = await readyStore(fakeClient({ exportModel: async () => { throw new StudioError('Cancelled', 'export cancelled'); } }));
    await store.getState().commitSparsity(0.5);
    expect(await store.getState().runExport({ kind: 'zip' })).toBeNull();
    expect(store.getState().exportJob).toMatchObject({ status: 'cancelled', error: null });
  });

  it('file names are file-system safe and say model, method, sparsity and format', () => {
    const nm = { ...outcome(0.5, 9), request: { metric: 'magnitude' as const, sparsity: 0.5, allocation: 'owl' as const, nm: { n: 2, m: 4 } } };
    expect(exportName('HuggingFaceTB/SmolLM2-135M', nm, 'masked')).toBe('SmolLM2-135M-magnitude-2of4-50pct-masked');
    expect(exportName('my model (copy)', outcome(0.25, 9), 'masked')).toBe('my-model-copy-wanda-25pct-masked');
    const vector = { ...outcome(0.3, 9), request: { metric: 'wanda' as const, sparsity: 0.3, allocation: [0.2, 0.4] } };
    expect(exportName('m', vector, 'compact', 'evolved')).toBe('m-wanda-evolved-30pct-compact');
    expect(exportName('m', vector, 'masked', 'explicit')).toBe('m-wanda-vector-30pct-masked');
    const owl = { ...outcome(0.7, 9), request: { metric: 'wanda' as const, sparsity: 0.7, allocation: 'owl' as const } };
    expect(exportName('m', owl, 'masked')).toBe('m-wanda-owl-70pct-masked');
  });
});

describe('device loss', () => {
  it('keeps model, runs and settings; reload starts a device, reloads the model and re-runs the slider value', async () => {
    const client = fakeClient();
    const store = await readyStore(client);
    await store.getState().commitSparsity(0.4);
    const runs = store.getState().prune.points;
    client.lose(lostInfo);
    let s = store.getState();
    expect(s.device).toMatchObject({ status: 'lost', lost: lostInfo });
    expect(s.gpu).toMatchObject({ status: 'lost', adapter, error: { code: 'DeviceLost' } });
    expect(s.model).toMatchObject({ status: 'ready', summary, sourceLabel: 'stories260K' });
    expect(s.prune.points).toBe(runs);
    await s.commitSparsity(0.6); // GPU work is refused until the reload
    expect(store.getState().prune.error?.code).toBe('WebGPUUnavailable');
    client.calls.length = 0;
    await store.getState().reloadAfterDeviceLoss();
    s = store.getState();
    expect(client.calls).toEqual(['init', 'reloadModel', 'prune 0.6']);
    expect(s.device.status).toBe('ok');
    expect(s.gpu.status).toBe('ready');
    expect(s.prune).toMatchObject({ status: 'done', sparsity: 0.6 });
  });

  it('a reload that fails says why and can be tried again', async () => {
    let fail = true;
    const client = fakeClient({
      reloadModel: async () => { if (fail) throw new StudioError('BadModelFile', 'model.safetensors: gone'); return summary; },
    });
    const store = await readyStore(client);
    client.lose(lostInfo);
    await store.getState().reloadAfterDeviceLoss();
    expect(store.getState().device).toMatchObject({ status: 'error', error: { code: 'BadModelFile' } });
    fail = false;
    await store.getState().reloadAfterDeviceLoss();
    expect(store.getState().device.status).toBe('ok');
    expect(store.getState().model.status).toBe('ready');
  });
});
