// Weights in their source dtype (issue 13 §1): every matmul variant, dense and masked, reading f16 / bf16 weights
// (two per u32 word) or q8_0 blocks gives exactly the output of the same kernel on the f32 upload of the widened values, and
// matches the float64 CPU reference; also through a byte range of a larger weight (an lm_head slice).
import { describe, expect, it } from 'vitest';
import { readF32, createStorageBuffer } from '../gpu/buffers.ts';
import { f32ToBf16Bits, f32ToF16Bits } from '../formats/float-codec.ts';
import { runCalls } from './kernel-call.ts';
import { MATMUL_VARIANTS, matmulReference, prepareMatmul, type MatmulVariant } from './matmul.ts';
import { decodeWeightBytes, packHalfWords, packQ8Blocks, type WeightBinding, type WeightDtype } from './weight-binding.ts';
import { decodeBytes } from '../formats/decode-tensor.ts';
import { quantizeQ8_0 } from '../../../test/formats/gguf-writer.ts';
import { expectWithin, pseudoRandomF32, upload, useGpu } from '../../../test/helpers/kernel-harness.ts';

const gpu = useGpu();

/** Half-precision bits of `values` (f16 also gets subnormals, zeros and a negative zero mixed in). */
function halves(values: Float32Array, dtype: 'f16' | 'bf16'): Uint16Array {
  const enc = dtype === 'f16' ? f32ToF16Bits : f32ToBf16Bits;
  const h = Uint16Array.from(values, (v) => enc(v));
  if (dtype === 'f16') for (let i = 0; i < h.length; i += 7) h[i] = [0x0001, 0x83ff, 0x0000, 0x8000, 0x0200][(i / 7) % 5];
  return h;
}

interface Weights { f32: Float32Array; bits?: Uint16Array; q8?: Uint8Array }

function weightsOf(dtype: WeightDtype, n: number, seed: number): Weights {
  const raw = pseudoRandomF32(n, seed);
  if (dtype === 'f32') return { f32: raw };
  if (dtype === 'q8_0') {
    // llama.cpp's quantisation; the f32 values are the CPU decoder's (decode-tensor.ts), independent of the packing.
    const q8 = quantizeQ8_0(raw).bytes;
    return { f32: decodeBytes(q8, 'Q8_0', n), q8 };
  }
  const bits = halves(raw, dtype);
  return { f32: decodeWeightBytes(bits.buffer as ArrayBuffer, dtype, n), bits };
}

/** The weight uploaded in `dtype`, placed `skip` elements into its buffer and bound as a byte range when skip > 0. */
async function uploadWeight(dtype: WeightDtype, w: Weights, skip: number, owned: GPUBuffer[]): Promise<WeightBinding> {
  const e = dtype === 'f32' ? 4 : dtype === 'q8_0' ? 36 / 32 : 2;
  const n = w.f32.length;
  let bytes: Uint8Array;
  if (dtype === 'q8_0') {
    // skip (a multiple of 32) filler weights, then the blocks.
    const filler = quantizeQ8_0(new Float32Array(skip).fill(3)).bytes;
    const all = new Uint8Array(filler.length + w.q8!.length);
    all.set(filler);
    all.set(w.q8!, filler.length);
    bytes = new Uint8Array(packQ8Blocks(all).buffer);
  } else if (dtype === 'f32') {
    const all = new Float32Array(skip + n).fill(777);
    all.set(w.f32, skip);
    bytes = new Uint8Array(all.buffer);
  } else {
    const all = new Uint16Array(skip + n).fill(0x7bff);
    all.set(w.bits!, skip);
    bytes = packHalfWords(all);
  }
  const buffer = await createStorageBuffer(gpu(), `w ${dtype}`, bytes.byteLength, bytes);
  owned.push(buffer);
  return skip ? { buffer, dtype, offset: skip * e, size: n * e } : { buffer, dtype };
}

async function run(variant: MatmulVariant, M: number, N: number, K: number, x: Float32Array, w: WeightBinding,
  bias: Float32Array, mask: Uint32Array | undefined, owned: GPUBuffer[]): Promise<Float32Array> {
  const ldy = N + 2;
  const y = await upload(gpu(), 'y', new Float32Array(M * ldy).fill(12345), owned);
  await runCalls(gpu(), [await prepareMatmul(gpu(), {
    x: await upload(gpu(), 'x', x, owned), w, bias: await upload(gpu(), 'bias', bias, owned), y, M, N, K, ldy, yColOffset: 1,
    variant, mask: mask && await upload(gpu(), 'mask', mask, owned),
  })]);
  return readF32(gpu(), y, M * ldy);
}

