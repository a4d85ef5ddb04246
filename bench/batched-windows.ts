// Batched windows (issue 13 §3): tokens/s of the perplexity loop on stories260K, one window per dispatch vs
// Engine.windowBatch windows per dispatch, same engine, same windows, alternating runs (best of REPS each).
// node --import ./bin/register.mjs bench/batched-windows.ts   (BENCH_WINDOWS, BENCH_SEQ, BENCH_REPS)
import { resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import { createGpu } from '../src/core/gpu/device.ts';
import { loadModel } from '../src/core/formats/load-model.ts';
import { pathSources } from '../src/core/formats/node-file-source.ts';
import { Engine } from '../src/core/engine/engine.ts';
import { evalWindows, tokenizeForEval } from '../src/core/engine/windows.ts';
import { accumulateNll } from '../src/core/engine/nll-accumulator.ts';
import { batchOf } from '../src/core/engine/perplexity.ts';

const fixtures = resolve(import.meta.dirname, '..', process.env.PRUNELAB_FIXTURES ?? '../shared/fixtures');
const WINDOWS = Number(process.env.BENCH_WINDOWS ?? 16), SEQ = Number(process.env.BENCH_SEQ ?? 256), REPS = Number(process.env.BENCH_REPS ?? 3);

const gpu = await createGpu();
const model = await loadModel(await pathSources(resolve(fixtures, 'models/stories260K')));
const engine = await Engine.create(gpu, model);
const text = await readFile(resolve(fixtures, 'text/tinystories/validation-prefix.txt'), 'utf8');
const windows = evalWindows(tokenizeForEval(model.tokenizer, text), SEQ, WINDOWS);
const batch = batchOf(engine, windows)!;
const one = () => accumulateNll(windows, (w) => engine.windowNll(w));
const many = () => accumulateNll(windows, (w) => engine.windowNll(w), { batch });
await one(); await many(); // plans built, pipelines compiled
let tOne = Infinity, tMany = Infinity, sums = new Set<number>();
for (let r = 0; r < REPS; r++) {
  const a = await one(), b = await many();
  tOne = Math.min(tOne, a.seconds); tMany = Math.min(tMany, b.seconds);
  sums.add(a.sum); sums.add(b.sum);
}
const tokens = windows.length * SEQ;
console.log(`adapter: ${gpu.adapter.description || gpu.adapter.vendor} (fallback ${gpu.adapter.isFallback}), matmul ${engine.matmulVariant}`);
console.log(`${windows.length} x ${SEQ} windows, batch ${Math.min(batch.size, windows.length)} (limit ${batch.size}): one at a time ${(tokens / tOne).toFixed(0)} tok/s, batched ${(tokens / tMany).toFixed(0)} tok/s (x${(tOne / tMany).toFixed(2)}); NLL sums identical: ${sums.size === 1}`);
engine.destroy();
gpu.destroy();
