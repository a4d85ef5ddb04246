// Pruning benchmarks, measured side by side in one run (src/core/bench/prune-speed.ts, shared with `prunelab
// bench`): one slider step (new target -> masks -> perplexity) against one dense evaluation of the same windows,
// masked (Wanda 50%) vs dense evaluation, structured (50% of heads and MLP channels removed, compacted layers) vs
// dense evaluation, one Self-Pruner fitness evaluation (structured prune from the dense weights + evaluation) vs
// dense evaluation, and GPU bytes of the masks and calibration state next to the dense weights.
import type { Gpu } from '../src/core/gpu/device.ts';
import type { LoadedModel } from '../src/core/model/loaded-model.ts';
import { Engine } from '../src/core/engine/engine.ts';
import { formatBytes } from '../src/core/errors.ts';
import { measurePruneSpeed } from '../src/core/bench/prune-speed.ts';

export async function pruningBench(gpu: Gpu, label: string, model: LoadedModel, calib: number[][], evalSet: number[][]) {
  const engine = await Engine.create(gpu, model);
  try {
    const r = await measurePruneSpeed(engine, calib, evalSet);
    const extra = r.bytes.masks + r.bytes.calibrationStats + r.bytes.calibrationStream;
    return {
      model: label,
      'eval windows': `${evalSet.length} x ${evalSet[0].length}`,
      'calib windows': `${calib.length} x ${calib[0].length}`,
      'dense eval s': r.dense.seconds.toFixed(2),
      'masked eval s': r.masked.seconds.toFixed(2),
      'masked / dense': r.masked.ratio.toFixed(2),
      'structured 50% eval s': r.structured.seconds.toFixed(2),
      'dense (alternating) s': r.structured.denseSeconds.toFixed(2),
      'structured / dense': r.structured.ratio.toFixed(2),
      'slider step s': r.sliderStep.seconds.toFixed(2),
      'step / dense eval': r.sliderStep.ratio.toFixed(2),
      'search fitness s': r.fitness.seconds.toFixed(2),
      'fitness / dense eval': r.fitness.ratio.toFixed(2),
      'masks+calib GPU bytes': formatBytes(extra),
      'dense weights': formatBytes(r.bytes.weights),
      'weights as f32': formatBytes(r.bytes.weightsF32),
      'stored / f32': (r.bytes.weights / r.bytes.weightsF32).toFixed(3),
      'extra / weights': (extra / r.bytes.weights).toFixed(3),
    };
  } finally {
    engine.destroy();
  }
}
