// The session's tokenized-text cache must tell texts apart by their content: two texts of the same length that
// share their first 64 characters are different evaluation texts (the old key, length + 64 characters, mixed them).
import { describe, expect, it } from 'vitest';
import type { Engine } from '../core/engine/engine.ts';
import { Cancelled } from '../core/errors.ts';
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

  it('a job cancelled while tokenizing stops it; a job waiting on that tokenization tokenizes again under its own signal', async () => {
    // One character per part, 0.5 ms each: the tokenization yields to the event loop between parts.
    const slow = () => { const t = performance.now(); while (performance.now() - t < 0.5); };
    const parts = { ...charTokenizer, *encodeParts(t: string) { for (const c of t) { slow(); yield [c.charCodeAt(0)]; } } };
    const s = new PruneSession({ model: { tokenizer: parts } } as unknown as Engine);
    const a = new AbortController(), b = new AbortController();
    const text = 'y'.repeat(1000);
    const first = s.tokens(text, a.signal), second = s.tokens(text, b.signal);
    a.abort();
    await expect(first).rejects.toBeInstanceOf(Cancelled);
    expect((await second).ids.length).toBe(1000);
  });
});
