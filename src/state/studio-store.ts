// The studio's state: one zustand store per page, created around a worker client. Components read slices
// and call actions; all talking to the worker happens here.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AdapterSummary } from '../core/gpu/device.ts';
import type { ModelSummary, WorkerErrorInfo } from '../worker/api.ts';
import type { StudioClient } from '../worker/client.ts';
import { toErrorInfo } from '../worker/error-info.ts';
import type { JobDeps, JobKind } from './job-slice.ts';
import { idlePpl, perplexityActions, type PerplexityActions, type PerplexitySlice } from './perplexity-slice.ts';
import { generationActions, idleGen, type GenerationActions, type GenerationSlice } from './generation-slice.ts';
import { idlePrune, pruneActions, type PruneActions, type PruneSlice } from './prune-slice.ts';
import { idleScan, scanActions, type ScanActions, type ScanSlice } from './scan-slice.ts';
import { idleSearch, searchActions, type SearchActions, type SearchSlice } from './search-slice.ts';
import { idleShare, shareActions, type ShareActions, type ShareSlice } from './share-slice.ts';
import { historyActions, idleHistory, type HistoryActions, type HistorySlice } from './history-slice.ts';
import { browserPreferences, hubActions, idleHub, type HubActions, type HubSlice, type Preferences } from './hub-slice.ts';
import { exportActions, idleExport, type ExportActions, type ExportSlice } from './export-slice.ts';
import { idlePreview, previewActions, type PreviewActions, type PreviewSlice } from './preview-slice.ts';
import { allocationActions, idleAllocations, type AllocationActions, type AllocationSlice } from './allocation-slice.ts';
import { deviceActions, idleDevice, type DeviceActions, type DeviceSlice } from './device-slice.ts';
import { idleZeroShot, zeroShotActions, type ZeroShotActions, type ZeroShotSlice } from './zero-shot-slice.ts';
import { zeroShotHubActions, type ZeroShotHubActions } from './zero-shot-hub.ts';

/** 'lost': the device went away after it started (device-slice.ts offers the reload). */
export type GpuStatus = 'starting' | 'ready' | 'unavailable' | 'error' | 'lost';

export interface GpuSlice { status: GpuStatus; adapter: AdapterSummary | null; error: WorkerErrorInfo | null }

export interface ModelSlice {
  status: 'empty' | 'loading' | 'ready' | 'error';
  /** Folder or file name the user dropped/picked. */
  sourceLabel: string | null;
  summary: ModelSummary | null;
  progress: { fraction: number; label: string } | null;
  error: WorkerErrorInfo | null;
  /** The Hugging Face Hub id (owner/name) the loaded model came from; null for dropped or picked files. */
  hubId: string | null;
  /** Its revision (branch, tag or commit) when hubId is set. */
  hubRevision: string | null;
}

export interface TextSlice { file: File | null; name: string | null; bytes: number }

export interface StudioState extends PerplexityActions, GenerationActions, PruneActions, ScanActions, SearchActions,
  ShareActions, HistoryActions, HubActions, ExportActions, DeviceActions, PreviewActions, AllocationActions, ZeroShotActions, ZeroShotHubActions {
  gpu: GpuSlice;
  model: ModelSlice;
  text: TextSlice;
  ppl: PerplexitySlice;
  gen: GenerationSlice;
  prune: PruneSlice;
  scan: ScanSlice;
  search: SearchSlice;
  hub: HubSlice;
  share: ShareSlice;
  history: HistorySlice;
  exportJob: ExportSlice;
  device: DeviceSlice;
  /** The dense-vs-pruned greedy text preview. */
  preview: PreviewSlice;
  /** OWL's and MRP's allocations per target (the allocation overlay). */
  allocations: AllocationSlice;
  /** Zero-shot accuracy (lm-eval's tasks), dense vs the slider's prune. */
  zeroShot: ZeroShotSlice;
  /** The job whose run holds the GPU (the worker runs one at a time); set and cleared by job-slice.ts. */
  gpuJob: JobKind | null;
  init(): Promise<void>;
  loadModelFiles(files: File[], sourceLabel?: string): Promise<void>;
  setTextFile(file: File | null): void;
  dismissModelError(): void;
}

/** Whether a GPU job is running: the worker runs one at a time (a new slider release supersedes a prune). */
export const isGpuBusy = (s: StudioState) => s.gpuJob !== null;
/** Whether a GPU job other than the slider's prune runs (the slider supersedes its own job, so only these block it). */
export const isOtherGpuJobThanPrune = (s: StudioState) => s.gpuJob !== null && s.gpuJob !== 'prune';

export type StudioStore = StoreApi<StudioState>;

export interface StudioStoreOptions {
  /** Whether this runtime exposes WebGPU at all (navigator.gpu); checked before the worker is asked. */
  hasWebGpu: boolean;
  now?: () => number;
  /** Where the Hub base URL is remembered; default localStorage when there is one. */
  preferences?: Preferences | null;
}

