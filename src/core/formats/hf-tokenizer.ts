// tokenizer.json (+ tokenizer_config.json) through @huggingface/tokenizers, behind the TextTokenizer interface.
// Encoding never adds special tokens (callers add BOS per addBos); decoding is llama2.c-style (piece-decoder.ts).
import { Tokenizer } from '@huggingface/tokenizers';
import { BadModelFile } from '../errors.ts';
import type { TextTokenizer } from '../model/loaded-model.ts';
import { checkTokenizerJson } from './tokenizer-json-check.ts';
import { byteLevelPieceBytes, cachedPieces, decodeIds, sentencePieceBytes } from './piece-decoder.ts';

type Json = Record<string, unknown>;

/** What an HfTokenizer is built from: structured-cloneable, so the studio's tokenizer worker builds the same one. */
export interface HfTokenizerSource {
  tokenizerJson: Json;
  tokenizerConfig: Json;
  fallbackBos: number | null;
  fallbackEos: number | null;
}

export class HfTokenizer implements TextTokenizer {
  readonly vocabSize: number;
  readonly baseVocabSize: number;
  readonly bosId: number | null;
  readonly eosId: number | null;
  readonly addBos: boolean;
  private readonly tok: Tokenizer;
  private readonly pieceBytes: (id: number) => Uint8Array;
  readonly source: HfTokenizerSource;

  /** `fallbackBos` / `fallbackEos`: config.json's ids, used when tokenizer_config.json names none. */
  constructor(tokenizerJson: Json, tokenizerConfig: Json, fallbackBos: number | null, fallbackEos: number | null) {
    checkTokenizerJson(tokenizerJson);
    this.source = { tokenizerJson, tokenizerConfig, fallbackBos, fallbackEos };
    try {
      this.tok = new Tokenizer(tokenizerJson, tokenizerConfig);
      // Parts the library only reads when encoding fail here, at load, not on the user's text later.
      this.tok.encode('Hello, world 123', { add_special_tokens: false });
    } catch (e) {
      throw new BadModelFile('tokenizer.json', `@huggingface/tokenizers cannot load it (${String((e as Error)?.message ?? e).slice(0, 200)})`);
    }
    const vocab = this.tok.get_vocab(true);
    let maxId = -1;
    for (const id of vocab.values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
    const added = new Set(((tokenizerJson.added_tokens ?? []) as { id: number }[]).map((t) => t.id));
    let maxBase = -1;
    for (const id of vocab.values()) if (!added.has(id)) maxBase = Math.max(maxBase, id);
    this.baseVocabSize = maxBase + 1;

    const template = bosFromTemplate(tokenizerJson.post_processor);
    this.bosId = this.tokenId(tokenizerConfig.bos_token) ?? template ?? fallbackBos;
    this.eosId = this.tokenId(tokenizerConfig.eos_token) ?? fallbackEos;
    // An explicit add_bos_token wins; otherwise do what the post-processor template does (Llama: yes, Qwen2: no).
    const explicit = tokenizerConfig.add_bos_token;
    this.addBos = (typeof explicit === 'boolean' ? explicit : template !== null) && this.bosId !== null;

    const special = new Set<number>();
    for (const t of (tokenizerJson.added_tokens ?? []) as { id: number; special?: boolean }[]) if (t.special) special.add(t.id);
    const byteLevel = usesByteLevel(tokenizerJson.decoder);
    this.pieceBytes = cachedPieces(this.vocabSize, (id) => {
      const piece = this.tok.id_to_token(id);
      if (piece === undefined || special.has(id)) return new Uint8Array(0); // special tokens print nothing
      return byteLevel ? byteLevelPieceBytes(piece) : sentencePieceBytes(piece);
    });
  }

  encode(text: string): number[] {
    try {
      return this.tok.encode(text, { add_special_tokens: false }).ids;
    } catch (e) {
      throw new BadModelFile('tokenizer.json', `@huggingface/tokenizers failed to encode the text (${String((e as Error)?.message ?? e).slice(0, 200)})`);
    }
  }

  decode(ids: number[], previousId?: number): string {
    return decodeIds(ids, this.pieceBytes, this.bosId, previousId);
  }

  /** tokenizer_config.json names tokens as a string or as an AddedToken object { content }. */
  private tokenId(v: unknown): number | null {
    const content = typeof v === 'string' ? v : typeof v === 'object' && v !== null ? (v as Json).content : undefined;
    if (typeof content !== 'string') return null;
    return this.tok.token_to_id(content) ?? null;
  }
}

/** The id of a special token that TemplateProcessing puts first in a single sequence, if any. */
function bosFromTemplate(pp: unknown): number | null {
  if (typeof pp !== 'object' || pp === null) return null;
  const p = pp as Json;
  if (p.type === 'Sequence' && Array.isArray(p.processors)) {
    for (const inner of p.processors) {
      const id = bosFromTemplate(inner);
      if (id !== null) return id;
    }
    return null;
  }
  if (p.type !== 'TemplateProcessing' || !Array.isArray(p.single)) return null;
  const first = (p.single[0] ?? {}) as Json;
  const sp = first.SpecialToken as Json | undefined;
  if (!sp || typeof sp.id !== 'string') return null;
  const entry = (p.special_tokens as Record<string, Json> | undefined)?.[sp.id];
  const ids = entry?.ids;
  return Array.isArray(ids) && typeof ids[0] === 'number' ? ids[0] : null;
}

function usesByteLevel(decoder: unknown): boolean {
  if (typeof decoder !== 'object' || decoder === null) return false;
  const d = decoder as Json;
  if (d.type === 'ByteLevel') return true;
  return Array.isArray(d.decoders) && d.decoders.some(usesByteLevel);
}
