// prunelab-report.json: everything needed to reproduce and judge an exported pruned model: the full protocol
// (model fingerprint, text hashes, seqLen, windows, calibration, method and parameters, Prunelab version), the
// per-layer allocation, achieved sparsity and kept units, dense and pruned perplexity (and zero-shot accuracy when
// measured), file sizes and timings.
import type { LoadedModel } from '../model/loaded-model.ts';
import { parameterCount } from '../model/spec.ts';
import { DEFAULT_MRP, DEFAULT_OWL, type PruneRequest } from '../prune/prune-options.ts';
import type { PruneResult } from '../prune/pruner.ts';
import { PRUNELAB_VERSION } from '../version.ts';
import { SPARSEGPT_BLOCK } from '../kernels/sparsegpt-sweep.ts';
import { writeWholeFile, type ExportTarget } from './byte-sink.ts';
import { APPLY_MASKS_FILE, applyMasksScript } from './apply-masks-script.ts';
import type { ExportSummary } from './export-model.ts';
import type { ZeroShotSummary } from '../zeroshot/zero-shot-summary.ts';

export const REPORT_FILE = 'prunelab-report.json';
export const REPORT_VERSION = 1;

/** SparseGPT's damping: percDamp x mean(diag H) added to H's diagonal (the solver's default, docs/algorithms.md §5). */
const SPARSEGPT_PERC_DAMP = 0.01;

export interface EvaluationNumbers { ppl: number; nll: number; tokens: number; seconds: number }

export interface ReportInput {
  model: LoadedModel;
  /** Bytes of the source's weight files (model.safetensors / shards / .bin / .gguf). */
  sourceWeightBytes: number;
  request: PruneRequest;
  result: PruneResult;
  protocol: {
    seqLen: number;
    windows: number;
    textSha256: string;
    addBos: boolean;
    calibration: { textSha256: string; offsetTokens: number; windows: number; seqLen: number };
  };
  dense: EvaluationNumbers;
  pruned: EvaluationNumbers;
  exported: ExportSummary;
  /** The exported ONNX model evaluated by an ONNX runtime on the same windows (onnx exports, when measured). */
  onnxEvaluation?: EvaluationNumbers & { runtime: string };
  adapter?: { vendor: string; architecture: string; description: string; isFallback: boolean };
  /** Zero-shot accuracy of the dense and of this pruned model on the same tasks and documents, when measured. */
  zeroShot?: { dense: ZeroShotSummary; pruned: ZeroShotSummary };
}

/** Method parameters as they were applied (published defaults filled in). */
function methodParameters(req: PruneRequest): Record<string, unknown> {
  const a = req.allocation;
  return {
    kind: req.structured ? 'structured' : 'unstructured',
    metric: req.structured ?? req.metric,
    pattern: req.structured ? (req.kvGroups ? 'kv-groups+channels' : 'heads+channels') : req.nm ? `${req.nm.n}:${req.nm.m}` : 'unstructured',
    // FLAP's o_proj / down_proj bias compensation (the exported config then has attention_bias / mlp_bias).
    ...(req.structured === 'flap' ? { biasCompensation: req.biasCompensation !== false } : {}),
    // SparseGPT also updates the kept weights (error compensation), so the masks alone do not reproduce the model.
    ...(!req.structured && req.metric === 'sparsegpt'
      ? { sparsegpt: { blockSize: SPARSEGPT_BLOCK, percDamp: SPARSEGPT_PERC_DAMP, hessian: '2 X^T X', weightsUpdated: true } } : {}),
    allocation: Array.isArray(a) ? 'explicit' : a,
    sparsity: req.sparsity,
    ...(a === 'owl' ? { owl: DEFAULT_OWL } : {}),
    ...(a === 'mrp' ? { mrp: { ...DEFAULT_MRP, s0: req.sparsity / 2, ...req.mrp } } : {}),
    tieBreak: 'lower index first',
    sequential: true,
  };
}

