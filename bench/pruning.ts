// Pruning benchmarks, measured side by side in one run: one slider step (new target -> masks -> perplexity)
// against one dense evaluation of the same windows, masked vs dense evaluation, structured (50% of heads and MLP
// channels removed, compacted layers) vs dense evaluation, one Self-Pruner fitness evaluation (structured prune
// from the dense weights + evaluation) vs dense evaluation, and GPU bytes of the masks and calibration state next
// to the dense weights.
import type { Gpu } from '../src/core/gpu/device.ts';
import type { LoadedModel } from '../src/core/model/loaded-model.ts';
import { Engine } from '../src/core/engine/engine.ts';
import { Pruner } from '../src/core/prune/pruner.ts';
import { layerMaps, inputWidths, LINEAR_INPUTS } from '../src/core/prune/linear-maps.ts';
import { formatBytes } from '../src/core/errors.ts';
import { PruningFitness } from '../src/core/search/pruning-fitness.ts';

async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

export async function pruningBench(gpu: Gpu, label: string, model: LoadedModel, calib: number[][], evalSet: number[][]) {
  const engine = await Engine.create(gpu, model);
  const evaluate = async () => { for (const w of evalSet) await engine.windowNll(w); };
  await evaluate(); // warm-up: pipelines compile on first use
  const dense = await seconds(evaluate);
  const pruner = await Pruner.create(engine, calib);
  await pruner.prune({ metric: 'wanda', sparsity: 0.3, allocation: 'uniform' });
  await evaluate(); // warm-up of the masked plans
  const masked = await seconds(evaluate);
  const step = await seconds(async () => {
    await pruner.prune({ metric: 'wanda', sparsity: 0.5, allocation: 'uniform' });
    await evaluate();
  });
  // One Self-Pruner fitness evaluation: structured Wanda-sp with a non-uniform vector at mean 0.3, from the
  // dense weights (sequential calibration + compaction), then the evaluation.
  const L = engine.spec.numLayers;
  const vector = Array.from({ length: L }, (_, l) => 0.3 + (L > 1 ? 0.2 * (l / (L - 1) - 0.5) : 0));
  const fitness = new PruningFitness(pruner, { metric: 'wanda', structured: 'wanda-sp' }, evalSet);
  await fitness.evaluate(vector); // warm-up of the compacted plans
  const fitnessSeconds = await seconds(() => fitness.evaluate(vector.slice().reverse()));
  // Structured 50% against a second, dense engine, alternating rounds so that machine load hits both alike.
  await pruner.prune({ metric: 'wanda', structured: 'wanda-sp', sparsity: 0.5, allocation: 'uniform' });
  const denseEngine = await Engine.create(gpu, model, { matmulVariant: engine.matmulVariant });
  const evaluateDense = async () => { for (const w of evalSet) await denseEngine.windowNll(w); };
  await evaluate(); await evaluateDense(); // warm-up of the compacted and the dense plans
  const rounds: Array<{ s: number; d: number }> = [];
  for (let i = 0; i < 3; i++) rounds.push({ d: await seconds(evaluateDense), s: await seconds(evaluate) });
  denseEngine.destroy();
  const mid = <T>(v: T[], key: (x: T) => number) => v.slice().sort((a, b) => key(a) - key(b))[1];
  const structured = mid(rounds, (r) => r.s).s, structuredDense = mid(rounds, (r) => r.d).d;
  const structuredRatio = (({ s, d }) => s / d)(mid(rounds, (r) => r.s / r.d));
  const { spec } = engine;
  let maskBytes = 0;
  for (let l = 0; l < spec.numLayers; l++) for (const m of layerMaps(spec, l)) maskBytes += m.N * Math.ceil(m.K / 32) * 4;
  const widths = inputWidths(spec);
  const statsBytes = spec.numLayers * LINEAR_INPUTS.reduce((s, i) => s + 2 * widths[i] * 4, 0);
  const streamBytes = calib.length * calib[0].length * spec.hiddenSize * 4;
  const weightBytes = engine.weights.bytes;
  pruner.destroy();
  engine.destroy();
  return {
    model: label,
    'eval windows': `${evalSet.length} x ${evalSet[0].length}`,
    'calib windows': `${calib.length} x ${calib[0].length}`,
    'dense eval s': dense.toFixed(2),
    'masked eval s': masked.toFixed(2),
    'masked / dense': (masked / dense).toFixed(2),
    'structured 50% eval s': structured.toFixed(2),
    'dense (alternating) s': structuredDense.toFixed(2),
    'structured / dense': structuredRatio.toFixed(2),
    'slider step s': step.toFixed(2),
    'step / dense eval': (step / dense).toFixed(2),
    'search fitness s': fitnessSeconds.toFixed(2),
    'fitness / dense eval': (fitnessSeconds / dense).toFixed(2),
    'masks+calib GPU bytes': formatBytes(maskBytes + statsBytes + streamBytes),
    'dense weights': formatBytes(weightBytes),
    'extra / weights': ((maskBytes + statsBytes + streamBytes) / weightBytes).toFixed(3),
  };
}
