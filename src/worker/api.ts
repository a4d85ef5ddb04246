// The typed surface the UI talks to (through comlink). The worker owns the GPUDevice and the core.
import type { PerplexityReport } from '../core/engine/perplexity-report.ts';
import type { DirectoryHandleLike } from '../core/export/directory-handle-target.ts';
import type { ExportFormat, ExportSummary } from '../core/export/export-model.ts';
import type { AdapterSummary } from '../core/gpu/device.ts';
import type { HubCacheStats } from '../core/hub/hub-cache.ts';
import type { HubDownloadReport, HubProgress } from '../core/hub/hub-model.ts';
import type { HubTextResult } from '../core/hub/hub-text.ts';
import type { HubFileOrigin, HubFileResult } from '../core/hub/hub-file.ts';
import type { PruneRequest } from '../core/prune/prune-options.ts';
import type { PruneProgress, PruneResult } from '../core/prune/pruner.ts';
import type { ParameterCount } from '../core/prune/allocation-counts.ts';
import type { ScanCell } from '../core/prune/sensitivity-scan.ts';
import type { StructuredMetric } from '../core/prune/structured-selection.ts';
import type { Evaluation, GenerationSummary, SearchConfig, SearchState } from '../core/search/search-types.ts';
import type { FitnessKind } from '../core/search/fitness-objective.ts';
import type { TaskName } from '../core/zeroshot/task-definition.ts';
import type { ZeroShotSummary } from '../core/zeroshot/zero-shot-summary.ts';

export interface ModelSummary {
  name: string;
  format: string;
  architecture: string;
  parameters: number;
  layers: number;
  hidden: number;
  intermediate: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  vocab: number;
  /** Longest context the model supports (upper bound for the perplexity window). */
  maxPositions: number;
  /** describeRope / describeLayerPattern (absent in summaries saved before they existed). */
  rope?: string;
  layerPattern?: string;
  /** The linear maps of each layer (q k v o gate up down; no gate in an ungated MLP). Absent in summaries saved
   * before it existed: all seven. */
  modules?: string[];
  dtype: string;
  fingerprint: string;
  files: string[];
  /** Seconds spent parsing the files and uploading the weights. */
  loadSeconds: number;
  /** The matmul kernel the engine runs and how it was chosen (absent in summaries saved before it existed). */
  matmul?: MatmulSummary;
}

export interface MatmulSummary {
  variant: string;
  /** The shader a linear map runs at a 256-token dispatch (a variant falls back where its kernel does not apply). */
  shader: string;
  /** 'timed' now on this adapter, 'stored' (timed here before), 'cpu-adapter' (a software adapter's measured pick),
   * 'forced' (chosen by the caller). */
  chosen: 'timed' | 'stored' | 'cpu-adapter' | 'forced';
  /** How many variants were timed, and the chosen one's GFLOP/s over the model's shapes (when timed). */
  timed: number;
  gflops: number | null;
  /** Lanes per subgroup when the adapter has one fixed size, else null. */
  subgroupSize: number | null;
}

/** One greedy generation as the studio shows it. */
export interface GenerationResult {
  /** The generated continuation only (the prompt is not repeated). */
  text: string;
  /** Generated tokens (fewer than asked when the model emits BOS/EOS). */
  tokens: number;
  /** Wall time of the whole call: tokenizing, prefill, every decoding step. */
  seconds: number;
  tokensPerSecond: number;
  /** The generated token ids and each one's decoded piece (the dense-vs-pruned preview compares them). */
  ids?: number[];
  pieces?: string[];
}

/** A generation's options: `pruneId` generates with the model as that prune left it (PruneOutcome.pruneId). */
export interface GenerateJobOptions { steps: number; pruneId?: string }

/** The protocol of a prune or scan: evaluation windows from the start of `text`; calibration windows from
 * `calibText` when given, else from `text` right after the evaluation windows. */
export interface PruneJobOptions {
  text: File | string;
  calibText?: File | string;
  seqLen: number;
  evalWindows: number;
  calibWindows: number;
}

