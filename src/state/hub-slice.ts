// The Hugging Face Hub slice: where models and texts come from (base URL, remembered in localStorage; the access
// token, memory only: never persisted, logged or put in a URL), a model download's byte progress with rate and
// ETA, the last load's report ("from cache"), the evaluation text from a dataset repo, pasted text, and the cache.
import { DEFAULT_HUB_BASE, DEFAULT_REVISION, splitRepoInput } from '../core/hub/hub-id.ts';
import { DEFAULT_TEXT_SOURCE } from '../core/hub/hub-text.ts';
import type { HubCacheStats, HubDownloadReport, HubProgress, HubTextResult, WorkerErrorInfo } from '../worker/api.ts';
import type { StudioClient } from '../worker/client.ts';
import { toErrorInfo } from '../worker/error-info.ts';
import type { ModelSlice, StudioState } from './studio-store.ts';

export interface HubSettings {
  /** Base URL of the Hub (or a mirror / stand-in with its URL layout). */
  base: string;
  /** Keep downloads in the browser's Cache API and reuse them. */
  useCache: boolean;
  /** The dataset repo, file and revision of the evaluation text. */
  dataset: string;
  datasetFile: string;
  datasetRevision: string;
}

/** A download in flight, as the progress bar shows it. */
export interface HubDownloadView extends HubProgress {
  /** Network bytes per second since the download began (null until bytes arrived). */
  rate: number | null;
  etaSeconds: number | null;
}

export interface HubSlice {
  settings: HubSettings;
  /** Memory only. */
  token: string;
  /** The model download in flight (null otherwise). */
  download: HubDownloadView | null;
  /** The last Hub model load that finished. */
  lastLoad: HubDownloadReport | null;
  text: {
    status: 'idle' | 'downloading' | 'done' | 'cancelled' | 'error';
    progress: HubDownloadView | null;
    /** The loaded text's source (without the text itself). */
    result: Omit<HubTextResult, 'text'> | null;
    /** The File made from it (the evaluation text while the store's text.file is this one). */
    file: File | null;
    error: WorkerErrorInfo | null;
  };
  /** Files and bytes in the cache (null until asked). */
  cache: HubCacheStats | null;
}

export interface HubActions {
  setHubSettings(patch: Partial<HubSettings>): void;
  setHubToken(token: string): void;
  /** `input` may be owner/name, owner/name@rev or a model page URL; `revision` wins over one in the input. */
  loadHubModel(input: string, revision?: string): Promise<void>;
  /** Cancels the model download in flight. */
  cancelHubDownload(): Promise<void>;
  loadHubText(): Promise<void>;
  cancelHubText(): Promise<void>;
  dismissHubTextError(): void;
  /** Makes pasted text the evaluation text. */
  usePastedText(text: string): void;
  refreshHubCache(): Promise<void>;
  clearHubCache(): Promise<void>;
}

/** Where the base URL is remembered (localStorage in the page). */
export interface Preferences { getItem(key: string): string | null; setItem(key: string, value: string): void }

const BASE_KEY = 'prunelab.hub.base';
export const PASTED_TEXT_NAME = 'pasted text';

export function browserPreferences(): Preferences | null {
  try {
    return typeof localStorage !== 'undefined' ? localStorage : null;
  } catch {
    return null; // storage disabled
  }
}

export function idleHub(prefs: Preferences | null): HubSlice {
  let base = DEFAULT_HUB_BASE;
  try { base = prefs?.getItem(BASE_KEY) || DEFAULT_HUB_BASE; } catch { /* storage disabled */ }
  return {
    settings: {
      base, useCache: true,
      dataset: DEFAULT_TEXT_SOURCE.dataset, datasetFile: DEFAULT_TEXT_SOURCE.file, datasetRevision: DEFAULT_TEXT_SOURCE.revision,
    },
    token: '',
    download: null,
    lastLoad: null,
    text: { status: 'idle', progress: null, result: null, file: null, error: null },
    cache: null,
  };
}

/** Rate and ETA for a progress report `seconds` after the download began. */
export function downloadView(p: HubProgress, seconds: number): HubDownloadView {
  const rate = p.downloaded > 0 && seconds > 0 ? p.downloaded / seconds : null;
  const etaSeconds = p.loaded >= p.total ? 0 : rate ? (p.total - p.loaded) / rate : null;
  return { ...p, rate, etaSeconds };
}

type Set = (fn: (s: StudioState) => Partial<StudioState>) => void;

export interface HubDeps {
  now: () => number;
  prefs: Preferences | null;
  /** The store's state for "a model is loading" (every result of the previous model dropped). */
  loadingState(s: StudioState, sourceLabel: string | null): Partial<StudioState>;
  /** Whether a GPU job runs (no model may be loaded then). */
  isBusy(s: StudioState): boolean;
}

