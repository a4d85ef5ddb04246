// SparseGPT 50% on stories260K with H^-1's factor on the GPU (f32, kernels/sparsegpt-factor.ts) vs the float64 CPU
// factor (Hessians read back), both with the GPU column sweep, in one run on the same windows (4 x 256 calibration,
// 8 x 256 evaluation after them): whole prune and factor seconds (median of 3 alternating rounds after a warm-up),
// perplexity of each and the share of mask bits they agree on.
// First, the factor kernel alone (bench/sparsegpt-factor-kernel.ts): the one-workgroup path vs the blocked one at
// each K of --factor-k (default 512,1024; the one-workgroup path is skipped past --one-workgroup-max-k, default
// 1024). --factor-only stops there.
// Run: node --import ./bin/register.mjs bench/sparsegpt-factor.ts [--factor-only] [--factor-k 512,1024,2048]
import { parseArgs } from 'node:util';
import { readBuffer } from '../src/core/gpu/buffers.ts';
import { openStoriesPruning, windowsPerplexity } from '../test/helpers/stories-pruning.ts';
import { formatBytes } from '../src/core/errors.ts';
import { printTable } from './table.ts';
import { factorKernelBench } from './sparsegpt-factor-kernel.ts';

const { values: opts } = parseArgs({ options: {
  'factor-only': { type: 'boolean', default: false },
  'factor-k': { type: 'string', default: '512,1024' },
  'one-workgroup-max-k': { type: 'string', default: '1024' },
} });

const { gpu, engine, pruner, evalSet } = await openStoriesPruning({ seq: 256, calib: 4, eval: 8 });
console.log(`adapter: ${gpu.adapter.description}`);
printTable('SparseGPT factor kernel: one workgroup vs blocked (median of 3)',
  await factorKernelBench(gpu, opts['factor-k']!.split(',').map(Number), Number(opts['one-workgroup-max-k'])));
if (opts['factor-only']) { pruner.destroy(); engine.destroy(); gpu.destroy(); process.exit(0); }
const masksOf = async () => Promise.all([...pruner.masks.entries.values()].map(async (e) => new Uint32Array(await readBuffer(gpu, e.mask, e.mask.size))));

async function run(factor: 'gpu' | 'cpu') {
  pruner.sparseGptFactor = factor;
  const t = performance.now();
  await pruner.prune({ metric: 'sparsegpt', sparsity: 0.5, allocation: 'uniform' });
  const seconds = (performance.now() - t) / 1000;
  const cost = pruner.sparseGptCost!;
  return { seconds, factorSeconds: cost.factorSeconds, layerSeconds: cost.layerSeconds, readBack: cost.readBackBytes, raised: cost.dampingRaised.length };
}

await run('gpu'); await run('cpu');   // warm-up: pipelines compile on first use
const rounds: Record<'gpu' | 'cpu', Awaited<ReturnType<typeof run>>[]> = { gpu: [], cpu: [] };
for (let r = 0; r < 3; r++) for (const f of ['cpu', 'gpu'] as const) rounds[f].push(await run(f));
const med = (xs: number[]) => xs.sort((a, b) => a - b)[1];
const ppl: Record<string, number> = {};
const masks: Record<string, Uint32Array[]> = {};
for (const f of ['cpu', 'gpu'] as const) {
  await run(f);
  ppl[f] = await windowsPerplexity(engine, evalSet);
  masks[f] = await masksOf();
}
let same = 0, all = 0;
masks.cpu.forEach((a, i) => a.forEach((v, k) => { for (let b = 0; b < 32; b++) { all++; if (((v ^ masks.gpu[i][k]) >>> b & 1) === 0) same++; } }));
for (const f of ['cpu', 'gpu'] as const) {
  const rs = rounds[f];
  console.log(`${f} factor: whole prune ${med(rs.map((r) => r.seconds)).toFixed(2)} s, layer solves ${med(rs.map((r) => r.layerSeconds)).toFixed(3)} s, ` +
    `factor ${med(rs.map((r) => r.factorSeconds)).toFixed(3)} s, read back ${formatBytes(rs[0].readBack)}, damping raised ${rs[0].raised}x, ppl ${ppl[f].toFixed(6)}`);
}
console.log(`ppl GPU / CPU factor - 1 = ${(ppl.gpu / ppl.cpu - 1).toExponential(2)}; mask bits equal ${(100 * same / all).toFixed(4)}% (${all - same} of ${all} differ)`);
pruner.destroy(); engine.destroy(); gpu.destroy();
process.exit(0);