/** Where the calibration windows came from (recorded with every pruned number). */
export interface CalibrationSpec {
  source: 'evaluation-text' | 'calibration-text';
  textHash: string;
  /** Tokens skipped at the start of the calibration source. */
  offsetTokens: number;
  windows: number;
  seqLen: number;
}

export interface PruneOutcome {
  /** This run in the worker that pruned it: the preview and the export name the run they mean by it. */
  pruneId: string;
  request: PruneRequest;
  result: Omit<PruneResult, 'trajectory' | 'kept'>;
  ppl: number;
  nll: number;
  densePpl: number;
  tokens: number;
  windows: number;
  seqLen: number;
  calibration: CalibrationSpec;
  modelHash: string;
  textHash: string;
  /** Seconds of the whole job: dense baseline and calibration (when not cached), masks, evaluation. */
  seconds: number;
  /** Seconds of the pruned evaluation alone (the slider's floor). */
  evalSeconds: number;
  /** Seconds of the dense evaluation of the same windows (cached per text + protocol; absent in older saved runs). */
  denseEvalSeconds?: number;
  /** Structured: query heads and MLP channels each layer keeps. */
  keptHeads?: number[];
  keptChannels?: number[];
}

/** The sensitivity scan as the studio asks for it: by layer (layers x levels) or by module (layers x modules x
 * levels); `done` holds cells a cancelled run already measured (only the missing ones are measured). */
export interface ScanJobRequest { metric: PruneRequest['metric']; levels: number[]; by?: 'layer' | 'module'; done?: ScanCell[] }

/** OWL's and MRP's allocations for one target (the studio's allocation overlay); no perplexity is evaluated. */
export interface AllocationsOutcome {
  sparsity: number;
  /** The scores MRP's redundancy used (Wanda's where the core does not run MRP with the asked metric). */
  metric: PruneRequest['metric'];
  owl: number[];
  mrp: number[];
  /** OWL's outlier ratio D_l (%) per layer. */
  outlierRatios: number[];
  seconds: number;
}

export interface ScanOutcome { densePpl: number; cells: ScanCell[]; windows: number; seqLen: number }

/** A Self-Pruner search as the studio asks for it (the optimizer LLM's key travels only in `llm.apiKey`). */
export interface SearchJobRequest
  extends Pick<SearchConfig, 'target' | 'population' | 'generations' | 'crossovers' | 'mutations' | 'seed' | 'operator'> {
  /** Structured (the paper's default) or unstructured pruning applied with each vector. */
  structured?: StructuredMetric;
  metric: PruneRequest['metric'];
  llm?: { baseURL: string; model: string; temperature: number; timeoutMs: number; apiKey?: string };
  /** Per-layer perplexity increase from the sensitivity scan (seeds one individual; shown to the LLM). */
  sensitivity?: number[];
  /** Continue this run (its config wins over the fields above). */
  resume?: SearchState;
  /** What the search minimises: perplexity (absent, the paper's) or the zero-shot error on `zeroShot`'s tasks. */
  fitness?: FitnessKind;
  /** The Zero-shot panel's task files and first-N limit (needed when `fitness` is 'zeroshot'). */
  zeroShot?: Omit<ZeroShotJobRequest, 'pruneId'>;
}

export type SearchEvent =
  | { kind: 'started'; config: SearchConfig; densePpl: number; total: number }
  | { kind: 'evaluation'; id: number; evaluation: Evaluation; done: number; total: number }
  | { kind: 'generation'; summary: GenerationSummary; best: { rates: number[]; fitness: number } }
  /** The run's whole state after every evaluation (persist it to resume after a reload). */
  | { kind: 'checkpoint'; state: SearchState }
  | { kind: 'llm'; message: string };

export interface SearchOutcome {
  state: SearchState;
  /** What best.fitness and uniform.fitness measure: perplexity, or the zero-shot error (densePpl stays perplexity). */
  fitness: FitnessKind;
  /** The dense model's zero-shot error (with the zero-shot fitness only). */
  denseFitness?: number;
  /** count: the parameters the best vector removes (after the count repair). */
  best: { rates: number[]; fitness: number; operator: string; generation: number; count: ParameterCount };
  /** The uniform baseline at the best vector's removed share. */
  uniform: { rates: number[]; fitness: number; count: ParameterCount };
  densePpl: number;
  seconds: number;
}

