// The slider and scan slices against a fake worker: a newer release supersedes an in-flight one (only its
// answer is shown), the curve fills in, scan cells stream in and a cancel keeps the cells measured so far.
import { describe, expect, it } from 'vitest';
import type { ScanCell } from '../core/prune/sensitivity-scan.ts';
import type { ModelSummary, PruneOutcome } from '../worker/api.ts';
import type { StudioClient } from '../worker/client.ts';
import { StudioError } from '../worker/error-info.ts';
import { createStudioStore } from './studio-store.ts';
import { parseLevels, toPruneRequest } from './prune-settings.ts';

const adapter = { vendor: 'google', architecture: 'swiftshader', description: '', isFallback: true, maxBindingBytes: 2 ** 30, maxBufferBytes: 2 ** 30 };
const summary = { layers: 5, maxPositions: 512 } as ModelSummary;

function outcome(sparsity: number, ppl: number): PruneOutcome {
  return {
    pruneId: `run-${sparsity}`,
    request: { metric: 'wanda', sparsity, allocation: 'uniform' },
    result: { allocation: Array(5).fill(sparsity), achievedSparsity: Array(5).fill(sparsity), seconds: 0.1 },
    ppl, nll: Math.log(ppl), densePpl: 4, tokens: 508, windows: 4, seqLen: 128,
    calibration: { source: 'evaluation-text', textHash: 't', offsetTokens: 512, windows: 4, seqLen: 128 },
    modelHash: 'm', textHash: 't', seconds: 1, evalSeconds: 0.5,
  };
}

