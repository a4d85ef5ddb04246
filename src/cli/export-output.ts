// prunelab prune --out DIR --format masked|compact|onnx [--force]: option checks before any work, then the export
// of the pruned model with its report and apply_masks.py (ONNX: evaluated through onnxruntime-node for the report).
import { join } from 'node:path';
import { BadRequest } from '../core/errors.ts';
import type { ByteSource } from '../core/formats/byte-source.ts';
import { sha256Hex } from '../core/engine/windows.ts';
import type { PerplexityReport } from '../core/engine/perplexity-report.ts';
import { exportInputsOf, exportPrunedModel, parseExportFormat, type ExportFormat, type ExportSummary } from '../core/export/export-model.ts';
import { buildExportReport, writeReportFiles } from '../core/export/export-report.ts';
import { nodeFolderTarget, prepareOutputFolder } from '../core/export/node-folder-target.ts';
import type { PruneRequest } from '../core/prune/prune-options.ts';
import type { Pruner, PruneResult } from '../core/prune/pruner.ts';
import type { CliValues } from './args.ts';
import { onnxFilePerplexity } from './onnx-ppl.ts';

export interface ExportOptions { dir: string; format: ExportFormat }

/** Validates --out / --format / --force (and prepares the folder) before the model is even loaded. */
export async function parseExportOptions(values: CliValues, request: PruneRequest): Promise<ExportOptions | null> {
  const dir = values.out as string | undefined;
  const format = values.format as string | undefined;
  if (dir === undefined) {
    if (format !== undefined) throw new BadRequest('--format needs --out DIR (the folder to write the pruned model to)');
    if (values.force) throw new BadRequest('--force only applies with --out DIR');
    return null;
  }
  if (dir === '') throw new BadRequest('--out needs a folder path');
  const parsed = parseExportFormat(format ?? 'masked', request);
  await prepareOutputFolder(dir, values.force === true);
  return { dir, format: parsed };
}

export interface ExportContext {
  pruner: Pruner;
  request: PruneRequest;
  result: PruneResult;
  sources: ByteSource[];
  dense: PerplexityReport;
  pruned: PerplexityReport;
  calibration: { text: string; offsetTokens: number; windows: number; seqLen: number };
  /** The evaluation text and window cap (an ONNX export is evaluated on them through onnxruntime-node). */
  evaluation: { text: string; maxWindows?: number };
}

export interface ExportWritten {
  summary: ExportSummary;
  files: Array<{ name: string; bytes: number }>;
  /** ONNX exports: the written model's perplexity through onnxruntime-node on the same windows. */
  onnx?: PerplexityReport;
}

export async function writeExport(opts: ExportOptions, ctx: ExportContext): Promise<ExportWritten> {
  const model = ctx.pruner.engine.model;
  const target = nodeFolderTarget(opts.dir);
  const summary = await exportPrunedModel({
    model, format: opts.format, target, sources: ctx.sources,
    ...exportInputsOf(ctx.pruner, ctx.result, ctx.request, opts.format),
  });
  const onnx = opts.format === 'onnx'
    ? await onnxFilePerplexity(join(opts.dir, summary.weightsFile), ctx.evaluation.text, { seqLen: ctx.pruned.seqLen, maxWindows: ctx.evaluation.maxWindows })
    : undefined;
  const weightSources = new Set([...model.tensors.values()].map((t) => t.source));
  const evaluation = (p: PerplexityReport) => ({ ppl: p.ppl, nll: p.nll, tokens: p.tokens, seconds: p.seconds });
  const report = buildExportReport({
    model, request: ctx.request, result: ctx.result, exported: summary,
    sourceWeightBytes: [...weightSources].reduce((s, src) => s + src.size, 0),
    protocol: {
      seqLen: ctx.pruned.seqLen, windows: ctx.pruned.windows, textSha256: ctx.pruned.protocol.textHash, addBos: ctx.pruned.protocol.addBos,
      calibration: { textSha256: await sha256Hex(ctx.calibration.text), offsetTokens: ctx.calibration.offsetTokens,
        windows: ctx.calibration.windows, seqLen: ctx.calibration.seqLen },
    },
    dense: evaluation(ctx.dense), pruned: evaluation(ctx.pruned), adapter: ctx.pruned.adapter,
    ...(onnx ? { onnxEvaluation: { ...evaluation(onnx), runtime: onnx.adapter.vendor } } : {}),
  });
  const mean = ctx.result.achievedSparsity.reduce((a, b) => a + b, 0) / ctx.result.achievedSparsity.length;
  const extra = await writeReportFiles(target, report, summary, mean);
  return { summary, files: [...summary.files, ...extra], ...(onnx ? { onnx } : {}) };
}