export function hubActions(set: Set, get: () => StudioState, client: StudioClient, deps: HubDeps): HubActions {
  const patch = (p: Partial<HubSlice>) => set((s) => ({ hub: { ...s.hub, ...p } }));
  const remember = (base: string) => {
    try { deps.prefs?.setItem(BASE_KEY, base); } catch { /* storage full or disabled */ }
  };
  const refresh = async () => {
    try { patch({ cache: await client.hubCache('stats') }); } catch { /* the numbers are a convenience */ }
  };

  return {
    setHubSettings(p) {
      set((s) => ({ hub: { ...s.hub, settings: { ...s.hub.settings, ...p } } }));
    },

    setHubToken(token) {
      patch({ token });
    },

    async loadHubModel(input, revisionField) {
      const s0 = get();
      if (s0.model.status === 'loading' || deps.isBusy(s0)) return;
      const parsed = splitRepoInput(input);
      const revision = revisionField?.trim() || parsed.revision || DEFAULT_REVISION;
      const { base, useCache } = s0.hub.settings;
      const label = revision === DEFAULT_REVISION ? parsed.id : `${parsed.id}@${revision}`;
      const previous: ModelSlice = s0.model;
      const started = deps.now();
      set((s) => ({ ...deps.loadingState(s, label), hub: { ...s.hub, download: null } }));
      set((s) => ({ model: { ...s.model, progress: { fraction: 0, label: 'Contacting the Hub' } } }));
      try {
        const outcome = await client.loadHubModel(
          { base, id: parsed.id, revision, token: s0.hub.token || undefined, useCache },
          (p) => {
            if (get().model.status !== 'loading') return;
            const view = downloadView(p, (deps.now() - started) / 1000);
            set((s) => ({
              hub: { ...s.hub, download: view },
              model: { ...s.model, progress: { fraction: p.total > 0 ? p.loaded / p.total : 0, label: `Downloading ${p.file}` } },
            }));
          },
          (fraction, progressLabel) => {
            if (get().model.status !== 'loading') return;
            set((s) => ({ hub: { ...s.hub, download: null }, model: { ...s.model, progress: { fraction, label: progressLabel } } }));
          },
        );
        remember(base);
        const d = outcome.download;
        set((s) => ({
          model: { ...s.model, status: 'ready', summary: outcome.summary, progress: null, sourceLabel: d.label, hubId: d.id, hubRevision: d.revision },
          hub: { ...s.hub, download: null, lastLoad: d },
        }));
      } catch (e) {
        const error = toErrorInfo(e);
        if (error.code === 'Cancelled') {
          // Only the download can be cancelled, and it ends before the previous model is replaced: that one stays.
          const back: ModelSlice = previous.status === 'ready' ? previous
            : { status: 'empty', sourceLabel: null, summary: null, progress: null, error: null, hubId: null, hubRevision: null };
          set((s) => ({ model: back, hub: { ...s.hub, download: null } }));
        } else {
          set((s) => ({ model: { ...s.model, status: 'error', summary: null, progress: null, error }, hub: { ...s.hub, download: null } }));
        }
      }
      if (useCache) void refresh();
    },

    async cancelHubDownload() {
      try { await client.cancelDownloads('model'); } catch { /* nothing in flight */ }
    },

    async cancelHubText() {
      try { await client.cancelDownloads('text'); } catch { /* nothing in flight */ }
    },

    async loadHubText() {
      const { hub } = get();
      if (hub.text.status === 'downloading' || get().ppl.status === 'running') return;
      const { base, dataset, datasetFile, datasetRevision, useCache } = hub.settings;
      const started = deps.now();
      set((s) => ({ hub: { ...s.hub, text: { ...s.hub.text, status: 'downloading', progress: null, error: null } } }));
      try {
        const result = await client.fetchHubText(
          { base, dataset, file: datasetFile, revision: datasetRevision, token: hub.token || undefined, useCache },
          (p) => {
            if (get().hub.text.status !== 'downloading') return;
            const view = downloadView(p, (deps.now() - started) / 1000);
            set((s) => ({ hub: { ...s.hub, text: { ...s.hub.text, progress: view } } }));
          },
        );
        remember(base);
        const { text, ...source } = result;
        const file = new File([text], result.name, { type: 'text/plain' });
        if (get().ppl.status !== 'running') get().setTextFile(file);
        set((s) => ({ hub: { ...s.hub, text: { status: 'done', progress: null, result: source, file, error: null } } }));
      } catch (e) {
        const error = toErrorInfo(e);
        const status = error.code === 'Cancelled' ? 'cancelled' : 'error';
        set((s) => ({ hub: { ...s.hub, text: { ...s.hub.text, status, progress: null, error: status === 'error' ? error : null } } }));
      }
      if (useCache) void refresh();
    },

    dismissHubTextError() {
      set((s) => ({ hub: { ...s.hub, text: { ...s.hub.text, status: 'idle', error: null } } }));
    },

    usePastedText(text) {
      if (text.trim().length === 0 || get().ppl.status === 'running') return;
      get().setTextFile(new File([text], PASTED_TEXT_NAME, { type: 'text/plain' }));
      set((s) => ({ hub: { ...s.hub, text: { status: 'idle', progress: null, result: null, file: null, error: null } } }));
    },

    refreshHubCache: refresh,

    async clearHubCache() {
      try {
        await client.hubCache('clear');
      } finally {
        await refresh();
      }
    },
  };
}
