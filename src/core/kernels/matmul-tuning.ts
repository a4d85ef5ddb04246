// Which matmul variant an engine runs (issue 13 §2). On a real GPU every variant is timed at the model's own shapes
// (its linear maps and a slice of lm_head at M = 256 tokens, a prefill-sized dispatch) and the one with the least
// time for a whole forward wins; the choice is kept per adapter and shape set, in memory and in an optional store
// (IndexedDB in the studio, a file in the CLI), so it is timed once per adapter, not once per page or command.
// CPU-backed adapters (SwiftShader) take their measured winner without timing: the timing cost ~9 s per engine
// there (tiled16 runs at 0.08 GFLOP/s) and the answer never changed (docs/benchmarks.md).
// Variants are timed with weights in the dtype the model stores them in (weight-binding.ts): f16 / bf16 / q8_0 loads
// cost differently from f32 ones; a non-f32 dtype is part of the key.
import type { Gpu } from '../gpu/device.ts';
import { GpuError } from '../errors.ts';
import { createStorageBuffer } from '../gpu/buffers.ts';
import { timeCalls } from '../gpu/timing.ts';
import type { ModelSpec } from '../model/spec.ts';
import { benchmarkMatmul, MATMUL_VARIANTS, matmulSumsRight, matmulVariantsOn, prepareMatmul, type MatmulVariant } from './matmul.ts';
import { Q8_BLOCK_WORDS, weightBufferBytes, type WeightDtype } from './weight-binding.ts';

/** [M, N, K] of a y[M, N] = x[M, K] W[N, K]^T, and how many times a forward runs it. */
export interface MatmulShape { M: number; N: number; K: number; count: number }

export interface MatmulTuning {
  choice: MatmulVariant;
  /** GFLOP/s per variant over the timed shapes (all their FLOPs / all their seconds); empty when nothing was timed. */
  gflops: Partial<Record<MatmulVariant, number>>;
  /** The shapes it was chosen for, "MxNxK" joined by ", ". */
  shapes: string;
  /** Variants left out because their sums were wrong on this adapter (matmulSumsRight); absent when none. */
  wrongSums?: MatmulVariant[];
  /** 'timed' by this call, 'stored' (an earlier timing on this adapter), or 'cpu-adapter' (SwiftShader's winner). */
  source: 'timed' | 'stored' | 'cpu-adapter';
}

/** Where timings outlive the page or the process; failures to read or write are not errors (it is a cache). */
export interface TuningStore {
  get(key: string): Promise<unknown>;
  set(key: string, tuning: MatmulTuning): Promise<void>;
}

/** Measured on SwiftShader at every shape of docs/benchmarks.md: loads, not FLOPs, are a CPU's cost. */
export const CPU_ADAPTER_CHOICE: MatmulVariant = 'blocked16x16';
/** The shape timed when no model is given (bench tables). */
export const PROBE_SHAPES: MatmulShape[] = [{ M: 256, N: 512, K: 512, count: 1 }];
/** lm_head is timed on this many rows (its vocabulary slices run at the same speed per row). */
const LM_HEAD_ROWS = 8192;

/** The model's matmul shapes per forward at M tokens: q, k, v, o, the MLP's maps per layer, and lm_head. */
export function modelMatmulShapes(spec: ModelSpec, M = 256): MatmulShape[] {
  const { hiddenSize: d, numHeads: nH, numKvHeads: nKv, headDim: hd, intermediateSize: f, numLayers: L, vocabSize: V } = spec;
  const counts = new Map<string, MatmulShape>();
  const add = (N: number, K: number, count: number) => {
    const key = `${N}x${K}`;
    const s = counts.get(key);
    if (s) s.count += count; else counts.set(key, { M, N, K, count });
  };
  add(nH * hd, d, L);                                // q
  add(nKv * hd, d, 2 * L);                           // k, v
  add(d, nH * hd, L);                                // o
  add(f, d, (spec.plainMlp ? 1 : 2) * L);            // up (and gate)
  add(d, f, L);                                      // down
  const rows = Math.min(V, LM_HEAD_ROWS);
  add(rows, d, V / rows);                            // lm_head, in slices of `rows`
  return [...counts.values()];
}

