// What every format loader produces: a spec, lazily-readable tensors under canonical names, a tokenizer.
import type { ByteSource } from '../formats/byte-source.ts';
import type { Dtype, ModelFormat, ModelSpec } from './spec.ts';

/** Reordering applied when a tensor is decoded: llama2.c / GGUF store q,k rows in interleaved RoPE order; GPT-2's
 * Conv1D stores [in, out], so a map is columns colStart .. colStart + N - 1 of a stored [K, storedCols] tensor
 * (its byte range is the whole stored tensor), transposed. */
export type RowTransform =
  | { kind: 'rope-interleaved-to-half'; heads: number }
  | { kind: 'transposed-columns'; storedCols: number; colStart: number };

export interface TensorEntry {
  name: string;
  dtype: Dtype;
  /** Row-major, [out, in] for linear maps. */
  shape: number[];
  source: ByteSource;
  byteOffset: number;
  byteLength: number;
  transform?: RowTransform;
}

export interface TextTokenizer {
  readonly vocabSize: number;
  /** Ids of the vocabulary proper, without added special tokens (Hugging Face tokenizers), when it differs. */
  readonly baseVocabSize?: number;
  readonly bosId: number | null;
  readonly eosId: number | null;
  /** Whether the model's tokenizer config asks for BOS at the start of a text. */
  readonly addBos: boolean;
  /** Token ids of `text`, WITHOUT BOS (callers add it per addBos). */
  encode(text: string): number[];
  /** The same ids as encode(text), in consecutive parts, so that a caller can stop (or yield) between them;
   * absent where the tokenizer cannot cut a text without changing its tokens. */
  encodeParts?(text: string): Iterable<number[]>;
  /** Decodes generated ids llama2.c-style: `<0xNN>` pieces are raw bytes, the leading space after BOS is dropped. */
  decode(ids: number[], previousId?: number): string;
}

export interface LoadedModel {
  format: ModelFormat;
  spec: ModelSpec;
  /** Canonical HF names -> entries. */
  tensors: Map<string, TensorEntry>;
  tokenizer: TextTokenizer;
  /** Dominant stored dtype of the weights, for the summary. */
  dtype: Dtype;
  /** Files the model was read from. */
  files: string[];
  /** sha-256 hex of the spec + tensor names/shapes (the protocol fingerprint). */
  fingerprint: string;
}
