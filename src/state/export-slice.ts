// The export panel's slice: which format, the running export's byte progress and ETA, the finished export
// (its files and, for a zip, the Blob the page downloads) and what each format can be loaded by. The export
// writes the run the sparsity panel shows (the worker's last finished prune).
import { LOADERS, parseExportFormat } from '../core/export/export-model.ts';
import type { PruneRequest } from '../core/prune/prune-options.ts';
import type { ExportDelivery, ExportJobOutcome, ExportJobProgress, PruneOutcome, WorkerErrorInfo } from '../worker/api.ts';
import { etaSeconds } from './eta.ts';
import { ANOTHER_JOB, createJob, refuse, refuseIf, type JobDeps, type JobStatus } from './job-slice.ts';
import type { VectorOrigin } from './prune-settings.ts';

export type ExportFormatChoice = 'masked' | 'compact' | 'onnx';

export interface ExportSlice {
  format: ExportFormatChoice;
  status: JobStatus;
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
/** The export's base name: model, method, the allocation when it is not uniform ("evolved" for the search's
 * vector, "vector" for a typed one), sparsity and format. */
export function exportName(modelLabel: string, outcome: PruneOutcome, format: ExportFormatChoice, origin?: VectorOrigin): string {
  const r = outcome.request;
  const method = r.structured ?? (r.nm ? `${r.metric}-${r.nm.n}of${r.nm.m}` : r.metric);
  const a = r.allocation;
  const allocation = r.nm || a === 'uniform' ? '' : Array.isArray(a) ? `-${origin === 'evolved' ? 'evolved' : 'vector'}` : `-${a}`;
  const safe = (x: string) => x.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
  const base = safe(modelLabel.split('/').filter(Boolean).pop() ?? '') || 'model';
  return `${base}-${method}${allocation}-${Math.round(r.sparsity * 100)}pct-${format}`;
}

export function exportActions(deps: JobDeps): ExportActions {
  const { set, get, client } = deps;
  const job = createJob(deps, 'exportJob', { checksOtherJobs: true, ended: () => ({ progress: null, etaSeconds: null }) });

  const run = job.action((s, delivery: ExportDelivery) => {
    const outcome = s.prune.outcome;
    if (s.gpu.status !== 'ready') refuse('WebGPUUnavailable', 'No GPU device is available: the export reads the masks from the GPU.');
    if (!outcome || s.prune.status !== 'done' || !s.model.summary) refuse('BadRequest', 'Prune the model first: the export writes the run the sparsity panel shows.');
    refuseIf(s.gpuJob !== null && ANOTHER_JOB);
    const format = s.exportJob.format;
    refuseIf(exportFormatProblem(format, outcome.request));

    const name = exportName(s.model.sourceLabel ?? s.model.summary.name, outcome, format, s.prune.explicit ? s.prune.explicitOrigin : undefined);
    // The zero-shot panel's numbers go into the report when they were measured on this very run.
    const { dense, pruned } = s.zeroShot;
    const zeroShot = dense && pruned?.pruneId === outcome.pruneId ? { zeroShot: { dense, pruned } } : {};
    return {
      start: (e) => ({ ...idleExport(e.format), delivery: delivery.kind, runFor: outcome }),
      work: (r) => client.exportModel({ pruneId: outcome.pruneId, format, delivery, name, ...zeroShot }, (progress) => r.patch(() => ({
        progress, etaSeconds: progress.totalBytes ? etaSeconds(r.seconds(), progress.bytes, progress.totalBytes) : null,
      }))),
      done: (_, result) => ({ progress: null, etaSeconds: 0, result }),
    };
  });

  return {
    setExportFormat(format) { job.patch(() => ({ format })); },
    runExport: run,
    cancelExport: job.cancel,
    dismissExportError: job.dismissError,

    forgetStaleExport() {
      const s = get();
      if (s.exportJob.status !== 'running' && s.exportJob.runFor && s.exportJob.runFor !== s.prune.outcome) {
        set((st) => ({ exportJob: idleExport(st.exportJob.format) }));
      }
    },
  };
}
