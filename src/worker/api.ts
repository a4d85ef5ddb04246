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

/** Errors cross the worker boundary as plain data so the UI can show code + message. */
export interface WorkerErrorInfo { code: string; message: string }

export interface StudioWorkerApi {
  init(): Promise<AdapterSummary>;
  loadModel(files: File[], onProgress?: (fraction: number, label: string) => void): Promise<ModelSummary>;
  perplexity(text: File | string, opts: { seqLen: number; maxWindows?: number },
    onProgress?: (done: number, total: number) => void): Promise<PerplexityReport>;
  cancel(): void;
}
