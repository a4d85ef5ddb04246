// ONNX export evaluated by onnxruntime-node on stories260K (5 layers, 8 heads over 4 kv heads, MLP 172): the
// exported folder's model.onnx, evaluated by `prunelab ppl`'s ONNX path (tokenizer read beside it, the engine's
// windows), gives the in-engine perplexity within 1e-3 relative: dense, structured Wanda-sp 30% (compacted, 6
// heads over uneven kv-groups), unstructured Wanda 50% (masked). (Different widths per layer: onnx-graph.test.ts
// against the float64 reference and e2e/onnx-web.spec.ts.)
// The first window's logits match the engine's. Evaluation: the first 2 x 128 TinyStories tokens; calibration:
// the next 2 x 128.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpu, type Gpu } from '../../src/core/gpu/device.ts';
import type { ByteSource } from '../../src/core/formats/byte-source.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { pathSources } from '../../src/core/formats/node-file-source.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import { evaluatePerplexity } from '../../src/core/engine/perplexity.ts';
import { evalWindows, tokenizeForEval } from '../../src/core/engine/windows.ts';
import { MemoryTarget } from '../../src/core/export/byte-sink.ts';
import { exportPrunedModel, keepMasksOf, type ExportSummary } from '../../src/core/export/export-model.ts';
import { nodeFolderTarget } from '../../src/core/export/node-folder-target.ts';
import { onnx } from '../../src/core/export/onnx/onnx-schema.ts';
import { writeOnnx } from '../../src/core/export/onnx/write-onnx.ts';
import type { LoadedModel } from '../../src/core/model/loaded-model.ts';
import { Pruner, type PruneResult } from '../../src/core/prune/pruner.ts';
import type { PruneRequest } from '../../src/core/prune/prune-options.ts';
import { onnxFilePerplexity } from '../../src/cli/onnx-ppl.ts';
import { STORIES_HF, TINYSTORIES_TEXT } from '../helpers/fixtures.ts';

const SEQ = 128, EVAL = 2, CALIB = 2;
const protocol = { seqLen: SEQ, maxWindows: EVAL };
const text = readFileSync(TINYSTORIES_TEXT, 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'prunelab-onnx-'));
let gpu: Gpu, model: LoadedModel, engine: Engine, pruner: Pruner, sources: ByteSource[];
let windows: number[][];

/** Exports the pruner's result (or the dense model) as the CLI does, into a fresh folder. */
async function exportFolder(name: string, result: PruneResult | null): Promise<{ path: string; summary: ExportSummary }> {
  const dir = join(tmp, name);
  mkdirSync(dir);
  const summary = await exportPrunedModel({
    model, format: 'onnx', target: nodeFolderTarget(dir), sources,
    kept: result?.kept, masks: result && !result.kept ? keepMasksOf(pruner, result) : undefined,
  });
  return { path: join(dir, summary.weightsFile), summary };
}

/** In-engine vs onnxruntime-node perplexity on the same text, windows and protocol. */
async function bothPerplexities(path: string) {
  const inEngine = await evaluatePerplexity(engine, text, protocol);
  const viaOrt = await onnxFilePerplexity(path, text, protocol);
  expect(viaOrt.tokens).toBe(inEngine.tokens);
  expect(viaOrt.protocol.textTokens).toBe(inEngine.protocol.textTokens);
  return { inEngine: inEngine.ppl, ort: viaOrt.ppl, report: viaOrt };
}

const relative = (a: number, b: number) => Math.abs(a / b - 1);

beforeAll(async () => {
  sources = await pathSources(STORIES_HF);
  model = await loadModel(sources);
  windows = evalWindows(tokenizeForEval(model.tokenizer, text), SEQ, EVAL + CALIB);
  gpu = await createGpu();
  engine = await Engine.create(gpu, model);
  pruner = await Pruner.create(engine, windows.slice(EVAL));
});
afterAll(() => { pruner?.destroy(); engine?.destroy(); gpu?.destroy(); rmSync(tmp, { recursive: true, force: true }); });

