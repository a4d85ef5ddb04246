// Host for the matmul kernels: y[m*ldy + yColOffset + n] = sum_k x[m,k] * w[n,k] + bias[n], with x [M,K],
// w [N,K] (PyTorch Linear layout [out, in]) and bias [N] optional. ldy / yColOffset let a vocabulary-split
// lm_head write its column slice of the logits. Variants, all general in M, N, K:
//  - 'blocked4x4':   4x4 outputs per invocation in registers, no workgroup memory (vec4 loads when K % 4 == 0);
//  - 'blocked16x16': 16x16 outputs per invocation (vec4 loads; falls back to the 4x4 kernels when K % 4 != 0
//                    or M < 16, where a 16-row block would mostly recompute clamped rows) — fastest on
//                    CPU-backed adapters such as SwiftShader, where loads (not FLOPs) are the cost;
//  - 'tiled16':      16x16 workgroup-memory tiles, one output per invocation;
//  - 'tiled64':      64x64 workgroup-memory tiles, 4x4 outputs per invocation (vec4 loads; tiled16 when K % 4 != 0,
//                    the 4x4 kernels when M < 16) — the shape real GPUs reward: each staged element serves 64 outputs;
//  - 'subgroup':     16x4 outputs per invocation, activations shared by subgroup shuffles (no workgroup memory, no
//                    barriers); only where the adapter has subgroups of one fixed size (gpu.subgroupSize), else it
//                    runs tiled64's kernels; the 4x4 kernels when M < 16, like blocked16x16.
// matmul-tuning.ts picks the variant an engine runs.
// With a pruning mask (bitset [N, ceil(K/32)], 1 = kept) the variant's masked form runs: tiled64 and blocked16x16
// stage their weights through the mask (lib/matmul-stage-masked.wgsl), the others run a masked 4x4 kernel
// ('matmul-masked-vec4' when K % 4 == 0, else scalar 'matmul-masked'); pruning never rewrites the weights, and a
// pruned model runs the tuned kernel shape. Every form sums k in the same ascending order.
// Weights are read in their stored dtype (f32, or f16 / bf16 widened in the kernel: weight-binding.ts), one shader
// text per (kernel, dtype): the same k order, so the sums equal an f32 upload's bit for bit.
// Aliasing: x and w may be the same buffer (both read-only); y must differ from x, w and bias.
import type { Gpu } from '../gpu/device.ts';
import { createStorageBuffer, createUniformBuffer, packUniform, readF32 } from '../gpu/buffers.ts';
import { timeCalls } from '../gpu/timing.ts';
import blocked4x4Kernel from '../../../shaders/matmul-blocked4x4.wgsl?raw';
import blocked4x4ScalarKernel from '../../../shaders/matmul-blocked4x4-scalar.wgsl?raw';
import blocked16x16Kernel from '../../../shaders/matmul-blocked16x16.wgsl?raw';
import tiled16Kernel from '../../../shaders/matmul-tiled16.wgsl?raw';
import tiled64Kernel from '../../../shaders/matmul-tiled64.wgsl?raw';
import subgroupKernel from '../../../shaders/matmul-subgroup.wgsl?raw';
import maskedMatmulKernel from '../../../shaders/matmul-masked.wgsl?raw';
import maskedVec4Kernel from '../../../shaders/matmul-masked-vec4.wgsl?raw';
import bindingsLib from '../../../shaders/lib/matmul-bindings.wgsl?raw';
import rowsLib from '../../../shaders/lib/matmul-rows.wgsl?raw';
import maskLib from '../../../shaders/lib/matmul-mask.wgsl?raw';
import stageDenseLib from '../../../shaders/lib/matmul-stage-dense.wgsl?raw';
import stageMaskedLib from '../../../shaders/lib/matmul-stage-masked.wgsl?raw';
import storeLib from '../../../shaders/lib/matmul-store.wgsl?raw';
import { repeatLines, withLibs } from './shader-source.ts';
import { prepareCall, runCalls, type KernelCall } from './kernel-call.ts';
import { KernelShapeError, requireDistinct, requireElems, requireInt } from './guards.ts';
import { requireWeightElems, weightCodeCache, weightDtypeOf, weightLabel, weightResource, type WeightDtype,
  type WeightInput } from './weight-binding.ts';

