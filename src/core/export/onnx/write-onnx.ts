// writeOnnx: the pruned model as one ONNX file (opset 17, float32 weights), streamed to a byte sink one weight
// at a time. Structured pruning is compacted (each layer its own head count and MLP width); unstructured masks
// are applied as zeros (over SparseGPT's updated weights when given). Runs in Node and in the browser worker (no Node imports).
// Input `input_ids` [batch, sequence] int64; output `logits` [batch, sequence, vocab] float32.
import { BadRequest } from '../../errors.ts';
import type { LoadedModel } from '../../model/loaded-model.ts';
import { modelFingerprint } from '../../model/fingerprint.ts';
import { parameterCount, type ModelSpec } from '../../model/spec.ts';
import { PRUNELAB_VERSION } from '../../version.ts';
import type { ByteSink } from '../byte-sink.ts';
import { buildDecoderGraph } from './decoder-graph.ts';
import { IR_VERSION, OPSET } from './onnx-schema.ts';
import { streamOnnxModel } from './onnx-stream.ts';
import { prunedWeights, type PruneSelection } from './pruned-weights.ts';

export const ONNX_FILE = 'model.onnx';

/** Keys of the ONNX file's metadata_props that Prunelab writes (and `prunelab ppl` reads back). */
export const ONNX_META = {
  fingerprint: 'prunelab_fingerprint',
  source: 'prunelab_source_fingerprint',
  variant: 'prunelab_variant',
  maxPositions: 'prunelab_max_positions',
  version: 'prunelab_version',
  /** Present when the kept weights were updated by the pruning method (e.g. 'sparsegpt'), not only masked. */
  weightsUpdatedBy: 'prunelab_weights_updated_by',
} as const;

export type OnnxVariant = 'onnx-compact' | 'onnx-masked' | 'onnx-dense';

export interface OnnxWritten {
  variant: OnnxVariant;
  /** The exported model's spec (per-layer widths after a structured prune) and its protocol fingerprint. */
  spec: ModelSpec;
  fingerprint: string;
  bytes: number;
  parameters: number;
  /** Weights set to zero by unstructured masks. */
  zeroed: number;
  /** Nodes in the graph (a sanity number for the report). */
  nodes: number;
}

/**
 * Writes `model` pruned as `selection` (kept heads/channels, or kept-weight masks, or neither) to `sink` as an
 * ONNX model and closes the sink. `extraMetadata` lands in metadata_props next to Prunelab's own keys.
 */
export async function writeOnnx(model: LoadedModel, selection: PruneSelection, sink: ByteSink,
  extraMetadata: Record<string, string> = {}): Promise<OnnxWritten> {
  if (model.spec.layerWidths && selection.kept) throw new BadRequest('the model already has per-layer widths; prune the original model instead');
  const weights = prunedWeights(model, selection);
  const graph = buildDecoderGraph(weights);
  const spec = weights.spec;
  const fingerprint = await modelFingerprint(spec, [...weights.shapes].map(([name, shape]) => ({ name, shape })));
  const variant: OnnxVariant = selection.kept ? 'onnx-compact' : selection.masks ? 'onnx-masked' : 'onnx-dense';
  const metadata = {
    ...extraMetadata,
    [ONNX_META.fingerprint]: fingerprint,
    [ONNX_META.source]: model.fingerprint,
    [ONNX_META.variant]: variant,
    [ONNX_META.maxPositions]: String(spec.maxPositions),
    [ONNX_META.version]: PRUNELAB_VERSION,
    ...(selection.overrides ? { [ONNX_META.weightsUpdatedBy]: selection.overrides.method } : {}),
  };
  const bytes = await streamOnnxModel({
    irVersion: IR_VERSION, opset: OPSET, producerName: 'prunelab', producerVersion: PRUNELAB_VERSION,
    docString: `${spec.architecture} decoder, ${spec.numLayers} layers, pruned by Prunelab (${variant}); ` +
      'input_ids [batch, sequence] int64 -> logits [batch, sequence, vocab] float32',
    metadata, graphName: 'prunelab_decoder',
    nodes: graph.builder.nodes, inputs: graph.inputs, outputs: graph.outputs,
    constants: graph.builder.constants, weights: graph.builder.weights,
  }, sink);
  await sink.close();
  return { variant, spec, fingerprint, bytes, parameters: parameterCount(spec), zeroed: weights.zeroed, nodes: graph.builder.nodes.length };
}
