// Score-based BPE (sentencepiece BPE as llama2.c's encode() implements it), shared by llama2.c tokenizer
// files and GGUF vocabularies: prepend the dummy-prefix space, one symbol per character (unknown
// characters fall back to <0xNN> byte tokens), then repeatedly merge the adjacent pair whose concatenation
// is a vocabulary piece with the highest score (ties: leftmost). A heap keeps this O(n log n) instead of
// llama2.c's O(n^2) rescans, so whole evaluation texts encode in one call.
import type { TextTokenizer } from '../model/loaded-model.ts';
import { bytePieceValue, cachedPieces, decodeIds } from './piece-decoder.ts';

export interface ScoreVocab {
  /** Pieces with a plain ' ' for space (llama2.c's convention; GGUF's '▁' is converted by the caller). */
  pieces: string[];
  scores: ArrayLike<number>;
  /** Ids that text may produce by lookup or merge (not control / unknown / byte tokens). */
  isNormal: (id: number) => boolean;
  unkId: number;
  bosId: number | null;
  eosId: number | null;
  addBos: boolean;
}

interface Candidate { score: number; left: number; right: number; leftTok: number; rightTok: number; merged: number }

export class ScoreBpeTokenizer implements TextTokenizer {
  readonly vocabSize: number;
  readonly bosId: number | null;
  readonly eosId: number | null;
  readonly addBos: boolean;
  private readonly lookup = new Map<string, number>();
  private readonly byteIds = new Int32Array(256).fill(-1);
  private readonly scores: Float32Array;
  private readonly pieceBytes: (id: number) => Uint8Array;
  /** Characters inside some multi-character piece: only these can ever merge with a neighbour. */
  private readonly joining = new Set<string>();

  constructor(private readonly vocab: ScoreVocab) {
    this.vocabSize = vocab.pieces.length;
    this.bosId = vocab.bosId;
    this.eosId = vocab.eosId;
    this.addBos = vocab.addBos;
    this.scores = Float32Array.from(vocab.scores); // compare in float32, as llama2.c does
    vocab.pieces.forEach((p, id) => {
      const b = bytePieceValue(p);
      if (b >= 0 && this.byteIds[b] < 0) this.byteIds[b] = id;
      else if (vocab.isNormal(id) && !this.lookup.has(p)) this.lookup.set(p, id);
    });
    for (const p of this.lookup.keys()) if ([...p].length > 1) for (const ch of p) this.joining.add(ch);
    const enc = new TextEncoder();
    this.pieceBytes = cachedPieces(this.vocabSize, (id) => {
      const p = vocab.pieces[id];
      const b = bytePieceValue(p);
      if (b >= 0) return Uint8Array.of(b);
      return vocab.isNormal(id) ? enc.encode(p) : new Uint8Array(0); // control tokens print nothing
    });
  }

  encode(text: string): number[] {
    return text.length === 0 ? [] : this.encodeSymbols(' ' + text);
  }

  /** encode(text) in parts of at least `chars` characters: each part ends after a character that never merges
   * (in no multi-character piece, e.g. a byte-fallback newline), so no merge crosses a cut and the parts
   * concatenate to exactly encode(text)'s ids; the dummy-prefix space goes before the first part only. */
  *encodeParts(text: string, chars = 16_384): Generator<number[]> {
    let start = 0;
    while (start < text.length) {
      let end = Math.min(text.length, start + chars);
      while (end < text.length && !this.cutsAfter(text, end)) end++;
      yield this.encodeSymbols((start === 0 ? ' ' : '') + text.slice(start, end));
      start = end;
    }
  }

  /** Whether text[i - 1] (a whole character, not half of a surrogate pair) never merges with anything. */
  private cutsAfter(text: string, i: number): boolean {
    const c = text.charCodeAt(i - 1);
    return !(c >= 0xd800 && c <= 0xdfff) && !this.joining.has(text[i - 1]);
  }

  private encodeSymbols(text: string): number[] {
    // 1. Symbols: one per character; byte tokens for characters not in the vocabulary.
    const toks: number[] = [];
    const mergeable: boolean[] = [];
    const enc = new TextEncoder();
    for (const ch of text) {
      const id = this.lookup.get(ch);
      if (id !== undefined) { toks.push(id); mergeable.push(true); continue; }
      for (const b of enc.encode(ch)) {
        toks.push(this.byteIds[b] >= 0 ? this.byteIds[b] : this.vocab.unkId);
        mergeable.push(false);
      }
    }
    // 2. Merges over a doubly linked list of symbols; positions keep their original left-to-right order.
    const n = toks.length;
    const next = Int32Array.from({ length: n }, (_, i) => (i + 1 < n ? i + 1 : -1));
    const prev = Int32Array.from({ length: n }, (_, i) => i - 1);
    const alive = new Uint8Array(n).fill(1);
    const heap: Candidate[] = [];
    const consider = (left: number) => {
      const right = next[left];
      if (right < 0 || !mergeable[left] || !mergeable[right]) return;
      const merged = this.lookup.get(this.vocab.pieces[toks[left]] + this.vocab.pieces[toks[right]]);
      if (merged !== undefined) heapPush(heap, { score: this.scores[merged], left, right, leftTok: toks[left], rightTok: toks[right], merged });
    };
    for (let i = 0; i + 1 < n; i++) consider(i);
    while (heap.length > 0) {
      const c = heapPop(heap);
      // Stale candidates (a side already merged elsewhere) are skipped, not removed eagerly.
      if (!alive[c.left] || !alive[c.right] || next[c.left] !== c.right || toks[c.left] !== c.leftTok || toks[c.right] !== c.rightTok) continue;
      toks[c.left] = c.merged;
      alive[c.right] = 0;
      next[c.left] = next[c.right];
      if (next[c.right] >= 0) prev[next[c.right]] = c.left;
      if (prev[c.left] >= 0) consider(prev[c.left]);
      consider(c.left);
    }
    const out: number[] = [];
    for (let i = 0; i >= 0; i = next[i]) out.push(toks[i]);
    return out;
  }

  decode(ids: number[], previousId?: number): string {
    return decodeIds(ids, this.pieceBytes, this.bosId, previousId);
  }
}

/** Heap order: higher score first; equal scores -> leftmost position first (llama2.c's strict '>' scan). */
function before(a: Candidate, b: Candidate): boolean {
  return a.score > b.score || (a.score === b.score && a.left < b.left);
}

function heapPush(h: Candidate[], c: Candidate): void {
  h.push(c);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!before(h[i], h[p])) break;
    [h[i], h[p]] = [h[p], h[i]];
    i = p;
  }
}

function heapPop(h: Candidate[]): Candidate {
  const top = h[0];
  const last = h.pop()!;
  if (h.length > 0) {
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l], h[m])) m = l;
      if (r < h.length && before(h[r], h[m])) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
  return top;
}
