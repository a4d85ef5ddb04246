// `prunelab ppl --model model.onnx`: an exported ONNX model evaluated through onnxruntime-node (CPU) with the
// engine's perplexity protocol; the tokenizer comes from the files beside the .onnx (the export writes them).
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { BadModelFile, BadRequest } from '../core/errors.ts';
import type { PerplexityOptions, PerplexityReport } from '../core/engine/perplexity-report.ts';
import { sha256Hex } from '../core/engine/windows.ts';
import { fileSource } from '../core/formats/node-file-source.ts';
import type { TextTokenizer } from '../core/model/loaded-model.ts';
import { folderTokenizer } from '../core/export/onnx/folder-tokenizer.ts';
import { evaluateOnnxPerplexity, type OnnxLogitsRunner, type OnnxRuntimeInfo } from '../core/export/onnx/onnx-perplexity.ts';
import { readOnnxMetadata } from '../core/export/onnx/onnx-stream.ts';
import { INPUT_IDS, LOGITS } from '../core/export/onnx/decoder-graph.ts';
import { ONNX_META } from '../core/export/onnx/write-onnx.ts';

export const isOnnxModelPath = (path: string) => path.toLowerCase().endsWith('.onnx');

export interface OnnxModelSession {
  run: OnnxLogitsRunner;
  info: OnnxRuntimeInfo;
  tokenizer: TextTokenizer;
  release(): Promise<void>;
}

/** Loads `path` into an onnxruntime-node CPU session and finds its tokenizer beside it. */
export async function openOnnxModel(path: string): Promise<OnnxModelSession> {
  const bytes = await readFile(path).catch(() => { throw new BadRequest(`cannot read ONNX model ${path}`); });
  const ort = await import('onnxruntime-node'); // the native runtime loads only for ONNX models
  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all' });
  } catch (e) {
    throw new BadModelFile(basename(path), `onnxruntime cannot load it (${(e as Error).message.split('\n')[0]})`);
  }
  const logits = session.outputMetadata.find((m) => m.name === LOGITS);
  const vocab = logits?.isTensor ? logits.shape[2] : undefined;
  if (!session.inputNames.includes(INPUT_IDS) || typeof vocab !== 'number') {
    await session.release();
    throw new BadModelFile(basename(path), `expected input ${INPUT_IDS} and output ${LOGITS} [batch, sequence, vocab] ` +
      `(got inputs ${session.inputNames.join(', ')}; outputs ${session.outputNames.join(', ')})`);
  }
  const meta = readOnnxMetadata(bytes);
  const dir = dirname(path);
  const siblings = await Promise.all((await readdir(dir)).filter((n) => !isOnnxModelPath(n)).map((n) => join(dir, n)));
  const files = [];
  for (const p of siblings) if ((await stat(p)).isFile()) files.push(await fileSource(p));
  const { tokenizer } = await folderTokenizer(files, vocab);
  const maxPositions = Number(meta[ONNX_META.maxPositions]);
  return {
    tokenizer,
    info: {
      vendor: `onnxruntime-node ${ort.env.versions.node ?? ''}`.trim(), architecture: 'cpu',
      description: 'onnxruntime-node, CPU execution provider', vocabSize: vocab,
      modelHash: meta[ONNX_META.fingerprint] ?? await sha256Hex(bytes),
      ...(Number.isInteger(maxPositions) && maxPositions > 0 ? { maxPositions } : {}),
    },
    async run(ids) {
      const input = new ort.Tensor('int64', BigInt64Array.from(ids, (v) => BigInt(v)), [1, ids.length]);
      const out = await session.run({ [INPUT_IDS]: input });
      return out[LOGITS].data as Float32Array;
    },
    release: () => session.release(),
  };
}

/** Perplexity of an ONNX model file on `text` (same windows as the engine's evaluatePerplexity). */
export async function onnxFilePerplexity(path: string, text: string, opts: PerplexityOptions): Promise<PerplexityReport> {
  const m = await openOnnxModel(path);
  try {
    return await evaluateOnnxPerplexity(m.run, m.tokenizer, text, opts, m.info);
  } finally {
    await m.release();
  }
}
