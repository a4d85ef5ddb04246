// GGUF llama models -> canonical tensors, ModelSpec and a score-BPE tokenizer from the embedded vocabulary.
// GGUF dims are innermost-first, so [in, out] in the file is our row-major [out, in]. llama.cpp stores
// llama q/k (weights and biases) permuted to interleaved RoPE order, undone at decode time.
import { BadModelFile, UnsupportedArchitecture } from '../errors.ts';
import type { TensorEntry, TextTokenizer } from '../model/loaded-model.ts';
import { type ModelSpec, tensorNames } from '../model/spec.ts';
import type { ByteSource } from './byte-source.ts';
import { type GgufFile, type GgufValue, readGguf } from './gguf-parse.ts';
import { ScoreBpeTokenizer } from './score-bpe-tokenizer.ts';
import { clip, quote } from '../quote.ts';
import { MAX_LAYERS } from './tensor-check.ts';

export interface GgufModel {
  spec: ModelSpec;
  tensors: Map<string, TensorEntry>;
  tokenizer: TextTokenizer;
}

const LAYER_NAMES: Record<string, keyof ReturnType<typeof tensorNames.layer>> = {
  'attn_norm.weight': 'attnNorm', 'attn_q.weight': 'q', 'attn_k.weight': 'k', 'attn_v.weight': 'v',
  'attn_output.weight': 'o', 'attn_q.bias': 'qBias', 'attn_k.bias': 'kBias', 'attn_v.bias': 'vBias',
  'ffn_norm.weight': 'mlpNorm', 'ffn_gate.weight': 'gate', 'ffn_up.weight': 'up', 'ffn_down.weight': 'down',
};
const GLOBAL_NAMES: Record<string, string> = {
  'token_embd.weight': tensorNames.embed, 'output_norm.weight': tensorNames.finalNorm, 'output.weight': tensorNames.lmHead,
};

export async function loadGguf(source: ByteSource): Promise<GgufModel> {
  const file = await readGguf(source);
  const arch = file.metadata.get('general.architecture');
  if (arch !== 'llama') throw new UnsupportedArchitecture(typeof arch === 'string' ? clip(arch) : 'gguf (no general.architecture)', 'GGUF files must have general.architecture "llama"');
  const spec = ggufSpec(file, source.name);
  const tensors = new Map<string, TensorEntry>();
  for (const t of file.tensors) {
    const m = /^blk\.(\d+)\.(.+)$/.exec(t.name);
    const role = m ? LAYER_NAMES[m[2]] : undefined;
    const name = m ? (role ? tensorNames.layer(Number(m[1]))[role] : undefined) : GLOBAL_NAMES[t.name];
    if (!name) continue; // e.g. rope_freqs.weight: not used by plain RoPE
    const heads = role === 'q' || role === 'qBias' ? spec.numHeads : role === 'k' || role === 'kBias' ? spec.numKvHeads : 0;
    tensors.set(name, {
      name, dtype: t.dtype, shape: [...t.dims].reverse(), source, byteOffset: t.byteOffset, byteLength: t.byteLength,
      ...(heads ? { transform: { kind: 'rope-interleaved-to-half' as const, heads } } : {}),
    });
  }
  // No output.weight: llama.cpp ties the classifier to token_embd.
  spec.tieWordEmbeddings = !tensors.has(tensorNames.lmHead);
  spec.attentionBias = tensors.has(tensorNames.layer(0).qBias);
  const embed = tensors.get(tensorNames.embed);
  if (embed && embed.shape[0] !== spec.vocabSize) {
    // The engine sizes the classifier from the embedding; the tokenizer may be smaller (padding rows).
    if (embed.shape[0] < spec.vocabSize) {
      throw new BadModelFile(source.name, `token_embd has ${embed.shape[0]} rows but the vocabulary has ${spec.vocabSize} tokens`);
    }
    spec.vocabSize = embed.shape[0];
  }
  return { spec, tensors, tokenizer: ggufTokenizer(file, source.name) };
}

