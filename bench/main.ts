// npm run bench: speed of the WGSL engine vs the float64 CPU reference, measured side by side in one run,
// and GFLOP/s of each matmul variant with the autotune's choice. Prints tables of ratios.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createGpu } from '../src/core/gpu/device.ts';
import { benchmarkMatmul, matmulVariantsOn } from '../src/core/kernels/matmul.ts';
import { autotuneMatmul } from '../src/core/kernels/matmul-tuning.ts';
import { loadModel } from '../src/core/formats/load-model.ts';
import { pathSources } from '../src/core/formats/node-file-source.ts';
import { bytesSource } from '../src/core/formats/byte-source.ts';
import { randomHfModel } from '../src/core/model/random-model.ts';
import type { LoadedModel } from '../src/core/model/loaded-model.ts';
import type { ModelSpec } from '../src/core/model/spec.ts';
import { Engine } from '../src/core/engine/engine.ts';
import { evalWindows, tokenizeForEval } from '../src/core/engine/windows.ts';
import { referenceWindowNll } from '../src/core/engine/reference-forward.ts';
import { loadReferenceWeights } from '../src/core/engine/reference-weights.ts';
import { printTable } from './table.ts';
import { pruningBench } from './pruning.ts';
import { onnxSpeedBench } from './onnx-speed.ts';
import { sparseGptSolverBench } from './sparsegpt.ts';
import { factorKernelBench } from './sparsegpt-factor-kernel.ts';
import { DEFAULT_SETTINGS } from '../src/state/run-settings.ts';
import { DEFAULT_METHOD } from '../src/state/prune-settings.ts';
import { allocationBench } from './allocation.ts';
import { syntheticTokenIds } from '../src/core/bench/synthetic-tokens.ts';

const fixtures = resolve(import.meta.dirname, '..', process.env.PRUNELAB_FIXTURES ?? '../shared/fixtures');
const SMOLLM_LAYERS = Number(process.env.BENCH_SMOLLM_LAYERS ?? 4);

const smolSpec: ModelSpec = {
  architecture: 'llama', hiddenSize: 576, intermediateSize: 1536, numLayers: SMOLLM_LAYERS, numHeads: 9,
  numKvHeads: 3, headDim: 64, vocabSize: 49152, maxPositions: 2048, rmsNormEps: 1e-5, ropeTheta: 100000,
  tieWordEmbeddings: true, attentionBias: false, bosTokenId: null, eosTokenId: null,
};

async function timeIt<T>(fn: () => Promise<T> | T): Promise<{ seconds: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { seconds: (performance.now() - t) / 1000, value };
}

/** tokens/s of the GPU engine (after one warm-up window) and of the CPU reference on the same windows. */
async function engineVsReference(label: string, gpu: Awaited<ReturnType<typeof createGpu>>, model: LoadedModel,
  gpuWindows: number[][], cpuWindows: number[][]) {
  const engine = await Engine.create(gpu, model);
  await engine.windowNll(gpuWindows[0]);
  const g = await timeIt(async () => { for (const w of gpuWindows) await engine.windowNll(w); });
  engine.destroy();
  const weights = await loadReferenceWeights(model);
  const c = await timeIt(() => { for (const w of cpuWindows) referenceWindowNll(model.spec, weights, w); });
  const gpuTps = gpuWindows.flat().length / g.seconds;
  const cpuTps = cpuWindows.flat().length / c.seconds;
  return { label, seqLen: gpuWindows[0].length, gpuTps, cpuTps, ratio: gpuTps / cpuTps, variant: engine.matmulVariant };
}

const randomIds = syntheticTokenIds;