/** GFLOP/s of one variant at one shape with weights stored as `dtype` (after a warm-up); f32: benchmarkMatmul. */
export async function benchmarkMatmulStored(gpu: Gpu, variant: MatmulVariant, M: number, N: number, K: number, reps: number,
  dtype: WeightDtype): Promise<number> {
  if (dtype === 'f32') return benchmarkMatmul(gpu, variant, M, N, K, reps);
  // Contents do not change the speed; every weight is 0.5 (q8_0: scale 0.5, quants 1), x 0.25.
  const words = new Uint32Array(weightBufferBytes(dtype, N * K) / 4);
  if (dtype === 'q8_0') words.forEach((_, i) => { words[i] = i % Q8_BLOCK_WORDS === 0 ? 0x3800 : 0x01010101; });
  else words.fill(dtype === 'f16' ? 0x38003800 : 0x3f003f00);
  const owned = [
    await createStorageBuffer(gpu, 'bench x', M * K * 4, new Float32Array(M * K).fill(0.25)),
    await createStorageBuffer(gpu, `bench w ${dtype}`, words.byteLength, words),
    await createStorageBuffer(gpu, 'bench y', M * N * 4),
  ];
  try {
    const [x, w, y] = owned;
    const call = await prepareMatmul(gpu, { x, w: { buffer: w, dtype }, y, M, N, K, variant });
    await timeCalls(gpu, [call], 1); // warm-up: first dispatch pays for lazy compilation
    return (2 * M * N * K) / (await timeCalls(gpu, [call], reps)) / 1e9;
  } finally {
    owned.forEach((b) => b.destroy());
  }
}

const shapesKey = (shapes: readonly MatmulShape[]) => shapes.map((s) => `${s.M}x${s.N}x${s.K}`).join(', ');
const memory = new Map<string, Promise<MatmulTuning>>();

function isTuning(v: unknown, shapes: string): v is MatmulTuning {
  const t = v as MatmulTuning | null;
  return typeof t === 'object' && t !== null && (MATMUL_VARIANTS as readonly string[]).includes(t.choice) && t.shapes === shapes
    && typeof t.gflops === 'object' && t.gflops !== null;
}

/**
 * The variant for this adapter at `shapes`. `time: true` times even a CPU-backed adapter (bench tables) and ignores
 * what was stored. Concurrent calls for the same adapter and shapes share one timing.
 */
export function autotuneMatmul(gpu: Gpu, opts: { shapes?: MatmulShape[]; store?: TuningStore; time?: boolean;
  /** The dtype the model's weights are stored in (default f32). */ weightDtype?: WeightDtype;
  /** Called as variants are checked and timed (done of total), only when this call times them. */
  onProgress?: (done: number, total: number) => void } = {}): Promise<MatmulTuning> {
  const shapes = opts.shapes ?? PROBE_SHAPES;
  const dtype = opts.weightDtype ?? 'f32';
  const variants = matmulVariantsOn(gpu);
  const key = [gpu.adapter.vendor, gpu.adapter.architecture, gpu.adapter.description, variants.join('+'), shapesKey(shapes),
    ...(dtype === 'f32' ? [] : [`weights ${dtype}`])].join(' | ');
  if (!opts.time && gpu.adapter.isFallback) {
    return Promise.resolve({ choice: CPU_ADAPTER_CHOICE, gflops: {}, shapes: shapesKey(shapes), source: 'cpu-adapter' });
  }
  const known = opts.time ? undefined : memory.get(key);
  if (known) return known;
  const tuning = (async (): Promise<MatmulTuning> => {
    if (!opts.time) {
      const stored = await opts.store?.get(key).catch(() => undefined);
      if (isTuning(stored, shapesKey(shapes))) return { ...stored, source: 'stored' };
    }
    const seconds = {} as Record<MatmulVariant, number>;
    const gflops: Partial<Record<MatmulVariant, number>> = {};
    const flops = shapes.reduce((a, s) => a + 2 * s.M * s.N * s.K * s.count, 0);
    const right: MatmulVariant[] = [];
    for (const [i, v] of variants.entries()) {
      opts.onProgress?.(i, variants.length);
      // A variant whose sums are wrong here is not timed, so it cannot win (matmulSumsRight).
      if (!(await matmulSumsRight(gpu, v))) continue;
      right.push(v);
      seconds[v] = 0;
      for (const s of shapes) seconds[v] += (s.count * 2 * s.M * s.N * s.K) / ((await benchmarkMatmulStored(gpu, v, s.M, s.N, s.K, 2, dtype)) * 1e9);
      gflops[v] = flops / seconds[v] / 1e9;
    }
    opts.onProgress?.(variants.length, variants.length);
    if (!right.length) throw new GpuError('matmul autotune', 'validation', 'no matmul kernel summed right on this adapter');
    const choice = right.reduce((best, v) => (seconds[v] < seconds[best] ? v : best));
    const wrong = variants.filter((v) => !right.includes(v));
    const result: MatmulTuning = { choice, gflops, shapes: shapesKey(shapes), source: 'timed', ...(wrong.length ? { wrongSums: wrong } : {}) };
    await opts.store?.set(key, result).catch(() => undefined);
    return result;
  })();
  memory.set(key, tuning);
  tuning.catch(() => memory.delete(key));
  return tuning;
}