function ggufSpec(f: GgufFile, fileName: string): ModelSpec {
  const md = f.metadata;
  const int = (key: string, fallback?: number, max = Number.MAX_SAFE_INTEGER): number => {
    const v = md.get(key) ?? fallback;
    if (v === undefined) throw new BadModelFile(fileName, `missing metadata key ${key}`);
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > max) {
      throw new BadModelFile(fileName, `${key} must be a positive integer${max < Number.MAX_SAFE_INTEGER ? ` up to ${max}` : ''}, got ${quote(v)}`);
    }
    return v;
  };
  const num = (key: string, fallback: number): number => {
    const v = md.get(key) ?? fallback;
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new BadModelFile(fileName, `${key} must be a positive finite number, got ${quote(v)}`);
    return shortestF32Decimal(v);
  };
  const scaling = md.get('llama.rope.scaling.type');
  if (scaling !== undefined && scaling !== 'none') {
    throw new UnsupportedArchitecture('llama', `GGUF rope scaling ${quote(scaling)} is not implemented (only plain RoPE)`);
  }
  const hidden = int('llama.embedding_length');
  const heads = int('llama.attention.head_count');
  const kvHeads = int('llama.attention.head_count_kv', heads);
  if (heads % kvHeads !== 0) throw new BadModelFile(fileName, `head_count ${heads} is not a multiple of head_count_kv ${kvHeads}`);
  const headDim = int('llama.attention.key_length', hidden % heads === 0 ? hidden / heads : undefined);
  const ropeDims = md.get('llama.rope.dimension_count');
  if (ropeDims !== undefined && ropeDims !== headDim) {
    throw new UnsupportedArchitecture('llama', `partial rotary embeddings (rope.dimension_count ${quote(ropeDims)} of head size ${headDim})`);
  }
  const tokens = md.get('tokenizer.ggml.tokens');
  return {
    architecture: 'llama',
    hiddenSize: hidden,
    intermediateSize: int('llama.feed_forward_length'),
    numLayers: int('llama.block_count', undefined, MAX_LAYERS),
    numHeads: heads,
    numKvHeads: kvHeads,
    headDim,
    vocabSize: int('llama.vocab_size', Array.isArray(tokens) ? tokens.length : undefined),
    maxPositions: int('llama.context_length', 2048),
    rmsNormEps: num('llama.attention.layer_norm_rms_epsilon', 1e-5),
    ropeTheta: num('llama.rope.freq_base', 10000),
    tieWordEmbeddings: false, // decided from the tensors present
    attentionBias: false,
    bosTokenId: optionalId(md.get('tokenizer.ggml.bos_token_id')),
    eosTokenId: optionalId(md.get('tokenizer.ggml.eos_token_id')),
  };
}

/**
 * GGUF stores eps / rope base as float32, so 1e-5 reads back as 9.999999747e-6. The shortest decimal that
 * rounds to the same float32 is what the converter was given, and keeps specs (and fingerprints) comparable
 * with config.json's values.
 */
export function shortestF32Decimal(v: number): number {
  if (Math.fround(v) !== v) return v; // not a float32 value (f64 metadata): keep as is
  for (let p = 1; p <= 9; p++) {
    const x = Number(v.toPrecision(p));
    if (Math.fround(x) === v) return x;
  }
  return v;
}

/** Unset ids are absent or stored as u32 -1 (0xffffffff). */
function optionalId(v: GgufValue | undefined): number | null {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v < 0xffffffff ? v : null;
}

/** llama.cpp token types: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte. */
const NORMAL_TYPES = new Set([1, 4]);

function ggufTokenizer(f: GgufFile, fileName: string): TextTokenizer {
  const md = f.metadata;
  const model = md.get('tokenizer.ggml.model');
  if (model !== 'llama') {
    throw new UnsupportedArchitecture('llama', `GGUF tokenizer model ${quote(model)} (only sentencepiece-style "llama" vocabularies are supported)`);
  }
  const tokens = md.get('tokenizer.ggml.tokens');
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'string')) throw new BadModelFile(fileName, 'tokenizer.ggml.tokens is missing or not a string array');
  // Scores and types must be plain numbers: a 64-bit array arrives as bigint and breaks every comparison later.
  const numbers = (key: string): number[] | null => {
    const raw = md.get(key);
    if (!Array.isArray(raw) || raw.length !== tokens.length) return null;
    const bad = raw.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
    if (bad >= 0) throw new BadModelFile(fileName, `${key}[${bad}] is ${quote(raw[bad])}, not a finite number (a 64-bit array?)`);
    return raw as number[];
  };
  const scores = numbers('tokenizer.ggml.scores') ?? tokens.map(() => 0);
  const types = numbers('tokenizer.ggml.token_type');
  const bosId = optionalId(md.get('tokenizer.ggml.bos_token_id'));
  const eosId = optionalId(md.get('tokenizer.ggml.eos_token_id'));
  const unkId = optionalId(md.get('tokenizer.ggml.unknown_token_id')) ?? 0;
  const addBos = md.get('tokenizer.ggml.add_bos_token');
  return new ScoreBpeTokenizer({
    // GGUF keeps sentencepiece's '▁'; the score BPE works on plain spaces like llama2.c.
    pieces: (tokens as string[]).map((t) => t.replaceAll('\u2581', ' ')),
    scores,
    isNormal: types ? (id) => NORMAL_TYPES.has(types[id]) : (id) => id !== bosId && id !== eosId && id !== unkId,
    unkId,
    bosId,
    eosId,
    addBos: typeof addBos === 'boolean' ? addBos : bosId !== null,
  });
}
