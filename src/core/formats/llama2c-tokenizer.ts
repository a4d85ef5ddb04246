// llama2.c tokenizer file (tokenizer.bin / tok512.bin ...): int32 max_token_length, then for each token
// f32 score, int32 byte length, the piece's bytes. The token count is not stored (llama2.c takes it from the
// checkpoint), so a file is recognised by walking it to its exact end.
import { BadModelFile } from '../errors.ts';
import type { ByteSource } from './byte-source.ts';
import { bytePieceValue } from './piece-decoder.ts';
import { ScoreBpeTokenizer } from './score-bpe-tokenizer.ts';

export interface Llama2cVocab {
  maxTokenLength: number;
  pieces: string[];
  scores: Float32Array;
}

/** Real tokenizer files are < 2 MB (32k tokens); anything much larger is a checkpoint. */
const MAX_TOKENIZER_BYTES = 64 * 1024 * 1024;

/** Parses the whole file, or returns null when the bytes are not a llama2.c tokenizer. */
export function parseLlama2cVocab(bytes: Uint8Array): Llama2cVocab | null {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4) return null;
  const maxTokenLength = dv.getInt32(0, true);
  if (maxTokenLength < 1 || maxTokenLength > 1024) return null;
  const pieces: string[] = [];
  const scores: number[] = [];
  const utf8 = new TextDecoder();
  let at = 4;
  while (at < bytes.length) {
    if (at + 8 > bytes.length) return null;
    const score = dv.getFloat32(at, true);
    const len = dv.getInt32(at + 4, true);
    // llama2.c exports pieces of at most max_token_length bytes; the empty piece does not occur.
    if (len < 1 || len > maxTokenLength || at + 8 + len > bytes.length || !Number.isFinite(score)) return null;
    scores.push(score);
    pieces.push(utf8.decode(bytes.subarray(at + 8, at + 8 + len)));
    at += 8 + len;
  }
  return pieces.length > 0 ? { maxTokenLength, pieces, scores: Float32Array.from(scores) } : null;
}

export async function readLlama2cVocab(source: ByteSource): Promise<Llama2cVocab | null> {
  if (source.size > MAX_TOKENIZER_BYTES || source.size < 12) return null;
  return parseLlama2cVocab(await source.read(0, source.size));
}

/**
 * llama2.c's vocabulary layout: 0 <unk>, 1 BOS ("\n<s>\n"), 2 EOS ("\n</s>\n"), 3..258 the <0xNN> bytes.
 * llama2.c always encodes with BOS for generation and evaluation.
 */
export function llama2cTokenizer(vocab: Llama2cVocab, file: string, modelVocabSize: number): ScoreBpeTokenizer {
  if (vocab.pieces.length !== modelVocabSize) {
    throw new BadModelFile(file, `tokenizer has ${vocab.pieces.length} tokens but the checkpoint's vocab_size is ${modelVocabSize}`);
  }
  return new ScoreBpeTokenizer({
    pieces: vocab.pieces,
    scores: vocab.scores,
    isNormal: (id) => id > 2 && bytePieceValue(vocab.pieces[id]) < 0,
    unkId: 0,
    bosId: 1,
    eosId: 2,
    addBos: true,
  });
}
