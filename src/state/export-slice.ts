// The export panel's slice: which format, the running export's byte progress and ETA, the finished export
// (its files and, for a zip, the Blob the page downloads) and what each format can be loaded by. The export
// writes the run the sparsity panel shows (the worker's last finished prune).
import { LOADERS, parseExportFormat } from '../core/export/export-model.ts';
import type { PruneRequest } from '../core/prune/prune-options.ts';
import type { ExportDelivery, ExportJobOutcome, ExportJobProgress, PruneOutcome, WorkerErrorInfo } from '../worker/api.ts';
import type { StudioClient } from '../worker/client.ts';
import { toErrorInfo } from '../worker/error-info.ts';
import { etaSeconds } from './eta.ts';
import type { StudioState } from './studio-store.ts';

export type ExportFormatChoice = 'masked' | 'compact' | 'onnx';

export interface ExportSlice {
  format: ExportFormatChoice;
  status: 'idle' | 'running' | 'done' | 'cancelled' | 'error';
  /** How the running (or last) export is delivered. */
  delivery: ExportDelivery['kind'] | null;
  progress: ExportJobProgress | null;
  etaSeconds: number | null;
  result: ExportJobOutcome | null;
  error: WorkerErrorInfo | null;
  /** The sparsity panel's result the running (or last) export was made from: a newer run makes it stale. */
  runFor: PruneOutcome | null;
}

export interface ExportActions {
  setExportFormat(format: ExportFormatChoice): void;
  /** Exports the shown run; resolves with the outcome (a zip's Blob in `blob`) or null when it did not finish. */
  runExport(delivery: ExportDelivery): Promise<ExportJobOutcome | null>;
  cancelExport(): Promise<void>;
  dismissExportError(): void;
  /** Drops a finished export (and its zip) made from a run that is no longer the one shown. */
  forgetStaleExport(): void;
}

export const idleExport = (format: ExportFormatChoice = 'masked'): ExportSlice =>
  ({ format, status: 'idle', delivery: null, progress: null, etaSeconds: null, result: null, error: null, runFor: null });

/** Why `format` cannot export this run (the core's own wording, the CLI's flags turned into the panel's words), or null. */
export function exportFormatProblem(format: ExportFormatChoice, request: PruneRequest): string | null {
  try {
    parseExportFormat(format, request);
    return null;
  } catch (e) {
    return (e as Error).message
      .replace(/--format compact needs structured pruning \(--structured [^)]*\)/, 'compact needs structured pruning (pattern: heads + channels)')
      .replace(/\(use --format masked or compact\)/, 'in this build: export masked or compact safetensors')
      .replace(/use --format masked/, 'use masked');
  }
}

/** Who loads each variant (the core's LOADERS, the words the CLI and the report use). Which compact variant a run
 * gets (standard config or per-layer) is known once it is written. */
export function loadersOf(format: ExportFormatChoice): Array<{ variant: string; loaders: string[] }> {
  const all = LOADERS as Record<string, string[]>;
  const variants = format === 'masked' ? ['masked'] : format === 'compact' ? ['compact-hf', 'compact-prunelab'] : ['onnx-compact'];
  return variants.filter((v) => all[v]).map((variant) => ({ variant, loaders: all[variant] }));
}

/** A file-system-safe name for the export: model, method, sparsity, format (e.g. stories260K-wanda-sp-30pct-compact). */
export function exportName(modelLabel: string, outcome: PruneOutcome, format: ExportFormatChoice): string {
  const r = outcome.request;
  const method = r.structured ?? (r.nm ? `${r.metric}-${r.nm.n}of${r.nm.m}` : r.metric);
  const safe = (x: string) => x.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
  const base = safe(modelLabel.split('/').filter(Boolean).pop() ?? '') || 'model';
  return `${base}-${method}-${Math.round(r.sparsity * 100)}pct-${format}`;
}

type Set = (fn: (s: StudioState) => Partial<StudioState>) => void;

export function exportActions(set: Set, get: () => StudioState, client: StudioClient, now: () => number): ExportActions {
  const patch = (fn: (e: ExportSlice) => Partial<ExportSlice>) => set((s) => ({ exportJob: { ...s.exportJob, ...fn(s.exportJob) } }));
  const fail = (code: string, message: string) => { patch(() => ({ status: 'error', progress: null, error: { code, message } })); return null; };

  return {
    setExportFormat(format) { patch(() => ({ format })); },

    async runExport(delivery) {
      const s = get();
      if (s.exportJob.status === 'running') return null;
      const outcome = s.prune.outcome;
      if (s.gpu.status !== 'ready') return fail('WebGPUUnavailable', 'No GPU device is available: the export reads the masks from the GPU.');
      if (!outcome || s.prune.status !== 'done' || !s.model.summary) return fail('BadRequest', 'Prune the model first: the export writes the run the sparsity panel shows.');
      if (s.ppl.status === 'running' || s.gen.status === 'running' || s.scan.status === 'running' || s.search.status === 'running') {
        return fail('BadRequest', 'Another GPU job is running; wait for it or cancel it first.');
      }
      const format = s.exportJob.format;
      const problem = exportFormatProblem(format, outcome.request);
      if (problem) return fail('BadRequest', problem);

      const started = now();
      const name = exportName(s.model.sourceLabel ?? s.model.summary.name, outcome, format);
      set((st) => ({ exportJob: { ...idleExport(st.exportJob.format), status: 'running', delivery: delivery.kind, runFor: outcome } }));
      try {
        const result = await client.exportModel({ format, delivery, name }, (progress) => {
          if (get().exportJob.status !== 'running') return;
          const eta = progress.totalBytes ? etaSeconds((now() - started) / 1000, progress.bytes, progress.totalBytes) : null;
          patch(() => ({ progress, etaSeconds: eta }));
        });
        patch(() => ({ status: 'done', progress: null, etaSeconds: 0, result }));
        return result;
      } catch (e) {
        const error = toErrorInfo(e);
        const cancelled = error.code === 'Cancelled';
        patch(() => ({ status: cancelled ? 'cancelled' : 'error', progress: null, etaSeconds: null, error: cancelled ? null : error }));
        return null;
      }
    },

    async cancelExport() {
      if (get().exportJob.status !== 'running') return;
      try { await client.cancel(); } catch (e) { patch(() => ({ status: 'error', error: toErrorInfo(e) })); }
    },

    dismissExportError() {
      patch((e) => (e.status === 'error' ? { status: 'idle', error: null } : {}));
    },

    forgetStaleExport() {
      const s = get();
      if (s.exportJob.status !== 'running' && s.exportJob.runFor && s.exportJob.runFor !== s.prune.outcome) {
        set((st) => ({ exportJob: idleExport(st.exportJob.format) }));
      }
    },
  };
}
