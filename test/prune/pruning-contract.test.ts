// What a pruning request promises beyond its numbers: weights are never re-uploaded (masks are rewritten in
// place, checked by watching every buffer write and allocation), and invalid requests fail before any GPU work.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpu, type Gpu } from '../../src/core/gpu/device.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { pathSources } from '../../src/core/formats/node-file-source.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import { evalWindows, tokenizeForEval } from '../../src/core/engine/windows.ts';
import { BadRequest } from '../../src/core/errors.ts';
import { Pruner } from '../../src/core/prune/pruner.ts';
import { parseNm, type PruneRequest } from '../../src/core/prune/prune-options.ts';
import { layerMaps } from '../../src/core/prune/linear-maps.ts';
import { STORIES_HF, TINYSTORIES_TEXT } from '../helpers/fixtures.ts';

let gpu: Gpu, engine: Engine, pruner: Pruner, windows: number[][];

beforeAll(async () => {
  const model = await loadModel(await pathSources(STORIES_HF));
  windows = evalWindows(tokenizeForEval(model.tokenizer, readFileSync(TINYSTORIES_TEXT, 'utf8').slice(0, 20_000)), 64, 4);
  gpu = await createGpu();
  engine = await Engine.create(gpu, model);
  pruner = await Pruner.create(engine, windows.slice(0, 2));
});
afterAll(() => { pruner?.destroy(); engine?.destroy(); gpu?.destroy(); });

async function nll(): Promise<number> {
  let s = 0;
  for (const w of windows.slice(2)) s += (await engine.windowNll(w)).sum;
  return s;
}

describe('pruning contract', () => {
  it('a new sparsity rewrites masks and re-evaluates without writing or allocating any weight-sized buffer', async () => {
    await pruner.prune({ metric: 'wanda', sparsity: 0.3, allocation: 'uniform' });
    const before = await nll();
    const weightBuffers = new Set<GPUBuffer>([...[...engine.weights.tensors.values()].map((t) => t.buffer),
      ...engine.weights.embed.chunks.map((c) => c.buffer), ...engine.weights.lmHead.chunks.map((c) => c.buffer)]);
    const linearMaps = Array.from({ length: engine.spec.numLayers }, (_, l) => layerMaps(engine.spec, l)).flat();
    const smallestWeight = Math.min(...linearMaps.map((m) => engine.weights.tensors.get(m.name)!.buffer.size));
    const written: GPUBuffer[] = [];
    const created: number[] = [];
    const { queue } = gpu.device;
    const realWrite = queue.writeBuffer.bind(queue);
    const realCreate = gpu.device.createBuffer.bind(gpu.device);
    queue.writeBuffer = ((b: GPUBuffer, ...rest: unknown[]) => { written.push(b); return (realWrite as (...a: unknown[]) => void)(b, ...rest); }) as typeof queue.writeBuffer;
    gpu.device.createBuffer = ((d: GPUBufferDescriptor) => { created.push(d.size); return realCreate(d); }) as typeof gpu.device.createBuffer;
    try {
      const result = await pruner.prune({ metric: 'wanda', sparsity: 0.6, allocation: 'uniform' });
      result.achievedSparsity.forEach((s) => expect(s).toBeGreaterThan(0.55));
      expect(await nll()).toBeGreaterThan(before);   // more pruning, worse fit: the masks really changed
    } finally {
      queue.writeBuffer = realWrite;
      gpu.device.createBuffer = realCreate;
    }
    expect(written.filter((b) => weightBuffers.has(b))).toEqual([]);
    // Only readback staging (masks are [N, K/32] u32, 1/32 of their weight) and small uniforms appear:
    // nothing as large as the smallest linear map.
    expect(created.filter((size) => size >= smallestWeight)).toEqual([]);
    expect(written.length).toBeGreaterThan(0);
  });

  const invalid: Array<[string, PruneRequest, RegExp]> = [
    ['sparsity 1', { metric: 'wanda', sparsity: 1, allocation: 'uniform' }, /sparsity 1 is outside \[0, 1\)/],
    ['negative sparsity', { metric: 'wanda', sparsity: -0.1, allocation: 'uniform' }, /outside \[0, 1\)/],
    ['NaN sparsity', { metric: 'wanda', sparsity: NaN, allocation: 'uniform' }, /outside \[0, 1\)/],
    ['short vector', { metric: 'wanda', sparsity: 0.5, allocation: [0.5, 0.5] }, /2 entries but the model has 5 layers/],
    ['NaN in vector', { metric: 'wanda', sparsity: 0.5, allocation: [0.5, NaN, 0.5, 0.5, 0.5] }, /allocation\[1\] = NaN/],
    ['N >= M', { metric: 'wanda', sparsity: 0.5, allocation: 'uniform', nm: { n: 4, m: 4 } }, /N must be at least 1 and below M/],
    ['N:M with OWL', { metric: 'wanda', sparsity: 0.5, allocation: 'owl', nm: { n: 2, m: 4 } }, /use --alloc uniform/],
  ];
  for (const [name, req, message] of invalid) {
    it(`refuses ${name} with a BadRequest`, async () => {
      const err = await pruner.prune(req).catch((e) => e);
      expect(err).toBeInstanceOf(BadRequest);
      expect(err.message).toMatch(message);
    });
  }

  it('parses N:M patterns and refuses malformed ones', () => {
    expect(parseNm('2:4')).toEqual({ n: 2, m: 4 });
    expect(() => parseNm('4:2')).toThrow(/below M/);
    expect(() => parseNm('2-4')).toThrow(/not of the form N:M/);
  });
});
