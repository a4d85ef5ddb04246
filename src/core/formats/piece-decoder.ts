// llama2.c-style decoding shared by every tokenizer: each id maps to the raw bytes of its piece, bytes are
// concatenated and UTF-8 decoded once (so multi-byte characters split over <0xNN> pieces come out whole),
// and a piece's leading space is dropped right after BOS (sentencepiece's dummy prefix).

const BYTE_PIECE = /^<0x([0-9A-Fa-f]{2})>$/;
const utf8 = new TextEncoder();

/** Bytes of a sentencepiece-style piece: `<0xNN>` is one raw byte, '▁' is a space. */
export function sentencePieceBytes(piece: string): Uint8Array {
  const m = BYTE_PIECE.exec(piece);
  if (m) return Uint8Array.of(parseInt(m[1], 16));
  return utf8.encode(piece.replaceAll('\u2581', ' '));
}

/** The byte a `<0xNN>` piece stands for, or -1. */
export function bytePieceValue(piece: string): number {
  const m = BYTE_PIECE.exec(piece);
  return m ? parseInt(m[1], 16) : -1;
}

let byteLevelTable: Map<string, number> | undefined;
/** GPT-2 byte-level BPE maps each byte to a printable character; this is the inverse map. */
function byteLevelDecoder(): Map<string, number> {
  if (byteLevelTable) return byteLevelTable;
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const table = new Map<string, number>();
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const code = printable.includes(b) ? b : 256 + extra++;
    table.set(String.fromCodePoint(code), b);
  }
  return (byteLevelTable = table);
}

/** Bytes of a GPT-2 byte-level piece ('Ġ' = space, ...); characters outside the table are UTF-8 encoded. */
export function byteLevelPieceBytes(piece: string): Uint8Array {
  const table = byteLevelDecoder();
  const out: number[] = [];
  for (const ch of piece) {
    const b = table.get(ch);
    if (b !== undefined) out.push(b);
    else out.push(...utf8.encode(ch));
  }
  return Uint8Array.from(out);
}

/**
 * Decodes `ids` given a per-id byte lookup (empty bytes for control tokens) and the BOS id.
 * `previousId` is the token before ids[0] (for streaming one token at a time after BOS).
 */
export function decodeIds(ids: number[], pieceBytes: (id: number) => Uint8Array, bosId: number | null, previousId?: number): string {
  const parts: Uint8Array[] = [];
  let total = 0;
  let prev = previousId;
  for (const id of ids) {
    let bytes = pieceBytes(id);
    if (bosId !== null && prev === bosId && bytes[0] === 0x20) bytes = bytes.subarray(1);
    parts.push(bytes);
    total += bytes.length;
    prev = id;
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { all.set(p, at); at += p.length; }
  return new TextDecoder().decode(all);
}

/** Memoizes a per-id byte lookup (decoding runs once per generated token). */
export function cachedPieces(count: number, compute: (id: number) => Uint8Array): (id: number) => Uint8Array {
  const cache: (Uint8Array | undefined)[] = new Array(count);
  const empty = new Uint8Array(0);
  return (id) => {
    if (!Number.isInteger(id) || id < 0 || id >= count) return empty;
    return (cache[id] ??= compute(id));
  };
}