async function main() {
  const gpu = await createGpu();
  console.log(`adapter: ${gpu.adapter.vendor} ${gpu.adapter.architecture} ${gpu.adapter.description}${gpu.adapter.isFallback ? ' (fallback/software)' : ''}`);

  // Matmul variants at shapes the engine runs (M = tokens in a window).
  const tune = await autotuneMatmul(gpu, { time: true }); // the probe shape, timed even on a CPU adapter
  const shapes: Array<[number, number, number]> = [[256, 64, 64], [256, 172, 64], [256, 576, 576], [256, 1536, 576], [256, 576, 1536]];
  const rows = [];
  const variants = matmulVariantsOn(gpu); // 'subgroup' where the adapter has subgroups of one size
  for (const [M, N, K] of shapes) {
    const g: Record<string, number> = {};
    for (const v of variants) g[v] = await benchmarkMatmul(gpu, v, M, N, K, 3);
    const [a, b] = variants;
    rows.push({ shape: `${M}x${N}x${K}`, ...Object.fromEntries(variants.map((v) => [`${v} GFLOP/s`, g[v].toFixed(2)])),
      [`${a}/${b}`]: (g[a] / g[b]).toFixed(2) });
  }
  printTable('matmul variants (y[M,N] = x[M,K] W[N,K]^T)', rows);
  console.log(`subgroups: ${gpu.subgroupSize === null ? 'none of one fixed size (no subgroup matmul)' : `${gpu.subgroupSize} lanes`}`);
  console.log(`autotune choice at ${tune.shapes}: ${tune.choice} (${Object.entries(tune.gflops).map(([k, v]) => `${k} ${v!.toFixed(2)} GFLOP/s`).join(', ')})`
    + `${tune.wrongSums ? `; sums wrong here, left out: ${tune.wrongSums.join(', ')}` : ''}\n`);

  // stories260K, real weights and real text.
  const stories = await loadModel(await pathSources(resolve(fixtures, 'models/stories260K')));
  const text = (await readFile(resolve(fixtures, 'text/tinystories/validation-prefix.txt'), 'utf8')).slice(0, 60_000);
  const ids = tokenizeForEval(stories.tokenizer, text);
  const storiesWindows = evalWindows(ids, 256, 8);
  const results = [await engineVsReference('stories260K (trained)', gpu, stories, storiesWindows, storiesWindows.slice(0, 2))];

  // SmolLM2-135M shapes, random weights (speed only), fewer layers so it finishes in minutes.
  const gen = await timeIt(() => randomHfModel(smolSpec, { seed: 1, dtype: 'BF16' }));
  const smol = await loadModel([bytesSource(new TextEncoder().encode(gen.value.configJson), 'config.json'),
    bytesSource(gen.value.safetensors, 'model.safetensors')], { requireTokenizer: false });
  const smolGpu = [randomIds(256, smolSpec.vocabSize), randomIds(256, smolSpec.vocabSize).reverse()];
  results.push(await engineVsReference(`SmolLM2-135M shapes, ${SMOLLM_LAYERS} layers (random)`, gpu, smol, smolGpu, [smolGpu[0].slice(0, 64)]));

  printTable('forward pass tokens/s: WGSL engine vs float64 CPU reference (same run)', results.map((r) => ({
    model: r.label, 'window': r.seqLen, 'WGSL tok/s': r.gpuTps.toFixed(1), 'CPU f64 tok/s': r.cpuTps.toFixed(1),
    'WGSL / CPU': r.ratio.toFixed(2), matmul: r.variant,
  })));

  // Pruning: a slider step (sequential Wanda re-mask + evaluation) vs a dense evaluation of the same windows. For
  // stories260K the studio's default protocol (evaluation windows, then the calibration windows after them), so
  // the step ratio is the one a user of the slider sees (issue 5: within 2x one evaluation).
  const { seqLen, maxWindows } = DEFAULT_SETTINGS;
  const studioWindows = evalWindows(ids, seqLen, maxWindows + DEFAULT_METHOD.calibWindows);
  if (studioWindows.length < maxWindows + DEFAULT_METHOD.calibWindows) throw new Error('bench: the text is too short for the studio protocol');
  const pruneRows = [await pruningBench(gpu, 'stories260K (studio defaults)', stories, studioWindows.slice(maxWindows),
    studioWindows.slice(0, maxWindows))];
  pruneRows.push(await pruningBench(gpu, `SmolLM2-135M shapes, ${SMOLLM_LAYERS} layers`, smol,
    [randomIds(128, smolSpec.vocabSize), randomIds(128, smolSpec.vocabSize).reverse()], [smolGpu[0]]));
  printTable('pruning: slider step (new sparsity -> masks -> perplexity) vs dense evaluation (same run)', pruneRows);
  for (const r of pruneRows) {
    console.log(`structured pruning (Wanda-sp, 50% heads/channels, compacted) vs dense evaluation, ${r.model}: ` +
      `${r['structured 50% eval s']} s vs ${r['dense (alternating) s']} s, median ratio of 3 alternating rounds ` +
      `${r['structured / dense']}x`);
  }
  console.log('');

  // MRP vs OWL at 70% (the issue's case) with the studio's calibration windows.
  const allocRows = [await allocationBench(gpu, 'stories260K (studio calibration)', stories, studioWindows.slice(maxWindows), 0.7)];
  printTable('allocation: OWL vs MRP at the same target, then MRP again (cached), same pruner (same run)', allocRows);
  for (const r of allocRows) {
    console.log(`MRP / OWL time, ${r.model} at ${r.target}: ${r['MRP s']} s vs ${r['OWL s']} s = ${r['MRP / OWL']}x ` +
      `(${r['MRP / uniform']}x one uniform sequential prune); the same target again (cached): ${r['cached MRP / OWL']}x OWL`);
  }
  console.log('');

  // The pruned model's real speedup in a second runtime: the ONNX exports in onnxruntime-node (CPU).
  const onnxRows = [await onnxSpeedBench(gpu, 'stories260K', stories, storiesWindows),
    await onnxSpeedBench(gpu, `SmolLM2-135M shapes, ${SMOLLM_LAYERS} layers`, smol, smolGpu)];
  printTable('ONNX in onnxruntime-node (CPU): structured 50% (compacted) vs dense, and Prunelab (WGSL) dense, same windows, alternating rounds', onnxRows);
  for (const r of onnxRows) {
    console.log(`ONNX structured 50% vs dense in onnxruntime-node, ${r.model}: ${r['structured 50% tok/s']} vs ` +
      `${r['dense tok/s']} tok/s = ${r['speedup (median of rounds)']}x (matmul FLOP ratio ${r['matmul FLOP ratio']}x); `
      + `Prunelab dense ${r['Prunelab dense tok/s']} tok/s = ${r['Prunelab / onnxruntime (median of rounds)']}x onnxruntime`);
  }
  console.log('');

  // SparseGPT at 50%: the GPU column sweep vs the float64 CPU solver (same windows, same run).
  const gptRows = [await sparseGptSolverBench(gpu, 'stories260K', stories, evalWindows(ids, 256, 16).slice(8, 12)),
    await sparseGptSolverBench(gpu, `SmolLM2-135M shapes, ${SMOLLM_LAYERS} layers`, smol,
      [randomIds(128, smolSpec.vocabSize), randomIds(128, smolSpec.vocabSize).reverse()])];
  printTable('SparseGPT 50%: GPU column sweep vs float64 CPU solver (same run)', gptRows);
  for (const r of gptRows) {
    console.log(`SparseGPT solver time ratio GPU / CPU, ${r.model}: layer solves ${r['layer solves s (CPU / GPU solver)']} s = ` +
      `${r['solves GPU / CPU']}x, whole prune ${r['prune GPU / CPU']}x`);
  }
  console.log('');

  // SparseGPT's inverse-Hessian factor kernel: one workgroup vs blocked (BENCH_FACTOR_K, default 512,1024).
  printTable('SparseGPT factor kernel: one workgroup vs blocked (median of 3)',
    await factorKernelBench(gpu, (process.env.BENCH_FACTOR_K ?? '512,1024').split(',').map(Number)));
  console.log('');
  gpu.destroy();
  process.exit(0);
}

await main();
