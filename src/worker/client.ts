// The UI thread's one typed client of the studio worker. Rebuilds worker errors as StudioError (code +
// message) and fails pending calls if the worker itself crashes instead of leaving them hanging.
import * as Comlink from 'comlink';
import type { PerplexityReport } from '../core/engine/perplexity-report.ts';
import type { AdapterSummary } from '../core/gpu/device.ts';
import type { GenerateJobOptions, GenerationResult, ModelSummary, StudioWorkerApi } from './api.ts';
import { StudioError, toStudioError } from './error-info.ts';

export interface StudioClient {
  init(): Promise<AdapterSummary>;
  loadModel(files: File[], onProgress?: (fraction: number, label: string) => void): Promise<ModelSummary>;
  perplexity(text: File | string, opts: { seqLen: number; maxWindows?: number },
    onProgress?: (done: number, total: number) => void): Promise<PerplexityReport>;
  generate(prompt: string, opts: GenerateJobOptions,
    onProgress?: (done: number, total: number) => void): Promise<GenerationResult>;
  prune: StudioWorkerApi['prune'];
  scan: StudioWorkerApi['scan'];
  allocations: StudioWorkerApi['allocations'];
  search: StudioWorkerApi['search'];
  cancel(): Promise<void>;
  loadHubModel: StudioWorkerApi['loadHubModel'];
  fetchHubText: StudioWorkerApi['fetchHubText'];
  cancelDownloads(kind?: 'model' | 'text'): Promise<void>;
  hubCache: StudioWorkerApi['hubCache'];
  exportModel: StudioWorkerApi['exportModel'];
  watchDevice(onLost: Parameters<StudioWorkerApi['watchDevice']>[0]): Promise<void>;
  reloadModel: StudioWorkerApi['reloadModel'];
  loseDeviceForTest: StudioWorkerApi['loseDeviceForTest'];
  dispose(): void;
}

/** `testHooks`: name the worker so it accepts loseDeviceForTest (the page's ?test-hooks flag; e2e only). */
export function createStudioClient(opts: { testHooks?: boolean } = {}): StudioClient {
  const worker = new Worker(new URL('./studio-worker.ts', import.meta.url),
    { type: 'module', name: opts.testHooks ? 'prunelab-studio+test-hooks' : 'prunelab-studio' });
  const remote = Comlink.wrap<StudioWorkerApi>(worker);
  let fail: (e: StudioError) => void = () => {};
  const crashed = new Promise<never>((_, reject) => { fail = reject; });
  crashed.catch(() => { /* observed by every call through race() */ });
  worker.addEventListener('error', (ev) => {
    ev.preventDefault();
    fail(new StudioError('WorkerCrashed', `The studio worker stopped: ${ev.message || 'it failed to start (see the browser console)'}. Reload the page.`));
  });
  worker.addEventListener('messageerror', () => {
    fail(new StudioError('WorkerCrashed', 'A message from the studio worker could not be read. Reload the page.'));
  });

  async function call<T>(p: Promise<T>): Promise<T> {
    try {
      return await Promise.race([p, crashed]);
    } catch (e) {
      throw toStudioError(e);
    }
  }

  return {
    init: () => call(remote.init()),
    loadModel: (files, onProgress) =>
      call(remote.loadModel(files, onProgress ? Comlink.proxy(onProgress) : undefined)),
    perplexity: (text, opts, onProgress) =>
      call(remote.perplexity(text, opts, onProgress ? Comlink.proxy(onProgress) : undefined)),
    generate: (prompt, opts, onProgress) =>
      call(remote.generate(prompt, opts, onProgress ? Comlink.proxy(onProgress) : undefined)),
    prune: (request, opts, onProgress) =>
      call(remote.prune(request, opts, onProgress ? Comlink.proxy(onProgress) : undefined)),
    scan: (req, opts, onCell) => call(remote.scan(req, opts, onCell ? Comlink.proxy(onCell) : undefined)),
    allocations: (req, opts, onProgress) => call(remote.allocations(req, opts, onProgress ? Comlink.proxy(onProgress) : undefined)),
    search: (req, opts, onEvent) => call(remote.search(req, opts, onEvent ? Comlink.proxy(onEvent) : undefined)),
    cancel: () => call(remote.cancel()),
    loadHubModel: (job, onDownload, onProgress) => call(remote.loadHubModel(job,
      onDownload ? Comlink.proxy(onDownload) : undefined, onProgress ? Comlink.proxy(onProgress) : undefined)),
    fetchHubText: (job, onDownload) => call(remote.fetchHubText(job, onDownload ? Comlink.proxy(onDownload) : undefined)),
    cancelDownloads: (kind) => call(remote.cancelDownloads(kind)),
    hubCache: (action) => call(remote.hubCache(action)),
    exportModel: (req, onProgress) => call(remote.exportModel(req, onProgress ? Comlink.proxy(onProgress) : undefined)),
    watchDevice: (onLost) => call(remote.watchDevice(Comlink.proxy(onLost))),
    reloadModel: (onProgress) => call(remote.reloadModel(onProgress ? Comlink.proxy(onProgress) : undefined)),
    loseDeviceForTest: () => call(remote.loseDeviceForTest()),
    dispose() {
      remote[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}