/** A promise with its resolve/reject exposed, so the test decides the order in which answers arrive. */
function deferred<T>() {
  let resolve!: (v: T) => void, reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

function fakeClient(over: Partial<StudioClient>): StudioClient {
  return {
    init: async () => adapter,
    loadModel: async () => summary,
    perplexity: async () => { throw new Error('unused'); },
    generate: async () => { throw new Error('unused'); },
    prune: async (req) => outcome(req.sparsity, 10),
    scan: async () => ({ densePpl: 4, cells: [], windows: 4, seqLen: 128 }),
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

async function readyStore(client: StudioClient) {
  const store = createStudioStore(client, { hasWebGpu: true, now: () => 0 });
  await store.getState().init();
  await store.getState().loadModelFiles([new File(['{}'], 'config.json')]);
  store.getState().setTextFile(new File(['Once upon a time'], 'text.txt'));
  store.getState().setSettings({ seqLen: 128, maxWindows: 4 });
  return store;
}

describe('sparsity slider slice', () => {
  it('plots a run at the sparsity it achieved, not the one requested (fair comparison of methods)', async () => {
    const store = await readyStore(fakeClient({
      prune: async (req) => ({ ...outcome(req.sparsity, 9), result: { allocation: Array(5).fill(req.sparsity), achievedSparsity: [0.28, 0.29, 0.3, 0.29, 0.29], seconds: 0.1 } }),
    }));
    await store.getState().commitSparsity(0.3);
    const point = store.getState().prune.points.find((q) => q.sparsity > 0)!;
    expect(point.sparsity).toBeCloseTo(0.29, 12);
    expect(point.ppl).toBe(9);
  });

  it('shows only the newest release when an older prune answers late', async () => {
    const first = deferred<PruneOutcome>();
    const calls: number[] = [];
    const store = await readyStore(fakeClient({
      prune: (req) => { calls.push(req.sparsity); return req.sparsity === 0.3 ? first.promise : Promise.resolve(outcome(req.sparsity, 12)); },
    }));
    const older = store.getState().commitSparsity(0.3);
    expect(store.getState().prune.status).toBe('running');
    await store.getState().commitSparsity(0.5); // supersedes: the worker aborts the older one
    first.resolve(outcome(0.3, 7));              // ... whose answer arrives after all
    await older;
    const p = store.getState().prune;
    expect(calls).toEqual([0.3, 0.5]);
    expect(p).toMatchObject({ status: 'done', sparsity: 0.5 });
    expect(p.outcome?.ppl).toBe(12);
    expect(p.points.map((q) => [q.sparsity, q.ppl])).toEqual([[0, 4], [0.5, 12]]);
  });

  it('ignores the Cancelled of a superseded prune and keeps running for the newer one', async () => {
    const first = deferred<PruneOutcome>();
    const second = deferred<PruneOutcome>();
    const store = await readyStore(fakeClient({ prune: (req) => (req.sparsity === 0.3 ? first.promise : second.promise) }));
    const a = store.getState().commitSparsity(0.3);
    const b = store.getState().commitSparsity(0.6);
    first.reject(new StudioError('Cancelled', 'prune (superseded by a newer request) cancelled'));
    await a;
    expect(store.getState().prune.status).toBe('running');
    second.resolve(outcome(0.6, 20));
    await b;
    expect(store.getState().prune).toMatchObject({ status: 'done', sparsity: 0.6, error: null });
  });

  it('sends the protocol and the request; N:M forces uniform; the curve keeps one point per sparsity', async () => {
    const seen: unknown[] = [];
    const store = await readyStore(fakeClient({ prune: async (req, opts) => { seen.push({ req, opts }); return outcome(req.sparsity, 9); } }));
    store.getState().setMethod({ allocation: 'owl', nm: '2:4', calibWindows: 2 });
    await store.getState().commitSparsity(0.5);
    await store.getState().commitSparsity(0.5);
    expect(seen[0]).toMatchObject({ req: { metric: 'wanda', sparsity: 0.5, allocation: 'uniform', nm: { n: 2, m: 4 } },
      opts: { seqLen: 128, evalWindows: 4, calibWindows: 2 } });
    expect(store.getState().prune.points).toHaveLength(2);
  });

  it('re-runs the shown sparsity when the metric, allocation or pattern changes, not on calibration edits', async () => {
    const seen: string[] = [];
    const store = await readyStore(fakeClient({ prune: async (req) => { seen.push(`${req.metric}/${req.allocation}/${req.sparsity}`); return outcome(req.sparsity, 9); } }));
    store.getState().setMethod({ allocation: 'owl' }); // nothing shown yet: no run
    await store.getState().commitSparsity(0.4);
    const { setMethod } = store.getState(); // as a component calls it: detached from the store object
    setMethod({ metric: 'magnitude' });
    setMethod({ calibWindows: 8 });
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toEqual(['wanda/owl/0.4', 'magnitude/owl/0.4']);
  });

  it('refuses a slider step while an export (or any other GPU job) runs, before calling the worker', async () => {
    let calls = 0;
    const store = await readyStore(fakeClient({ prune: async () => { calls++; throw new Error('unused'); } }));
    store.setState((s) => ({ gpuJob: 'exportJob', exportJob: { ...s.exportJob, status: 'running' } }));
    await store.getState().commitSparsity(0.5);
    expect(store.getState().prune.error?.message).toMatch(/Another GPU job/);
    expect(calls).toBe(0);
  });

  it('refuses calibration after "all windows" without a calibration text, before calling the worker', async () => {
    let called = false;
    const store = await readyStore(fakeClient({ prune: async (r) => { called = true; return outcome(r.sparsity, 1); } }));
    store.getState().setSettings({ maxWindows: 0 });
    await store.getState().commitSparsity(0.5);
    expect(called).toBe(false);
    expect(store.getState().prune.error?.message).toMatch(/max windows/);
  });

  it('builds core requests and parses levels', () => {
    expect(toPruneRequest({ metric: 'magnitude', allocation: 'mrp', nm: 'off', calibWindows: 4 }, 0.7))
      .toEqual({ metric: 'magnitude', sparsity: 0.7, allocation: 'mrp', nm: undefined });
    expect(parseLevels('0.8, 0.3 0.3')).toEqual([0.3, 0.8]);
    expect(parseLevels('0.3, 1')).toMatch(/"1"/);
  });
});

describe('sensitivity scan slice', () => {
  const cell = (layer: number, level: number): ScanCell => ({ layer, module: 'all', level, ppl: 5, deltaPpl: 1 });

  it('streams cells into the state as they arrive, then completes', async () => {
    const seenDuring: number[] = [];
    const store = await readyStore(fakeClient({
      scan: async (req, _opts, onCell) => {
        const cells: ScanCell[] = [];
        for (let l = 0; l < 5; l++) for (const level of req.levels) {
          cells.push(cell(l, level));
          onCell?.(cells[cells.length - 1], cells.length, 5 * req.levels.length);
          seenDuring.push(store.getState().scan.cells.length);
        }
        return { densePpl: 4, cells, windows: 4, seqLen: 128 };
      },
    }));
    store.getState().setScanSettings({ levelsText: '0.3, 0.8' });
    await store.getState().runScan();
    expect(seenDuring).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(store.getState().scan).toMatchObject({ status: 'done', layers: 5, levels: [0.3, 0.8], done: 10, total: 10, densePpl: 4 });
  });

  it('cancel keeps the cells measured so far and goes to cancelled', async () => {
    const gate = deferred<void>();
    let cancelled = false;
    const store = await readyStore(fakeClient({
      scan: async (_req, _opts, onCell) => {
        onCell?.(cell(0, 0.3), 1, 10);
        onCell?.(cell(0, 0.8), 2, 10);
        await gate.promise;
        throw new StudioError('Cancelled', 'sensitivity scan cancelled');
      },
      cancel: async () => { cancelled = true; gate.resolve(); },
    }));
    store.getState().setScanSettings({ levelsText: '0.3, 0.8' });
    const run = store.getState().runScan();
    expect(store.getState().scan.status).toBe('running');
    await store.getState().commitSparsity(0.5); // refused while the scan runs
    expect(store.getState().prune.error?.message).toMatch(/Another GPU job/);
    await store.getState().cancelScan();
    await run;
    expect(cancelled).toBe(true);
    expect(store.getState().scan).toMatchObject({ status: 'cancelled', error: null });
    expect(store.getState().scan.cells).toHaveLength(2);
  });
});
