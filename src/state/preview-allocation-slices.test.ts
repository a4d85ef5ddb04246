// The dense-vs-pruned preview and the allocation overlay slices against a fake worker: the preview decodes the
// dense model, then the model pruned as the slider last pruned it, and a slider step changes only the key that
// marks it stale; the allocations are asked for at the slider's target once and then served from the cache.
import { describe, expect, it } from 'vitest';
import type { AllocationsOutcome, GenerateJobOptions, GenerationResult, ModelSummary, PruneOutcome } from '../worker/api.ts';
import type { StudioClient } from '../worker/client.ts';
import { allocationKey, cachedAllocations } from './allocation-slice.ts';
import { firstDivergence, sliderPruning } from './preview-slice.ts';
import { createStudioStore } from './studio-store.ts';

const adapter = { vendor: 'google', architecture: 'swiftshader', description: '', isFallback: true, maxBindingBytes: 2 ** 30, maxBufferBytes: 2 ** 30 };

const outcome = (sparsity: number): PruneOutcome => ({
  pruneId: 'run-1',
  request: { metric: 'wanda', sparsity, allocation: 'uniform' },
  result: { allocation: Array(5).fill(sparsity), achievedSparsity: Array(5).fill(sparsity), seconds: 0.1 },
  ppl: 10, nll: 2.3, densePpl: 4, tokens: 508, windows: 4, seqLen: 128,
  calibration: { source: 'evaluation-text', textHash: 't', offsetTokens: 512, windows: 4, seqLen: 128 },
  modelHash: 'm', textHash: 't', seconds: 1, evalSeconds: 0.5,
});

const generation = (ids: number[]): GenerationResult =>
  ({ text: ids.map((i) => `w${i} `).join(''), tokens: ids.length, seconds: 1, tokensPerSecond: ids.length, ids, pieces: ids.map((i) => `w${i} `) });

async function readyStore(over: Partial<StudioClient>) {
  const client = {
    init: async () => adapter, watchDevice: async () => {}, cancel: async () => {}, dispose: () => {},
    loadModel: async () => ({ name: 'm', layers: 5, maxPositions: 512, fingerprint: 'f' } as ModelSummary),
    prune: async (req: { sparsity: number }) => outcome(req.sparsity),
    ...over,
  } as unknown as StudioClient;
  const store = createStudioStore(client, { hasWebGpu: true, now: () => 0 });
  await store.getState().init();
  await store.getState().loadModelFiles([new File(['{}'], 'config.json')]);
  store.getState().setTextFile(new File(['Once upon a time'], 'text.txt'));
  store.getState().setSettings({ seqLen: 128, maxWindows: 4 });
  return store;
}

describe('dense vs pruned preview', () => {
  it('finds the first differing token', () => {
    expect(firstDivergence([1, 2, 3], [1, 2, 4])).toBe(2);
    expect(firstDivergence([1, 2, 3], [1, 2, 3])).toBeNull();
    expect(firstDivergence([1, 2], [1, 2, 3])).toBe(2);
    expect(firstDivergence([5], [6])).toBe(0);
  });

  it('decodes dense, then pruned as the slider\'s shown run (its prune id); a slider step only makes it stale', async () => {
    const calls: GenerateJobOptions[] = [];
    const store = await readyStore({
      generate: async (_prompt: string, opts: GenerateJobOptions) => { calls.push(structuredClone(opts)); return generation(opts.pruneId ? [1, 2, 9, 9] : [1, 2, 3, 4]); },
    });
    store.getState().setGenerateSettings({ prompt: 'Once', steps: 40 });
    await store.getState().commitSparsity(0.5);
    await store.getState().runPreview();
    expect(calls).toHaveLength(2);
    expect(calls[0]).toEqual({ steps: 40 });
    expect(calls[1]).toEqual({ steps: 40, pruneId: store.getState().prune.outcome!.pruneId }); // the slider's shown run
    const p = store.getState().preview;
    expect(p).toMatchObject({ status: 'done', prompt: 'Once', steps: 40, prunedLabel: 'Wanda · UNIFORM 50%' });
    expect(firstDivergence(p.dense!.ids!, p.pruned!.ids!)).toBe(2);
    expect(p.pruneKey).toBe(sliderPruning(store.getState()).key);

    await store.getState().commitSparsity(0.6);
    expect(calls).toHaveLength(2); // not regenerated
    expect(store.getState().preview.pruneKey).not.toBe(sliderPruning(store.getState()).key);
  });
});

describe('allocation overlay', () => {
  it('asks the worker at the slider\'s target once per target and protocol', async () => {
    const asked: number[] = [];
    const store = await readyStore({
      allocations: async (req: { sparsity: number }) => {
        asked.push(req.sparsity);
        return { sparsity: req.sparsity, metric: 'wanda', owl: [0.4, 0.5, 0.6, 0.5, 0.5], mrp: [0.45, 0.55, 0.5, 0.5, 0.5], outlierRatios: [], seconds: 1 } as AllocationsOutcome;
      },
    });
    await store.getState().computeAllocations();
    expect(store.getState().allocations.error?.message).toMatch(/above 0%/);
    await store.getState().commitSparsity(0.5);
    await store.getState().computeAllocations();
    expect(cachedAllocations(store.getState())?.owl).toEqual([0.4, 0.5, 0.6, 0.5, 0.5]);
    await store.getState().commitSparsity(0.6);
    expect(cachedAllocations(store.getState())).toBeNull();
    await store.getState().commitSparsity(0.5);
    await store.getState().computeAllocations(); // cached: no second request
    expect(asked).toEqual([0.5]);
    const before = allocationKey(store.getState());
    store.getState().setMethod({ calibWindows: 8 });
    expect(allocationKey(store.getState())).not.toBe(before); // another calibration: other allocations
  });
});
