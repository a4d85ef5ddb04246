// The pruned model's real speedup in a second runtime: tokens/s of the ONNX export in onnxruntime-node (CPU),
// dense vs structured 50% (half the heads and half the MLP channels of every layer removed, compacted), on the
// same windows, in alternating rounds so machine load hits both alike. Speed depends only on the widths, so
// the kept units are chosen by shape (the first heads of every kv-group, the first channels), with the
// counts Wanda-sp / magnitude-sp keep at 50% (floor(0.5 n) removed, every kv-group keeps a head).
// Prunelab's WGSL engine runs the same dense model on the same windows in the same rounds (one window per call, as
// onnxruntime gets them), so the Prunelab / onnxruntime ratio shows a regression in either.
import * as ort from 'onnxruntime-node';
import type { Gpu } from '../src/core/gpu/device.ts';
import { Engine } from '../src/core/engine/engine.ts';
import { MemoryTarget } from '../src/core/export/byte-sink.ts';
import { writeOnnx } from '../src/core/export/onnx/write-onnx.ts';
import type { LoadedModel } from '../src/core/model/loaded-model.ts';
import type { KeptUnits } from '../src/core/prune/compaction.ts';
import type { PruneSelection } from '../src/core/export/onnx/pruned-weights.ts';
import { compactLayout } from '../src/core/export/compact-layout.ts';
import { expectedShapes, type ModelSpec } from '../src/core/model/spec.ts';

/** Multiply-adds per token of the linear maps (lm_head included; the embedding is a lookup, tied or not). */
function matmulParams(spec: ModelSpec): number {
  let n = spec.tieWordEmbeddings ? spec.vocabSize * spec.hiddenSize : 0;
  for (const [name, shape] of expectedShapes(spec)) if (shape.length === 2 && name !== 'model.embed_tokens.weight') n += shape[0] * shape[1];
  return n;
}

/** Half the heads (spread over the kv-groups, each keeps at least one) and half the channels of every layer. */
export function halfWidthKept(model: LoadedModel): KeptUnits[] {
  const { numHeads: H, numKvHeads: KV, intermediateSize: F, numLayers: L } = model.spec;
  const keepHeads = Math.max(KV, H - Math.floor(0.5 * H + 1e-9)), group = H / KV;
  const heads = Array.from({ length: keepHeads }, (_, i) => (i % KV) * group + Math.floor(i / KV)).sort((a, b) => a - b);
  const channels = Array.from({ length: F - Math.floor(0.5 * F + 1e-9) }, (_, c) => c);
  return Array.from({ length: L }, () => ({ heads, channels }));
}

async function session(model: LoadedModel, selection: PruneSelection): Promise<{ s: ort.InferenceSession; bytes: number }> {
  const target = new MemoryTarget();
  const written = await writeOnnx(model, selection, await target.create('model.onnx'));
  return { s: await ort.InferenceSession.create(target.bytes('model.onnx')), bytes: written.bytes };
}

async function secondsFor(s: ort.InferenceSession, windows: number[][]): Promise<number> {
  const t = performance.now();
  for (const w of windows) await s.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(w, BigInt), [1, w.length]) });
  return (performance.now() - t) / 1000;
}

async function engineSeconds(engine: Engine, windows: number[][]): Promise<number> {
  const t = performance.now();
  for (const w of windows) await engine.windowNll(w);
  return (performance.now() - t) / 1000;
}

export async function onnxSpeedBench(gpu: Gpu, label: string, model: LoadedModel, windows: number[][], rounds = 3) {
  const dense = await session(model, {});
  const kept = halfWidthKept(model);
  const pruned = await session(model, { kept });
  const flopRatio = matmulParams(model.spec) / matmulParams(compactLayout(model.spec, kept).spec);
  const engine = await Engine.create(gpu, model);
  try {
    await secondsFor(dense.s, windows.slice(0, 1)); // warm-up
    await secondsFor(pruned.s, windows.slice(0, 1));
    await engineSeconds(engine, windows.slice(0, 1));
    const d: number[] = [], p: number[] = [], e: number[] = [], ratios: number[] = [], vsOrt: number[] = [];
    for (let r = 0; r < rounds; r++) {
      d.push(await secondsFor(dense.s, windows));
      p.push(await secondsFor(pruned.s, windows));
      e.push(await engineSeconds(engine, windows));
      ratios.push(d[r] / p[r]);
      vsOrt.push(d[r] / e[r]);
    }
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
    const tokens = windows.flat().length;
    return {
      model: label, window: windows[0].length, windows: windows.length,
      'dense tok/s': (tokens / median(d)).toFixed(0), 'structured 50% tok/s': (tokens / median(p)).toFixed(0),
      'speedup (median of rounds)': median(ratios).toFixed(2), 'matmul FLOP ratio': flopRatio.toFixed(2),
      'Prunelab dense tok/s': (tokens / median(e)).toFixed(0), 'Prunelab / onnxruntime (median of rounds)': median(vsOrt).toFixed(3),
      'dense .onnx MiB': (dense.bytes / 2 ** 20).toFixed(1), 'pruned .onnx MiB': (pruned.bytes / 2 ** 20).toFixed(1),
    };
  } finally {
    engine.destroy();
    await dense.s.release();
    await pruned.s.release();
  }
}