export function buildExportReport(r: ReportInput): Record<string, unknown> {
  const { result, exported } = r;
  const weights = exported.files.find((f) => f.name === exported.weightsFile)!.bytes;
  const { trajectory, kept, seconds: pruneSeconds, ...perLayer } = result;
  return {
    prunelab: { version: PRUNELAB_VERSION, report: REPORT_VERSION },
    createdAt: new Date().toISOString(),
    source: {
      format: r.model.format, files: r.model.files, fingerprint: r.model.fingerprint, dtype: r.model.dtype,
      architecture: r.model.spec.architecture, parameters: parameterCount(r.model.spec), weightBytes: r.sourceWeightBytes,
    },
    protocol: {
      perplexity: 'exp(mean NLL of tokens 1..seqLen-1 over non-overlapping seqLen windows from the start; tail dropped)',
      seqLen: r.protocol.seqLen, windows: r.protocol.windows, textSha256: r.protocol.textSha256, addBos: r.protocol.addBos,
      calibration: r.protocol.calibration,
      prunelabVersion: PRUNELAB_VERSION,
    },
    method: methodParameters(r.request),
    ...perLayer, // allocation, achievedSparsity (+ outlierRatios / alphas / redundancy when the method has them)
    ...(kept ? { kept, keptHeads: kept.map((k) => k.heads.length), keptChannels: kept.map((k) => k.channels.length) } : {}),
    ...(kept && r.request.kvGroups ? { keptKvHeads: kept.map((k) => k.kvHeads?.length ?? r.model.spec.numKvHeads) } : {}),
    ...(trajectory ? { mrpSteps: trajectory.length } : {}),
    perplexity: {
      dense: r.dense.ppl, pruned: r.pruned.ppl, denseNll: r.dense.nll, prunedNll: r.pruned.nll, tokens: r.pruned.tokens,
      ratio: r.pruned.ppl / r.dense.ppl,
    },
    export: {
      format: exported.format, variant: exported.variant, dtype: exported.dtype, loaders: exported.loaders, notes: exported.notes,
      fingerprint: exported.fingerprint, parameters: exported.parameters, zeroedWeights: exported.zeroed,
      weightsUpdatedBy: exported.weightsUpdatedBy ?? null,
      files: exported.files, weightsFile: exported.weightsFile, weightBytes: weights, weightBytesRatio: weights / r.sourceWeightBytes,
      ...(r.onnxEvaluation ? {
        onnx: {
          file: exported.weightsFile, runtime: r.onnxEvaluation.runtime, perplexity: r.onnxEvaluation.ppl, nll: r.onnxEvaluation.nll,
          tokens: r.onnxEvaluation.tokens, seconds: r.onnxEvaluation.seconds,
          relativeToEngine: r.onnxEvaluation.ppl / r.pruned.ppl - 1,
        },
      } : {}),
    },
    timings: {
      pruneSeconds, denseEvalSeconds: r.dense.seconds, prunedEvalSeconds: r.pruned.seconds, exportSeconds: exported.seconds,
    },
    ...(r.zeroShot ? { zeroShot: r.zeroShot } : {}),
    ...(r.adapter ? { adapter: r.adapter } : {}),
  };
}

/** Writes prunelab-report.json and apply_masks.py next to the exported model (not for ONNX exports: the script
 * loads safetensors with transformers); returns their sizes. */
export async function writeReportFiles(target: ExportTarget, report: Record<string, unknown>, exported: ExportSummary,
  expectedSparsity: number): Promise<Array<{ name: string; bytes: number }>> {
  const files = [{ name: REPORT_FILE, bytes: await writeWholeFile(target, REPORT_FILE, `${JSON.stringify(report, null, 2)}\n`) }];
  if (exported.format === 'onnx') return files;
  return [...files,
    { name: APPLY_MASKS_FILE, bytes: await writeWholeFile(target, APPLY_MASKS_FILE, applyMasksScript(exported.variant, expectedSparsity, exported.weightsUpdatedBy)) }];
}
