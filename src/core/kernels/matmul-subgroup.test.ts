// The subgroup matmul (shaders/matmul-subgroup.wgsl): SwiftShader has subgroups of 4 lanes, so the shared variant
// tests (matmul*.test.ts run every variant) run it for real here; this file checks what those cannot: that it is
// the subgroup kernel that runs, that the template compiles for the sizes real GPUs have, and that a wrong
// subgroup size is caught rather than summed wrong.
import { describe, expect, it } from 'vitest';
import { readF32 } from '../gpu/buffers.ts';
import type { Gpu } from '../gpu/device.ts';
import { runCalls } from './kernel-call.ts';
import { matmulKernelName, matmulSumsRight, matmulVariantsOn, prepareMatmul } from './matmul.ts';
import { pseudoRandomF32, upload, useGpu } from '../../../test/helpers/kernel-harness.ts';

const gpu = useGpu();
const withSubgroups = (size: number | null): Gpu => ({ ...gpu(), subgroupSize: size });

describe('subgroup matmul', () => {
  it('runs its own kernel where the adapter has one subgroup size (SwiftShader: 4 lanes), tiled64\'s elsewhere', () => {
    expect(gpu().subgroupSize).toBe(4);
    expect(matmulVariantsOn(gpu())).toContain('subgroup');
    expect(matmulKernelName('subgroup', 256, 64, false, 4)).toBe('matmul-subgroup4');
    expect(matmulKernelName('subgroup', 256, 64, true, 32)).toBe('matmul-subgroup32-masked');
    expect(matmulVariantsOn(withSubgroups(null))).not.toContain('subgroup');
    expect(matmulKernelName('subgroup', 256, 64, false, null)).toBe('matmul-tiled64');
    expect(matmulKernelName('subgroup', 256, 63, false, 32)).toBe('matmul-tiled16');
    expect(matmulKernelName('subgroup', 15, 64, false, 4)).toBe('matmul-blocked4x4');   // one token at a time: no 16-row block
    expect(matmulKernelName('tiled64', 1, 64)).toBe('matmul-blocked4x4');                // (nor a 64-row tile)
    expect(matmulKernelName('tiled64', 1, 64, true)).toBe('matmul-masked-vec4');
    expect(matmulKernelName('subgroup', 16, 64, true, 4)).toBe('matmul-subgroup4-masked');
  });

  it('gives blocked4x4\'s sums bit for bit (the same k order), dense and masked, over partial row and column blocks', async () => {
    for (const [M, N, K] of [[16, 3, 4], [17, 261, 36], [40, 70, 132]] as const) {
      const owned: GPUBuffer[] = [];
      const x = await upload(gpu(), 'x', pseudoRandomF32(M * K, M), owned), w = await upload(gpu(), 'w', pseudoRandomF32(N * K, N), owned);
      const mask = await upload(gpu(), 'mask', Uint32Array.from({ length: N * Math.ceil(K / 32) }, (_, i) => (Math.imul(i + 7, 2654435761) >>> 0)), owned);
      const ys = await Promise.all([0, 1, 2, 3].map((i) => upload(gpu(), `y${i}`, new Float32Array(M * N), owned)));
      await runCalls(gpu(), [
        await prepareMatmul(gpu(), { x, w, y: ys[0], M, N, K, variant: 'subgroup' }),
        await prepareMatmul(gpu(), { x, w, y: ys[1], M, N, K, variant: 'blocked4x4' }),
        await prepareMatmul(gpu(), { x, w, y: ys[2], M, N, K, variant: 'subgroup', mask }),
        await prepareMatmul(gpu(), { x, w, y: ys[3], M, N, K, variant: 'blocked4x4', mask }),
      ]);
      const [sub, blocked, subMasked, blockedMasked] = await Promise.all(ys.map((y) => readF32(gpu(), y, M * N)));
      expect(sub, `${M}x${N}x${K} dense`).toEqual(blocked);
      expect(subMasked, `${M}x${N}x${K} masked`).toEqual(blockedMasked);
      owned.forEach((b) => b.destroy());
    }
  });

  it('compiles for the subgroup sizes real GPUs report (8 to 64 lanes), dense and masked', async () => {
    const owned: GPUBuffer[] = [];
    const x = await upload(gpu(), 'x', new Float32Array(256), owned), w = await upload(gpu(), 'w', new Float32Array(64), owned);
    const y = await upload(gpu(), 'y', new Float32Array(64), owned), mask = await upload(gpu(), 'mask', new Uint32Array(4), owned);
    for (const size of [8, 16, 32, 64]) {
      for (const m of [undefined, mask]) {
        expect(matmulKernelName('subgroup', 16, 16, m !== undefined, size)).toBe(`matmul-subgroup${size}${m ? '-masked' : ''}`);
        await expect(prepareMatmul(withSubgroups(size), { x, w, y, M: 16, N: 4, K: 16, variant: 'subgroup', mask: m }),
          `${size} lanes${m ? ' masked' : ''}`).resolves.toBeDefined();
      }
    }
    owned.forEach((b) => b.destroy());
  });

  it('writes NaN when the subgroups are not the size it was built for, so the autotune\'s sum check turns it down', async () => {
    expect(await matmulSumsRight(gpu(), 'subgroup')).toBe(true);
    expect(await matmulSumsRight(withSubgroups(8), 'subgroup')).toBe(false);
    const owned: GPUBuffer[] = [];
    const x = await upload(gpu(), 'x', pseudoRandomF32(64, 1), owned), w = await upload(gpu(), 'w', pseudoRandomF32(8, 2), owned);
    const y = await upload(gpu(), 'y', new Float32Array(32), owned);
    await runCalls(gpu(), [await prepareMatmul(withSubgroups(8), { x, w, y, M: 16, N: 2, K: 4, variant: 'subgroup' })]);
    expect(Array.from(await readF32(gpu(), y, 32)).every(Number.isNaN)).toBe(true);
    owned.forEach((b) => b.destroy());
  });
});
