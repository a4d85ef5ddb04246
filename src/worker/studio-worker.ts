// The studio's worker: owns the GPU device and the engine, exposes StudioWorkerApi through comlink.
// Every method rethrows failures as plain {code, message} (see error-info.ts) so the UI can show the code.
import * as Comlink from 'comlink';
import { blobSource, type ByteSource } from '../core/formats/byte-source.ts';
import { loadModel } from '../core/formats/load-model.ts';
import { createGpu, type Gpu } from '../core/gpu/device.ts';
import { Engine } from '../core/engine/engine.ts';
import { evaluatePerplexity } from '../core/engine/perplexity.ts';
import { generateGreedy } from '../core/engine/generate.ts';
import { BadRequest, Cancelled } from '../core/errors.ts';
import { cacheStorageHubCache } from '../core/hub/hub-cache.ts';
import { downloadHubModel } from '../core/hub/hub-model.ts';
import { fetchHubText } from '../core/hub/hub-text.ts';
import { fetchHubFile } from '../core/hub/hub-file.ts';
import type { DeviceLostInfo, DownloadKind, ModelSummary, StudioWorkerApi } from './api.ts';
import { exportJob } from './export-job.ts';
import { summarizeModel } from './model-summary.ts';
import { toErrorInfo } from './error-info.ts';
import { cancelRunning, exclusive, isBusy, type JobKind } from './job-slot.ts';
import { PruneSession } from './prune-session.ts';
import { tokenizerWorkerFor } from './tokenizer-worker-client.ts';
import { pruneJob, scanJob } from './prune-jobs.ts';
import { searchJob } from './search-job.ts';
import { applyPrune, forgetApplied } from './current-prune.ts';
import { allocationsJob } from './allocation-job.ts';
import { zeroShotJob } from './zero-shot-job.ts';
import { idbTuningStore } from './tuning-idb-store.ts';

/** The matmul autotune's choice per adapter survives page loads (timed once on a real GPU). */
const tuningStore = idbTuningStore();

let gpuPromise: Promise<Gpu> | null = null;
let engine: Engine | null = null;
let session: PruneSession | null = null;
/** The loaded model's files (and its Hub label): the export copies its tokenizer, a device loss reloads them. */
let loaded: { sources: ByteSource[]; name: string | null } | null = null;
/** The page's callbacks for a lost device (StudioWorkerApi.watchDevice). */
const lostWatchers = new Set<(info: DeviceLostInfo) => void>();
/** Test builds name the worker with this flag; only then can a test destroy the device on purpose. */
const TEST_HOOKS = self.name.includes('+test-hooks');

function gpu(): Promise<Gpu> {
  gpuPromise ??= createGpu().then((g) => {
    // A lost device is gone for good: forget it (and the engine on it) so the next load starts a fresh one.
    void g.lost.then((lost) => {
      if (engine?.gpu === g) { session?.tokenizerWorker?.terminate(); engine = null; session = null; }
      gpuPromise = null;
      const info: DeviceLostInfo = { code: 'DeviceLost', reason: lost.reason, message: lost.message };
      for (const w of lostWatchers) void Promise.resolve(w(info)).catch(() => { /* the page went away */ });
    });
    return g;
  }, (e) => {
    gpuPromise = null; // let a later call retry
    throw e;
  });
  return gpuPromise;
}

/** Fails `job` with DeviceLost as soon as the device is lost instead of waiting on GPU work that never ends. */
async function raceDeviceLoss<T>(g: Gpu, job: Promise<T>): Promise<T> {
  try {
    return await Promise.race([job, g.lost.then((lost) => { throw lost; })]);
  } catch (e) {
    // GPU work that the loss cut short can reject first (a pending mapAsync rejects with AbortError before
    // device.lost settles): a failure followed at once by the loss is the loss.
    const lost = await Promise.race([g.lost, new Promise<null>((r) => setTimeout(() => r(null), 250))]);
    throw lost ?? e;
  }
}

/** Runs `fn`; any failure leaves the worker as {code, message}. */
async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toErrorInfo(e);
  }
}

/** Calls a comlink-proxied callback without waiting for the UI thread, at most every `ms` (the last call always goes). */
function throttled<A extends unknown[]>(cb: ((...args: A) => unknown) | undefined, ms: number) {
  let last = 0;
  return (force: boolean, ...args: A) => {
    if (!cb) return;
    const now = performance.now();
    if (!force && now - last < ms) return;
    last = now;
    void Promise.resolve(cb(...args)).catch(() => { /* the page went away; nothing to report to */ });
  };
}

function release(cb: unknown): void {
  const releaser = (cb as { [Comlink.releaseProxy]?: () => void } | undefined)?.[Comlink.releaseProxy];
  if (typeof releaser === 'function') releaser.call(cb);
}

