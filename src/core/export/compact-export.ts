// Compacted safetensors for structured pruning: removed heads and MLP channels are physically gone. Per layer
//   q_proj [H*hd, d] (kept heads' rows), q_proj.bias [H*hd], o_proj [d, H*hd] (kept heads' columns),
//   gate_proj / up_proj [F, d] (kept channels' rows), down_proj [d, F] (kept channels' columns);
// k_proj / v_proj (every kv head keeps a query head), norms, embeddings and lm_head are copied unchanged.
// Values are copied bit-exactly in the source dtype (GGUF Q8_0: dequantized F32). One tensor in memory at a time.
import type { KeptUnits } from '../prune/compaction.ts';
import type { LoadedModel } from '../model/loaded-model.ts';
import { expectedShapes, tensorNames } from '../model/spec.ts';
import type { ByteSink } from './byte-sink.ts';
import { gatherColumnBytes, gatherRowBytes } from './byte-gather.ts';
import { compactLayout, type CompactLayout } from './compact-layout.ts';
import { plannedTensors, type WeightsWritten } from './masked-export.ts';
import { DTYPE_BYTES, SafetensorsStreamWriter, type PlannedTensor } from './safetensors-stream.ts';
import { copyStoredBytes, readExportBytes, storedAsExported } from './tensor-bytes.ts';

export type Gather = { rows: number[] } | { cols: number[] };

/** What to gather from each shrinking tensor (dense name -> kept row or column indices). */
export function compactGathers(model: LoadedModel, kept: KeptUnits[]): Map<string, Gather> {
  const hd = model.spec.headDim;
  const out = new Map<string, Gather>();
  kept.forEach(({ heads, channels }, l) => {
    const n = tensorNames.layer(l);
    const headDims = heads.flatMap((h) => Array.from({ length: hd }, (_, i) => h * hd + i)); // rows of q / columns of o
    out.set(n.q, { rows: headDims });
    if (model.spec.attentionBias) out.set(n.qBias, { rows: headDims });
    out.set(n.o, { cols: headDims });
    out.set(n.gate, { rows: channels });
    out.set(n.up, { rows: channels });
    out.set(n.down, { cols: channels });
  });
  return out;
}

export async function writeCompactSafetensors(model: LoadedModel, kept: KeptUnits[], sink: ByteSink,
  metadata: Record<string, string>): Promise<WeightsWritten & { layout: CompactLayout }> {
  const layout = compactLayout(model.spec, kept);
  const tensors = plannedTensors(model, expectedShapes(layout.spec));   // compacted shapes, source dtypes
  const plan = compactGathers(model, kept);
  const writer = new SafetensorsStreamWriter(sink, tensors, { ...metadata, prunelab_config: layout.hfCompatible ? 'standard' : 'per-layer' });
  await writer.begin();
  for (const t of tensors) await writeCompactTensor(model, t, plan.get(t.name), writer);
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
