// The store against a fake worker client: state transitions, error codes kept, progress/ETA, cancellation.
import { describe, expect, it } from 'vitest';
import type { PerplexityReport } from '../core/engine/perplexity-report.ts';
import type { GenerationResult, ModelSummary } from '../worker/api.ts';
import type { StudioClient } from '../worker/client.ts';
import { StudioError } from '../worker/error-info.ts';
import { createStudioStore } from './studio-store.ts';
import { etaSeconds } from './eta.ts';
import { settingsProblem } from './run-settings.ts';
import { generateSettingsProblem } from './generate-settings.ts';

const adapter = { vendor: 'google', architecture: 'swiftshader', description: '', isFallback: true, maxBindingBytes: 2 ** 30, maxBufferBytes: 2 ** 30 };
const summary: ModelSummary = {
  name: 'model', format: 'hf-safetensors', architecture: 'llama', parameters: 260_000, layers: 5, hidden: 64,
  intermediate: 172, heads: 8, kvHeads: 4, headDim: 8, vocab: 512, maxPositions: 512, dtype: 'F32',
  fingerprint: 'abcdef0123456789', files: ['config.json', 'model.safetensors'], loadSeconds: 0.1,
};
const generation: GenerationResult = { text: 'Once upon a time, there was a cat.', tokens: 12, seconds: 0.5, tokensPerSecond: 24 };
const report = { ppl: 3.9, nll: Math.log(3.9), tokens: 1020, windows: 4, seqLen: 256 } as PerplexityReport;

function fakeClient(over: Partial<StudioClient> = {}): StudioClient {
  return {
    init: async () => adapter,
    loadModel: async (_files, onProgress) => { onProgress?.(0.5, 'Uploading weights to the GPU'); return summary; },
    perplexity: async (_text, _opts, onProgress) => { onProgress?.(2, 4); onProgress?.(4, 4); return report; },
    generate: async (_prompt, opts, onProgress) => { onProgress?.(0, opts.steps); onProgress?.(12, opts.steps); return generation; },
    prune: async () => { throw new StudioError('BadRequest', 'not used here'); },
    scan: async () => { throw new StudioError('BadRequest', 'not used here'); },
    search: async () => { throw new StudioError('BadRequest', 'not used here'); },
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
  it('keeps the model after a job fails with DeviceLost (device-slice.ts offers the reload)', async () => {
    const store = createStudioStore(fakeClient({
      perplexity: async () => { throw new StudioError('DeviceLost', 'The GPU device was lost (unknown): gone. Reload the model to continue.'); },
    }), { hasWebGpu: true });
    await store.getState().init();
    await store.getState().loadModelFiles([new File(['{}'], 'config.json')]);
    store.getState().setTextFile(textFile());
    await store.getState().runPerplexity();
    expect(store.getState().ppl.error?.code).toBe('DeviceLost');
    expect(store.getState().model).toMatchObject({ status: 'ready', summary, error: null });
  });
});

describe('greedy generation', () => {
  async function readyStore(client: Partial<StudioClient>, now?: () => number) {
    const store = createStudioStore(fakeClient(client), { hasWebGpu: true, now });
    await store.getState().init();
    await store.getState().loadModelFiles([new File(['{}'], 'config.json')]);
    return store;
  }

  it('sends the prompt and steps, shows progress in positions with an ETA, then the text', async () => {
    let t = 0;
    const calls: [string, number][] = [];
    const seen: [number, number, number | null][] = [];
    const store = await readyStore({
      generate: async (prompt, opts, onProgress) => {
        calls.push([prompt, opts.steps]);
        onProgress?.(4, 64); // BOS + prompt already in place: no decoding time measured yet
        t = 1000; onProgress?.(14, 64);
        const g = store.getState().gen;
        seen.push([g.done, g.total, g.etaSeconds]);
        return generation;
      },
    }, () => t);
    expect(store.getState().gen.settings).toEqual({ prompt: '', steps: 200 });
    store.getState().setGenerateSettings({ prompt: 'Once upon', steps: 64 });
    await store.getState().runGeneration();
    expect(calls).toEqual([['Once upon', 64]]);
    expect(seen).toEqual([[14, 64, 5]]);
    expect(store.getState().gen).toMatchObject({ status: 'done', prompt: 'Once upon', result: generation, error: null });
  });

  it('turns Cancelled into the cancelled state and cancels through the one worker cancel()', async () => {
    let cancelled = 0;
    let finish: (e: unknown) => void = () => {};
    const store = await readyStore({
      generate: () => new Promise((_, reject) => { finish = reject; }),
      cancel: async () => { cancelled++; finish(new StudioError('Cancelled', 'generation cancelled')); },
    });
    const run = store.getState().runGeneration();
    expect(store.getState().gen.status).toBe('running');
    await store.getState().cancelGeneration();
    await run;
    expect(cancelled).toBe(1);
    expect(store.getState().gen).toMatchObject({ status: 'cancelled', error: null, result: null });
  });

  it('keeps the error code, and runs one GPU job at a time', async () => {
    let generateCalls = 0;
    let finish: (e: unknown) => void = () => {};
    const store = await readyStore({
      perplexity: () => new Promise((_, reject) => { finish = reject; }),
      generate: async () => { generateCalls++; throw new StudioError('BadRequest', 'the prompt has 300 tokens, not fewer than steps (200)'); },
    });
    store.getState().setTextFile(textFile());
    const ppl = store.getState().runPerplexity();
    await store.getState().runGeneration(); // ignored: perplexity holds the GPU
    expect(generateCalls).toBe(0);
    finish(new StudioError('Cancelled', 'perplexity evaluation cancelled'));
    await ppl;
    await store.getState().runGeneration();
    expect(generateCalls).toBe(1);
    expect(store.getState().gen.error).toEqual({ code: 'BadRequest', message: 'the prompt has 300 tokens, not fewer than steps (200)' });
    store.getState().dismissGenerateError();
    expect(store.getState().gen.status).toBe('idle');
  });

  it('refuses steps the model cannot run, and keeps the model after DeviceLost', async () => {
    const store = await readyStore({
      generate: async () => { throw new StudioError('DeviceLost', 'The GPU device was lost (unknown): gone. Reload the model to continue.'); },
    });
    store.getState().setGenerateSettings({ steps: 1000 });
    await store.getState().runGeneration();
    expect(store.getState().gen.error).toMatchObject({ code: 'BadRequest', message: expect.stringMatching(/512/) });
    store.getState().setGenerateSettings({ steps: 200 });
    await store.getState().runGeneration();
    expect(store.getState().gen.error?.code).toBe('DeviceLost');
    expect(store.getState().model).toMatchObject({ status: 'ready', summary });
  });

  it('names bad steps', () => {
    expect(generateSettingsProblem({ prompt: '', steps: 200 }, 512)).toBeNull();
    expect(generateSettingsProblem({ prompt: '', steps: 1 }, 512)).toMatch(/at least 2/);
    expect(generateSettingsProblem({ prompt: '', steps: 2.5 }, null)).toMatch(/whole number/);
    expect(generateSettingsProblem({ prompt: '', steps: 513 }, 512)).toMatch(/512/);
  });
});
