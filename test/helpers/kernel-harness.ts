// Shared setup for the kernel property tests: one GPU per test file, uploads, tolerance checks.
import { afterAll, beforeAll } from 'vitest';
import { createGpu, type Gpu } from '../../src/core/gpu/device.ts';
import { createStorageBuffer, readF32 } from '../../src/core/gpu/buffers.ts';
import { runCalls, type KernelCall } from '../../src/core/kernels/kernel-call.ts';

/** Creates the GPU before the file's tests and destroys it after; call the returned getter inside tests. */
export function useGpu(): () => Gpu {
  let gpu: Gpu | undefined;
  beforeAll(async () => { gpu = await createGpu(); });
  afterAll(() => gpu?.destroy());
  return () => {
    if (!gpu) throw new Error('useGpu: the GPU is only available inside tests');
    return gpu;
  };
}

/** A storage buffer holding `data` (f32 or u32); tracked in `owned` for destroyAll. */
export async function upload(gpu: Gpu, label: string, data: Float32Array | Uint32Array,
  owned?: GPUBuffer[]): Promise<GPUBuffer> {
  const b = await createStorageBuffer(gpu, label, data.byteLength, data);
  owned?.push(b);
  return b;
}

/** Elementwise |actual - expected| <= tol[i] (or a single tol), naming the first offending index. */
export function expectWithin(actual: ArrayLike<number>, expected: ArrayLike<number>,
  tol: ArrayLike<number> | number, what = 'value'): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length}, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const t = typeof tol === 'number' ? tol : tol[i];
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= t)) throw new Error(`${what} ${i}: got ${actual[i]}, expected ${expected[i]} (|diff| ${d} > tol ${t})`);
  }
}

/** Deterministic non-zero values in ±[0.05, 2] for inputs too large for fast-check to generate quickly. */
export function pseudoRandomF32(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    const u = s / 2 ** 32;
    const v = 0.05 + 1.95 * ((u * 2) % 1);
    out[i] = (u < 0.5 ? -v : v) * scale;
  }
  return out;
}

/** Runs an accumulating kernel once over B windows of `seq` rows (x [B*seq, K]) and once per window onto a second
 * copy of `init`; returns both results ([outElems] each) for a bit-for-bit comparison. `prepare` builds the call
 * for input x of T rows (seq given when batched) accumulating into `acc`. */
export async function batchedAndPerWindow(gpu: Gpu, x: Float32Array, init: Float32Array, B: number, seq: number, K: number,
  prepare: (a: { x: GPUBuffer; acc: GPUBuffer; T: number; seq?: number }) => Promise<KernelCall>): Promise<[Float32Array, Float32Array]> {
  const owned: GPUBuffer[] = [];
  try {
    const batched = await upload(gpu, 'batched', init, owned), single = await upload(gpu, 'single', init, owned);
    const calls = [await prepare({ x: await upload(gpu, 'x', x, owned), acc: batched, T: B * seq, seq })];
    for (let b = 0; b < B; b++) {
      calls.push(await prepare({ x: await upload(gpu, `x${b}`, x.slice(b * seq * K, (b + 1) * seq * K), owned), acc: single, T: seq }));
    }
    await runCalls(gpu, calls);
    return [await readF32(gpu, batched, init.length), await readF32(gpu, single, init.length)];
  } finally { owned.forEach((b) => b.destroy()); }
}
