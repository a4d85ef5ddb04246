// llama2.c checkpoints (karpathy/llama2.c export.py): the legacy format (version 0) and version 1 (fp32).
// Both are headers followed by float32 tensors back to back; only the order differs. Weights are [out, in]
// row-major like HF; q/k rows are in llama2.c's interleaved RoPE order, undone at decode time.
import { BadModelFile } from '../errors.ts';
import type { TensorEntry } from '../model/loaded-model.ts';
import { type ModelSpec, tensorNames } from '../model/spec.ts';
import type { ByteSource } from './byte-source.ts';

/** "ak42" read as a little-endian u32. */
const V1_MAGIC = 0x616b3432;
const V1_HEADER_BYTES = 256;
const LEGACY_HEADER_BYTES = 28;

export interface Llama2cHeader {
  version: 0 | 1;
  dim: number;
  hiddenDim: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  /** Always positive; `sharedClassifier` says whether a separate classifier (wcls) follows. */
  vocabSize: number;
  seqLen: number;
  sharedClassifier: boolean;
  headerBytes: number;
}

/** Reads and sanity-checks the header; null when the file is not a llama2.c checkpoint at all. */
export async function readLlama2cHeader(source: ByteSource): Promise<Llama2cHeader | null> {
  if (source.size < LEGACY_HEADER_BYTES) return null;
  const b = await source.read(0, Math.min(source.size, 40));
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let header: Llama2cHeader | null;
  if (dv.getUint32(0, true) === V1_MAGIC) {
    const version = b.length >= 8 ? dv.getInt32(4, true) : -1;
    if (version !== 1) {
      throw new BadModelFile(source.name, `llama2.c export version ${version} is not supported (only the legacy format and version 1, fp32)`, 4);
    }
    if (b.length < 37) throw new BadModelFile(source.name, `file is ${source.size} bytes, too short for the 256-byte version-1 header`, 0);
    header = params(dv, 8, 1, b[36] !== 0, V1_HEADER_BYTES);
    if (!header) throw new BadModelFile(source.name, 'version-1 header has implausible dimensions', 8);
  } else {
    const vocab = dv.getInt32(20, true);
    header = params(dv, 0, 0, vocab > 0, LEGACY_HEADER_BYTES); // negative vocab_size = unshared classifier
  }
  if (!header) return null;
  const expected = llama2cFileSize(header);
  if (expected !== source.size) {
    throw new BadModelFile(
      source.name,
      `llama2.c ${header.version === 1 ? 'version-1' : 'legacy'} header (dim ${header.dim}, hidden ${header.hiddenDim}, ${header.nLayers} layers, ` +
        `${header.nHeads} heads, ${header.nKvHeads} kv heads, vocab ${header.vocabSize}, seq_len ${header.seqLen}) implies ` +
        `${expected} bytes but the file has ${source.size}${source.size < expected ? ' (truncated?)' : ''}`,
      Math.min(expected, source.size),
    );
  }
  return header;
}

function params(dv: DataView, at: number, version: 0 | 1, shared: boolean, headerBytes: number): Llama2cHeader | null {
  const v = [0, 1, 2, 3, 4, 5, 6].map((i) => dv.getInt32(at + 4 * i, true));
  const [dim, hiddenDim, nLayers, nHeads, nKvHeads, vocab, seqLen] = v;
  const vocabSize = Math.abs(vocab);
  const ok =
    dim >= 1 && dim <= 65536 && hiddenDim >= 1 && hiddenDim <= 1 << 20 && nLayers >= 1 && nLayers <= 1024 &&
    nHeads >= 1 && dim % nHeads === 0 && (dim / nHeads) % 2 === 0 && nKvHeads >= 1 && nHeads % nKvHeads === 0 &&
    vocabSize >= 1 && vocabSize <= 1 << 22 && seqLen >= 1 && seqLen <= 1 << 20;
  return ok ? { version, dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize, seqLen, sharedClassifier: shared, headerBytes } : null;
}