function randomMask(N: number, K: number, seed: number): Uint32Array {
  const words = Math.ceil(K / 32);
  const r = pseudoRandomF32(N * words * 2, seed);
  return Uint32Array.from({ length: N * words }, (_, i) => ((Math.abs(r[2 * i]) * 2 ** 20) ^ (Math.abs(r[2 * i + 1]) * 2 ** 31)) >>> 0);
}

// K % 4 == 0 (vec4 kernels), odd K (scalar kernels), M >= 16 (blocked16x16), K spanning several mask words;
// q8_0 rows hold whole 32-weight blocks.
const shapes: Array<[number, number, number]> = [[1, 5, 1], [3, 9, 37], [17, 21, 36], [20, 7, 68], [5, 33, 131]];
const q8Shapes: Array<[number, number, number]> = [[1, 5, 32], [3, 9, 64], [17, 21, 96], [20, 7, 32], [5, 33, 160]];

describe('matmul with f16 / bf16 weights', () => {
  for (const dtype of ['f16', 'bf16', 'q8_0'] as const) {
    for (const masked of [false, true]) {
      it(`${dtype}${masked ? ' masked' : ''}: every variant equals the f32 upload of the widened weights bit for bit`, async () => {
        for (const variant of MATMUL_VARIANTS) {
          for (const [si, [M, N, K]] of (dtype === 'q8_0' ? q8Shapes : shapes).entries()) {
            const owned: GPUBuffer[] = [];
            const x = pseudoRandomF32(M * K, 11 + si), bias = pseudoRandomF32(N, 5 + si);
            const w = weightsOf(dtype, N * K, 100 + si);
            const mask = masked ? randomMask(N, K, 7 + si) : undefined;
            // A byte range (offset = the minimum alignment) for one shape: the lm_head slice case.
            // (q8_0: 64 blocks of 36 bytes = 9 x 256.)
            const skip = si !== 2 ? 0 : dtype === 'q8_0' ? 2048 : gpu().limits.minStorageBufferOffsetAlignment / 2;
            const got = await run(variant, M, N, K, x, await uploadWeight(dtype, w, skip, owned), bias, mask, owned);
            const ref32 = await run(variant, M, N, K, x, await uploadWeight('f32', { f32: w.f32 }, 0, owned), bias, mask, owned);
            owned.forEach((b) => b.destroy());
            const what = `${variant} ${dtype}${masked ? ' masked' : ''} ${M}x${N}x${K}`;
            expect(Array.from(got), what).toEqual(Array.from(ref32));
            // And against the float64 reference on the widened (and masked) weights.
            const words = Math.ceil(K / 32);
            const wm = mask ? w.f32.map((v, i) => ((mask[Math.floor(i / K) * words + ((i % K) >> 5)] >>> ((i % K) & 31)) & 1 ? v : 0)) : w.f32;
            const ref = matmulReference(x, wm, bias, M, N, K);
            const ldy = N + 2;
            const col = (a: ArrayLike<number>) => Array.from({ length: M * N }, (_, i) => a[Math.floor(i / N) * ldy + 1 + (i % N)]);
            expectWithin(col(got), ref, (K + 2) * 2 ** -24 * 4 * K + 1e-6, what);
          }
        }
      });
    }
  }

  it('rejects a weight binding too small for [N, K] in its dtype', async () => {
    const owned: GPUBuffer[] = [];
    const w = await uploadWeight('bf16', weightsOf('bf16', 6, 1), 0, owned); // 12 bytes: 6 bf16 weights, [2, 4] needs 8
    const x = await upload(gpu(), 'x', new Float32Array(8), owned);
    const y = await upload(gpu(), 'y', new Float32Array(8), owned);
    await expect(prepareMatmul(gpu(), { x, w, y, M: 2, N: 2, K: 4, variant: 'blocked4x4' })).rejects.toThrow(/w \[N, K\] \(bf16\) holds 12 bytes but 8 bf16 weights need 16/);
    owned.forEach((b) => b.destroy());
  });
});
