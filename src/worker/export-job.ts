// The studio's export job: the last prune's model (masked or compacted) with config.json, tokenizer files,
// prunelab-report.json and apply_masks.py, streamed either into one zip (a Blob the page downloads) or into a
// folder the user picked (File System Access). The exporter reads the source one tensor at a time, so neither
// path ever holds the model twice; progress is in bytes and cancel stops at the next chunk. A SparseGPT run's
// updated weights are read back from the GPU one tensor at a time, like the masks.
import type { ByteSource } from '../core/formats/byte-source.ts';
import { blobSink } from '../core/export/blob-sink.ts';
import type { ExportTarget } from '../core/export/byte-sink.ts';
import { directoryHandleTarget, freshSubfolder, type DirectoryTarget } from '../core/export/directory-handle-target.ts';
import { exportInputsOf, exportPrunedModel, parseExportFormat } from '../core/export/export-model.ts';
import { buildExportReport, writeReportFiles } from '../core/export/export-report.ts';
import { progressTarget } from '../core/export/progress-target.ts';
import { zipTarget, type ZipTarget } from '../core/export/zip-target.ts';
import type { ExportJobRequest, ExportJobOutcome, ExportJobProgress } from './api.ts';
import { applyPrune, pruneRecord, type PruneRecord } from './current-prune.ts';
import type { PruneSession } from './prune-session.ts';
import { BadRequest } from '../core/errors.ts';
import type { ZeroShotJobOutcome } from './api.ts';

/** A worker-session id means nothing in a file. */
const withoutPruneId = ({ pruneId: _, ...summary }: ZeroShotJobOutcome) => summary;

export async function exportJob(session: PruneSession, sources: ByteSource[], req: ExportJobRequest, signal: AbortSignal,
  onProgress: (p: ExportJobProgress) => void): Promise<ExportJobOutcome> {
  const start = performance.now();
  const format = parseExportFormat(req.format, pruneRecord(session, req.pruneId).request);
  // The report's zero-shot numbers must be this run's: a result of another prune would be misattributed.
  if (req.zeroShot && req.zeroShot.pruned.pruneId !== req.pruneId) {
    throw new BadRequest('the zero-shot result given for the report was measured on another prune; evaluate this run again');
  }
  // Kept heads and channels live on the CPU; masks and SparseGPT's weights must be back on the GPU.
  const { record, reapplied } = await applyPrune(session, req.pruneId, signal, {
    gpuState: !pruneRecord(session, req.pruneId).result.kept,
    onReapply: () => onProgress({ phase: 'pruning', file: null, bytes: 0, totalBytes: null }),
  });
  const model = session.engine.model;

  let zip: ZipTarget | null = null;
  let folder: DirectoryTarget | null = null;
  let sink: ReturnType<typeof blobSink> | null = null;
  let base: ExportTarget, location: string;
  if (req.delivery.kind === 'zip') {
    sink = blobSink('application/zip');
    zip = zipTarget(sink);
    base = zip;
    location = `${req.name}.zip`;
  } else {
    const dir = await freshSubfolder(req.delivery.handle, req.name);
    folder = directoryHandleTarget(dir);
    base = folder;
    location = `${req.delivery.handle.name}/${dir.name}`;
  }
  const target = progressTarget(base, signal, (p) => onProgress({ phase: 'writing', ...p }));
  try {
    const summary = await exportPrunedModel({
      model, format, target, sources,
      ...exportInputsOf(record.pruner, record.result, record.request, format),
    });
    const weightSources = new Set([...model.tensors.values()].map((t) => t.source));
    const sourceWeightBytes = [...weightSources].reduce((s, src) => s + src.size, 0);
    const numbers = (w: PruneRecord['dense']) => ({ ppl: w.ppl, nll: w.nll, tokens: w.tokens, seconds: w.seconds });
    const c = record.calibration;
    const report = buildExportReport({
      model, request: record.request, result: record.result, exported: summary,
      sourceWeightBytes,
      protocol: {
        seqLen: record.opts.seqLen, windows: record.windows, textSha256: record.text.hash, addBos: model.tokenizer.addBos,
        calibration: { textSha256: c.textHash, offsetTokens: c.offsetTokens, windows: c.windows, seqLen: c.seqLen },
      },
      dense: numbers(record.dense), pruned: numbers(record.pruned), adapter: session.engine.gpu.adapter,
      ...(req.zeroShot ? { zeroShot: { dense: withoutPruneId(req.zeroShot.dense), pruned: withoutPruneId(req.zeroShot.pruned) } } : {}),
    });
    const achieved = record.result.achievedSparsity;
    const extra = await writeReportFiles(target, report, summary, achieved.reduce((a, b) => a + b, 0) / achieved.length);
    await zip?.finish();
    const { spec: _spec, ...plain } = summary;
    return {
      summary: plain, files: [...summary.files, ...extra], location, blob: sink?.blob(), reapplied, sourceWeightBytes,
      ppl: record.pruned.ppl, densePpl: record.dense.ppl, seconds: (performance.now() - start) / 1000,
    };
  } catch (e) {
    await folder?.abort(e).catch(() => { /* the error that got us here is the one to report */ });
    throw e;
  }
}