/** Parses `sources` and makes them the loaded model on the GPU (the previous one is dropped only once they parse). */
async function installModel(sources: ByteSource[], report: ReturnType<typeof throttled<[number, string]>>, start: number,
  name: string | null = null): Promise<ModelSummary> {
  report(true, 0, 'Reading model files');
  const model = await loadModel(sources);
  const device = await gpu();
  session?.destroy();
  session = null;
  engine?.destroy();
  engine = null;
  report(true, 0, 'Uploading weights to the GPU');
  engine = await raceDeviceLoss(device, Engine.create(device, model, {
    tuningStore,
    onProgress: (loaded, total) => report(loaded >= total, total > 0 ? loaded / total : 1, 'Uploading weights to the GPU'),
    // Only on the first load on an adapter: later loads find the choice in IndexedDB.
    onTuning: (done, total) => report(true, done / total, 'Timing the matmul kernels on this GPU (once per GPU)'),
  }));
  session = new PruneSession(engine, tokenizerWorkerFor(model.tokenizer));
  loaded = { sources, name };
  const summary = summarizeModel(model, (performance.now() - start) / 1000, engine);
  return name ? { ...summary, name } : summary;
}

/** Hub downloads in flight and what they fetch (cancelDownloads aborts one kind or all). */
const downloads = new Map<AbortController, DownloadKind>();

async function withDownload<T>(kind: DownloadKind, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  downloads.set(controller, kind);
  try {
    return await fn(controller.signal);
  } finally {
    downloads.delete(controller);
  }
}

/** The persistent Hub cache when asked for and this context has the Cache API (secure contexts only). */
const hubCache = (use: boolean) => (use && typeof caches !== 'undefined' ? cacheStorageHubCache(caches) : null);

/** What each GPU job says when no model is loaded. */
const NEEDS_MODEL: Record<JobKind, string> = {
  perplexity: 'load a model before evaluating perplexity',
  generate: 'load a model before generating text',
  prune: 'load a model before pruning',
  scan: 'load a model before scanning',
  allocations: 'load a model before computing allocations',
  search: 'load a model before searching',
  export: 'load and prune a model before exporting',
  zeroshot: 'load a model before evaluating zero-shot accuracy',
};

/** The one lifecycle of a GPU job: the loaded model's session, the job slot (cancel, supersede), failing fast on a
 *  lost device, progress throttled to every `ms` and the page's callback released at the end; errors as {code, message}. */
function gpuJob<A extends unknown[], T>(kind: JobKind, callback: ((...args: A) => unknown) | undefined, ms: number,
  run: (s: PruneSession, signal: AbortSignal, report: (force: boolean, ...args: A) => void) => Promise<T>,
  opts: { supersede?: boolean } = {}): Promise<T> {
  return guarded(async () => {
    try {
      const s = session;
      if (!s) throw new BadRequest(NEEDS_MODEL[kind]);
      const report = throttled(callback, ms);
      return await exclusive(kind, (signal) => {
        // Every job but these may change the masks or weights; they re-apply the run they name when needed.
        if (kind !== 'export' && kind !== 'generate' && kind !== 'zeroshot') forgetApplied(s);
        return raceDeviceLoss(s.engine.gpu, run(s, signal, report));
      }, opts.supersede);
    } finally {
      release(callback);
    }
  });
}

