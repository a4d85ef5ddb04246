// The UI thread's one typed client of the studio worker. Rebuilds worker errors as StudioError (code +
// message) and fails pending calls if the worker itself crashes instead of leaving them hanging.
import * as Comlink from 'comlink';
import type { StudioWorkerApi } from './api.ts';
import { StudioError, toStudioError } from './error-info.ts';

/** Every StudioWorkerApi method as the page calls it: the same parameters (callbacks are proxied), a Promise of its result. */
export type StudioClient = {
  [K in keyof StudioWorkerApi]: (...args: Parameters<StudioWorkerApi[K]>) => Promise<Awaited<ReturnType<StudioWorkerApi[K]>>>;
} & {
  /** Ends the worker. */
  dispose(): void;
};

/** The worker's methods by name (the compiler checks the list against StudioWorkerApi). */
const METHODS = {
  init: true, loadModel: true, perplexity: true, generate: true, prune: true, scan: true, allocations: true, search: true,
  cancel: true, loadHubModel: true, fetchHubText: true, fetchHubDataFile: true, cancelDownloads: true, hubCache: true, exportModel: true,
  watchDevice: true, reloadModel: true, loseDeviceForTest: true, zeroShot: true,
} satisfies Record<keyof StudioWorkerApi, true>;

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

  // Function arguments (progress, events, device loss) go as proxies: the worker calls back into the page.
  const method = (name: keyof StudioWorkerApi) => (...args: unknown[]) => {
    const remoteMethod = remote[name] as unknown as (...a: unknown[]) => Promise<unknown>;
    return call(remoteMethod(...args.map((a) => (typeof a === 'function' ? Comlink.proxy(a) : a))));
  };
  const client = Object.fromEntries(Object.keys(METHODS).map((name) => [name, method(name as keyof StudioWorkerApi)]));
  return {
    ...(client as Omit<StudioClient, 'dispose'>),
    dispose() {
      remote[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}
