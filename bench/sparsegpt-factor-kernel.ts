// SparseGPT's inverse-Hessian factor kernel alone: the one-workgroup path vs the blocked one
// (kernels/sparsegpt-factor.ts) on the same K x K SPD gram (a random symmetric matrix made diagonally dominant),
// median of 3 runs per path and K after one warm-up factor at K = 64 (the pipelines compile there). The
// one-workgroup path is skipped past `oneWorkgroupMaxK` (on SwiftShader it takes ~12 s at K = 1024).
// Used by bench/main.ts (npm run bench) and bench/sparsegpt-factor.ts.
import { createStorageBuffer } from '../src/core/gpu/buffers.ts';
import type { Gpu } from '../src/core/gpu/device.ts';
import { createFactorStatus, factorPathFor, prepareSparseGptFactor, type FactorPath } from '../src/core/kernels/sparsegpt-factor.ts';
import { factorStride } from '../src/core/kernels/sparsegpt-sweep.ts';

/** Seconds of `runs` factorisations (median) of one path at one K. */
async function timeFactor(gpu: Gpu, K: number, path: FactorPath, runs: number): Promise<number> {
  const g = new Float32Array(K * K);
  let seed = K;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  for (let i = 0; i < K; i++) for (let j = 0; j < i; j++) g[i * K + j] = g[j * K + i] = rnd();
  for (let i = 0; i < K; i++) g[i * K + i] = K;
  const owned: GPUBuffer[] = [];
  const buf = async (label: string, bytes: number) => { const b = await createStorageBuffer(gpu, label, bytes); owned.push(b); return b; };
  try {
    const gram = await buf('bench gram', K * K * 4);
    gpu.device.queue.writeBuffer(gram, 0, g);
    const status = await createFactorStatus(gpu, 'bench factor');
    owned.push(status);
    const f = await prepareSparseGptFactor(gpu, { gram, work: await buf('bench work', K * K * 4),
      u: await buf('bench u', K * factorStride(K) * 4), dead: await buf('bench dead', K * 4), diag: await buf('bench diag', K * 4), status, K }, path);
    const times: number[] = [];
    try {
      for (let r = 0; r < runs; r++) {
        const t = performance.now();
        const run = await f.run();
        if (run.retries) throw new Error(`bench factor K = ${K}: damping raised`);
        times.push((performance.now() - t) / 1000);
      }
    } finally { f.destroy(); }
    return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
  } finally { owned.forEach((b) => b.destroy()); }
}

export async function factorKernelBench(gpu: Gpu, Ks: number[], oneWorkgroupMaxK = 1024): Promise<Array<Record<string, string | number>>> {
  await timeFactor(gpu, 64, 'one-workgroup', 1);
  await timeFactor(gpu, 64, 'blocked', 1);
  const rows: Array<Record<string, string | number>> = [];
  for (const K of Ks) {
    const one = K <= oneWorkgroupMaxK ? await timeFactor(gpu, K, 'one-workgroup', 3) : NaN;
    const blocked = await timeFactor(gpu, K, 'blocked', 3);
    rows.push({ K, 'one workgroup s': Number.isNaN(one) ? 'skipped' : one.toFixed(3), 'blocked s': blocked.toFixed(3),
      'one workgroup / blocked': Number.isNaN(one) ? '-' : (one / blocked).toFixed(1), 'default path': factorPathFor(K) });
  }
  return rows;
}
