// Exports a pruned model into a folder target: model.safetensors (masked or compacted), config.json and the
// source's tokenizer files. Every variant is labelled with the loaders that accept it (the user's top complaint
// about pruning tools is "I cannot load the pruned model"). The report and apply_masks.py are written by
// export-report.ts once the caller has the perplexities. SparseGPT's updated weights (GPU overrides) are written
// instead of the source tensors of the maps they replace (masked and ONNX; compact is for structured pruning).
import { BadRequest } from '../errors.ts';
import { readText, type ByteSource } from '../formats/byte-source.ts';
import { modelFingerprint } from '../model/fingerprint.ts';
import type { LoadedModel } from '../model/loaded-model.ts';
import { parameterCount, type ModelSpec } from '../model/spec.ts';
import type { KeptUnits } from '../prune/compaction.ts';
import type { Pruner, PruneResult } from '../prune/pruner.ts';
import type { PruneRequest } from '../prune/prune-options.ts';
import { countingSink, writeWholeFile, type ExportTarget } from './byte-sink.ts';
import { companionFiles, copyFile } from './companion-files.ts';
import { writeCompactSafetensors } from './compact-export.ts';
import { biasedSpec, biasValues } from './export-biases.ts';
import { dominantExportDtype, exportConfig } from './export-config.ts';
import { maskSetKeepMasks, structuredKeepMasks, type KeepMasks } from './keep-masks.ts';
import { writeMaskedSafetensors } from './masked-export.ts';
import { ONNX_FILE, writeOnnx } from './onnx/write-onnx.ts';
import { PRUNELAB_VERSION } from '../version.ts';
import { gpuWeightOverrides, overridesNote, type WeightOverrides } from './weight-overrides.ts';

export type ExportFormat = 'masked' | 'compact' | 'onnx';
export type ExportVariant = 'masked' | 'compact-hf' | 'compact-prunelab' | 'onnx-compact' | 'onnx-masked';

const ONNX_LOADERS = ['onnxruntime (onnxruntime-node, onnxruntime-web wasm/WebGPU, any runtime with ONNX opset 17)',
  'prunelab ppl --model model.onnx (through onnxruntime-node)'];

export const LOADERS: Record<ExportVariant, string[]> = {
  masked: ['Prunelab', 'Hugging Face transformers (AutoModelForCausalLM.from_pretrained)', 'any loader of the original architecture'],
  'compact-hf': ['Prunelab', 'Hugging Face transformers (AutoModelForCausalLM.from_pretrained)'],
  'compact-prunelab': ['Prunelab only (transformers builds every layer at the top-level widths and refuses the smaller tensors)'],
  'onnx-compact': ONNX_LOADERS,
  'onnx-masked': ONNX_LOADERS,
};

/** Validates a requested format against the pruning request before any work (the CLI calls this before loading
 * the model). `metric` is the unstructured method; structured requests set `structured`. */
export function parseExportFormat(format: string, req: { structured?: string; metric?: string }): ExportFormat {
  if (format !== 'masked' && format !== 'compact' && format !== 'onnx') {
    throw new BadRequest(`unknown export format "${format}" (expected masked, compact or onnx)`);
  }
  if (format === 'compact' && req.structured === undefined) {
    throw new BadRequest('--format compact needs structured pruning (--structured wanda-sp|magnitude-sp|flap): unstructured ' +
      'masks leave every tensor its shape, so there is nothing to remove; use --format masked');
  }
  return format;
}

/** The kept-weight masks of the pruner's last result: kept heads/channels when structured, else its GPU bitsets. */
export function keepMasksOf(pruner: Pruner, result: PruneResult): KeepMasks {
  return result.kept ? structuredKeepMasks(pruner.engine.spec, result.kept) : maskSetKeepMasks(pruner.masks);
}

/** The updated weights of the pruner's last prune when `request` was SparseGPT (its GPU overrides, read back one
 * tensor at a time when the exporter asks), else undefined. Refuses a SparseGPT request whose updated weights are
 * gone (the pruner was reset or pruned again): the masks alone over the dense weights are not that model. */
