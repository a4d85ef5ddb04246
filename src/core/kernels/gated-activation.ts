// Hosts for shaders/gated-activation.wgsl (a gated MLP's act(gate) * up: SwiGLU's silu, GeGLU's tanh-approximated
// gelu) and shaders/activation.wgsl (an ungated MLP's act(x): GPT-2's gelu_new, OPT's relu).
import type { Gpu } from '../gpu/device.ts';
import { createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import type { MlpActivation } from '../model/spec.ts';
import gatedKernel from '../../../shaders/gated-activation.wgsl?raw';
import plainKernel from '../../../shaders/activation.wgsl?raw';
import activationLib from '../../../shaders/lib/activation.wgsl?raw';
import { withLibs } from './shader-source.ts';
import { prepareCall, type KernelCall } from './kernel-call.ts';
import { grid1d } from './grid.ts';
import { requireDistinct, requireElems, requireInt } from './guards.ts';

const gatedCode = withLibs(gatedKernel, activationLib);
const plainCode = withLibs(plainKernel, activationLib);

export interface GatedActivationArgs {
  gate: GPUBuffer;  // [n]
  up: GPUBuffer;    // [n]
  out: GPUBuffer;   // [n]  (not gate or up)
  n: number;
  activation?: MlpActivation;  // default silu
}

/** shaders/lib/activation.wgsl's ACT codes. */
const ACT: Record<MlpActivation, number> = { silu: 0, gelu_tanh: 1, relu: 2 };

export async function prepareGatedActivation(gpu: Gpu, a: GatedActivationArgs): Promise<KernelCall> {
  const k = 'gated-activation';
  requireInt(k, 'n', a.n);
  requireElems(k, 'gate [n]', a.gate, a.n);
  requireElems(k, 'up [n]', a.up, a.n);
  requireElems(k, 'out [n]', a.out, a.n);
  requireDistinct(k, { out: a.out, gate: a.gate });
  requireDistinct(k, { out: a.out, up: a.up });
  const params = await createUniformBuffer(gpu, 'gated-activation params', packUniform([{ u32: a.n }]));
  return prepareCall(gpu, k, gatedCode, [a.gate, a.up, a.out, params], grid1d(gpu, a.n, 256), { ACT: ACT[a.activation ?? 'silu'] });
}

export interface ActivationArgs {
  x: GPUBuffer;     // [n]
  out: GPUBuffer;   // [n]  (not x)
  n: number;
  activation: MlpActivation;
}

export async function prepareActivation(gpu: Gpu, a: ActivationArgs): Promise<KernelCall> {
  const k = 'activation';
  requireInt(k, 'n', a.n);
  requireElems(k, 'x [n]', a.x, a.n);
  requireElems(k, 'out [n]', a.out, a.n);
  requireDistinct(k, { out: a.out, x: a.x });
  const params = await createUniformBuffer(gpu, 'activation params', packUniform([{ u32: a.n }]));
  return prepareCall(gpu, k, plainCode, [a.x, a.out, params], grid1d(gpu, a.n, 256), { ACT: ACT[a.activation] });
}

/** The activation in float64: silu, gelu_pytorch_tanh (0.5 g (1 + tanh(sqrt(2 / pi) (g + 0.044715 g^3)))) or relu. */
export function activationReference(g: number, activation: MlpActivation = 'silu'): number {
  if (activation === 'silu') return g / (1 + Math.exp(-g));
  if (activation === 'relu') return Math.max(g, 0);
  return 0.5 * g * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (g + 0.044715 * g * g * g)));
}

/** CPU reference in float64. */
export function gatedActivationReference(gate: Float32Array, up: Float32Array, activation: MlpActivation = 'silu'): Float64Array {
  return Float64Array.from(gate, (g, i) => activationReference(g, activation) * up[i]);
}