export type { HubCacheStats, HubDownloadReport, HubFileOrigin, HubFileResult, HubProgress, HubTextResult };

/** Which Hub downloads cancelDownloads aborts: the model's, the evaluation text's, or one zero-shot task's data. */
export type DownloadKind = 'model' | 'text' | `task:${TaskName}`;

/** A model from a Hugging Face Hub (or a server with its URL layout). The token is used for this call only. */
export interface HubModelJob {
  base: string;
  id: string;
  revision: string;
  token?: string;
  /** Keep the files in the browser's Cache API ("prunelab-hub") and take them from there next time. */
  useCache: boolean;
}

export interface HubModelOutcome { summary: ModelSummary; download: HubDownloadReport }

/** One raw text file of a Hub dataset repository (gzip is decompressed). */
export interface HubTextJob {
  base: string;
  dataset: string;
  file: string;
  revision: string;
  token?: string;
  useCache: boolean;
}

/** One file of a Hub dataset repository, as stored (a zero-shot task's JSONL or Parquet data); `download` names it
 * for cancelDownloads. */
export interface HubDataFileJob {
  base: string;
  dataset: string;
  file: string;
  /** Absent: the default branch. */
  revision?: string;
  token?: string;
  useCache: boolean;
  download: DownloadKind;
}

/** Zero-shot accuracy as the studio asks for it: each task's file (JSONL or Parquet in its dataset's schema; `hub`:
 * the Hub dataset file it was fetched from, which the result names), the first `limit` documents of each, and the
 * model: dense, or as the prune `pruneId` names left it. */
export interface ZeroShotJobRequest { tasks: Array<{ task: TaskName; file: File; hub?: HubFileOrigin }>; limit?: number; pruneId?: string }

/** Requests scored of the task being evaluated (`index` of `tasks`). */
export interface ZeroShotJobProgress { task: TaskName; index: number; tasks: number; done: number; total: number }

/** The report without per-document scores, and the prune it was measured on (null: dense). */
export type ZeroShotJobOutcome = ZeroShotSummary & { pruneId: string | null };

/** Where an export goes: one zip (returned as a Blob for the page to download) or a folder the user picked. */
export type ExportDelivery = { kind: 'zip' } | { kind: 'folder'; handle: DirectoryHandleLike };

export interface ExportJobRequest {
  /** The run to export (PruneOutcome.pruneId): refused unless it is the worker's last prune. */
  pruneId: string;
  /** Checked by the core's parseExportFormat (onnx needs a build with the ONNX writer). */
  format: ExportFormat | 'onnx';
  delivery: ExportDelivery;
  /** Base name of the zip file or of the new subfolder (e.g. stories260K-wanda-50pct-masked). */
  name: string;
  /** Zero-shot results of this run (pruned.pruneId is `pruneId`) and of the dense model, for the report. */
  zeroShot?: { dense: ZeroShotJobOutcome; pruned: ZeroShotJobOutcome };
}

export interface ExportJobProgress {
  /** 'pruning': the last prune's masks are re-applied first (another GPU job ran since). */
  phase: 'pruning' | 'writing';
  file: string | null;
  bytes: number;
  totalBytes: number | null;
}

export interface ExportJobOutcome {
  summary: Omit<ExportSummary, 'spec'>;
  /** Every file written, the report and apply_masks.py included. */
  files: Array<{ name: string; bytes: number }>;
  /** The zip's file name, or folder/subfolder. */
  location: string;
  /** The zip (zip delivery only). */
  blob?: Blob;
  /** Whether the masks were re-applied before writing. */
  reapplied: boolean;
  /** Bytes of the source's weight files, to set the exported weights against. */
  sourceWeightBytes: number;
  /** The exported model's perplexity as evaluated in the studio, and the dense one. */
  ppl: number;
  densePpl: number;
  seconds: number;
}

/** A lost GPU device as the UI hears of it (whether or not a job was running). */
export interface DeviceLostInfo { code: 'DeviceLost'; reason: string; message: string }

/** Errors cross the worker boundary as plain data so the UI can show code + message. */
export interface WorkerErrorInfo { code: string; message: string }