export function weightOverridesOf(pruner: Pruner, request: Pick<PruneRequest, 'metric' | 'structured'>): WeightOverrides | undefined {
  if (request.structured || request.metric !== 'sparsegpt') return undefined;
  const buffers = pruner.weightOverrides;
  if (!buffers) throw new BadRequest('the SparseGPT run\'s updated weights are no longer on the GPU (the model was reset or pruned again); prune again, then export');
  return gpuWeightOverrides(pruner.engine.gpu, buffers, 'sparsegpt');
}

/** What an export in `format` takes from a finished prune, the same for the CLI and the studio: the kept-weight masks
 * for masked files (a structured run's removed heads and channels as zero rows and columns) and unstructured ONNX;
 * a structured run's kept units (compact files and ONNX, and FLAP's compensated biases in masked files); SparseGPT's
 * updated weights. */
export function exportInputsOf(pruner: Pruner, result: PruneResult, request: Pick<PruneRequest, 'metric' | 'structured'>,
  format: ExportFormat): Pick<ExportRequest, 'masks' | 'kept' | 'overrides'> {
  return {
    masks: format === 'masked' || (format === 'onnx' && !result.kept) ? keepMasksOf(pruner, result) : undefined,
    kept: result.kept,
    overrides: weightOverridesOf(pruner, request),
  };
}

export interface ExportRequest {
  model: LoadedModel;
  format: ExportFormat;
  /** masked (and onnx of an unstructured prune): which weights are kept (exportInputsOf). */
  masks?: KeepMasks;
  /** A structured prune's kept heads and channels per layer: compact and ONNX shapes, FLAP's biases in masked files. */
  kept?: KeptUnits[];
  /** masked / onnx: updated weights written instead of the source tensors they replace (weightOverridesOf). */
  overrides?: WeightOverrides;
  /** The source's files: its config.json's extra keys are kept, its tokenizer files copied. */
  sources: ByteSource[];
  target: ExportTarget;
}

export interface ExportSummary {
  format: ExportFormat;
  variant: ExportVariant;
  /** Dominant dtype written (the source's, or F32 for Q8_0 sources). */
  dtype: string;
  /** The exported model's spec and its fingerprint (what loadModel of the folder reports). */
  spec: ModelSpec;
  fingerprint: string;
  loaders: string[];
  notes: string[];
  files: Array<{ name: string; bytes: number }>;
  /** The file holding the weights: model.safetensors, or model.onnx (float32 weights and the graph). */
  weightsFile: string;
  /** Parameters stored in model.safetensors, and weights zeroed by the masks (masked variant). */
  parameters: number;
  zeroed: number;
  /** The method that updated the kept weights when the export wrote them (e.g. 'sparsegpt'); absent: only masked. */
  weightsUpdatedBy?: string;
  seconds: number;
}

export async function exportPrunedModel(req: ExportRequest): Promise<ExportSummary> {
  const start = performance.now();
  const { model, target } = req;
  const metadata = { format: 'pt', generator: `prunelab ${PRUNELAB_VERSION}`, source_fingerprint: model.fingerprint };
  const files: ExportSummary['files'] = [];
  const notes: string[] = [];
  if (req.overrides && (req.kept || req.format === 'compact')) {
    throw new BadRequest('updated weights (SparseGPT) come from unstructured pruning: export them masked or as ONNX, not compacted');
  }
  if (req.format === 'onnx') return exportOnnx(req, start);
  const sink = countingSink(await target.create('model.safetensors'));
  let written, spec: ModelSpec, variant: ExportVariant;
  const biased = biasedSpec(model.spec, req.kept);   // FLAP's compensated biases, if any
  notes.push(...biased.notes);
  if (req.format === 'masked') {
    if (!req.masks) throw new BadRequest('masked export needs the pruning masks');
    const values = biasValues(biased.spec, req.kept, (name) => model.tensors.has(name));
    const updated: Record<string, string> = req.overrides ? { prunelab_weights_updated_by: req.overrides.method } : {};
    written = await writeMaskedSafetensors(model, req.masks, sink, { ...metadata, prunelab_variant: 'masked', ...updated },
      { spec: biased.spec, values, overrides: req.overrides });
    spec = biased.spec;
    variant = 'masked';
    const overrides = req.overrides;
    if (overrides) notes.push(overridesNote(overrides, new Set(written.tensors.filter((t) => overrides.has(t.name)).map((t) => t.dtype))));
  } else {
    if (!req.kept) throw new BadRequest('compact export needs the kept heads and channels of a structured prune');
    const c = await writeCompactSafetensors(model, req.kept, sink, { ...metadata, prunelab_variant: 'compact' }, biased.spec);
    written = c;
    spec = c.layout.spec;
    variant = c.layout.hfCompatible ? 'compact-hf' : 'compact-prunelab';
    if (c.layout.reason) notes.push(`per-layer config (Prunelab only): ${c.layout.reason}`);
  }
  files.push({ name: 'model.safetensors', bytes: sink.bytes });
  const dtype = dominantExportDtype(written.tensors);
  const q8 = [...model.tensors.values()].filter((t) => t.dtype === 'Q8_0').length;
  if (q8 > 0) notes.push(`Q8_0 source: its ${q8} Q8_0 tensors were dequantized and written as F32 (safetensors has no Q8_0)`);

  await writeConfigAndCompanions(req, spec, dtype, files, notes);
  return {
    format: req.format, variant, dtype, spec, fingerprint: await modelFingerprint(spec, written.tensors),
    loaders: LOADERS[variant], notes, files, weightsFile: 'model.safetensors', parameters: parameterCount(spec), zeroed: written.zeroed,
    ...(req.overrides ? { weightsUpdatedBy: req.overrides.method } : {}), seconds: (performance.now() - start) / 1000,
  };
}

