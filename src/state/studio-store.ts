// The studio's state: one zustand store per page, created around a worker client. Components read slices
// and call actions; all talking to the worker happens here.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { PerplexityReport } from '../core/engine/perplexity-report.ts';
import type { AdapterSummary } from '../core/gpu/device.ts';
import type { GenerationResult, ModelSummary, WorkerErrorInfo } from '../worker/api.ts';
import type { StudioClient } from '../worker/client.ts';
import { toErrorInfo } from '../worker/error-info.ts';
import { etaSeconds } from './eta.ts';
import { DEFAULT_SETTINGS, settingsProblem, type PerplexitySettings } from './run-settings.ts';
import { DEFAULT_GENERATE_SETTINGS, generateSettingsProblem, type GenerateSettings } from './generate-settings.ts';
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

export interface PerplexitySlice {
  settings: PerplexitySettings;
  status: 'idle' | 'running' | 'done' | 'cancelled' | 'error';
  done: number;
  total: number;
  etaSeconds: number | null;
  report: PerplexityReport | null;
  error: WorkerErrorInfo | null;
}

export interface GenerationSlice {
  settings: GenerateSettings;
  status: 'idle' | 'running' | 'done' | 'cancelled' | 'error';
  /** Positions filled so far, of `total` (BOS and prompt included, like `steps`). */
  done: number;
  total: number;
  etaSeconds: number | null;
  /** The prompt the shown result continues (the settings may have been edited since). */
  prompt: string;
  result: GenerationResult | null;
  error: WorkerErrorInfo | null;
}

export interface StudioState extends PruneActions, ScanActions, SearchActions, ShareActions, HistoryActions, HubActions,
  ExportActions, DeviceActions, PreviewActions, AllocationActions {
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
  init(): Promise<void>;
  loadModelFiles(files: File[], sourceLabel?: string): Promise<void>;
  setTextFile(file: File | null): void;
  setSettings(patch: Partial<PerplexitySettings>): void;
  runPerplexity(): Promise<void>;
  cancelPerplexity(): Promise<void>;
  dismissModelError(): void;
  dismissPerplexityError(): void;
  setGenerateSettings(patch: Partial<GenerateSettings>): void;
  runGeneration(): Promise<void>;
  cancelGeneration(): Promise<void>;
  dismissGenerateError(): void;
}

/** Whether a GPU job is running: the worker runs one at a time (a new slider release supersedes a prune). */
/** A GPU job other than the slider's prune runs (the slider supersedes its own job, so only these block it). */
export const isOtherGpuJobThanPrune = (s: StudioState) => s.ppl.status === 'running' || s.gen.status === 'running'
  || s.scan.status === 'running' || s.search.status === 'running' || s.exportJob.status === 'running'
  || s.preview.status === 'running' || s.allocations.status === 'running';
export const isGpuBusy = (s: StudioState) => s.prune.status === 'running' || isOtherGpuJobThanPrune(s);

export type StudioStore = StoreApi<StudioState>;

export interface StudioStoreOptions {
  /** Whether this runtime exposes WebGPU at all (navigator.gpu); checked before the worker is asked. */
  hasWebGpu: boolean;
  now?: () => number;
  /** Where the Hub base URL is remembered; default localStorage when there is one. */
  preferences?: Preferences | null;
}

const idlePpl = (settings: PerplexitySettings): PerplexitySlice =>
  ({ settings, status: 'idle', done: 0, total: 0, etaSeconds: null, report: null, error: null });

const idleGen = (settings: GenerateSettings): GenerationSlice =>
  ({ settings, status: 'idle', done: 0, total: 0, etaSeconds: null, prompt: '', result: null, error: null });

/** A model starts loading: its slice resets and every result of the previous model goes (files and Hub alike). */
function loadingState(s: StudioState, sourceLabel: string | null): Partial<StudioState> {
  return {
    model: { status: 'loading', sourceLabel, summary: null, progress: { fraction: 0, label: 'Reading model files' }, error: null, hubId: null, hubRevision: null },
    ppl: idlePpl(s.ppl.settings),
    gen: idleGen(s.gen.settings),
    prune: idlePrune(s.prune.method, s.prune.calibFile),
    scan: idleScan(s.scan.settings, s.scan.by),
    search: idleSearch(s.search.settings, s.search.apiKey),
    exportJob: idleExport(s.exportJob.format),
    preview: idlePreview(),
    allocations: idleAllocations(),
  };
}

