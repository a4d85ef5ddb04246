// Exports stream: a generated 134 MB model (SmolLM-ish widths, 8 layers, untied 8192-token vocabulary) is
// exported masked and compacted to a sink that keeps nothing, while the live memory (ArrayBuffers after a
// forced GC, sampled at every write) and the largest read / write are recorded. The exporter must hold
// about one tensor at a time, never the model (CPU only: masks come from kept lists / a seeded generator).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { pathSources } from '../../src/core/formats/node-file-source.ts';
import type { ByteSink, ExportTarget } from '../../src/core/export/byte-sink.ts';
import { exportPrunedModel } from '../../src/core/export/export-model.ts';
import type { KeepMasks } from '../../src/core/export/keep-masks.ts';
import { COPY_CHUNK_BYTES } from '../../src/core/export/tensor-bytes.ts';
import type { LoadedModel } from '../../src/core/model/loaded-model.ts';
import { randomHfModel } from '../../src/core/model/random-model.ts';
import type { ModelSpec } from '../../src/core/model/spec.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const spec: ModelSpec = {
  architecture: 'llama', hiddenSize: 512, intermediateSize: 1536, numLayers: 8, numHeads: 8, numKvHeads: 4, headDim: 64,
  vocabSize: 8192, maxPositions: 512, rmsNormEps: 1e-5, ropeTheta: 10000, tieWordEmbeddings: false, attentionBias: false,
  bosTokenId: 1, eosTokenId: 2,
};
const MODEL_BYTES = 4 * (2 * 8192 * 512 + 512 + 8 * (2 * 512 + 512 * 512 * 2 + 2 * 256 * 512 + 3 * 512 * 1536));
const LARGEST_LINEAR = 4 * 512 * 1536;         // gate / up / down, the largest tensor that gets modified

let dir: string, model: LoadedModel, sourceBytes: number;
let maxRead = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'prunelab-stream-'));
  {
    const m = randomHfModel(spec, { seed: 5, dtype: 'F32' });
    writeFileSync(join(dir, 'config.json'), m.configJson);
    writeFileSync(join(dir, 'model.safetensors'), m.safetensors);
    sourceBytes = m.safetensors.byteLength;
  }
  model = await loadModel(await pathSources(dir), { requireTokenizer: false });
  const src = model.tensors.get('model.embed_tokens.weight')!.source;
  const read = src.read.bind(src);
  (src as { read: typeof src.read }).read = async (offset, length) => { maxRead = Math.max(maxRead, length); return read(offset, length); };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A folder that drops every byte, measuring live ArrayBuffer memory after a full GC at every write. */
function probeTarget(baseline: number) {
  const stats = { bytes: new Map<string, number>(), maxChunk: 0, peakExtra: 0, writes: 0, firstChunk: 0 };
  const target: ExportTarget = {
    async create(name): Promise<ByteSink> {
      stats.bytes.set(name, 0);
      return {
        async write(chunk) {
          if (name === 'model.safetensors' && stats.bytes.get(name) === 0) stats.firstChunk = chunk.byteLength;
          stats.bytes.set(name, stats.bytes.get(name)! + chunk.byteLength);
          stats.maxChunk = Math.max(stats.maxChunk, chunk.byteLength);
          if (stats.writes++ % 2 === 0) { // every other write keeps the GCs affordable on a shared 2-core machine
            gc(); gc(); // the second collection also finishes sweeping the first one's freed ArrayBuffers
            const extra = process.memoryUsage().arrayBuffers - baseline;
            stats.peakExtra = Math.max(stats.peakExtra, extra);
          }
        },
        close: async () => {},
      };
    },
  };
  return { target, stats };
}

/** Seeded unstructured masks, ~half the weights kept, generated per tensor as the exporter asks. */
function randomMasks(seed: number): KeepMasks {
  const rng = xoroshiro128plus(seed);
  return {
    async bits(name, N, K) {
      if (!/_proj\.weight$/.test(name)) return null;
      const bits = new Uint32Array(N * Math.ceil(K / 32));
      for (let i = 0; i < bits.length; i++) bits[i] = rng.next() >>> 0;
      return bits;
    },
  };
}

describe('streaming export of a 134 MB model', () => {
  it('masked: about one tensor live at a time, chunks no larger than a tensor, every byte written once', async () => {
    maxRead = 0;
    gc();
    const baseline = process.memoryUsage().arrayBuffers;
    const { target, stats } = probeTarget(baseline);
    const start = performance.now();
    const summary = await exportPrunedModel({ model, format: 'masked', masks: randomMasks(3), sources: [], target });
    const seconds = (performance.now() - start) / 1000;
    console.log(`masked export of ${(MODEL_BYTES / 2 ** 20).toFixed(1)} MiB: ${seconds.toFixed(2)} s, peak extra live ` +
      `${(stats.peakExtra / 2 ** 20).toFixed(2)} MiB, largest chunk ${(stats.maxChunk / 2 ** 20).toFixed(2)} MiB, largest read ${(maxRead / 2 ** 20).toFixed(2)} MiB`);
    expect(sourceBytes - MODEL_BYTES).toBeLessThan(16384);             // the source is the 134 MB of weights + its header
    const written = stats.bytes.get('model.safetensors')!;
    expect(written).toBe(summary.files[0].bytes);
    expect(written - stats.firstChunk).toBe(MODEL_BYTES);             // header first, then exactly the data section
    expect(stats.maxChunk).toBeLessThanOrEqual(Math.max(COPY_CHUNK_BYTES, LARGEST_LINEAR));
    expect(maxRead).toBeLessThanOrEqual(Math.max(COPY_CHUNK_BYTES, LARGEST_LINEAR));
    // One modified tensor (+ its 1/32 bitset) or one copy chunk, and slack: far below the model.
    expect(stats.peakExtra).toBeLessThan(3 * LARGEST_LINEAR);
    expect(stats.peakExtra).toBeLessThan(MODEL_BYTES / 8);
    expect(summary.zeroed).toBeGreaterThan(0.45 * 8 * (2 * 512 * 512 + 2 * 256 * 512 + 3 * 512 * 1536));
  });

  it('compact: same bound, and the data section shrinks by exactly the removed rows and columns', async () => {
    maxRead = 0;
    gc();
    const { target, stats } = probeTarget(process.memoryUsage().arrayBuffers);
    const kept = Array.from({ length: 8 }, (_, l) => ({
      heads: l % 2 ? [0, 1, 2, 3, 4, 5, 6, 7] : [0, 2, 4, 6],            // odd layers keep all 8 heads, even layers 4
      channels: Array.from({ length: 1536 - 128 * (l % 4) }, (_, c) => c),
    }));
    const summary = await exportPrunedModel({ model, format: 'compact', kept, sources: [], target });
    expect(summary.variant).toBe('compact-prunelab');
    const removed = kept.reduce((s, k) => s + 4 * ((8 - k.heads.length) * 64 * 512 * 2 + (1536 - k.channels.length) * 512 * 3), 0);
    expect(stats.bytes.get('model.safetensors')! - stats.firstChunk).toBe(MODEL_BYTES - removed);
    expect(stats.maxChunk).toBeLessThanOrEqual(Math.max(COPY_CHUNK_BYTES, LARGEST_LINEAR));
    expect(stats.peakExtra).toBeLessThan(3 * LARGEST_LINEAR);
    console.log(`compact export: peak extra live ${(stats.peakExtra / 2 ** 20).toFixed(2)} MiB, removed ${(removed / 2 ** 20).toFixed(2)} MiB`);
  });
});