// Every matmul kernel declares its bindings through shaders/lib/matmul-bindings.wgsl (the list prepareMatmul binds);
// the register-blocked ones share the clamped row starts and the output store, the masked ones the mask.
// Each kernel text is completed by the weight-load lib of the weight's dtype (weightCodeCache).
const blocked = (kernel: string, ...more: string[]) => weightCodeCache((lib) => withLibs(kernel, bindingsLib, rowsLib, storeLib, ...more, lib));
const blocked4x4Code = blocked(blocked4x4Kernel);
const blocked4x4ScalarCode = blocked(blocked4x4ScalarKernel);
const blocked16x16Code = blocked(blocked16x16Kernel, stageDenseLib);
const blocked16x16MaskedCode = blocked(blocked16x16Kernel, maskLib, stageMaskedLib);
const tiled16Code = weightCodeCache((lib) => withLibs(tiled16Kernel, bindingsLib, lib));
const tiled64Code = blocked(tiled64Kernel, stageDenseLib);
const tiled64MaskedCode = blocked(tiled64Kernel, maskLib, stageMaskedLib);
const maskedCode = blocked(maskedMatmulKernel, maskLib);
const maskedVec4Code = blocked(maskedVec4Kernel, maskLib, stageMaskedLib);
/** Activation rows per workgroup of matmul-subgroup.wgsl (its ROWS). */
const SUBGROUP_ROWS = 16;
/** Below this many rows the row-blocked vec4 variants run the 4x4 kernels (pickKernel). */
const FEW_ROWS = 16;
const subgroupCodes = new Map<number, { dense: ReturnType<typeof weightCodeCache>; masked: ReturnType<typeof weightCodeCache> }>();
/** matmul-subgroup.wgsl expanded for subgroups of SG lanes, dense and masked; built once per subgroup size. */
function subgroupCode(SG: number, masked: boolean) {
  let codes = subgroupCodes.get(SG);
  if (!codes) {
    const rows = repeatLines(subgroupKernel, 'row', SUBGROUP_ROWS,
      (line, r) => line.replaceAll('$SLOT_r', String(Math.floor(r / SG))).replaceAll('$r', String(r)));
    const expanded = repeatLines(rows, 'slot', Math.ceil(SUBGROUP_ROWS / SG), (line, j) => line.replaceAll('$j', String(j)))
      .replaceAll('$SG', String(SG));
    codes = { dense: blocked(expanded, stageDenseLib), masked: blocked(expanded, maskLib, stageMaskedLib) };
    subgroupCodes.set(SG, codes);
  }
  return masked ? codes.masked : codes.dense;
}

export const MATMUL_VARIANTS = ['blocked4x4', 'blocked16x16', 'tiled16', 'tiled64', 'subgroup'] as const;
export type MatmulVariant = (typeof MATMUL_VARIANTS)[number];

/** The variants with a kernel of their own on this GPU ('subgroup' needs subgroups of one fixed size; elsewhere it
 * would only repeat tiled64). */
export function matmulVariantsOn(gpu: Pick<Gpu, 'subgroupSize'>): MatmulVariant[] {
  return MATMUL_VARIANTS.filter((v) => v !== 'subgroup' || gpu.subgroupSize !== null);
}

export interface MatmulArgs {
  x: GPUBuffer;          // [M, K]
  w: WeightInput;        // [N, K] in its stored dtype (a plain Binding is f32; a byte range of a larger weight is
                         // allowed: a slice of lm_head rows)
  bias?: GPUBuffer;      // [N]
  y: GPUBuffer;          // [M, ldy], columns yColOffset .. yColOffset+N-1 written
  M: number;
  N: number;
  K: number;
  ldy?: number;          // default N
  yColOffset?: number;   // default 0
  variant: MatmulVariant;
  /** Pruning mask, bitset [N, ceil(K/32)] u32 (1 = kept): selects the variant's masked form. */
  mask?: GPUBuffer;
}

/** Shader text per weight dtype, whether it reads the weight 4 k at a time, outputs per invocation (rows, columns)
 * and workgroup size (x = columns, y = rows). */
interface Kernel { name: string; code: (dtype: WeightDtype, vec4?: boolean) => string; vec4: boolean; block: [number, number]; wg: [number, number] }

