import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Gpu } from '../gpu/device.ts';
import type { ModelSpec } from '../model/spec.ts';
import { MATMUL_VARIANTS } from './matmul.ts';
import { autotuneMatmul, CPU_ADAPTER_CHOICE, modelMatmulShapes, type MatmulTuning, type TuningStore } from './matmul-tuning.ts';
import { fileTuningStore } from '../../cli/tuning-file-store.ts';
import { useGpu } from '../../../test/helpers/kernel-harness.ts';

const gpu = useGpu();
const tiny = [{ M: 8, N: 12, K: 8, count: 3 }, { M: 8, N: 8, K: 12, count: 1 }];
/** The SwiftShader device presented as a real GPU with its own adapter name (so memory keys never collide). */
const asRealGpu = (name: string): Gpu => ({ ...gpu(), adapter: { ...gpu().adapter, isFallback: false, description: name } });

function recordingStore(initial: Record<string, unknown> = {}): TuningStore & { gets: string[]; sets: Array<[string, MatmulTuning]> } {
  const data = { ...initial };
  const gets: string[] = [], sets: Array<[string, MatmulTuning]> = [];
  return {
    gets, sets,
    get: async (key) => { gets.push(key); return data[key] ?? Object.entries(data).find(([k]) => key.includes(k))?.[1]; },
    set: async (key, t) => { sets.push([key, t]); data[key] = t; },
  };
}

describe('modelMatmulShapes', () => {
  it("counts each distinct map shape per forward (q and o share [d, d]), the MLP's gate only when gated, lm_head in 8192-row slices", () => {
    const spec = { hiddenSize: 64, numHeads: 8, numKvHeads: 4, headDim: 8, intermediateSize: 172, numLayers: 5, vocabSize: 512 } as ModelSpec;
    expect(modelMatmulShapes(spec)).toEqual([
      { M: 256, N: 64, K: 64, count: 10 }, { M: 256, N: 32, K: 64, count: 10 }, { M: 256, N: 172, K: 64, count: 10 },
      { M: 256, N: 64, K: 172, count: 5 }, { M: 256, N: 512, K: 64, count: 1 },
    ]);
    const gpt2Like = { ...spec, plainMlp: true, numKvHeads: 8, vocabSize: 50257 } as ModelSpec;
    const shapes = modelMatmulShapes(gpt2Like, 128);
    expect(shapes.find((s) => s.N === 172)!.count).toBe(5);
    expect(shapes.find((s) => s.N === 64 && s.K === 64)!.count).toBe(20);   // q, k, v, o
    expect(shapes.at(-1)).toEqual({ M: 128, N: 8192, K: 64, count: 50257 / 8192 });
  });
});