export interface StudioWorkerApi {
  init(): Promise<AdapterSummary>;
  loadModel(files: File[], onProgress?: (fraction: number, label: string) => void): Promise<ModelSummary>;
  perplexity(text: File | string, opts: { seqLen: number; maxWindows?: number },
    onProgress?: (done: number, total: number) => void): Promise<PerplexityReport>;
  /**
   * Greedy decoding from BOS + `prompt`; `steps` counts positions including the prompt (llama2.c's meaning).
   * Progress is in positions: `done` of `total` = min(steps, max context).
   */
  generate(prompt: string, opts: GenerateJobOptions,
    onProgress?: (done: number, total: number) => void): Promise<GenerationResult>;
  /**
   * Prunes the loaded model and evaluates it. A newer prune() supersedes one in flight (that one fails with
   * Cancelled); other jobs are refused while one runs.
   */
  prune(request: PruneRequest, opts: PruneJobOptions, onProgress?: (p: PruneProgress) => void): Promise<PruneOutcome>;
  /** Sensitivity scan (layers x levels, one layer pruned per cell on `scanWindows` evaluation windows); cells stream. */
  scan(req: ScanJobRequest, opts: PruneJobOptions & { scanWindows: number },
    onCell?: (cell: ScanCell, done: number, total: number) => void): Promise<ScanOutcome>;
  /** OWL's and MRP's per-layer allocations at `sparsity` from the calibration windows (no evaluation); progress as prune(). */
  allocations(req: { metric: PruneRequest['metric']; sparsity: number }, opts: PruneJobOptions,
    onProgress?: (p: PruneProgress) => void): Promise<AllocationsOutcome>;
  /** Self-Pruner search over per-layer rates on the perplexity panel's windows; evaluations stream as events. */
  search(req: SearchJobRequest, opts: PruneJobOptions, onEvent?: (e: SearchEvent) => void): Promise<SearchOutcome>;
  /** Zero-shot acc / acc_norm (lm-eval's multiple_choice) of the dense model or of a prune; progress per task. */
  zeroShot(req: ZeroShotJobRequest, onProgress?: (p: ZeroShotJobProgress) => void): Promise<ZeroShotJobOutcome>;
  /** Stops the running job (perplexity, generation, prune, scan or search) (it fails with Cancelled). */
  cancel(): void;
  /**
   * Downloads a Hub model (or takes it from the cache), then loads it like dropped files. `onDownload` reports
   * bytes; `onProgress` the parsing and upload that follow.
   */
  loadHubModel(job: HubModelJob, onDownload?: (p: HubProgress) => void,
    onProgress?: (fraction: number, label: string) => void): Promise<HubModelOutcome>;
  /** Fetches an evaluation text from a Hub dataset repository (cached like model files). */
  fetchHubText(job: HubTextJob, onDownload?: (p: HubProgress) => void): Promise<HubTextResult>;
  /** Fetches one file of a Hub dataset repository as stored (cached like model files), with where it came from. */
  fetchHubDataFile(job: HubDataFileJob, onDownload?: (p: HubProgress) => void): Promise<HubFileResult>;
  /** Aborts the Hub downloads in flight of one kind, or all (they fail with Cancelled). */
  cancelDownloads(kind?: DownloadKind): void;
  /** Size of the Hub cache, or empties it (returns what was removed). */
  hubCache(action: 'stats' | 'clear'): Promise<HubCacheStats>;
  /** Exports the last prune (masked or compact) with its report; a job like the others (progress, cancel). */
  exportModel(req: ExportJobRequest, onProgress?: (p: ExportJobProgress) => void): Promise<ExportJobOutcome>;
  /** `onLost` is called whenever the GPU device is lost, with or without a job running. */
  watchDevice(onLost: (info: DeviceLostInfo) => void): void;
  /** After a device loss: a fresh device, the same model files again (the ones already held: dropped or from the Hub). */
  reloadModel(onProgress?: (fraction: number, label: string) => void): Promise<ModelSummary>;
  /** Test builds only (the page's ?test-hooks flag names the worker): destroys the device, which reports it lost. */
  loseDeviceForTest(): Promise<void>;
}