function pickKernel(variant: MatmulVariant, M: number, K: number, masked: boolean, subgroupSize: number | null): Kernel {
  const vec4 = K % 4 === 0;
  const blocked4x4: Kernel = masked
    ? (vec4 ? { name: 'matmul-masked-vec4', code: maskedVec4Code, vec4: true, block: [4, 4], wg: [8, 8] }
      : { name: 'matmul-masked', code: maskedCode, vec4: false, block: [4, 4], wg: [8, 8] })
    : vec4 ? { name: 'matmul-blocked4x4', code: blocked4x4Code, vec4: true, block: [4, 4], wg: [8, 8] }
      : { name: 'matmul-blocked4x4-scalar', code: blocked4x4ScalarCode, vec4: false, block: [4, 4], wg: [8, 8] };
  // tiled16 has no masked form: it falls back to the masked 4x4 kernels.
  const tiled16: Kernel = masked ? blocked4x4 : { name: 'matmul-tiled16', code: tiled16Code, vec4: false, block: [1, 1], wg: [16, 16] };
  const suffix = masked ? '-masked' : '';
  // Below 16 rows (decoding one token) most of a 16- or 64-row block would recompute clamped rows: the vec4 kernels
  // with row blocks take the 4x4 kernels there, whose sums are theirs bit for bit (the same k order).
  const fewRows = M < FEW_ROWS;
  switch (variant) {
    case 'blocked4x4': return blocked4x4;
    case 'blocked16x16':
      return vec4 && !fewRows ? { name: `matmul-blocked16x16${suffix}`, code: masked ? blocked16x16MaskedCode : blocked16x16Code, vec4: true,
        block: [16, 16], wg: [4, 4] } : blocked4x4;
    case 'tiled16': return tiled16;
    case 'tiled64':
      if (!vec4) return tiled16;
      return fewRows ? blocked4x4 : { name: `matmul-tiled64${suffix}`, code: masked ? tiled64MaskedCode : tiled64Code, vec4: true,
        block: [4, 4], wg: [16, 16] };
    case 'subgroup':
      if (!vec4 || subgroupSize === null) return pickKernel('tiled64', M, K, masked, null);
      return fewRows ? blocked4x4 : { name: `matmul-subgroup${subgroupSize}${suffix}`, code: subgroupCode(subgroupSize, masked), vec4: true,
        block: [SUBGROUP_ROWS, 4], wg: [64, 1] };
    default: throw new KernelShapeError('matmul', `unknown variant "${variant as string}" (expected one of ${MATMUL_VARIANTS.join(', ')})`);
  }
}

/** Which shader a variant runs at M rows, dense or masked (batched windows batch only where M does not change it:
 * every row then accumulates in the same order). */
export function matmulKernelName(variant: MatmulVariant, M: number, K: number, masked = false,
  subgroupSize: number | null = null): string {
  return pickKernel(variant, M, K, masked, subgroupSize).name;
}

export async function prepareMatmul(gpu: Gpu, args: MatmulArgs): Promise<KernelCall> {
  const { x, w, bias, y, M, N, K, variant } = args;
  const ldy = args.ldy ?? N;
  const yColOffset = args.yColOffset ?? 0;
  const kernel = pickKernel(variant, M, K, args.mask !== undefined, gpu.subgroupSize);
  const dtype = weightDtypeOf(w);
  const label = weightLabel(kernel.name, dtype);
  requireInt(label, 'M', M);
  requireInt(label, 'N', N);
  requireInt(label, 'K', K);
  requireInt(label, 'yColOffset', yColOffset, 0);
  requireInt(label, 'ldy', ldy, yColOffset + N);
  requireElems(label, 'x [M, K]', x, M * K);
  requireWeightElems(label, 'w [N, K]', w, N * K);
  if (bias) requireElems(label, 'bias [N]', bias, N);
  requireElems(label, 'y [M, ldy]', y, (M - 1) * ldy + yColOffset + N);
  requireDistinct(label, { y, x });
  const wb = weightResource(w);
  requireDistinct(label, { y, w: wb });
  requireDistinct(label, { y, bias });
  const words = Math.ceil(K / 32);
  if (args.mask) {
    requireElems(label, 'mask [N, ceil(K/32)]', args.mask, N * words);
    requireDistinct(label, { y, mask: args.mask });
  }
  const params = await createUniformBuffer(gpu, `${label} params`, packUniform([
    { u32: M }, { u32: N }, { u32: K }, { u32: ldy }, { u32: yColOffset }, { u32: bias ? 1 : 0 }, { u32: words },
  ]));
  const [bm, bn] = kernel.block;
  const [wx, wy] = kernel.wg;
  // Without a bias the (read-only) weight stands in for the bias binding; the shader never reads it.
  return prepareCall(gpu, label, kernel.code(dtype, kernel.vec4), [x, wb, bias ?? wb, y, params, ...(args.mask ? [args.mask] : [])],
    [Math.ceil(N / (bn * wx)), Math.ceil(M / (bm * wy))]);
}