describe('dense', () => {
  it('decodes as opset 17 input_ids -> logits, streams one weight per chunk; first-window logits and perplexity equal the engine\'s', async () => {
    const target = new MemoryTarget();
    const written = await writeOnnx(model, {}, await target.create('model.onnx'));
    const bytes = target.bytes('model.onnx');
    expect(written.bytes).toBe(bytes.byteLength);
    expect(written.variant).toBe('onnx-dense');
    expect(written.fingerprint).toBe(model.fingerprint);   // same spec and tensor table as the source
    // The largest write is one weight: the embedding [512, 64] f32.
    expect(Math.max(...target.files.get('model.onnx')!.map((c) => c.byteLength))).toBe(512 * 64 * 4);
    const decoded = onnx.ModelProto.toObject(onnx.ModelProto.decode(bytes), { longs: Number }) as {
      irVersion: number; opsetImport: Array<{ version: number }>;
      graph: { input: Array<{ name: string }>; output: Array<{ name: string }>; initializer: Array<{ name: string; dims: number[] }> };
    };
    expect(decoded.irVersion).toBe(8);
    expect(decoded.opsetImport[0].version).toBe(17);
    expect(decoded.graph.input.map((i) => i.name)).toEqual(['input_ids']);
    expect(decoded.graph.output.map((o) => o.name)).toEqual(['logits']);
    const q0 = decoded.graph.initializer.find((t) => t.name === 'model.layers.0.self_attn.q_proj.weight')!;
    expect(q0.dims).toEqual([64, 64]);                      // [in, out]

    const session = await ort.InferenceSession.create(bytes);
    const w = windows[0];
    const out = await session.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(w, BigInt), [1, SEQ]) });
    await session.release();
    expect(out.logits.dims).toEqual([1, SEQ, 512]);
    const ortLogits = out.logits.data as Float32Array;
    const engineLogits = await engine.logits(w);           // [SEQ, 512]
    let maxDiff = 0, maxAbs = 0;
    for (let i = 0; i < engineLogits.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(ortLogits[i] - engineLogits[i]));
      maxAbs = Math.max(maxAbs, Math.abs(engineLogits[i]));
    }
    console.log(`dense logits of window 1: max |ORT - engine| ${maxDiff.toExponential(2)} (max |logit| ${maxAbs.toFixed(2)})`);
    expect(maxAbs).toBeGreaterThan(5);
    expect(maxDiff).toBeLessThan(1e-3);                     // float32 on both sides, different summation orders

    const { path } = await exportFolder('dense', null);
    const p = await bothPerplexities(path);
    console.log(`dense: in-engine ${p.inEngine.toFixed(6)}, onnxruntime-node ${p.ort.toFixed(6)}, ${p.report.tokensPerSecond.toFixed(0)} tok/s`);
    expect(p.report.adapter.vendor).toBe('onnxruntime-node 1.30.0');
    expect(p.report.protocol.modelHash).toBe(model.fingerprint);
    expect(relative(p.ort, p.inEngine)).toBeLessThan(1e-3);
  });
});

describe('structured (compacted)', () => {
  it('Wanda-sp 30%: 5-6 of 8 heads over uneven kv-groups and 120-121 channels per layer; same perplexity', async () => {
    const req: PruneRequest = { metric: 'wanda', structured: 'wanda-sp', sparsity: 0.3, allocation: 'uniform' };
    const result = await pruner.prune(req);
    const { path, summary } = await exportFolder('sp30', result);
    expect(summary.variant).toBe('onnx-compact');
    expect(summary.parameters).toBe(260_032 - 61_824);     // exactly 30% of the 206,080 removable weights
    expect(summary.spec.layerWidths!.map((w) => w.numHeads)).toEqual([5, 5, 6, 6, 6]);
    const p = await bothPerplexities(path);
    console.log(`Wanda-sp 30%: in-engine ${p.inEngine.toFixed(6)}, onnxruntime-node ${p.ort.toFixed(6)}; model.onnx ${summary.files[0].bytes} bytes`);
    expect(p.inEngine).toBeGreaterThan(8);                  // pruning changed the model (dense is ~4.2)
    expect(relative(p.ort, p.inEngine)).toBeLessThan(1e-3);
  });
});

describe('unstructured (masked)', () => {
  it('Wanda 50%: floor(K/2) zeros per row of every linear map; same perplexity', async () => {
    const result = await pruner.prune({ metric: 'wanda', sparsity: 0.5, allocation: 'uniform' });
    const { path, summary } = await exportFolder('wanda50', result);
    expect(summary.variant).toBe('onnx-masked');
    expect(summary.zeroed).toBe(5 * (64 * 32 * 2 + 32 * 32 * 2 + 172 * 32 * 2 + 64 * 86));
    const p = await bothPerplexities(path);
    console.log(`Wanda 50%: in-engine ${p.inEngine.toFixed(6)}, onnxruntime-node ${p.ort.toFixed(6)}`);
    expect(p.inEngine).toBeGreaterThan(5);
    expect(relative(p.ort, p.inEngine)).toBeLessThan(1e-3);
  });
});