/** config.json (the exported spec over the source's keys) and the tokenizer files beside the weights. */
async function writeConfigAndCompanions(req: ExportRequest, spec: ModelSpec, dtype: 'F32' | 'F16' | 'BF16',
  files: ExportSummary['files'], notes: string[]): Promise<void> {
  const { model, target } = req;
  const configSrc = model.format === 'hf-safetensors' ? req.sources.find((s) => s.name.split('/').pop() === 'config.json') : undefined;
  const sourceConfig = configSrc ? JSON.parse(await readText(configSrc)) as Record<string, unknown> : undefined;
  files.push({ name: 'config.json', bytes: await writeWholeFile(target, 'config.json', `${JSON.stringify(exportConfig(spec, dtype, sourceConfig), null, 2)}\n`) });

  const companions = companionFiles(model, req.sources);
  if (companions.note) notes.push(companions.note);
  for (const src of companions.files) {
    const name = src.name.split('/').pop()!;
    const out = await target.create(name);
    files.push({ name, bytes: await copyFile(src, (c) => out.write(c)) });
    await out.close();
  }
}

/** model.onnx (compacted when structured, masked weights zeroed otherwise; float32) with config.json and the tokenizer. */
async function exportOnnx(req: ExportRequest, start: number): Promise<ExportSummary> {
  const sink = countingSink(await req.target.create(ONNX_FILE));
  const written = await writeOnnx(req.model, req.kept ? { kept: req.kept } : { masks: req.masks, overrides: req.overrides }, sink);
  const variant: ExportVariant = req.kept ? 'onnx-compact' : 'onnx-masked';
  const files: ExportSummary['files'] = [{ name: ONNX_FILE, bytes: sink.bytes }];
  const notes = [`ONNX opset 17, float32 weights (${written.nodes} nodes): input_ids [batch, sequence] int64 -> logits ` +
    '[batch, sequence, vocab] float32, no KV cache (each call runs the whole sequence)'];
  if (req.overrides) notes.push(overridesNote(req.overrides, new Set(['F32'])));
  // The graph holds FLAP's compensated biases itself; config.json (widths, token ids, for tokenizers and tools) keeps
  // the source's bias flags, which its architecture can always say.
  const { attentionBias, oProjBias, mlpBias } = req.model.spec;
  const added = written.spec.oProjBias !== oProjBias || written.spec.mlpBias !== mlpBias;
  if (added) notes.push('FLAP\'s compensated o_proj / down_proj biases are in model.onnx; config.json keeps the source\'s bias settings');
  await writeConfigAndCompanions(req, added ? { ...written.spec, attentionBias, oProjBias, mlpBias } : written.spec, 'F32', files, notes);
  return {
    format: 'onnx', variant, dtype: 'F32', spec: written.spec, fingerprint: written.fingerprint, loaders: LOADERS[variant], notes,
    files, weightsFile: ONNX_FILE, parameters: written.parameters, zeroed: written.zeroed,
    ...(req.overrides ? { weightsUpdatedBy: req.overrides.method } : {}), seconds: (performance.now() - start) / 1000,
  };
}