const api: StudioWorkerApi = {
  init: () => guarded(async () => (await gpu()).adapter),

  loadModel: (files, onProgress) => guarded(async () => {
    const report = throttled(onProgress, 50);
    try {
      if (isBusy()) throw new BadRequest('a GPU job is running; cancel it before loading another model');
      if (files.length === 0) throw new BadRequest('no files were given');
      return await installModel(files.map((f) => blobSource(f, f.name)), report, performance.now());
    } finally {
      release(onProgress);
    }
  }),

  loadHubModel: (job, onDownload, onProgress) => guarded(async () => {
    const report = throttled(onProgress, 50);
    const bytes = throttled(onDownload, 100);
    try {
      if (isBusy()) throw new BadRequest('a GPU job is running; cancel it before loading another model');
      const start = performance.now();
      const { sources, report: download } = await withDownload('model', (signal) => downloadHubModel(
        { base: job.base, id: job.id, revision: job.revision, token: job.token },
        { signal, cache: hubCache(job.useCache), onProgress: (p) => bytes(p.filesDone === p.files, p) },
      ));
      // Checked again: a GPU job may have started while the files were downloading.
      if (isBusy()) throw new BadRequest('a GPU job is running; cancel it before loading another model');
      const summary = await installModel(sources, report, start, download.label);
      return { summary, download };
    } finally {
      release(onProgress);
      release(onDownload);
    }
  }),

  fetchHubText: (job, onDownload) => guarded(async () => {
    const bytes = throttled(onDownload, 100);
    try {
      return await withDownload('text', (signal) => fetchHubText(
        { base: job.base, dataset: job.dataset, file: job.file, revision: job.revision, token: job.token },
        { signal, cache: hubCache(job.useCache), onProgress: (p) => bytes(p.filesDone === p.files, p) },
      ));
    } finally {
      release(onDownload);
    }
  }),

  fetchHubDataFile: (job, onDownload) => guarded(async () => {
    const bytes = throttled(onDownload, 100);
    try {
      return await withDownload(job.download, (signal) => fetchHubFile(
        { base: job.base, id: job.dataset, revision: job.revision, file: job.file, token: job.token }, 'dataset',
        { signal, cache: hubCache(job.useCache), onProgress: (p) => bytes(p.filesDone === p.files, p) },
      ));
    } finally {
      release(onDownload);
    }
  }),

  cancelDownloads(kind) {
    for (const [c, k] of downloads) if (!kind || k === kind) c.abort();
  },

  hubCache: (action) => guarded(async () => {
    const cache = hubCache(true);
    if (!cache) return { files: 0, bytes: 0 };
    return action === 'clear' ? cache.clear() : cache.stats();
  }),

  perplexity: (text, opts, onProgress) => gpuJob('perplexity', onProgress, 0, async (s, signal, report) => {
    s.makeDense(); // this panel's number is the dense model's
    const { ids } = await s.tokens(text, signal); // where cancel can stop it (the tokenizer worker)
    const content = typeof text === 'string' ? text : await text.text();
    return evaluatePerplexity(s.engine, content, {
      ids,
      seqLen: opts.seqLen,
      maxWindows: opts.maxWindows,
      signal,
      onProgress: (done, total) => report(true, done, total),
    });
  }),

  generate: (prompt, opts, onProgress) => gpuJob('generate', onProgress, 50, async (s, signal, report) => {
    const e = s.engine;
    if (opts.pruneId !== undefined) await applyPrune(s, opts.pruneId, signal, { gpuState: true });
    else s.makeDense();
    const start = performance.now();
    const tok = e.model.tokenizer;
    // Progress counts positions like `steps` does: BOS + prompt fill all but the last prompt position
    // before the first new token (generateGreedy's loop starts there).
    const promptIds = (tok.bosId !== null ? 1 : 0) + (prompt ? tok.encode(prompt).length : 0);
    const total = Math.min(opts.steps, e.spec.maxPositions);
    let done = Math.max(0, promptIds - 1);
    report(true, done, total);
    const pieces: string[] = [];
    const result = await generateGreedy(e, {
      prompt, steps: opts.steps, signal, onToken: (piece) => { pieces.push(piece); report(false, ++done, total); },
    });
    // generateGreedy stops quietly on abort; the studio reports it like a cancelled evaluation.
    if (signal.aborted) throw new Cancelled('generation');
    report(true, done, total);
    const seconds = (performance.now() - start) / 1000;
    const tokens = result.ids.length;
    return { text: result.text, tokens, seconds, tokensPerSecond: tokens / seconds, ids: result.ids, pieces };
  }),

  prune: (request, opts, onProgress) => gpuJob('prune', onProgress, 50,
    (s, signal, report) => pruneJob(s, request, opts, signal, (p) => report(p.done >= p.total, p)), { supersede: true }),

  scan: (req, opts, onCell) => gpuJob('scan', onCell, 0,
    (s, signal, report) => scanJob(s, req, opts, signal, (cell, done, total) => report(true, cell, done, total))),

  allocations: (req, opts, onProgress) => gpuJob('allocations', onProgress, 50,
    (s, signal, report) => allocationsJob(s, req, opts, signal, (p) => report(p.done >= p.total, p))),

  search: (req, opts, onEvent) => gpuJob('search', onEvent, 0,
    (s, signal, report) => searchJob(s, req, opts, signal, (e) => report(true, e))),

  zeroShot: (req, onProgress) => gpuJob('zeroshot', onProgress, 100,
    (s, signal, report) => zeroShotJob(s, req, signal, (p) => report(p.done >= p.total, p))),

  cancel() {
    cancelRunning();
  },

  exportModel: (req, onProgress) => gpuJob('export', onProgress, 100, (s, signal, report) => {
    if (!loaded) throw new BadRequest(NEEDS_MODEL.export);
    return exportJob(s, loaded.sources, req, signal, (p) => report(p.totalBytes !== null && p.bytes >= p.totalBytes, p));
  }),

  watchDevice(onLost) {
    lostWatchers.add(onLost);
  },

  reloadModel: (onProgress) => guarded(async () => {
    const report = throttled(onProgress, 50);
    try {
      if (isBusy()) throw new BadRequest('a GPU job is running; cancel it before reloading the model');
      if (!loaded) throw new BadRequest('no model was loaded yet: drop, pick or load one from the Hub');
      return await installModel(loaded.sources, report, performance.now(), loaded.name);
    } finally {
      release(onProgress);
    }
  }),

  loseDeviceForTest: () => guarded(async () => {
    if (!TEST_HOOKS) throw new BadRequest('test hooks are off: the studio must be opened with ?test-hooks');
    (await gpu()).device.destroy();
  }),
};

Comlink.expose(api);