describe('autotuneMatmul', () => {
  it("a CPU-backed adapter (SwiftShader) takes its measured winner at once: nothing timed, the store not asked", async () => {
    expect(gpu().adapter.isFallback).toBe(true);
    const store = recordingStore();
    const t = await autotuneMatmul(gpu(), { shapes: tiny, store });
    expect(t).toEqual({ choice: CPU_ADAPTER_CHOICE, gflops: {}, shapes: '8x12x8, 8x8x12', source: 'cpu-adapter' });
    expect(store.gets).toEqual([]);
  });

  it('a real GPU: every variant timed at the given shapes, the least total time wins, the choice is stored per adapter and reused', async () => {
    const store = recordingStore();
    const real = asRealGpu('tuning-test-timed');
    const t = await autotuneMatmul(real, { shapes: tiny, store });
    expect(t.source).toBe('timed');
    expect(Object.keys(t.gflops).sort()).toEqual([...MATMUL_VARIANTS].sort());
    // Same FLOPs for every variant: least time = most GFLOP/s.
    expect(Math.max(...Object.values(t.gflops) as number[])).toBe(t.gflops[t.choice]);
    expect(store.sets).toHaveLength(1);
    expect(store.sets[0][0]).toContain('tuning-test-timed');
    expect(store.sets[0][0]).toContain('8x12x8, 8x8x12');
    expect(store.sets[0][1]).toEqual(t);
    // The same adapter and shapes again (another device of this process): memory answers, nothing timed or read.
    expect(await autotuneMatmul(asRealGpu('tuning-test-timed'), { shapes: tiny, store })).toBe(t);
    expect(store.gets).toHaveLength(1);
  });

  it("a stored timing is used on the next page or process; a stored value that is not a tuning is timed again", async () => {
    const stored: MatmulTuning = { choice: 'tiled64', gflops: { tiled64: 9000 }, shapes: '8x12x8, 8x8x12', source: 'timed' };
    const t = await autotuneMatmul(asRealGpu('tuning-test-stored'), { shapes: tiny, store: recordingStore({ 'tuning-test-stored': stored }) });
    expect(t).toEqual({ ...stored, source: 'stored' });
    for (const bad of [{ ...stored, choice: 'bogus' }, { ...stored, shapes: '1x1x1' }, 'tiled64', null]) {
      const store = recordingStore({ 'tuning-test-bad': bad });
      const again = await autotuneMatmul(asRealGpu(`tuning-test-bad ${JSON.stringify(bad)}`), { shapes: tiny, store });
      expect(again.source, JSON.stringify(bad)).toBe('timed');
      expect(store.sets).toHaveLength(1);
    }
  });

  it('weights stored as bf16 / q8_0 are timed in that dtype, under their own key (an f32 timing is not reused)', async () => {
    const shapes = [{ M: 8, N: 12, K: 32, count: 1 }];
    const store = recordingStore();
    const f32 = await autotuneMatmul(asRealGpu('tuning-test-dtype'), { shapes, store });
    expect(store.sets[0][0]).not.toMatch(/weights/);
    for (const weightDtype of ['bf16', 'q8_0'] as const) {
      const own = recordingStore(); // (recordingStore's get also matches keys by prefix)
      const t = await autotuneMatmul(asRealGpu('tuning-test-dtype'), { shapes, store: own, weightDtype });
      expect(t).not.toBe(f32);
      expect(t.source).toBe('timed');
      expect(Object.keys(t.gflops).sort()).toEqual([...MATMUL_VARIANTS].sort());
      expect(own.sets[0][0]).toBe(`${store.sets[0][0]} | weights ${weightDtype}`);
    }
  });

  it('a variant whose sums are wrong on the adapter is neither timed nor chosen, and the tuning names it', async () => {
    // The subgroup kernel built for 8 lanes on SwiftShader's 4-lane subgroups: it writes NaN (matmul-subgroup.wgsl).
    const wrongSize: Gpu = { ...asRealGpu('tuning-test-wrong-sums'), subgroupSize: 8 };
    const t = await autotuneMatmul(wrongSize, { shapes: tiny });
    expect(t.wrongSums).toEqual(['subgroup']);
    expect(Object.keys(t.gflops).sort()).toEqual(MATMUL_VARIANTS.filter((v) => v !== 'subgroup').sort());
    expect(t.choice).not.toBe('subgroup');
    // Without subgroups of one size the variant is not offered at all (it would repeat tiled64).
    const none = await autotuneMatmul({ ...asRealGpu('tuning-test-no-subgroups'), subgroupSize: null }, { shapes: tiny });
    expect(none.wrongSums).toBeUndefined();
    expect(Object.keys(none.gflops)).not.toContain('subgroup');
  });

  it('reports its progress over the variants while it times, and not when the choice is known', async () => {
    const seen: Array<[number, number]> = [];
    await autotuneMatmul(asRealGpu('tuning-test-progress'), { shapes: tiny, onProgress: (d, n) => seen.push([d, n]) });
    const n = MATMUL_VARIANTS.length;
    expect(seen).toEqual([...Array.from({ length: n }, (_, i) => [i, n]), [n, n]]);
    const again: unknown[] = [];
    await autotuneMatmul(asRealGpu('tuning-test-progress'), { shapes: tiny, onProgress: (d) => again.push(d) });
    await autotuneMatmul(gpu(), { shapes: tiny, onProgress: (d) => again.push(d) });   // the CPU adapter's pick
    expect(again).toEqual([]);
  });

  it('a store that fails to read or write is only a cache', async () => {
    const broken: TuningStore = { get: async () => { throw new Error('quota'); }, set: async () => { throw new Error('quota'); } };
    expect((await autotuneMatmul(asRealGpu('tuning-test-broken'), { shapes: tiny, store: broken })).source).toBe('timed');
  });
});

describe('fileTuningStore (CLI)', () => {
  it('round-trips, keeps other keys, and treats a corrupt file as empty', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prunelab-tuning-'));
    try {
      const file = join(dir, 'sub', 'matmul-tuning.json');
      const store = fileTuningStore(file);
      const a: MatmulTuning = { choice: 'tiled64', gflops: { tiled64: 1 }, shapes: 's', source: 'timed' };
      expect(await store.get('a')).toBeUndefined();
      await store.set('a', a);
      await store.set('b', { ...a, choice: 'blocked4x4' });
      expect(await fileTuningStore(file).get('a')).toEqual(a);
      expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')))).toEqual(['a', 'b']);
      writeFileSync(file, '{"a": ');
      expect(await store.get('a')).toBeUndefined();
      await store.set('c', a);
      expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')))).toEqual(['c']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