/** A model starts loading: its slice resets and every result of the previous model goes (files and Hub alike). */
function loadingState(s: StudioState, sourceLabel: string | null): Partial<StudioState> {
  return {
    model: { status: 'loading', sourceLabel, summary: null, progress: { fraction: 0, label: 'Reading model files' }, error: null, hubId: null, hubRevision: null },
    ppl: idlePpl(s.ppl.settings),
    gen: idleGen(s.gen.settings),
    prune: idlePrune(s.prune.method, s.prune.calibFile),
    scan: idleScan(s.scan.settings, s.scan.by),
    search: idleSearch(s.search.settings, s.search.apiKey, s.search.followsMethodPanel),
    exportJob: idleExport(s.exportJob.format),
    preview: idlePreview(),
    allocations: idleAllocations(),
    zeroShot: idleZeroShot(s.zeroShot.settings, s.zeroShot.files, s.zeroShot.hub),
  };
}

export function createStudioStore(client: StudioClient, opts: StudioStoreOptions): StudioStore {
  const now = opts.now ?? (() => performance.now());
  const prefs = opts.preferences === undefined ? browserPreferences() : opts.preferences;

  return createStore<StudioState>()((set, get) => {
    const jobs: JobDeps = { set, get, client, now };
    return {
      gpu: { status: 'starting', adapter: null, error: null },
      model: { status: 'empty', sourceLabel: null, summary: null, progress: null, error: null, hubId: null, hubRevision: null },
      text: { file: null, name: null, bytes: 0 },
      gpuJob: null,
      ppl: idlePpl(),
      gen: idleGen(),
      ...perplexityActions(jobs),
      ...generationActions(jobs),
      prune: idlePrune(),
      scan: idleScan(),
      search: idleSearch(),
      ...pruneActions(jobs),
      ...scanActions(jobs),
      ...searchActions(jobs),
      hub: idleHub(prefs),
      ...hubActions(set, get, client, { now, prefs, loadingState, isBusy: isGpuBusy }),
      share: idleShare(),
      history: idleHistory(),
      ...shareActions(set, get),
      ...historyActions(set, get),
      exportJob: idleExport(),
      ...exportActions(jobs),
      device: idleDevice(),
      ...deviceActions(set, get, client),
      preview: idlePreview(),
      ...previewActions(jobs),
      allocations: idleAllocations(),
      ...allocationActions(jobs),
      zeroShot: idleZeroShot(),
      ...zeroShotActions(jobs),
      ...zeroShotHubActions(jobs),

      async init() {
        if (!opts.hasWebGpu) {
          set({ gpu: { status: 'unavailable', adapter: null, error: {
            code: 'WebGPUUnavailable', message: 'This browser does not expose WebGPU (navigator.gpu is missing).',
          } } });
          return;
        }
        set({ gpu: { status: 'starting', adapter: null, error: null } });
        try {
          const adapter = await client.init();
          set({ gpu: { status: 'ready', adapter, error: null } });
          get().watchDevice();
        } catch (e) {
          const error = toErrorInfo(e);
          set({ gpu: { status: error.code === 'WebGPUUnavailable' ? 'unavailable' : 'error', adapter: null, error } });
        }
      },

      async loadModelFiles(files, sourceLabel) {
        if (get().model.status === 'loading' || isGpuBusy(get())) return;
        const label = sourceLabel ?? (files.length === 1 ? files[0].name : null);
        set((s) => loadingState(s, label));
        try {
          const summary = await client.loadModel(files, (fraction, progressLabel) => {
            if (get().model.status !== 'loading') return;
            set((s) => ({ model: { ...s.model, progress: { fraction, label: progressLabel } } }));
          });
          set((s) => ({ model: { ...s.model, status: 'ready', summary, progress: null } }));
        } catch (e) {
          set((s) => ({ model: { ...s.model, status: 'error', summary: null, progress: null, error: toErrorInfo(e) } }));
        }
      },

      setTextFile(file) {
        set((s) => ({
          text: { file, name: file?.name ?? null, bytes: file?.size ?? 0 },
          ppl: s.ppl.status === 'running' ? s.ppl : idlePpl(s.ppl.settings),
          prune: s.prune.status === 'running' ? s.prune : idlePrune(s.prune.method, s.prune.calibFile),
          scan: s.scan.status === 'running' ? s.scan : idleScan(s.scan.settings, s.scan.by),
          search: s.search.status === 'running' ? s.search : idleSearch(s.search.settings, s.search.apiKey, s.search.followsMethodPanel),
        }));
      },

      dismissModelError() {
        set((s) => ({ model: s.model.status === 'error' ? { ...s.model, status: 'empty', error: null, sourceLabel: null } : s.model }));
      },
    };
  });
}
