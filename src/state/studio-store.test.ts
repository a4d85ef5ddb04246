// The store against a fake worker client: state transitions, error codes kept, progress/ETA, cancellation.
import { describe, expect, it } from 'vitest';
import type { PerplexityReport } from '../core/engine/perplexity-report.ts';
import type { ModelSummary } from '../worker/api.ts';
import type { StudioClient } from '../worker/client.ts';
import { StudioError } from '../worker/error-info.ts';
import { createStudioStore } from './studio-store.ts';
import { etaSeconds } from './eta.ts';
import { settingsProblem } from './run-settings.ts';

const adapter = { vendor: 'google', architecture: 'swiftshader', description: '', isFallback: true, maxBindingBytes: 2 ** 30, maxBufferBytes: 2 ** 30 };
const summary: ModelSummary = {
  name: 'model', format: 'hf-safetensors', architecture: 'llama', parameters: 260_000, layers: 5, hidden: 64,
  intermediate: 172, heads: 8, kvHeads: 4, headDim: 8, vocab: 512, maxPositions: 512, dtype: 'F32',
  fingerprint: 'abcdef0123456789', files: ['config.json', 'model.safetensors'], loadSeconds: 0.1,
};
const report = { ppl: 3.9, nll: Math.log(3.9), tokens: 1020, windows: 4, seqLen: 256 } as PerplexityReport;

function fakeClient(over: Partial<StudioClient> = {}): StudioClient {
  return {
    init: async () => adapter,
    loadModel: async (_files, onProgress) => { onProgress?.(0.5, 'Uploading weights to the GPU'); return summary; },
    perplexity: async (_text, _opts, onProgress) => { onProgress?.(2, 4); onProgress?.(4, 4); return report; },
    cancel: async () => {},
    dispose: () => {},
    ...over,
  };
}

const textFile = () => new File(['Once upon a time'], 'text.txt', { type: 'text/plain' });

describe('studio store', () => {
  it('reports WebGPU as unavailable without asking the worker when navigator.gpu is missing', async () => {
    let asked = false;
    const store = createStudioStore(fakeClient({ init: async () => { asked = true; return adapter; } }), { hasWebGpu: false });
    await store.getState().init();
    expect(store.getState().gpu.status).toBe('unavailable');
    expect(asked).toBe(false);
  });

  it('goes from model files to a perplexity result, with progress and ETA on the way', async () => {
    let t = 0;
    const progress: [number, number, number | null][] = [];
    const store = createStudioStore(fakeClient({
      perplexity: async (_text, _opts, onProgress) => {
        t = 1000; onProgress?.(1, 4);
        const s = store.getState().ppl;
        progress.push([s.done, s.total, s.etaSeconds]);
        return report;
      },
    }), { hasWebGpu: true, now: () => t });
    await store.getState().init();
    expect(store.getState().gpu.adapter?.isFallback).toBe(true);
    await store.getState().loadModelFiles([new File(['{}'], 'config.json')], 'stories260K');
    expect(store.getState().model).toMatchObject({ status: 'ready', sourceLabel: 'stories260K', summary });
    store.getState().setTextFile(textFile());
    await store.getState().runPerplexity();
    expect(progress).toEqual([[1, 4, 3]]);
    expect(store.getState().ppl).toMatchObject({ status: 'done', report, done: 4, total: 4 });
  });

  it('keeps the code and message of a worker error', async () => {
    const store = createStudioStore(fakeClient({
      loadModel: async () => { throw new StudioError('BadModelFile', 'model.safetensors: truncated (at byte 8)'); },
    }), { hasWebGpu: true });
    await store.getState().init();
    await store.getState().loadModelFiles([new File(['x'], 'model.safetensors')]);
    expect(store.getState().model.status).toBe('error');
    expect(store.getState().model.error).toEqual({ code: 'BadModelFile', message: 'model.safetensors: truncated (at byte 8)' });
  });

  it('turns a Cancelled error into the cancelled state, not an error', async () => {
    const store = createStudioStore(fakeClient({
      perplexity: async () => { throw new StudioError('Cancelled', 'perplexity evaluation cancelled'); },
    }), { hasWebGpu: true });
    await store.getState().init();
    await store.getState().loadModelFiles([new File(['{}'], 'config.json')]);
    store.getState().setTextFile(textFile());
    await store.getState().runPerplexity();
    expect(store.getState().ppl.status).toBe('cancelled');
    expect(store.getState().ppl.error).toBeNull();
  });

  it('refuses settings the model cannot run before calling the worker', async () => {
    let called = false;
    const store = createStudioStore(fakeClient({ perplexity: async () => { called = true; return report; } }), { hasWebGpu: true });
    await store.getState().init();
    await store.getState().loadModelFiles([new File(['{}'], 'config.json')]);
    store.getState().setTextFile(textFile());
    store.getState().setSettings({ seqLen: 1024 });
    await store.getState().runPerplexity();
    expect(called).toBe(false);
    expect(store.getState().ppl.error?.code).toBe('BadRequest');
    expect(store.getState().ppl.error?.message).toMatch(/512/);
  });
});

describe('etaSeconds / settingsProblem', () => {
  it('estimates from the mean step time', () => {
    expect(etaSeconds(10, 0, 4)).toBeNull();
    expect(etaSeconds(10, 2, 4)).toBe(10);
    expect(etaSeconds(10, 4, 4)).toBe(0);
  });
  it('names the bad setting', () => {
    expect(settingsProblem({ seqLen: 256, maxWindows: 16 }, 512)).toBeNull();
    expect(settingsProblem({ seqLen: 1, maxWindows: 16 }, 512)).toMatch(/at least 2/);
    expect(settingsProblem({ seqLen: Number.NaN, maxWindows: 16 }, null)).toMatch(/sequence length/);
    expect(settingsProblem({ seqLen: 256, maxWindows: -1 }, 512)).toMatch(/max windows/);
  });
});

describe('device loss', () => {
  it('asks for the model to be loaded again after DeviceLost', async () => {
    const store = createStudioStore(fakeClient({
      perplexity: async () => { throw new StudioError('DeviceLost', 'The GPU device was lost (unknown): gone. Reload the model to continue.'); },
    }), { hasWebGpu: true });
    await store.getState().init();
    await store.getState().loadModelFiles([new File(['{}'], 'config.json')]);
    store.getState().setTextFile(textFile());
    await store.getState().runPerplexity();
    expect(store.getState().ppl.error?.code).toBe('DeviceLost');
    expect(store.getState().model).toMatchObject({ status: 'error', summary: null });
    expect(store.getState().model.error?.code).toBe('DeviceLost');
  });
});