export function createStudioStore(client: StudioClient, opts: StudioStoreOptions): StudioStore {
  const now = opts.now ?? (() => performance.now());
  const prefs = opts.preferences === undefined ? browserPreferences() : opts.preferences;

  return createStore<StudioState>()((set, get) => ({
    gpu: { status: 'starting', adapter: null, error: null },
    model: { status: 'empty', sourceLabel: null, summary: null, progress: null, error: null, hubId: null, hubRevision: null },
    text: { file: null, name: null, bytes: 0 },
    ppl: idlePpl(DEFAULT_SETTINGS),
    gen: idleGen(DEFAULT_GENERATE_SETTINGS),
    prune: idlePrune(),
    scan: idleScan(),
    search: idleSearch(),
    ...pruneActions(set, get, client),
    ...scanActions(set, get, client, now),
    ...searchActions(set, get, client, now),
    hub: idleHub(prefs),
    ...hubActions(set, get, client, { now, prefs, loadingState, isBusy: isGpuBusy }),
    share: idleShare(),
    history: idleHistory(),
    ...shareActions(set, get),
    ...historyActions(set, get),
    exportJob: idleExport(),
    ...exportActions(set, get, client, now),
    device: idleDevice(),
    ...deviceActions(set, get, client),
    preview: idlePreview(),
    ...previewActions(set, get, client),
    allocations: idleAllocations(),
    ...allocationActions(set, get, client),

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
        search: s.search.status === 'running' ? s.search : idleSearch(s.search.settings, s.search.apiKey),
      }));
    },

    setSettings(patch) {
      set((s) => ({ ppl: { ...s.ppl, settings: { ...s.ppl.settings, ...patch } } }));
    },

    async runPerplexity() {
      const { model, text, ppl, gpu } = get();
      if (isGpuBusy(get())) return;
      const fail = (code: string, message: string) =>
        set((s) => ({ ppl: { ...idlePpl(s.ppl.settings), status: 'error', error: { code, message } } }));
      if (gpu.status !== 'ready') return fail('WebGPUUnavailable', 'No GPU device is available in this browser.');
      if (model.status !== 'ready' || !model.summary) return fail('BadRequest', 'Load a model first.');
      if (!text.file) return fail('BadRequest', 'Choose an evaluation text file first.');
      const problem = settingsProblem(ppl.settings, model.summary.maxPositions);
      if (problem) return fail('BadRequest', problem);

      const started = now();
      set((s) => ({ ppl: { ...idlePpl(s.ppl.settings), status: 'running' } }));
      try {
        const { seqLen, maxWindows } = ppl.settings;
        const report = await client.perplexity(text.file, { seqLen, maxWindows: maxWindows > 0 ? maxWindows : undefined },
          (done, total) => {
            if (get().ppl.status !== 'running') return;
            const eta = etaSeconds((now() - started) / 1000, done, total);
            set((s) => ({ ppl: { ...s.ppl, done, total, etaSeconds: eta } }));
          });
        set((s) => ({ ppl: { ...s.ppl, status: 'done', report, done: report.windows, total: report.windows, etaSeconds: 0 } }));
      } catch (e) {
        const error = toErrorInfo(e);
        const status = error.code === 'Cancelled' ? 'cancelled' : 'error';
        set((s) => ({
          ppl: { ...s.ppl, status, error: status === 'error' ? error : null, etaSeconds: null },
        }));
      }
    },

    async cancelPerplexity() {
      if (get().ppl.status !== 'running') return;
      try {
        await client.cancel();
      } catch (e) {
        set((s) => ({ ppl: { ...s.ppl, status: 'error', error: toErrorInfo(e) } }));
      }
    },

    dismissModelError() {
      set((s) => ({ model: s.model.status === 'error' ? { ...s.model, status: 'empty', error: null, sourceLabel: null } : s.model }));
    },

    dismissPerplexityError() {
      set((s) => ({ ppl: s.ppl.status === 'error' ? { ...s.ppl, status: 'idle', error: null } : s.ppl }));
    },

    setGenerateSettings(patch) {
      set((s) => ({ gen: { ...s.gen, settings: { ...s.gen.settings, ...patch } } }));
    },

    async runGeneration() {
      const { model, gen, gpu } = get();
      if (isGpuBusy(get())) return;
      const fail = (code: string, message: string) =>
        set((s) => ({ gen: { ...idleGen(s.gen.settings), status: 'error', error: { code, message } } }));
      if (gpu.status !== 'ready') return fail('WebGPUUnavailable', 'No GPU device is available in this browser.');
      if (model.status !== 'ready' || !model.summary) return fail('BadRequest', 'Load a model first.');
      const problem = generateSettingsProblem(gen.settings, model.summary.maxPositions);
      if (problem) return fail('BadRequest', problem);

      const { prompt, steps } = gen.settings;
      const started = now();
      let first: number | null = null; // progress before the first report is prefill, not decoding
      set((s) => ({ gen: { ...idleGen(s.gen.settings), status: 'running', prompt, total: steps } }));
      try {
        const result = await client.generate(prompt, { steps }, (done, total) => {
          if (get().gen.status !== 'running') return;
          first ??= done;
          const eta = etaSeconds((now() - started) / 1000, done - first, total - first);
          set((s) => ({ gen: { ...s.gen, done, total, etaSeconds: eta } }));
        });
        set((s) => ({ gen: { ...s.gen, status: 'done', result, etaSeconds: 0 } }));
      } catch (e) {
        const error = toErrorInfo(e);
        const status = error.code === 'Cancelled' ? 'cancelled' : 'error';
        set((s) => ({
          gen: { ...s.gen, status, error: status === 'error' ? error : null, etaSeconds: null },
        }));
      }
    },

    async cancelGeneration() {
      if (get().gen.status !== 'running') return;
      try {
        await client.cancel();
      } catch (e) {
        set((s) => ({ gen: { ...s.gen, status: 'error', error: toErrorInfo(e) } }));
      }
    },

    dismissGenerateError() {
      set((s) => ({ gen: s.gen.status === 'error' ? { ...s.gen, status: 'idle', error: null } : s.gen }));
    },
  }));
}