/** CPU reference in float64: [M, N] (dense, no ldy / column offset). */
export function matmulReference(x: Float32Array, w: Float32Array, bias: Float32Array | undefined,
  M: number, N: number, K: number): Float64Array {
  const y = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = bias ? bias[n] : 0;
      for (let k = 0; k < K; k++) s += x[m * K + k] * w[n * K + k];
      y[m * N + n] = s;
    }
  }
  return y;
}

interface BenchBuffers { x: GPUBuffer; w: GPUBuffer; y: GPUBuffer; destroy(): void }

async function benchBuffers(gpu: Gpu, M: number, N: number, K: number): Promise<BenchBuffers> {
  // Contents do not change the speed; small non-zero values keep every lane on normal numbers.
  const x = await createStorageBuffer(gpu, 'bench x', M * K * 4, new Float32Array(M * K).fill(0.25));
  const w = await createStorageBuffer(gpu, 'bench w', N * K * 4, new Float32Array(N * K).fill(0.5));
  const y = await createStorageBuffer(gpu, 'bench y', M * N * 4);
  return { x, w, y, destroy: () => { x.destroy(); w.destroy(); y.destroy(); } };
}

async function timeVariant(gpu: Gpu, b: BenchBuffers, variant: MatmulVariant, M: number, N: number, K: number,
  reps: number): Promise<number> {
  const call = await prepareMatmul(gpu, { x: b.x, w: b.w, y: b.y, M, N, K, variant });
  await timeCalls(gpu, [call], 1); // warm-up: first dispatch pays for lazy compilation
  const seconds = await timeCalls(gpu, [call], reps);
  return (2 * M * N * K) / seconds / 1e9;
}

/** GFLOP/s of one variant at one shape (after a warm-up), for benchmark tables. */
export async function benchmarkMatmul(gpu: Gpu, variant: MatmulVariant, M: number, N: number, K: number,
  reps: number): Promise<number> {
  const b = await benchBuffers(gpu, M, N, K);
  try {
    return await timeVariant(gpu, b, variant, M, N, K, reps);
  } finally {
    b.destroy();
  }
}

/** Shape of the autotune's sum check: partial blocks in M and N for every variant, several vec4 steps along K. */
const CHECK_SHAPE = { M: 37, N: 300, K: 68 };

/**
 * Whether a variant's sums are right on this GPU, dense and masked: a 37x300x68 product of fixed pseudo-random
 * data against the float64 reference, within the bound of an f32 recursive sum. The autotune runs it before it
 * trusts a timing, so a kernel that relies on something this adapter does not give (the subgroup kernel's
 * fixed subgroup size) or that a driver miscompiles is never chosen.
 */
export async function matmulSumsRight(gpu: Gpu, variant: MatmulVariant): Promise<boolean> {
  const { M, N, K } = CHECK_SHAPE;
  let state = 0x2545f491;
  const fill = (n: number) => Float32Array.from({ length: n }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
  const x = fill(M * K), w = fill(N * K);
  const words = Math.ceil(K / 32);
  const mask = Uint32Array.from({ length: N * words }, (_, i) => (Math.imul(i + 1, 2654435761) >>> 0) | 1);
  const owned = [
    await createStorageBuffer(gpu, 'check x', x.byteLength, x),
    await createStorageBuffer(gpu, 'check w', w.byteLength, w),
    await createStorageBuffer(gpu, 'check mask', mask.byteLength, mask),
    await createStorageBuffer(gpu, 'check y dense', M * N * 4),
    await createStorageBuffer(gpu, 'check y masked', M * N * 4),
  ];
  try {
    const [xb, wb, maskb, dense, masked] = owned;
    await runCalls(gpu, [await prepareMatmul(gpu, { x: xb, w: wb, y: dense, M, N, K, variant }),
      await prepareMatmul(gpu, { x: xb, w: wb, y: masked, M, N, K, variant, mask: maskb })]);
    const kept = w.map((v, i) => ((mask[Math.floor(i / K) * words + Math.floor((i % K) / 32)] >>> (i % K % 32)) & 1 ? v : 0));
    const close = (got: Float32Array, weights: Float32Array) => {
      const ref = matmulReference(x, weights, undefined, M, N, K);
      for (let m = 0; m < M; m++) {
        for (let n = 0; n < N; n++) {
          let mag = 0;
          for (let k = 0; k < K; k++) mag += Math.abs(x[m * K + k] * weights[n * K + k]);
          if (!(Math.abs(got[m * N + n] - ref[m * N + n]) <= (K + 2) * 2 ** -24 * mag)) return false;
        }
      }
      return true;
    };
    return close(await readF32(gpu, dense, M * N), w) && close(await readF32(gpu, masked, M * N), kept);
  } finally {
    owned.forEach((b) => b.destroy());
  }
}
