// Child process of e2e/onnx-web.spec.ts (run with `node --import ./bin/register.mjs`, which loads the core's
// shader imports that Playwright's loader cannot): writes stories260K compacted per layer as OUT_DIR/model.onnx
// and prints the first 128-token TinyStories window with onnxruntime-node's logits for it as JSON.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel } from '../src/core/formats/load-model.ts';
import { pathSources } from '../src/core/formats/node-file-source.ts';
import { evalWindows, tokenizeForEval } from '../src/core/engine/windows.ts';
import { MemoryTarget } from '../src/core/export/byte-sink.ts';
import { writeOnnx } from '../src/core/export/onnx/write-onnx.ts';
import type { KeptUnits } from '../src/core/prune/compaction.ts';
import { STORIES_HF, TINYSTORIES_TEXT } from '../test/helpers/fixtures.ts';

const SEQ = 128;
/** Layer l keeps 8 - (l % 3) heads (the highest ones go, so kv-groups end up uneven) and 172 - 20 l channels. */
const kept: KeptUnits[] = Array.from({ length: 5 }, (_, l) => ({
  heads: Array.from({ length: 8 - (l % 3) }, (_, h) => h),
  channels: Array.from({ length: 172 - 20 * l }, (_, c) => c),
}));

const outDir = process.argv[2];
const model = await loadModel(await pathSources(STORIES_HF));
const target = new MemoryTarget();
const written = await writeOnnx(model, { kept }, await target.create('model.onnx'));
const onnx = target.bytes('model.onnx');
writeFileSync(join(outDir, 'model.onnx'), onnx);
const ids = evalWindows(tokenizeForEval(model.tokenizer, readFileSync(TINYSTORIES_TEXT, 'utf8')), SEQ, 1)[0];
const session = await ort.InferenceSession.create(onnx);
const out = await session.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, SEQ]) });
await session.release();
process.stdout.write(`${JSON.stringify({ ids, logits: Array.from(out.logits.data as Float32Array), heads: written.spec.layerWidths?.map((w) => w.numHeads) })}\n`);
