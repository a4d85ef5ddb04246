// The scan slice's two views against a fake worker: a module scan asks for by = 'module' and fills layers x 7 x
// levels cells; cancel keeps the cells and resume sends them back so only the missing ones are measured; each
// view keeps its own grid; the module scan is saved apart from the levels scan and offered after a "reload".
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { MODULES } from '../core/prune/linear-maps.ts';
import type { ScanCell } from '../core/prune/sensitivity-scan.ts';
import type { ModelSummary, ScanJobRequest } from '../worker/api.ts';
import type { StudioClient } from '../worker/client.ts';
import { StudioError } from '../worker/error-info.ts';
import { connectPersistence } from './persist-sync.ts';
import { idbPersistence } from './persistence.ts';
import { canResumeScan } from './scan-slice.ts';
import { createStudioStore } from './studio-store.ts';

const adapter = { vendor: 'google', architecture: 'swiftshader', description: '', isFallback: true, maxBindingBytes: 2 ** 30, maxBufferBytes: 2 ** 30 };
const FP = 'cc33'.repeat(16);
const LAYERS = 3;

/** Every cell of the request's grid, measured in order; stops (Cancelled) after `stopAfter` new cells. */
function fakeScan(requests: ScanJobRequest[], stopAfter = Infinity): StudioClient['scan'] {
  return async (req, _opts, onCell) => {
    requests.push(structuredClone(req));
    const modules = req.by === 'module' ? [...MODULES] : ['all' as const];
    const have = new Set((req.done ?? []).map((c) => `${c.layer}/${c.module}/${c.level}`));
    const cells: ScanCell[] = [];
    const total = LAYERS * modules.length * req.levels.length;
    let fresh = 0;
    for (let layer = 0; layer < LAYERS; layer++) for (const module of modules) for (const level of req.levels) {
      const old = req.done?.find((c) => c.layer === layer && c.module === module && c.level === level);
      if (old && have.has(`${layer}/${module}/${level}`)) { cells.push(old); continue; }
      if (fresh++ >= stopAfter) throw new StudioError('Cancelled', 'sensitivity scan cancelled');
      const cell = { layer, module, level, ppl: 4 + layer + level, deltaPpl: layer + level };
      cells.push(cell);
      onCell?.(cell, cells.length, total);
    }
    return { densePpl: 4, cells, windows: 2, seqLen: 128 };
  };
}

async function readyStore(scan: StudioClient['scan'], withDb = false) {
  const client = {
    init: async () => adapter,
    loadModel: async () => ({ name: 'm', layers: LAYERS, maxPositions: 512, fingerprint: FP } as ModelSummary),
    scan, cancel: async () => {}, watchDevice: async () => {}, dispose: () => {},
  } as unknown as StudioClient;
  const store = createStudioStore(client, { hasWebGpu: true, now: () => 0 });
  const sync = withDb ? connectPersistence(store, idbPersistence(), { now: () => 1 }) : null;
  await store.getState().init();
  await store.getState().loadModelFiles([new File(['{}'], 'config.json')]);
  store.getState().setTextFile(new File(['Once upon a time'], 'text.txt'));
  store.getState().setSettings({ seqLen: 128, maxWindows: 4 });
  store.getState().setScanSettings({ levelsText: '0.3, 0.6', windows: 2 });
  return { store, sync };
}

beforeEach(() => { globalThis.indexedDB = new IDBFactory(); });

