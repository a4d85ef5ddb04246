// The typed surface the UI talks to (through comlink). The worker owns the GPUDevice and the core.
import type { PerplexityReport } from '../core/engine/perplexity-report.ts';
import type { AdapterSummary } from '../core/gpu/device.ts';

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
  dtype: string;
  fingerprint: string;
  files: string[];
  /** Seconds spent parsing the files and uploading the weights. */
  loadSeconds: number;
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
}

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
  generate(prompt: string, opts: { steps: number },
    onProgress?: (done: number, total: number) => void): Promise<GenerationResult>;
  /** Stops the running perplexity evaluation or generation (it fails with Cancelled). */
  cancel(): void;
}
