// The session's tokenized-text cache must tell texts apart by their content: two texts of the same length that
// share their first 64 characters are different evaluation texts (the old key, length + 64 characters, mixed them).
import { describe, expect, it } from 'vitest';
import type { Engine } from '../core/engine/engine.ts';
import { PruneSession } from './prune-session.ts';

const charTokenizer = { encode: (t: string) => [...t].map((c) => c.charCodeAt(0)), addBos: false, bosId: null };
const session = () => new PruneSession({ model: { tokenizer: charTokenizer } } as unknown as Engine);

describe('PruneSession.tokens', () => {
  it('keeps texts that share length and first 64 characters apart', async () => {
    const s = session();
    const prefix = 'x'.repeat(64);
    const a = await s.tokens(`${prefix}aaaa`), b = await s.tokens(`${prefix}bbbb`);
    expect(a.ids.at(-1)).toBe('a'.charCodeAt(0));
    expect(b.ids.at(-1)).toBe('b'.charCodeAt(0));
    expect(a.hash).not.toBe(b.hash);
  });

  it('tokenizes an equal text once', async () => {
    const s = session();
    expect(s.tokens('same text')).toBe(s.tokens('same text'));
  });
});