describe('sensitivity scan views', () => {
  it('a module scan fills layers x 7 x levels; cancel keeps its cells and resume measures only the rest', async () => {
    const requests: ScanJobRequest[] = [];
    let stop = 5;
    const { store } = await readyStore((req, opts, onCell) => fakeScan(requests, stop)(req, opts, onCell));
    store.getState().setScanView('module');
    await store.getState().runScan();
    expect(requests[0]).toMatchObject({ by: 'module', levels: [0.3, 0.6] });
    expect(requests[0].done).toBeUndefined();
    expect(store.getState().scan).toMatchObject({ by: 'module', status: 'cancelled', total: LAYERS * 7 * 2 });
    expect(store.getState().scan.cells).toHaveLength(5);
    expect(canResumeScan(store.getState())).toBe(true);

    stop = Infinity;
    await store.getState().runScan({ resume: true });
    expect(requests[1].done).toHaveLength(5);
    expect(store.getState().scan).toMatchObject({ status: 'done', done: LAYERS * 7 * 2, densePpl: 4 });
    expect(new Set(store.getState().scan.cells.map((c) => c.module))).toEqual(new Set(MODULES));
    expect(canResumeScan(store.getState())).toBe(false);
  });

  it('resume is not offered once the protocol changed (another metric or window count)', async () => {
    const { store } = await readyStore(fakeScan([], 3));
    await store.getState().runScan();
    expect(canResumeScan(store.getState())).toBe(true);
    store.getState().setScanSettings({ windows: 3 });
    expect(canResumeScan(store.getState())).toBe(false);
    store.getState().setScanSettings({ windows: 2 });
    store.getState().setMethod({ metric: 'magnitude' });
    expect(canResumeScan(store.getState())).toBe(false);
  });

  it('each view keeps its own grid; no switching while a scan runs', async () => {
    const requests: ScanJobRequest[] = [];
    const { store } = await readyStore(fakeScan(requests));
    await store.getState().runScan(); // levels view
    expect(store.getState().scan.cells).toHaveLength(LAYERS * 2);
    store.getState().setScanView('module');
    expect(store.getState().scan).toMatchObject({ by: 'module', status: 'idle', cells: [] });
    await store.getState().runScan();
    expect(store.getState().scan.cells).toHaveLength(LAYERS * 7 * 2);
    store.getState().setScanView('layer');
    expect(store.getState().scan).toMatchObject({ by: 'layer', status: 'done' });
    expect(store.getState().scan.cells.every((c) => c.module === 'all')).toBe(true);
    store.getState().setScanView('module');
    expect(store.getState().scan.cells).toHaveLength(LAYERS * 7 * 2);
    expect(requests.map((r) => r.by)).toEqual(['layer', 'module']);
  });

  it('SparseGPT is refused before anything is sent', async () => {
    const requests: ScanJobRequest[] = [];
    const { store } = await readyStore(fakeScan(requests));
    store.getState().setMethod({ metric: 'sparsegpt' });
    await store.getState().runScan();
    expect(store.getState().scan.error?.message).toMatch(/supports Wanda and magnitude/);
    expect(requests).toHaveLength(0);
  });

  it('the module scan is saved apart from the levels scan and restored into its view after a reload', async () => {
    const first = await readyStore(fakeScan([], 4), true);
    await first.store.getState().runScan(); // levels: cancelled after 4 of 6
    first.store.getState().setScanView('module');
    await first.store.getState().runScan(); // modules: cancelled after 4 of 42
    await first.sync!.flush();

    const second = await readyStore(fakeScan([]), true);
    await vi.waitFor(() => expect(second.store.getState().history.offer).not.toBeNull()); // loads asynchronously
    const offer = second.store.getState().history.offer!;
    expect(offer.scan).toMatchObject({ complete: false, total: LAYERS * 2 });
    expect(offer.scan?.by).toBeUndefined();
    expect(offer.moduleScan).toMatchObject({ by: 'module', complete: false, total: LAYERS * 7 * 2 });
    second.store.getState().restoreScan('module');
    expect(second.store.getState().scan).toMatchObject({ by: 'module', status: 'cancelled' });
    expect(second.store.getState().scan.cells).toHaveLength(4);
    expect(canResumeScan(second.store.getState())).toBe(true); // same model, text and settings
    second.store.getState().restoreScan();
    expect(second.store.getState().scan).toMatchObject({ by: 'layer', status: 'cancelled' });
    expect(second.store.getState().scan.other?.cells).toHaveLength(4);
  });
});
