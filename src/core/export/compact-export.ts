// Compacted safetensors for structured pruning: removed heads and MLP channels are physically gone. Per layer
//   q_proj [H*hd, d] (kept heads' rows), q_proj.bias [H*hd], o_proj [d, H*hd] (kept heads' columns),
//   gate_proj / up_proj [F, d] (+ biases [F]) (kept channels' rows), down_proj [d, F] (kept channels' columns);
// k_proj / v_proj (+ biases) keep the kept kv heads' rows when whole kv-groups went, else are copied unchanged, as
// are norms, embeddings and lm_head. FLAP's o / down biases (and zero biases the config forces) come from memory.
// Values are copied bit-exactly in the source dtype (GGUF Q8_0: dequantized F32). One tensor in memory at a time.
import type { KeptUnits } from '../prune/compaction.ts';
import type { LoadedModel } from '../model/loaded-model.ts';
import { expectedShapes, tensorNames, type ModelSpec } from '../model/spec.ts';
import { fusedTensors } from '../model/fused-tensors.ts';
import type { ByteSink } from './byte-sink.ts';
import { gatherColumnBytes, gatherRowBytes } from './byte-gather.ts';
import { compactLayout, type CompactLayout } from './compact-layout.ts';
import { f32Bytes, plannedTensors, type WeightsWritten } from './masked-export.ts';
import { biasValues } from './export-biases.ts';
import { DTYPE_BYTES, SafetensorsStreamWriter, type PlannedTensor } from './safetensors-stream.ts';
import { copyStoredBytes, readExportBytes, storedAsExported } from './tensor-bytes.ts';

export type Gather = { rows: number[] } | { cols: number[] };

/** What to gather from each shrinking tensor (dense name -> kept row or column indices). */
export function compactGathers(model: LoadedModel, kept: KeptUnits[]): Map<string, Gather> {
  const { headDim: hd, attentionBias, mlpBias } = model.spec;
  const out = new Map<string, Gather>();
  const dims = (units: number[]) => units.flatMap((u) => Array.from({ length: hd }, (_, i) => u * hd + i));
  kept.forEach(({ heads, channels, kvHeads }, l) => {
    const n = tensorNames.layer(l);
    const headDims = dims(heads); // rows of q / columns of o
    out.set(n.q, { rows: headDims });
    if (attentionBias) out.set(n.qBias, { rows: headDims });
    if (kvHeads) {
      const kvDims = dims(kvHeads); // rows of k / v
      for (const name of [n.k, n.v, ...(attentionBias ? [n.kBias, n.vBias] : [])]) out.set(name, { rows: kvDims });
    }
    out.set(n.o, { cols: headDims });
    const gated = !model.spec.plainMlp;
    if (gated) out.set(n.gate, { rows: channels });
    out.set(n.up, { rows: channels });
    if (mlpBias) { if (gated) out.set(n.gateBias, { rows: channels }); out.set(n.upBias, { rows: channels }); }
    out.set(n.down, { cols: channels });
  });
  return out;
}

/** `spec`: the dense spec the export describes (the model's, or with the biases FLAP added: export-biases.ts). */
export async function writeCompactSafetensors(model: LoadedModel, kept: KeptUnits[], sink: ByteSink,
  metadata: Record<string, string>, spec: ModelSpec = model.spec): Promise<WeightsWritten & { layout: CompactLayout }> {
  const layout = compactLayout(spec, kept);
  const values = biasValues(layout.spec, kept, (name) => model.tensors.has(name));   // at compacted shapes
  const tensors = plannedTensors(model, expectedShapes(layout.spec), values);   // compacted shapes, source dtypes
  const plan = compactGathers(model, kept);
  const writer = new SafetensorsStreamWriter(sink, tensors, { ...metadata, prunelab_config: layout.hfCompatible ? 'standard' : 'per-layer' },
    fusedTensors(layout.spec));
  await writer.begin();
  for (const t of tensors) {
    const v = values.get(t.name);
    if (v) await writer.write(t.name, f32Bytes(v));
    else await writeCompactTensor(model, t, plan.get(t.name), writer);
  }
  await writer.finish();
  return { tensors, fileBytes: writer.fileBytes, zeroed: 0, layout };
}

/** One tensor, gathered when it shrinks (its buffers die with this call's frame). */
async function writeCompactTensor(model: LoadedModel, t: PlannedTensor, g: Gather | undefined, writer: SafetensorsStreamWriter): Promise<void> {
  const entry = model.tensors.get(t.name)!;
  if (!g && storedAsExported(entry)) {
    await copyStoredBytes(entry, (chunk) => writer.write(t.name, chunk));
    return;
  }
  const dense = await readExportBytes(entry);                 // entry.shape, dense
  const [rows, cols = 1] = entry.shape;
  const bytes = !g ? dense : 'rows' in g ? gatherRowBytes(dense, rows, g.rows)
    : gatherColumnBytes(dense, rows, cols, DTYPE_BYTES[t.dtype], g.cols); // t.shape
  await writer.write(t.name, bytes);
}