interface Slot { name: string; shape: number[]; heads?: number }

/** Tensors in file order (export.py legacy_export / version1_export); `skip:` slots (legacy RoPE tables) are stored but unused. */
function layout(h: Llama2cHeader): Slot[] {
  const hs = h.dim / h.nHeads;
  const kvDim = h.nKvHeads * hs;
  const L = Array.from({ length: h.nLayers }, (_, i) => tensorNames.layer(i));
  const per = (pick: (n: ReturnType<typeof tensorNames.layer>) => string, shape: number[], heads?: number): Slot[] =>
    L.map((n) => ({ name: pick(n), shape, heads }));
  const embed = { name: tensorNames.embed, shape: [h.vocabSize, h.dim] };
  const attnNorm = per((n) => n.attnNorm, [h.dim]);
  const ffnNorm = per((n) => n.mlpNorm, [h.dim]);
  const finalNorm = { name: tensorNames.finalNorm, shape: [h.dim] };
  const projections = [
    ...per((n) => n.q, [h.dim, h.dim], h.nHeads),
    ...per((n) => n.k, [kvDim, h.dim], h.nKvHeads),
    ...per((n) => n.v, [kvDim, h.dim]),
    ...per((n) => n.o, [h.dim, h.dim]),
  ];
  const w1 = per((n) => n.gate, [h.hiddenDim, h.dim]);
  const w2 = per((n) => n.down, [h.dim, h.hiddenDim]);
  const w3 = per((n) => n.up, [h.hiddenDim, h.dim]);
  const wcls = h.sharedClassifier ? [] : [{ name: tensorNames.lmHead, shape: [h.vocabSize, h.dim] }];
  if (h.version === 1) {
    return [...attnNorm, ...ffnNorm, finalNorm, embed, ...projections, ...w1, ...w2, ...w3, ...wcls];
  }
  const rope = [
    { name: 'skip:freq_cis_real', shape: [h.seqLen, hs / 2] },
    { name: 'skip:freq_cis_imag', shape: [h.seqLen, hs / 2] },
  ];
  return [embed, ...attnNorm, ...projections, ...ffnNorm, ...w1, ...w2, ...w3, finalNorm, ...rope, ...wcls];
}

export function llama2cFileSize(h: Llama2cHeader): number {
  return layout(h).reduce((n, s) => n + 4 * s.shape.reduce((a, b) => a * b, 1), h.headerBytes);
}

export function llama2cTensors(h: Llama2cHeader, source: ByteSource): Map<string, TensorEntry> {
  const out = new Map<string, TensorEntry>();
  let at = h.headerBytes;
  for (const s of layout(h)) {
    const byteLength = 4 * s.shape.reduce((a, b) => a * b, 1);
    if (!s.name.startsWith('skip:')) {
      out.set(s.name, {
        name: s.name, dtype: 'F32', shape: s.shape, source, byteOffset: at, byteLength,
        ...(s.heads ? { transform: { kind: 'rope-interleaved-to-half' as const, heads: s.heads } } : {}),
      });
    }
    at += byteLength;
  }
  return out;
}

export function llama2cSpec(h: Llama2cHeader): ModelSpec {
  return {
    architecture: 'llama',
    hiddenSize: h.dim,
    intermediateSize: h.hiddenDim,
    numLayers: h.nLayers,
    numHeads: h.nHeads,
    numKvHeads: h.nKvHeads,
    headDim: h.dim / h.nHeads,
    vocabSize: h.vocabSize,
    maxPositions: h.seqLen,
    rmsNormEps: 1e-5, // run.c's rmsnorm constant
    ropeTheta: 10000, // run.c's RoPE base
    tieWordEmbeddings: h.sharedClassifier,
    attentionBias: false,
    bosTokenId: 1,
    eosTokenId: 2,
  };
}
